import { schemePragmas } from '../../src/main/db/cipher-scheme';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app';
import { manualClock } from '../support/clock';
import { errorCode, login, seedStaff } from '../support/staff';

/**
 * The sync worker writes the same encrypted file from another thread. In WAL mode a DEFERRED
 * transaction that reads before it writes fails at once with SQLITE_BUSY_SNAPSHOT when the other
 * connection commits in between (the busy timeout does not help it), so every till write that reads
 * first (each audit append reads the chain head) must take the write lock up front (IMMEDIATE).
 */
const WRITER = `
const { workerData, parentPort } = require('node:worker_threads');
const Database = require(workerData.module);
const db = new Database(workerData.path, { fileMustExist: true });
for (const pragma of workerData.cipherPragmas) db.pragma(pragma);
db.pragma(\`key = "x'\${workerData.key}'"\`);
db.pragma('busy_timeout = 5000');
const write = db.prepare("INSERT INTO sync_state (key, value) VALUES ('concurrency_probe', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value");
const stop = new Int32Array(workerData.stop);
let n = 0;
parentPort.postMessage('ready');
while (Atomics.load(stop, 0) === 0) write.run(String(++n));
db.close();
parentPort.postMessage(n);
`;

describe('till writes beside another connection', () => {
  let app: TestApp;
  let clock: ReturnType<typeof manualClock>;
  beforeEach(async () => {
    clock = manualClock();
    app = await startTestApp(undefined, { now: clock.now, signedIn: null });
    await seedStaff(app);
  });
  afterEach(async () => {
    await app.dispose();
  });

  it('audited refusals never fail with internal_error while another connection keeps committing', async () => {
    for (let i = 0; i < 3; i++) expect(errorCode(await login(app, 'carl', '864219'))).toBe('login_failed');
    const stop = new SharedArrayBuffer(4);
    const { path, secrets } = app.services.database;
    const worker = new Worker(WRITER, {
      eval: true,
      workerData: {
        module: createRequire(import.meta.url).resolve('better-sqlite3-multiple-ciphers'),
        path,
        key: secrets.databaseKey,
        // The file's scheme, as cipher-scheme.ts's applyCipher sets it.
        cipherPragmas: schemePragmas(app.services.database.cipher),
        stop,
      },
    });
    const finished = new Promise<number>((resolve, reject) => {
      worker.on('message', (message: unknown) => {
        if (typeof message === 'number') resolve(message);
      });
      worker.on('error', reject);
    });
    await new Promise<void>((resolve) => worker.once('message', () => resolve()));
    const codes: (string | null)[] = [];
    // Each try is refused without a PIN check (the 1 s wait after the third failure) and audited.
    for (let i = 0; i < 400; i++) codes.push(errorCode(await login(app, 'carl', '864219')));
    Atomics.store(new Int32Array(stop), 0, 1);
    const commits = await finished;
    expect(commits).toBeGreaterThan(0);
    expect(codes.filter((code) => code !== 'login_delayed')).toEqual([]);
  });
});
