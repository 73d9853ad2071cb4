/**
 * Bench and test only (built into bench/dist/ingest-worker.js, never shipped): writes a synthetic
 * snapshot through the till's own snapshot ingest, in its own connection to the encrypted file,
 * like the sync worker writes HQ pages, so the counter's latency can be measured meanwhile.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openSecondConnection } from '../src/main/db/open-device-database';
import { NO_WORKER_GATE, workerWriteGate } from '../src/main/db/write-gate';
import { memberAt } from '../src/main/demo/synthetic-members';
import { createSnapshotIngest, type SnapshotMember } from '../src/main/members/ingest-snapshot';
import { WorkerData } from '../src/main/sync/worker/messages';
import { FromIngestWorker, ToIngestWorker } from './ingest-messages';

const port = parentPort;
if (!port) throw new Error('ingest-worker runs as a worker thread');

function send(message: FromIngestWorker): void {
  port?.postMessage(FromIngestWorker.parse(message));
}

const data = WorkerData.parse(workerData);
const db = openSecondConnection(data.dbPath, data.databaseKey, data.nativeBinding, data.cipher);
// As the sync worker's connection does (src/main/sync/worker/sync-worker.ts).
db.pragma('synchronous = NORMAL');
const ingest = createSnapshotIngest(db);
// Each batch makes way for the counter's writes, as the sync worker's parts do (db/write-gate.ts).
const gate = data.writeGate ? workerWriteGate(data.writeGate) : NO_WORKER_GATE;
let stopping = false;
const BATCH_PAUSE_MS = 3;

async function ingestSynthetic(job: Extract<ToIngestWorker, { type: 'ingestSynthetic' }>) {
  const started = performance.now();
  const at = new Date().toISOString();
  let done = 0;
  for (let from = job.from; from < job.from + job.count && !stopping; from += job.batchSize) {
    const batch: SnapshotMember[] = [];
    for (let i = from; i < Math.min(job.from + job.count, from + job.batchSize); i++)
      batch.push(memberAt(i, job.lookupKey, at));
    gate.run(() => ingest.writeBatch(batch));
    done += batch.length;
    send({ type: 'progress', jobId: job.jobId, done, total: job.count });
    // A breath between batches: the counter's own writes get the write lock here instead of
    // sleeping in SQLite's busy handler (whose back-off would make them wait far longer), and a
    // queued stop message is read.
    await new Promise((resolve) => setTimeout(resolve, BATCH_PAUSE_MS));
  }
  send({ type: 'done', jobId: job.jobId, done, seconds: (performance.now() - started) / 1000 });
}

port.on('message', (raw: unknown) => {
  const parsed = ToIngestWorker.safeParse(raw);
  if (!parsed.success) {
    send({ type: 'failed', jobId: null, code: 'bad_message' });
    return;
  }
  const message = parsed.data;
  if (message.type === 'stop') {
    stopping = true;
    db.close();
    port.close();
    return;
  }
  ingestSynthetic(message).catch((error: unknown) => {
    const code = (error as { code?: unknown }).code;
    send({ type: 'failed', jobId: message.jobId, code: typeof code === 'string' ? code : 'error' });
  });
});

send({ type: 'ready' });
