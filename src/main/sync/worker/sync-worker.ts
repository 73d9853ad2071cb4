/**
 * The sync worker thread (DESIGN §3: long work must not freeze the counter). It owns its own
 * connection to the encrypted database and writes HQ data in short transactions, so the counter
 * keeps reading (WAL) and its own writes wait at most one batch. Built as out/main/sync-worker.js.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openSecondConnection } from '../../db/open-device-database';
import { memberAt } from '../../demo/synthetic-members';
import { createSnapshotIngest } from '../../members/ingest-snapshot';
import { FromWorker, ToWorker, WorkerData } from './messages';

const port = parentPort;
if (!port) throw new Error('sync-worker runs as a worker thread');

function send(message: FromWorker): void {
  port?.postMessage(FromWorker.parse(message));
}

const data = WorkerData.parse(workerData);
const db = openSecondConnection(data.dbPath, data.databaseKey, data.nativeBinding);
// What this connection writes can always be fetched again (HQ pages are applied with their cursor;
// an ack lost to a power cut means a re-push, which HQ answers as duplicate), so it need not wait
// for fsync at every commit: NORMAL in WAL mode stays consistent and only loses the latest batches.
// The counter's own connection keeps FULL.
db.pragma('synchronous = NORMAL');
const ingest = createSnapshotIngest(db);
let stopping = false;
const BATCH_PAUSE_MS = 3;

async function ingestSynthetic(job: Extract<ToWorker, { type: 'ingestSynthetic' }>) {
  const started = performance.now();
  const at = new Date().toISOString();
  let done = 0;
  for (let from = job.from; from < job.from + job.count && !stopping; from += job.batchSize) {
    const batch = [];
    for (let i = from; i < Math.min(job.from + job.count, from + job.batchSize); i++)
      batch.push(memberAt(i, job.lookupKey, at));
    ingest.writeBatch(batch);
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
  const parsed = ToWorker.safeParse(raw);
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
