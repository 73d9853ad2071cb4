import { Worker } from 'node:worker_threads';
import type { WorkerData } from '../src/main/sync/worker/messages';
import { FromIngestWorker, type ToIngestWorker } from './ingest-messages';

export interface IngestWorker {
  /** Resolves with the job's `done` message; `onProgress` sees every batch. */
  run(
    message: Extract<ToIngestWorker, { type: 'ingestSynthetic' }>,
    onProgress?: (done: number, total: number) => void,
  ): Promise<Extract<FromIngestWorker, { type: 'done' }>>;
  stop(): Promise<void>;
}

/** Starts bench/dist/ingest-worker.js (worker threads run JavaScript: the bench build makes it). */
export async function startIngestWorker(scriptPath: string, data: WorkerData): Promise<IngestWorker> {
  const worker = new Worker(scriptPath, { workerData: data });
  const listeners = new Set<(message: FromIngestWorker) => void>();
  const failAll = (code: string) => {
    for (const listener of [...listeners]) listener({ type: 'failed', jobId: null, code });
  };
  worker.on('message', (raw: unknown) => {
    const parsed = FromIngestWorker.safeParse(raw);
    if (!parsed.success) return failAll('bad_message_from_worker');
    for (const listener of [...listeners]) listener(parsed.data);
  });
  worker.on('error', () => failAll('worker_error'));
  worker.on('exit', () => failAll('worker_exited'));
  await new Promise<void>((resolve, reject) => {
    const onReady = (message: FromIngestWorker) => {
      if (message.type !== 'ready') return;
      listeners.delete(onReady);
      resolve();
    };
    listeners.add(onReady);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`ingest worker exited with ${code}`)));
  });
  return {
    run(message, onProgress) {
      return new Promise((resolve, reject) => {
        const listener = (event: FromIngestWorker) => {
          if (event.type === 'failed' && (event.jobId === message.jobId || event.jobId === null)) {
            listeners.delete(listener);
            reject(new Error(`ingest worker: ${event.code}`));
          } else if (event.type === 'progress' && event.jobId === message.jobId) {
            onProgress?.(event.done, event.total);
          } else if (event.type === 'done' && event.jobId === message.jobId) {
            listeners.delete(listener);
            resolve(event);
          }
        };
        listeners.add(listener);
        worker.postMessage(message);
      });
    },
    async stop() {
      const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
      worker.postMessage({ type: 'stop' } satisfies ToIngestWorker);
      await exited;
    },
  };
}
