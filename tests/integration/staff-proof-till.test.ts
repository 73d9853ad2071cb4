import { afterEach, describe, expect, test } from 'vitest';
import { newStaffProofKeyPair, openStaffProof } from '../../packages/hq/src/push/staff-proof';
import { storeStaffProofKey } from '../../src/main/sync/device-identity';
import type { IpcResult } from '../../src/shared/errors';
import { startTestApp, type TestApp } from '../support/app';

const MIA = { staffId: 'demo-mia', pin: '731946' };
const CARL = { staffId: 'demo-carl', pin: '582047' };

/**
 * The till's half of staff proofs (issue 10, defect 3): a paired till seals the PINs typed for
 * HQ to believe into the op, with HQ's public key; only HQ's private key opens them. A standalone
 * till tells HQ nothing and seals nothing; a paired till without HQ's key yet refuses.
 */
describe('staff proofs at the till', () => {
  let app: TestApp | null = null;
  afterEach(async () => {
    await app?.dispose();
    app = null;
  });

  async function demoTill(): Promise<TestApp> {
    app = await startTestApp(undefined, { signedIn: null, extra: { demo: true } });
    return app;
  }

  /** What pairing records (pair-till.ts), without an HQ to talk to: no worker runs in these tests. */
  function markPaired(a: TestApp, key: string | null): string {
    const db = a.services.database.db;
    const set = db.prepare(
      'INSERT INTO sync_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    );
    db.transaction(() => {
      set.run('store_id', 'store-1');
      set.run('hq_url', 'https://hq.invalid');
      set.run('hq_cert_sha256', 'ab'.repeat(32));
      if (key !== null) storeStaffProofKey(db, key);
    })();
    return (db.prepare("SELECT value FROM sync_state WHERE key = 'device_id'").get() as { value: string }).value;
  }

  const call = async <T>(a: TestApp, channel: string, payload: unknown = {}) => a.call<IpcResult<T>>(channel, payload);
  const ok = async <T>(a: TestApp, channel: string, payload: unknown = {}): Promise<T> => {
    const result = await call<T>(a, channel, payload);
    if (!result.ok) throw new Error(`${channel}: ${result.error.code}`);
    return result.value;
  };
  const anyMember = (a: TestApp) =>
    (a.services.database.db.prepare('SELECT id FROM members ORDER BY id LIMIT 1').get() as { id: string }).id;
  const outbox = (a: TestApp, type: string) =>
    (
      a.services.database.db.prepare('SELECT op_id, payload FROM outbox WHERE type = ? ORDER BY seq').all(type) as {
        op_id: string;
        payload: string;
      }[]
    ).map((row) => ({ opId: row.op_id, payload: JSON.parse(row.payload) as Record<string, unknown> }));

  async function grantAdjust(a: TestApp, memberId: string, points: number): Promise<string> {
    const subject = { action: 'points.adjust', payload: { memberId, points }, reasonCode: 'goodwill' };
    return (await ok<{ approvalId: string }>(a, 'approvals.grant', { subject, managerId: MIA.staffId, pin: MIA.pin }))
      .approvalId;
  }

  test('a standalone till seals nothing: no PIN-change op, an adjustment without a proof', async () => {
    const a = await demoTill();
    await ok(a, 'session.login', CARL);
    await ok(a, 'staff.changeOwnPin', { currentPin: CARL.pin, newPin: '395172' });
    expect(outbox(a, 'staff.pin_changed')).toEqual([]);
    const member = anyMember(a);
    const approvalId = await grantAdjust(a, member, 25);
    await ok(a, 'points.adjust', { memberId: member, points: 25, approvalId });
    const [adjusted] = outbox(a, 'points.adjusted');
    expect(adjusted?.payload).toMatchObject({ approvedBy: MIA.staffId, approvalId, points: 25 });
    expect(adjusted && 'staffProof' in adjusted.payload).toBe(false);
  });

  test('a till paired before HQ handed out its key refuses PIN changes and approvals HQ would refuse, and changes nothing', async () => {
    const a = await demoTill();
    markPaired(a, null);
    await ok(a, 'session.login', CARL);
    const pinBefore = a.services.database.db.prepare("SELECT pin_hash FROM staff WHERE id = 'demo-carl'").get();
    const changed = await call(a, 'staff.changeOwnPin', { currentPin: CARL.pin, newPin: '395172' });
    expect(changed.ok ? null : changed.error.code).toBe('hq_unreachable');
    const subject = {
      action: 'points.adjust',
      payload: { memberId: anyMember(a), points: 25 },
      reasonCode: 'goodwill',
    };
    const granted = await call(a, 'approvals.grant', { subject, managerId: MIA.staffId, pin: MIA.pin });
    expect(granted.ok ? null : granted.error.code).toBe('hq_unreachable');
    expect(a.services.database.db.prepare("SELECT pin_hash FROM staff WHERE id = 'demo-carl'").get()).toEqual(
      pinBefore,
    );
    expect(a.services.database.db.prepare('SELECT count(*) AS n FROM outbox').get()).toEqual({ n: 0 });
    expect(a.services.database.db.prepare('SELECT count(*) AS n FROM approvals').get()).toEqual({ n: 0 });
  });

  test('a paired till puts proofs in its ops that only HQ opens, each bound to this device and its op or approval', async () => {
    const hq = newStaffProofKeyPair();
    const a = await demoTill();
    const deviceId = markPaired(a, hq.publicKey);
    await ok(a, 'session.login', CARL);
    await ok(a, 'staff.changeOwnPin', { currentPin: CARL.pin, newPin: '395172' });
    const [change] = outbox(a, 'staff.pin_changed');
    if (!change) throw new Error('no PIN-change op');
    expect(change.payload).toMatchObject({ staffId: CARL.staffId, kind: 'change', approvedBy: null, approvalId: null });
    expect(JSON.stringify(change.payload)).not.toContain('395172');
    const binding = { purpose: 'pin_change', deviceId, opId: change.opId, staffId: CARL.staffId } as const;
    expect(openStaffProof(hq, change.payload.staffProof, binding)).toEqual({ pin: CARL.pin, newPin: '395172' });
    expect(openStaffProof(hq, change.payload.staffProof, { ...binding, deviceId: 'another-till' })).toBeNull();

    const member = anyMember(a);
    const approvalId = await grantAdjust(a, member, 25);
    await ok(a, 'points.adjust', { memberId: member, points: 25, approvalId });
    const [adjusted] = outbox(a, 'points.adjusted');
    if (!adjusted) throw new Error('no adjustment op');
    const approval = { deviceId, approvalId, approvedBy: MIA.staffId } as const;
    expect(
      openStaffProof(hq, adjusted.payload.staffProof, {
        purpose: 'points_adjust',
        ...approval,
        memberId: member,
        points: 25,
      }),
    ).toEqual({ pin: MIA.pin });

    // A reset: Mia's PIN and the temporary PIN, sealed for the staff member reset.
    await ok(a, 'session.login', MIA);
    const resetSubject = {
      action: 'staff.resetPin',
      payload: { staffId: CARL.staffId, temporaryPin: '640271' },
      reasonCode: 'forgot_pin',
    };
    const reset = await ok<{ approvalId: string }>(a, 'approvals.grant', {
      subject: resetSubject,
      managerId: MIA.staffId,
      pin: MIA.pin,
    });
    await ok(a, 'staff.resetPin', { ...resetSubject.payload, approvalId: reset.approvalId });
    const resetOp = outbox(a, 'staff.pin_changed')[1];
    if (!resetOp) throw new Error('no reset op');
    expect(resetOp.payload).toMatchObject({ kind: 'reset', approvedBy: MIA.staffId, approvalId: reset.approvalId });
    expect(
      openStaffProof(hq, resetOp.payload.staffProof, {
        purpose: 'pin_reset',
        deviceId,
        approvalId: reset.approvalId,
        approvedBy: MIA.staffId,
        staffId: CARL.staffId,
      }),
    ).toEqual({ pin: MIA.pin, newPin: '640271' });
  });

  test('an approval granted before a restart is not spent after it on a paired till: its proof was never written', async () => {
    // Control: a standalone till may spend it (nothing goes to HQ, so no proof is needed).
    const standalone = await demoTill();
    await ok(standalone, 'session.login', CARL);
    const kept = await grantAdjust(standalone, anyMember(standalone), 25);
    const reopenedStandalone = await standalone.reopen();
    app = reopenedStandalone;
    await ok(reopenedStandalone, 'session.login', CARL);
    const spent = await call(reopenedStandalone, 'points.adjust', {
      memberId: anyMember(reopenedStandalone),
      points: 25,
      approvalId: kept,
    });
    expect(spent.ok).toBe(true);
    await reopenedStandalone.dispose();
    app = null;

    const a = await demoTill();
    markPaired(a, newStaffProofKeyPair().publicKey);
    await ok(a, 'session.login', CARL);
    const approvalId = await grantAdjust(a, anyMember(a), 25);
    const reopened = await a.reopen();
    app = reopened;
    await ok(reopened, 'session.login', CARL);
    const refused = await call(reopened, 'points.adjust', { memberId: anyMember(reopened), points: 25, approvalId });
    expect(refused.ok ? null : refused.error.code).toBe('approval_invalid');
    expect(outbox(reopened, 'points.adjusted')).toEqual([]);
  });
});
