import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { buildIfNeeded } from '../../scripts/build-if-needed.mjs';
import { issuePairingCode } from '../../packages/hq/src/admin';
import { seedDemoHq } from '../../packages/hq/src/demo/seed-demo-hq';
import type { IpcResult } from '../../src/shared/errors';
import { startTestHq, type TestHq } from '../hq/support/hq';
import { startTestApp, type TestApp } from '../support/app';
import { until } from '../support/until';

const WORKER = join(fileURLToPath(new URL('../..', import.meta.url)), 'out/main/sync-worker.js');
const CARL = { staffId: 'demo-carl', pin: '582047' };
/** Far longer than the test may take: an op that reaches HQ did so because it was kicked. */
const INTERVAL_MS = 10 * 60_000;

/**
 * Every write that puts an op in the outbox reaches HQ without waiting for the loop's interval:
 * the outbox kicks the sync worker after each commit (issue 10, defect 8).
 */
describe('ops reach HQ at once, not at the next tick', () => {
  let hq: TestHq;
  let storeId: string;
  let app: TestApp | null = null;
  beforeAll(async () => {
    buildIfNeeded({ quiet: true });
    hq = await startTestHq('pglite');
    storeId = (await seedDemoHq({ db: hq.db, now: () => hq.clock.now, keys: hq.keys }, { syntheticMembers: 20 }))
      .storeId;
  }, 180_000);
  afterEach(async () => {
    await app?.dispose();
    app = null;
  });
  afterAll(async () => {
    await hq?.close();
  });

  test('a PIN change at a paired till is answered by HQ long before the loop would have run again', async () => {
    const { pairingCode } = await issuePairingCode({ db: hq.db, now: () => hq.clock.now }, storeId);
    app = await startTestApp(undefined, {
      signedIn: null,
      extra: {
        syncWorkerPath: WORKER,
        syncTiming: { intervalMs: INTERVAL_MS, baseBackoffMs: 50, maxBackoffMs: 200 },
        autoPair: { hqUrl: hq.url, certSha256: hq.tls.fingerprint256, pairingCode, deviceName: 'Kicked till' },
      },
    });
    const a = app;
    await until('the roster from HQ', () => {
      const row = a.services.database.db.prepare('SELECT count(*) AS n FROM staff').get() as { n: number };
      return row.n >= 4;
    });
    const login = await a.call<IpcResult<unknown>>('session.login', CARL);
    expect(login.ok).toBe(true);
    const changed = await a.call<IpcResult<unknown>>('staff.changeOwnPin', { currentPin: CARL.pin, newPin: '284619' });
    expect(changed.ok).toBe(true);
    const state = () =>
      a.services.database.db.prepare("SELECT state FROM outbox WHERE type = 'staff.pin_changed'").get() as
        { state: string } | undefined;
    expect(state()).toBeDefined();
    const answered = await until('HQ’s answer to the PIN change', () => {
      const row = state();
      return row && row.state !== 'pending' ? row.state : null;
    });
    expect(answered).toBe('acked');
  });
});
