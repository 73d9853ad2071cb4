import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { buildIfNeeded } from '../../scripts/build-if-needed.mjs';
import catalog from '../../resources/demo/hq-catalog.json';
import { issuePairingCode, loadCatalog, revokeDevice } from '../../packages/hq/src/admin';
import { seedDemoHq } from '../../packages/hq/src/demo/seed-demo-hq';
import { verifyStaffPin } from '../../packages/hq/src/staff/pin-hash';
import { chainStaffPinPepper, readPinPepperRing } from '../../packages/hq/src/staff/pin-peppers';
import { DATABASE_FILE } from '../../src/main/db/open-device-database';
import { hqTokenAccount, secretAccounts } from '../../src/main/keychain/device-secrets';
import { KEK_LABELS, kekAccount } from '../../src/main/keychain/key-wrapping';
import { readKeyState } from '../../src/main/db/database-keys';
import type { IpcResult } from '../../src/shared/errors';
import type { SyncStatus } from '../../src/shared/sync/status';
import type { DayEndReport } from '../../src/shared/sync/protocol';
import { startTestHq, type TestHq } from '../hq/support/hq';
import { startTestApp, type TestApp } from '../support/app';
import { until } from '../support/until';

const WORKER = join(fileURLToPath(new URL('../..', import.meta.url)), 'out/main/sync-worker.js');
const MIA = { staffId: 'demo-mia', pin: '731946' };
const CARL = { staffId: 'demo-carl', pin: '582047' };

describe('the app paired with a real HQ (sync worker thread, pinned HTTPS)', () => {
  let hq: TestHq;
  let storeId: string;
  let app: TestApp | null = null;
  beforeAll(async () => {
    buildIfNeeded({ quiet: true });
    hq = await startTestHq('pglite');
    storeId = (await seedDemoHq({ db: hq.db, now: () => hq.clock.now, keys: hq.keys }, { syntheticMembers: 300 }))
      .storeId;
  }, 180_000);
  afterEach(async () => {
    await app?.dispose();
    app = null;
  });
  afterAll(async () => {
    await hq?.close();
  });

  async function pairedApp(now?: () => Date): Promise<TestApp> {
    const { pairingCode } = await issuePairingCode({ db: hq.db, now: () => hq.clock.now }, storeId);
    app = await startTestApp(undefined, {
      signedIn: null,
      ...(now ? { now } : {}),
      extra: {
        syncWorkerPath: WORKER,
        syncTiming: { intervalMs: 100, baseBackoffMs: 50, maxBackoffMs: 200 },
        autoPair: { hqUrl: hq.url, certSha256: hq.tls.fingerprint256, pairingCode, deviceName: 'Test till' },
      },
    });
    const a = app;
    await until('the roster from HQ', async () => {
      const roster = await a.call<IpcResult<{ staff: unknown[] }>>('staff.roster', {});
      return roster.ok && roster.value.staff.length >= 4;
    });
    return a;
  }

  const ok = async <T>(a: TestApp, channel: string, payload: unknown = {}): Promise<T> => {
    const result = await a.call<IpcResult<T>>(channel, payload);
    if (!result.ok) throw new Error(`${channel}: ${result.error.code}`);
    return result.value;
  };

  test('pairs at start, pulls roster and members in the worker, and a PIN changed here reaches HQ', async () => {
    const a = await pairedApp();
    const info = await ok<{ paired: boolean; storeName: string }>(a, 'app.getInfo');
    expect(info).toMatchObject({ paired: true, storeName: 'Demo High Street' });
    // Pairing rotated the key wrapping: the KEK made at first run (entry a) was replaced by entry b.
    const { installId, keyInfoPath } = a.services.database;
    expect((await readKeyState(a.keychain.keychain, keyInfoPath)).info.kek.label).toBe('b');
    expect(await a.keychain.keychain.get(kekAccount(installId, 'a'))).toBeNull();
    await ok(a, 'session.login', CARL);
    await until('the members from HQ', async () => {
      const found = await ok<{ members: { cardNumber: string }[] }>(a, 'members.find', { query: '6004990000016' });
      return found.members.length === 1;
    });
    await ok(a, 'staff.changeOwnPin', { currentPin: CARL.pin, newPin: '284619' });
    // HQ hashes a chain-wide staff member's new PIN under the chain-staff pepper (issue 15, v2).
    const pepper = chainStaffPinPepper((await readPinPepperRing(hq.db)).root);
    await until('the new PIN at HQ', async () => {
      const row = (await hq.db.query<{ pin_hash: string }>("SELECT pin_hash FROM staff WHERE id = 'demo-carl'"))
        .rows[0];
      return row !== undefined && (await verifyStaffPin(pepper, row.pin_hash, '284619'));
    });
    // Put it back for the other tests (the roster is chain-wide).
    await ok(a, 'staff.changeOwnPin', { currentPin: '284619', newPin: CARL.pin });
    await until('the PIN back at HQ', async () => {
      const row = (await hq.db.query<{ pin_hash: string }>("SELECT pin_hash FROM staff WHERE id = 'demo-carl'"))
        .rows[0];
      return row !== undefined && (await verifyStaffPin(pepper, row.pin_hash, CARL.pin));
    });
  });

  test('a PIN changed here reaches HQ as a proof, HQ hashes it itself, and after the roster pull it is what logs in', async () => {
    const a = await pairedApp();
    await ok(a, 'session.login', CARL);
    const changed = await ok<{ session: unknown }>(a, 'staff.changeOwnPin', { currentPin: CARL.pin, newPin: '395172' });
    expect(changed.session).not.toBeNull();
    // The op waiting here carries no hash and no PIN in clear: only the box sealed to HQ.
    const queued = a.services.database.db
      .prepare("SELECT seq, payload FROM outbox WHERE type = 'staff.pin_changed' ORDER BY seq DESC LIMIT 1")
      .get() as { seq: number; payload: string };
    expect(Object.keys(JSON.parse(queued.payload) as object).sort()).toEqual([
      'approvalId',
      'approvedBy',
      'at',
      'kind',
      'staffId',
      'staffProof',
    ]);
    expect(queued.payload).not.toContain('395172');
    expect(queued.payload).not.toContain(CARL.pin);
    // HQ hashes a chain-wide staff member's new PIN under the chain-staff pepper (issue 15, v2).
    const pepper = chainStaffPinPepper((await readPinPepperRing(hq.db)).root);
    const hqHash = await until('the new PIN at HQ', async () => {
      const row = (await hq.db.query<{ pin_hash: string }>("SELECT pin_hash FROM staff WHERE id = 'demo-carl'"))
        .rows[0];
      return row !== undefined && (await verifyStaffPin(pepper, row.pin_hash, '395172')) && row.pin_hash;
    });
    // HQ's own hash (its own salt) comes back with the roster and replaces the one made here.
    await until('HQ’s hash in the till’s roster', async () => {
      const local = a.services.database.db.prepare("SELECT pin_hash FROM staff WHERE id = 'demo-carl'").get() as {
        pin_hash: string;
      };
      return local.pin_hash === hqHash;
    });
    // Answered by HQ, the outbox row keeps its receipt only: the sealed PINs are gone from it.
    const receipt = a.services.database.db
      .prepare('SELECT state, payload FROM outbox WHERE seq = ?')
      .get(queued.seq) as {
      state: string;
      payload: string;
    };
    expect(receipt.state).toBe('acked');
    expect(Object.keys(JSON.parse(receipt.payload) as object).sort()).toEqual([
      'approvalId',
      'approvedBy',
      'at',
      'kind',
      'staffId',
    ]);
    await ok(a, 'session.lock');
    const old = await a.call<IpcResult<unknown>>('session.login', CARL);
    expect(old.ok ? null : old.error.code).toBe('login_failed');
    await ok(a, 'session.login', { staffId: CARL.staffId, pin: '395172' });
    // Put it back for the other tests (the roster is chain-wide).
    await ok(a, 'staff.changeOwnPin', { currentPin: '395172', newPin: CARL.pin });
    await until('the PIN back at HQ', async () => {
      const row = (await hq.db.query<{ pin_hash: string }>("SELECT pin_hash FROM staff WHERE id = 'demo-carl'"))
        .rows[0];
      return row !== undefined && (await verifyStaffPin(pepper, row.pin_hash, CARL.pin));
    });
  });

  test('approvals made at the till, on the spot and from the queue, reach HQ and are accepted there', async () => {
    const a = await pairedApp();
    await ok(a, 'session.login', CARL);
    const member = await until('a member from HQ', async () => {
      const found = await ok<{ members: { id: string }[] }>(a, 'members.find', { query: '6004990000016' });
      return found.members[0];
    });
    // On the spot: Mia types her PIN at this till for Carl's adjustment.
    const subject = { action: 'points.adjust', payload: { memberId: member.id, points: 25 }, reasonCode: 'goodwill' };
    const granted = await ok<{ approvalId: string }>(a, 'approvals.grant', {
      subject,
      managerId: MIA.staffId,
      pin: MIA.pin,
    });
    const adjusted = await ok<{ entry: { opId: string } }>(a, 'points.adjust', {
      memberId: member.id,
      points: 25,
      approvalId: granted.approvalId,
    });
    // Later: Carl queues a second adjustment, Mia decides it with her own PIN.
    const queued = await ok<{ approvalId: string }>(a, 'approvals.request', {
      action: 'points.adjust',
      payload: { memberId: member.id, points: 15 },
      reasonCode: 'missed_purchase',
    });
    await ok(a, 'session.login', MIA);
    await ok(a, 'approvals.decide', { approvalId: queued.approvalId, decision: 'approve', pin: MIA.pin });
    const decided = a.services.database.db
      .prepare("SELECT op_id FROM outbox WHERE type = 'points.adjusted' AND op_id <> ?")
      .get(adjusted.entry.opId) as { op_id: string };
    const outcomes = await until('both adjustments settled at HQ', async () => {
      const rows = await hq.db.query<{ op_id: string; outcome: string; reason: string | null }>(
        'SELECT op_id, outcome, reason FROM ops WHERE op_id = ANY($1::uuid[]) ORDER BY seq',
        [[adjusted.entry.opId, decided.op_id]],
      );
      return rows.rows.length === 2 && rows.rows;
    });
    expect(outcomes.map((row) => [row.op_id, row.outcome, row.reason])).toEqual([
      [adjusted.entry.opId, 'applied', null],
      [decided.op_id, 'applied', null],
    ]);
    const ledger = await hq.db.query<{ points: number; approved_by: string }>(
      'SELECT points, approved_by FROM ledger WHERE op_id = ANY($1::uuid[]) ORDER BY points',
      [[adjusted.entry.opId, decided.op_id]],
    );
    expect(ledger.rows).toEqual([
      { points: 15, approved_by: MIA.staffId },
      { points: 25, approved_by: MIA.staffId },
    ]);
  });

  test('a till learns its store’s adjustment limit from HQ and refuses a larger adjustment before any approval', async () => {
    const limit = (maxAdjustPoints: number) =>
      loadCatalog(
        { db: hq.db, now: () => hq.clock.now },
        {
          ...catalog,
          storePolicy: {
            default: { maxAdjustPoints: 10_000, graceDays: 7 },
            stores: { [storeId]: { maxAdjustPoints } },
          },
        },
      );
    await limit(300);
    try {
      const a = await pairedApp();
      await until('the limit from HQ', async () => {
        const row = a.services.database.db
          .prepare("SELECT value FROM settings WHERE key = 'max_adjust_points'")
          .get() as { value: string } | undefined;
        return row?.value === '300';
      });
      await ok(a, 'session.login', CARL);
      const member = await until('a member from HQ', async () => {
        const found = await ok<{ members: { id: string }[] }>(a, 'members.find', { query: '6004990000016' });
        return found.members[0];
      });
      const subject = (points: number) => ({
        action: 'points.adjust',
        payload: { memberId: member.id, points },
        reasonCode: 'goodwill',
      });
      const approvalsBefore = a.services.database.db.prepare('SELECT count(*) AS n FROM approvals').get();
      for (const points of [301, -301]) {
        expect(
          await a.call('approvals.grant', { subject: subject(points), managerId: MIA.staffId, pin: MIA.pin }),
        ).toMatchObject({
          ok: false,
          error: { code: 'validation_failed', issues: [{ path: 'points', code: 'too_big' }] },
        });
        expect(await a.call('approvals.request', subject(points))).toMatchObject({
          ok: false,
          error: { code: 'validation_failed', issues: [{ path: 'points', code: 'too_big' }] },
        });
      }
      expect(a.services.database.db.prepare('SELECT count(*) AS n FROM approvals').get()).toEqual(approvalsBefore);
      const granted = await ok<{ approvalId: string }>(a, 'approvals.grant', {
        subject: subject(300),
        managerId: MIA.staffId,
        pin: MIA.pin,
      });
      await ok(a, 'points.adjust', { memberId: member.id, points: 300, approvalId: granted.approvalId });
    } finally {
      await limit(10_000);
    }
  });

  test('a till learns its store’s four-eyes threshold from HQ: a manager alone cannot approve their own larger correction', async () => {
    const fourEyes = (secondApproverAbovePoints: number) =>
      loadCatalog(
        { db: hq.db, now: () => hq.clock.now },
        { ...catalog, storePolicy: { stores: { [storeId]: { secondApproverAbovePoints } } } },
      );
    await fourEyes(10);
    try {
      const a = await pairedApp();
      await until('the threshold from HQ', async () => {
        const info = await ok<{ secondApproverAbovePoints: number }>(a, 'app.getInfo', {});
        return info.secondApproverAbovePoints === 10;
      });
      await ok(a, 'session.login', MIA);
      const member = await until('a member from HQ', async () => {
        const found = await ok<{ members: { id: string }[] }>(a, 'members.find', { query: '6004990000016' });
        return found.members[0];
      });
      const subject = (points: number) => ({
        action: 'points.adjust',
        payload: { memberId: member.id, points },
        reasonCode: 'goodwill',
      });
      expect(
        await a.call('approvals.grant', { subject: subject(11), managerId: MIA.staffId, pin: MIA.pin }),
      ).toMatchObject({ ok: false, error: { code: 'second_approver_required' } });
      const granted = await ok<{ approvalId: string }>(a, 'approvals.grant', {
        subject: subject(10),
        managerId: MIA.staffId,
        pin: MIA.pin,
      });
      await ok(a, 'points.adjust', { memberId: member.id, points: 10, approvalId: granted.approvalId });
    } finally {
      await fourEyes(500);
    }
  });

  test('Sync now and Day end are a manager’s: the cashier is refused, the manager gets HQ’s reconciled report', async () => {
    const a = await pairedApp();
    await ok(a, 'session.login', CARL);
    const refused = await a.call<IpcResult<unknown>>('sync.dayEnd', {});
    expect(refused.ok).toBe(false);
    expect(!refused.ok && refused.error.code).toBe('permission_denied');
    const status = await ok<SyncStatus>(a, 'sync.status');
    expect(status.paired).toBe(true);
    await ok(a, 'session.lock');
    await ok(a, 'session.login', MIA);
    const member = await ok<{ members: { id: string }[] }>(a, 'members.find', { query: '6004990000016' });
    await ok(a, 'points.earn', {
      memberId: member.members[0]!.id,
      amountMinor: 1000,
      reference: `APP-${Date.now()}`,
      expectedPoints: 15,
    });
    // The roster is HQ's: a manager cannot add staff on a paired till.
    const added = await a.call<IpcResult<unknown>>('staff.add', {
      displayName: 'Local Temp',
      role: 'cashier',
      temporaryPin: '284619',
    });
    expect(!added.ok && added.error.code).toBe('permission_denied');
    const report = await ok<DayEndReport>(a, 'sync.dayEnd');
    expect(report.status).toBe('reconciled');
    expect(report.hq['points.earned']).toEqual({ applied: 1, rejected: 0 });
    const after = await ok<SyncStatus>(a, 'sync.status');
    expect(after.pending.total).toBe(0);
    expect(after.lastDayEnd?.status).toBe('reconciled');
    const now = await ok<SyncStatus>(a, 'sync.runNow');
    expect(now.online).toBe(true);
    expect(now.auditRefused).toBeNull();
    // The upload refused by HQ (tests/integration/audit-upload.test.ts makes one) is what the manager sees.
    a.services.database.db
      .prepare(
        "INSERT INTO sync_state (key, value) VALUES ('audit_refused', 'fork') ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      )
      .run();
    expect((await ok<SyncStatus>(a, 'sync.status')).auditRefused).toBe('fork');
  });

  test('polling the sync status is not activity: an unattended till still locks itself', async () => {
    let t = Date.parse('2026-11-24T09:00:00Z');
    const a = await pairedApp(() => new Date(t));
    await ok(a, 'session.login', CARL);
    t += 100_000;
    await ok(a, 'sync.status'); // the header's poll
    t += 30_000; // 130 s since the last real activity: past the 120 s idle lock
    const current = await ok<{ session: unknown }>(a, 'session.current');
    expect(current.session).toBeNull();
  });

  test('a revoked till wipes its local data at its next contact with HQ and says so', async () => {
    const a = await pairedApp();
    const installId = a.services.database.installId;
    const deviceId = (
      a.services.database.db.prepare("SELECT value FROM sync_state WHERE key = 'device_id'").get() as {
        value: string;
      }
    ).value;
    expect(await a.keychain.keychain.get(hqTokenAccount(installId))).not.toBeNull();
    await revokeDevice({ db: hq.db }, deviceId);
    const info = await until('the wipe', async () => {
      const value = await ok<{ paired: boolean; revokedAt: string | null }>(a, 'app.getInfo');
      return value.revokedAt !== null ? value : null;
    });
    expect(info.paired).toBe(false);
    // A new, empty till: none of the old members, no staff from HQ, a new install id.
    expect(a.services.database.installId).not.toBe(installId);
    expect((a.services.database.db.prepare('SELECT count(*) AS n FROM members').get() as { n: number }).n).toBe(0);
    expect((await ok<{ staff: unknown[] }>(a, 'staff.roster')).staff).toEqual([]);
    // The old install's secrets are gone from the secret store, the old files from the disk.
    for (const account of [
      ...Object.values(secretAccounts(installId)),
      ...KEK_LABELS.map((label) => kekAccount(installId, label)),
      hqTokenAccount(installId),
    ])
      expect(await a.keychain.keychain.get(account)).toBeNull();
    expect(existsSync(join(a.dataDir, DATABASE_FILE))).toBe(true); // the new till's
  });
});
