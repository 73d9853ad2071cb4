import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { buildIfNeeded } from '../../scripts/build-if-needed.mjs';
import { issuePairingCode } from '../../packages/hq/src/admin';
import { seedDemoHq } from '../../packages/hq/src/demo/seed-demo-hq';
import { chainStaffPinPepper, readPinPepperRing, storePinPepper } from '../../packages/hq/src/staff/pin-peppers';
import { pinHashKeyId } from '../../src/node-shared/pin-hash-key-id';
import { secretAccounts } from '../../src/main/keychain/device-secrets';
import { storePinPepperAccounts } from '../../src/main/keychain/store-pin-peppers';
import type { IpcResult } from '../../src/shared/errors';
import { startTestHq, type TestHq } from '../hq/support/hq';
import { startTestApp, type TestApp } from '../support/app';
import { until } from '../support/until';

// Issue 15 item 3, the till's half: a paired till keeps its store's PIN peppers in the secret store,
// sends the PIN of a staff member whose roster hash is still v1 (chain pepper) for HQ to re-hash at
// their next sign-in, checks the v2 hash it pulls with its store's peppers, and drops its copy of
// the chain pepper once no active staff member needs it.
const WORKER = join(fileURLToPath(new URL('../..', import.meta.url)), 'out/main/sync-worker.js');
const DEMO = [
  { staffId: 'demo-mia', pin: '731946' },
  { staffId: 'demo-carl', pin: '582047' },
  { staffId: 'demo-olga', pin: '860247' },
  { staffId: 'demo-nina', pin: '419375' },
] as const;

describe('per-store PIN peppers at a paired till (sync worker, real HQ, real secret store)', () => {
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

  async function pairedApp(): Promise<TestApp> {
    const { pairingCode } = await issuePairingCode({ db: hq.db, now: () => hq.clock.now }, storeId);
    app = await startTestApp(undefined, {
      signedIn: null,
      extra: {
        syncWorkerPath: WORKER,
        syncTiming: { intervalMs: 100, baseBackoffMs: 50, maxBackoffMs: 200 },
        autoPair: { hqUrl: hq.url, certSha256: hq.tls.fingerprint256, pairingCode, deviceName: 'Pepper till' },
      },
    });
    const a = app;
    await until('the roster from HQ', async () => {
      const roster = await a.call<IpcResult<{ staff: unknown[] }>>('staff.roster', {});
      return roster.ok && roster.value.staff.length >= 4;
    });
    return a;
  }

  const login = (a: TestApp, staffId: string, pin: string) =>
    a.call<IpcResult<unknown>>('session.login', { staffId, pin });
  const localHash = (a: TestApp, staffId: string) =>
    (a.services.database.db.prepare('SELECT pin_hash FROM staff WHERE id = ?').get(staffId) as { pin_hash: string })
      .pin_hash;
  const hqHash = async (staffId: string) =>
    (await hq.db.query<{ pin_hash: string }>('SELECT pin_hash FROM staff WHERE id = $1', [staffId])).rows[0]!.pin_hash;

  test('a v1 staff member signs in, HQ re-hashes the PIN under the pepper the till holds, and the chain pepper goes once unused', async () => {
    const a = await pairedApp();
    const ring = await readPinPepperRing(hq.db);
    const keychain = a.keychain.keychain;
    const accounts = storePinPepperAccounts(a.services.database.installId);
    const pinPepperAccount = secretAccounts(a.services.database.installId).pinPepper;
    // Pairing: the store's peppers into the secret store, and the chain pepper, which the demo
    // roster's v1 hashes still need.
    expect(await keychain.get(accounts.store)).toBe(storePinPepper(ring.root, storeId));
    expect(await keychain.get(accounts.chainStaff)).toBe(chainStaffPinPepper(ring.root));
    expect(await keychain.get(pinPepperAccount)).toBe(ring.chainPepper);
    for (const { staffId } of DEMO) expect(pinHashKeyId(localHash(a, staffId))).toBeNull();

    // A wrong PIN sends nothing; the right one sends one rehash op.
    expect((await login(a, 'demo-carl', '582048')).ok).toBe(false);
    expect((await login(a, 'demo-carl', '582047')).ok).toBe(true);
    const ops = a.services.database.db
      .prepare(
        "SELECT json_extract(payload, '$.kind') AS kind, json_extract(payload, '$.staffId') AS staffId FROM outbox",
      )
      .all();
    expect(ops).toEqual([{ kind: 'rehash', staffId: 'demo-carl' }]);
    // HQ re-hashes it under the chain-staff pepper (the demo staff are chain-wide); the till pulls it.
    await until('HQ holds a v2 hash of Carl', async () => pinHashKeyId(await hqHash('demo-carl')) === 'pc1');
    await until('the till holds it', async () => localHash(a, 'demo-carl') === (await hqHash('demo-carl')));
    // The answered op keeps no proof.
    const receipt = a.services.database.db.prepare('SELECT payload FROM outbox').get() as { payload: string };
    expect(receipt.payload).not.toContain('staffProof');
    // Checked with the till's chain-staff pepper: right PIN in, wrong PIN out.
    await a.call('session.lock', {});
    expect((await login(a, 'demo-carl', '582048')).ok).toBe(false);
    expect((await login(a, 'demo-carl', '582047')).ok).toBe(true);
    // Still v1 for the others: the chain pepper stays.
    expect(await keychain.get(pinPepperAccount)).toBe(ring.chainPepper);

    for (const { staffId, pin } of DEMO.filter((s) => s.staffId !== 'demo-carl')) {
      expect((await login(a, staffId, pin)).ok).toBe(true);
    }
    await until('every demo hash is v2 at the till', async () =>
      DEMO.every(({ staffId }) => pinHashKeyId(localHash(a, staffId)) === 'pc1'),
    );
    await until('the chain pepper is gone from the secret store', async () => {
      const left = await keychain.get(pinPepperAccount);
      return left !== null && left !== ring.chainPepper;
    });
    expect(a.logLines.join('\n')).not.toContain(ring.chainPepper);
    // Every one still signs in, after a restart too (the secret store's peppers, no chain pepper).
    const reopened = await a.reopen();
    app = reopened;
    for (const { staffId, pin } of DEMO) expect((await login(reopened, staffId, pin)).ok).toBe(true);
    // And HQ no longer hands the chain pepper to a new till of the store.
    const { pairingCode } = await issuePairingCode({ db: hq.db, now: () => hq.clock.now }, storeId);
    const fresh = await hq.send('/v1/pair', { pairingCode, deviceName: 'After' });
    expect(fresh.body).not.toHaveProperty('pinPepper');
    expect(fresh.body).toHaveProperty('pinPeppers');
  }, 180_000);

  test('a till paired before per-store peppers learns them from a pull and keeps them in the secret store', async () => {
    const a = await pairedApp();
    const ring = await readPinPepperRing(hq.db);
    const keychain = a.keychain.keychain;
    const accounts = storePinPepperAccounts(a.services.database.installId);
    // As a till paired by an older HQ: no per-store peppers, none noted from a page (sync stopped
    // first, so no page comes in between).
    await a.services.sync.close();
    await keychain.delete(accounts.store);
    await keychain.delete(accounts.chainStaff);
    a.services.database.db.prepare("DELETE FROM sync_state WHERE key LIKE 'pin_peppers_%'").run();
    expect(await keychain.get(accounts.store)).toBeNull();
    const restarted = await a.reopen();
    app = restarted;
    // saveStorePinPeppers writes the store entry, then the chain-staff one: wait for both.
    await until('the peppers from a pull page are in the secret store', async () => {
      return (
        (await keychain.get(accounts.store)) === storePinPepper(ring.root, storeId) &&
        (await keychain.get(accounts.chainStaff)) !== null
      );
    });
    expect(await keychain.get(accounts.chainStaff)).toBe(chainStaffPinPepper(ring.root));
    await until('nothing parked in the database', async () => {
      const parked = restarted.services.database.db
        .prepare("SELECT count(*) AS n FROM sync_state WHERE key = 'pin_peppers_pending'")
        .get() as { n: number };
      return parked.n === 0;
    });
    // The v2 hashes the first test left are checked with them.
    expect(pinHashKeyId(localHash(restarted, 'demo-mia'))).toBe('pc1');
    expect((await login(restarted, 'demo-mia', '731946')).ok).toBe(true);
  }, 180_000);
});
