/**
 * Test only (tests/integration/write-gate.test.ts builds it with Vite, as the benches build theirs):
 * the till's real pull applier in a worker thread on its own connection to the encrypted file, as
 * the sync worker runs it, applying the pull pages it was given. Parts may be made as long as a
 * test needs (`partMs`), so a counter write that does not make it end early waits for all of it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openSecondConnection } from '../../src/main/db/open-device-database';
import { NO_WORKER_GATE, workerWriteGate } from '../../src/main/db/write-gate';
import { createPullApplier } from '../../src/main/sync/engine/apply-pull';
import { PullResponse } from '../../src/shared/sync/protocol';

export interface PullPageWorkerData {
  dbPath: string;
  databaseKey: string;
  lookupKey: string;
  /** The counter's gate; null applies the pages as the worker did before the gate. */
  writeGate: SharedArrayBuffer | null;
  partMs: number;
  pages: unknown[];
}

/** page: about to apply page `index`; part: a part committed, `next` changes of page `index` done. */
export type PullPageWorkerEvent =
  | { type: 'page'; index: number }
  | { type: 'part'; index: number; next: number }
  | { type: 'done' }
  | { type: 'failed'; code: string };

const port = parentPort;
if (!port) throw new Error('pull-page-worker runs as a worker thread');
const data = workerData as PullPageWorkerData;
const send = (event: PullPageWorkerEvent) => port.postMessage(event);

const db = openSecondConnection(data.dbPath, data.databaseKey);
db.pragma('synchronous = NORMAL');
db.pragma('wal_autocheckpoint = 0');
let index = 0;
try {
  const applier = createPullApplier({
    db,
    lookupKey: data.lookupKey,
    now: () => new Date(),
    gate: data.writeGate ? workerWriteGate(data.writeGate) : NO_WORKER_GATE,
    partMs: data.partMs,
    onPart: (next) => send({ type: 'part', index, next }),
  });
  for (; index < data.pages.length; index++) {
    send({ type: 'page', index });
    applier.apply(PullResponse.parse(data.pages[index]));
  }
  send({ type: 'done' });
} catch (error) {
  const code = (error as { code?: unknown }).code;
  send({ type: 'failed', code: typeof code === 'string' ? code : String(error) });
} finally {
  db.close();
}
