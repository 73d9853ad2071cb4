import { Worker } from 'node:worker_threads';
import { FromWorker, type ToWorker, type WorkerData } from './messages';

export interface SyncWorker {
  send(message: ToWorker): void;
  /** A sync job (Sync now, Day end): resolves with its result, rejects with the failure code. */
  request(message: Extract<ToWorker, { type: 'sync.now' | 'sync.dayEnd' }>): Promise<unknown>;
  /** Sync events (progress, attempts, revocation) as they come. Returns the unsubscribe. */
  onEvent(listener: (event: FromWorker) => void): () => void;
  stop(): Promise<void>;
}

/** A sync job that failed in the worker; `code` is HQ's error code or the failure kind. */
export class SyncJobError extends Error {
  readonly code: string;
  constructor(code: string) {
    super(`sync job failed: ${code}`);
    this.name = 'SyncJobError';
    this.code = code;
  }
}

/**
 * Starts the sync worker thread from its built file (out/main/sync-worker.js): worker threads
 * run JavaScript, so tests and the bench use the build, like the harness.
 */
export async function startSyncWorker(scriptPath: string, data: WorkerData): Promise<SyncWorker> {
  const worker = new Worker(scriptPath, { workerData: data });
  const listeners = new Set<(message: FromWorker) => void>();
  /** Everyone waiting on the worker hears of its death, so no job waits forever. */
  const failAll = (code: string) => {
    for (const listener of [...listeners]) listener({ type: 'failed', jobId: null, code });
  };
  worker.on('message', (raw: unknown) => {
    const parsed = FromWorker.safeParse(raw);
    if (!parsed.success) {
      failAll('bad_message_from_worker');
      return;
    }
    for (const listener of [...listeners]) listener(parsed.data);
  });
  worker.on('error', () => failAll('worker_error'));
  worker.on('exit', () => failAll('worker_exited'));
  await new Promise<void>((resolve, reject) => {
    const onReady = (message: FromWorker) => {
      if (message.type !== 'ready') return;
      listeners.delete(onReady);
      resolve();
    };
    listeners.add(onReady);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`sync worker exited with ${code}`)));
  });
  return {
    send: (message) => worker.postMessage(message),
    request(message) {
      return new Promise((resolve, reject) => {
        const listener = (event: FromWorker) => {
          if (event.type === 'failed' && (event.jobId === message.jobId || event.jobId === null)) {
            listeners.delete(listener);
            reject(new SyncJobError(event.code));
          } else if (event.type === 'sync.done' && event.jobId === message.jobId) {
            listeners.delete(listener);
            resolve(event.result);
          }
        };
        listeners.add(listener);
        worker.postMessage(message);
      });
    },
    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async stop() {
      const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
      worker.postMessage({ type: 'stop' } satisfies ToWorker);
      await exited;
    },
  };
}
