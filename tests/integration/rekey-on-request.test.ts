// Rekey on events (issue 15 item 3), end to end with the real app, its sync worker thread and a real
// HQ over pinned HTTPS: pairing gives the till a database key of its own (an installation from a
// copied disk image shared its key with every other copy until then), and an operator's rekey
// request reaches the till at its next pull; the till stops its worker, re-encrypts its database
// under a new key, starts the worker again, and tells HQ, which shows the request done. After each,
// the old key opens nothing, the audit chain says why, and the till goes on selling and syncing.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { buildIfNeeded } from '../../scripts/build-if-needed.mjs';
import { issuePairingCode } from '../../packages/hq/src/admin';
import { toInt } from '../../packages/hq/src/db/database';
import { seedDemoHq } from '../../packages/hq/src/demo/seed-demo-hq';
import { requestRekey } from '../../packages/hq/src/devices/rekey';
import { keyOpensFile } from '../../src/main/db/connection';
import { readKeyState } from '../../src/main/db/database-keys';
import type { IpcResult } from '../../src/shared/errors';
import type { SyncStatus } from '../../src/shared/sync/status';
import { startTestHq, type TestHq } from '../hq/support/hq';
import { startTestApp, type TestApp } from '../support/app';
import { until } from '../support/until';

const WORKER = join(fileURLToPath(new URL('../..', import.meta.url)), 'out/main/sync-worker.js');
const MIA = { staffId: 'demo-mia', pin: '731946' };

describe('a till rekeys its database when paired and when HQ asks (real worker, real HQ)', () => {
  let hq: TestHq;
  let storeId: string;
  let app: TestApp | null = null;
  beforeAll(async () => {
    buildIfNeeded({ quiet: true });
    hq = await startTestHq('pglite');
    storeId = (await seedDemoHq({ db: hq.db, now: () => hq.clock.now, keys: hq.keys }, { syntheticMembers: 40 }))
      .storeId;
  }, 180_000);
  afterEach(async () => {
    await app?.dispose();
    app = null;
  });
  afterAll(async () => {
    await hq?.close();
  });

  const ok = async <T>(a: TestApp, channel: string, payload: unknown = {}): Promise<T> => {
    const result = await a.call<IpcResult<T>>(channel, payload);
    if (!result.ok) throw new Error(`${channel}: ${result.error.code}`);
    return result.value;
  };

  /** The key the file uses now, with its check value (key-info's, which the audit entry names). */
  const currentKey = async (a: TestApp) => {
    const state = await readKeyState(a.keychain.keychain, a.services.database.keyInfoPath);
    return { ...state.current, keyCheck: state.info.current.keyCheck };
  };

  const rekeyEntries = (a: TestApp) =>
    a.services.database.db
      .prepare<[], { staff_id: string | null; details: string }>(
        "SELECT staff_id, details FROM audit WHERE action = 'database.rekeyed' ORDER BY seq",
      )
      .all()
      .map((row) => ({ staffId: row.staff_id, details: JSON.parse(row.details) as unknown }));

  test('paired: a key of its own, audited as re-provisioned; asked by HQ: rekeyed in the background, reported, still selling', async () => {
    app = await startTestApp(undefined, {
      signedIn: null,
      extra: { syncWorkerPath: WORKER, syncTiming: { intervalMs: 100, baseBackoffMs: 50, maxBackoffMs: 200 } },
    });
    const a = app;
    const path = a.services.database.path;
    const firstKey = await currentKey(a);
    expect(keyOpensFile(path, firstKey, undefined)).toBe(true);

    // Pairing, as the first-run screen does it (nobody on the roster yet).
    const { pairingCode } = await issuePairingCode({ db: hq.db, now: () => hq.clock.now }, storeId);
    await ok(a, 'sync.pair', { hqUrl: hq.url, certSha256: hq.tls.fingerprint256, pairingCode, deviceName: 'Till R' });
    // The services are rebuilt after pairing; the next call waits for them.
    expect((await ok<{ paired: boolean }>(a, 'app.getInfo')).paired).toBe(true);
    const pairedKey = await currentKey(a);
    expect(pairedKey.keyHex).not.toBe(firstKey.keyHex);
    expect(keyOpensFile(path, firstKey, undefined)).toBe(false);
    expect(keyOpensFile(path, pairedKey, undefined)).toBe(true);
    expect(rekeyEntries(a)).toEqual([
      { staffId: null, details: { reason: 'reprovisioned', keyCheck: pairedKey.keyCheck } },
    ]);
    await until('the roster from HQ', async () => {
      const roster = await a.call<IpcResult<{ staff: unknown[] }>>('staff.roster', {});
      return roster.ok && roster.value.staff.length >= 4;
    });
    const deviceId = a.services.database.db
      .prepare<[], { value: string }>("SELECT value FROM sync_state WHERE key = 'device_id'")
      .get()?.value;
    if (!deviceId) throw new Error('not paired');

    // An operator suspects the till's key was read.
    const asked = await hq.db.transaction((tx) =>
      requestRekey(tx, { deviceId, operatorId: 'operator-1', reason: 'suspected_compromise', now: hq.clock.now }),
    );
    const doneAt = async () =>
      (await hq.db.query<{ done_at: Date | null }>('SELECT done_at FROM device_rekeys WHERE id = $1', [asked.rekeyId]))
        .rows[0]?.done_at ?? null;
    await until('HQ hears the till rekeyed', async () => (await doneAt()) !== null, 30_000);
    const rekeyedKey = await currentKey(a);
    expect(rekeyedKey.keyHex).not.toBe(pairedKey.keyHex);
    expect(keyOpensFile(path, pairedKey, undefined)).toBe(false);
    expect(keyOpensFile(path, rekeyedKey, undefined)).toBe(true);
    expect(rekeyEntries(a)).toEqual([
      { staffId: null, details: { reason: 'reprovisioned', keyCheck: pairedKey.keyCheck } },
      {
        staffId: null,
        details: { reason: 'suspected_compromise', keyCheck: rekeyedKey.keyCheck, rekeyId: asked.rekeyId },
      },
    ]);

    // Still selling, and the worker syncs with the new key: a sale reaches HQ.
    await ok(a, 'session.login', MIA);
    const member = await ok<{ members: { id: string }[] }>(a, 'members.find', { query: '6004990000016' });
    await ok(a, 'points.earn', {
      memberId: member.members[0]!.id,
      amountMinor: 1000,
      reference: `REKEY-${Date.now()}`,
      expectedPoints: 15,
    });
    const synced = await ok<SyncStatus>(a, 'sync.runNow');
    expect(synced.pending.total).toBe(0);
    const earned = await hq.db.query<{ n: unknown }>(
      "SELECT count(*) AS n FROM ops WHERE device_id = $1 AND type = 'points.earned'",
      [deviceId],
    );
    expect(toInt(earned.rows[0]?.n)).toBe(1);
    // The request is carried out once: later pulls neither rekey again nor reopen it.
    await ok(a, 'sync.runNow');
    expect((await currentKey(a)).keyHex).toBe(rekeyedKey.keyHex);
    expect(rekeyEntries(a)).toHaveLength(2);
    expect(a.services.audit.verify().ok).toBe(true);
    expect(a.logLines.join('\n')).not.toContain(rekeyedKey.keyHex);
  }, 120_000);
});
