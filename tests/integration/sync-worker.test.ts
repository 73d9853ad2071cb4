import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildIfNeeded } from '../../scripts/build-if-needed.mjs';
import { cardAt, memberIdAt } from '../../src/main/demo/synthetic-members';
import { startIngestWorker, type IngestWorker } from '../../bench/ingest-worker-client';
import { startSyncWorker, type SyncWorker } from '../../src/main/sync/worker/worker-client';
import type { FindResponse } from '../../src/shared/members/schemas';
import type { IpcResult } from '../../src/shared/errors';
import { TEST_MANAGER, startTestApp, type TestApp } from '../support/app';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const WORKER = join(ROOT, 'out/main/sync-worker.js');
/** The bench-only synthetic snapshot writer (bench/ingest-worker.ts), built with the benches. */
const INGEST_WORKER = join(ROOT, 'bench/dist/ingest-worker.js');

describe('sync worker thread', () => {
  let app: TestApp;
  let worker: SyncWorker | IngestWorker | null = null;
  beforeAll(() => buildIfNeeded({ quiet: true, only: ['till', 'bench'] }), 300_000);
  beforeEach(async () => {
    app = await startTestApp(undefined, { signedIn: TEST_MANAGER, extra: { demo: true } });
  });
  afterEach(async () => {
    await worker?.stop();
    worker = null;
    await app.dispose();
  });

  const start = () =>
    startSyncWorker(WORKER, {
      dbPath: app.services.database.path,
      databaseKey: app.services.database.secrets.databaseKey,
    });
  const startIngest = async () => {
    const ingest = await startIngestWorker(INGEST_WORKER, {
      dbPath: app.services.database.path,
      databaseKey: app.services.database.secrets.databaseKey,
    });
    worker = ingest;
    return ingest;
  };
  const find = async (query: string) => {
    const result = await app.call<IpcResult<FindResponse>>('members.find', { query });
    if (!result.ok) throw new Error(result.error.code);
    return result.value.members;
  };

  it('writes a snapshot in its own connection while the counter keeps finding and writing', async () => {
    const ingest = await startIngest();
    const count = 3_000;
    const progress: number[] = [];
    const job = ingest.run(
      {
        type: 'ingestSynthetic',
        jobId: 'snap-1',
        from: 0,
        count,
        batchSize: 250,
        lookupKey: app.services.database.secrets.lookupKey,
      },
      (done) => progress.push(done),
    );
    // The counter works meanwhile: a demo member is found and enrolled-member writes go through.
    let served = 0;
    let settled = false;
    void job.finally(() => {
      settled = true;
    });
    const olivia = (await find('6004990000016'))[0]!.id;
    let earned = 0;
    while (!settled) {
      expect(await find('6004990000016')).toHaveLength(1);
      served += 1;
      if (served % 10 === 1) {
        const earn = await app.call<IpcResult<unknown>>('points.earn', {
          memberId: olivia,
          amountMinor: 1_000,
          reference: `W-${served}`,
        });
        expect(earn.ok).toBe(true);
        earned += 1;
      }
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    const done = await job;
    expect(done.done).toBe(count);
    expect(progress.at(-1)).toBe(count);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(served).toBeGreaterThan(0);
    expect(earned).toBeGreaterThan(0);
    expect(app.services.outbox.pendingCount()).toBe(earned);
    // Everything the worker wrote is visible to the counter's connection, lookups included.
    const n = (app.services.database.db.prepare('SELECT count(*) AS n FROM members').get() as { n: number }).n;
    expect(n).toBe(count + 12); // + the demo members
    expect((await find(cardAt(1234))).map((m) => m.id)).toEqual([memberIdAt(1234)]);
    expect((await find('+447400002999')).map((m) => m.id)).toEqual([memberIdAt(2999)]);
  });

  it('refuses a malformed message with a code and keeps working', async () => {
    const sync = await start();
    worker = sync;
    await expect(sync.request({ type: 'sync.now', jobId: 7 } as never)).rejects.toThrow('bad_message');
    // Still answering: a sync job on a till that never started syncing is refused as such.
    await expect(sync.request({ type: 'sync.now', jobId: 'ok' })).rejects.toThrow('not_paired');
  });

  it('has no synthetic-snapshot path: the shipped worker refuses the bench ingest message', async () => {
    const sync = await start();
    worker = sync;
    const ingestMessage = {
      type: 'ingestSynthetic',
      jobId: 'x',
      from: 0,
      count: 10,
      batchSize: 5,
      lookupKey: 'ab'.repeat(32),
    };
    await expect(sync.request(ingestMessage as never)).rejects.toThrow('bad_message');
  });

  it('the bench ingest worker refuses a malformed message with a code and keeps working', async () => {
    const ingest = await startIngest();
    await expect(
      ingest.run({ type: 'ingestSynthetic', jobId: 'bad', from: 0, count: 10, batchSize: 0, lookupKey: 'x' } as never),
    ).rejects.toThrow('bad_message');
    const done = await ingest.run({
      type: 'ingestSynthetic',
      jobId: 'ok',
      from: 0,
      count: 10,
      batchSize: 5,
      lookupKey: app.services.database.secrets.lookupKey,
    });
    expect(done.done).toBe(10);
  });

  it('will not start with a wrong database key, and never echoes it', async () => {
    await expect(
      startSyncWorker(WORKER, { dbPath: app.services.database.path, databaseKey: 'ab'.repeat(32) }),
    ).rejects.toThrow();
    await expect(
      startSyncWorker(WORKER, { dbPath: app.services.database.path, databaseKey: 'ab'.repeat(32) }),
    ).rejects.not.toThrow(/abab/);
  });
});
