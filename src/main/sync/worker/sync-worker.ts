/**
 * The sync worker thread (DESIGN §3: long work must not freeze the counter). It owns its own
 * connection to the encrypted database and writes HQ data in transactions that end early when a
 * counter write waits at the write gate, so the counter keeps reading (WAL) and its own writes
 * wait at most a few members' worth of work. Built as out/main/sync-worker.js.
 * Only sync: a synthetic snapshot for benches and tests is bench/ingest-worker.ts, never shipped.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openSecondConnection } from '../../db/open-device-database';
import { NO_WORKER_GATE, workerWriteGate } from '../../db/write-gate';
import { createSyncEngine, DeviceRevokedError, type SyncEngine } from '../engine/sync-engine';
import { createSyncLoop } from '../engine/sync-loop';
import { DeviceRolledBackError } from '../engine/rollback-state';
import { createHqClient, HqRequestError } from '../hq-client';
import { FromWorker, ToWorker, WorkerData } from './messages';

const port = parentPort;
if (!port) throw new Error('sync-worker runs as a worker thread');

function send(message: FromWorker): void {
  port?.postMessage(FromWorker.parse(message));
}

const data = WorkerData.parse(workerData);
const db = openSecondConnection(data.dbPath, data.databaseKey, data.nativeBinding, data.cipher);
// What this connection writes can always be fetched again (HQ pages are applied with their cursor;
// an ack lost to a power cut means a re-push, which HQ answers as duplicate), so it need not wait
// for fsync at every commit: NORMAL in WAL mode stays consistent and only loses the latest batches.
// The counter's own connection keeps FULL; the frames this one leaves unsynced are flushed in the
// background after each part of a pull page (engine/wal-background-flush.ts), so a counter commit's
// fsync does not write them all itself.
db.pragma('synchronous = NORMAL');
// Pulled pages are committed in parts that make way for the counter's writes (db/write-gate.ts).
const gate = data.writeGate ? workerWriteGate(data.writeGate) : NO_WORKER_GATE;
// Checkpoints are taken after each committed part and run, outside the gate (a PASSIVE one lets
// the counter write meanwhile), not inside the commit that crosses 1000 pages, where a counter
// write would wait for the copy.
db.pragma('wal_autocheckpoint = 0');
// Not after stop: the run's own outcome (revoked, failed) must be what the loop hears.
const checkpoint = () => void (db.open && db.pragma('wal_checkpoint(PASSIVE)'));
let sync: { engine: SyncEngine; loop: ReturnType<typeof createSyncLoop> } | null = null;

function failureCode(error: unknown): string {
  if (error instanceof DeviceRevokedError) return 'device_revoked';
  if (error instanceof DeviceRolledBackError) return 'device_rolled_back';
  if (error instanceof HqRequestError) return error.code ?? error.kind;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : 'error';
}

function startSync(message: Extract<ToWorker, { type: 'sync.start' }>): void {
  if (sync) return;
  const token = message.token;
  const engine = createSyncEngine({
    db,
    client: createHqClient({ endpoint: message.endpoint, token: () => token }),
    lookupKey: message.lookupKey,
    now: () => new Date(),
    gate,
    onProgress: (progress) =>
      send({
        type: 'sync.progress',
        phase: progress.phase,
        done: 'done' in progress ? progress.done : 0,
        total: 'total' in progress ? progress.total : null,
      }),
  });
  const loop = createSyncLoop({
    run: () => engine.run().finally(checkpoint),
    intervalMs: message.intervalMs,
    baseBackoffMs: message.baseBackoffMs,
    maxBackoffMs: message.maxBackoffMs,
    onRevoked: () => send({ type: 'sync.revoked' }),
    onRolledBack: () => send({ type: 'sync.rolled_back' }),
    onAttempt: (outcome) =>
      send(
        outcome.ok
          ? { type: 'sync.attempt', ok: true }
          : { type: 'sync.attempt', ok: false, code: outcome.code, retryInMs: outcome.retryInMs },
      ),
  });
  sync = { engine, loop };
  loop.start();
}

async function syncJob(jobId: string, work: (engine: SyncEngine) => Promise<unknown>): Promise<void> {
  if (!sync) {
    send({ type: 'failed', jobId, code: 'not_paired' });
    return;
  }
  const { engine, loop } = sync;
  try {
    const result = await loop.exclusive(() => work(engine));
    // HQ took this run: a loop a rollback refusal halted syncs in the background again.
    loop.resume();
    send({ type: 'sync.done', jobId, result: JSON.parse(JSON.stringify(result)) as never });
  } catch (error) {
    if (error instanceof DeviceRevokedError) send({ type: 'sync.revoked' });
    if (error instanceof DeviceRolledBackError) send({ type: 'sync.rolled_back' });
    send({ type: 'failed', jobId, code: failureCode(error) });
  }
}

port.on('message', (raw: unknown) => {
  const parsed = ToWorker.safeParse(raw);
  if (!parsed.success) {
    send({ type: 'failed', jobId: null, code: 'bad_message' });
    return;
  }
  const message = parsed.data;
  if (message.type === 'stop') {
    void (sync?.loop.stop() ?? Promise.resolve()).finally(() => {
      db.close();
      port.close();
    });
    return;
  }
  if (message.type === 'sync.start') return startSync(message);
  if (message.type === 'sync.kick') return sync?.loop.kick();
  if (message.type === 'sync.now') return void syncJob(message.jobId, (engine) => engine.run());
  return void syncJob(message.jobId, (engine) => engine.dayEnd(message.staffId));
});

send({ type: 'ready' });
