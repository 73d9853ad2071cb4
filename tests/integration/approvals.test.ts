import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app';
import { manualClock } from '../support/clock';
import { PINS, errorCode, login, seedStaff, type Result } from '../support/staff';

const unlockCarl = { action: 'staff.unlock', payload: { staffId: 'carl' }, reasonCode: 'locked_out' } as const;
const resetNina = (temporaryPin = '864213') =>
  ({ action: 'staff.resetPin', payload: { staffId: 'nina', temporaryPin }, reasonCode: 'forgot_pin' }) as const;

describe('manager approvals', () => {
  let app: TestApp;
  let clock: ReturnType<typeof manualClock>;

  const call = <T = unknown>(channel: string, payload: unknown) => app.call<Result<T>>(channel, payload);
  async function grant(subject: unknown, managerId = 'mia', pin: string = PINS.mia) {
    return call<{ approvalId: string; expiresAt: string }>('approvals.grant', { subject, managerId, pin });
  }
  function approvalCount() {
    return (app.services.database.db.prepare('SELECT count(*) AS n FROM approvals').get() as { n: number }).n;
  }
  async function lockOut(staffId: string) {
    for (let i = 0; i < 10; i++) {
      clock.advance(120);
      await login(app, staffId, '864219');
    }
    clock.advance(120);
  }

  beforeEach(async () => {
    clock = manualClock();
    app = await startTestApp(undefined, { now: clock.now, signedIn: null });
    await seedStaff(app);
  });
  afterEach(async () => {
    await app.dispose();
  });

  it('on the spot: a manager approves a PIN reset at the till; the approval works once, for that exact action', async () => {
    await login(app, 'carl', PINS.carl);
    const approval = await grant(resetNina());
    expect(approval).toMatchObject({
      ok: true,
      value: { expiresAt: new Date(clock.now().getTime() + 120_000).toISOString() },
    });
    const approvalId = approval.ok ? approval.value.approvalId : '';

    // Bound to the payload: another temporary PIN, another staff member or another action is refused.
    expect(errorCode(await call('staff.resetPin', { staffId: 'nina', temporaryPin: '975318', approvalId }))).toBe(
      'approval_invalid',
    );
    expect(errorCode(await call('staff.resetPin', { staffId: 'carl', temporaryPin: '864213', approvalId }))).toBe(
      'approval_invalid',
    );
    expect(errorCode(await call('staff.unlock', { staffId: 'nina', approvalId }))).toBe('approval_invalid');

    expect(await call('staff.resetPin', { staffId: 'nina', temporaryPin: '864213', approvalId })).toMatchObject({
      ok: true,
      value: { staffId: 'nina', mustChangePin: true },
    });
    // Used once: a replay is refused.
    expect(errorCode(await call('staff.resetPin', { staffId: 'nina', temporaryPin: '864213', approvalId }))).toBe(
      'approval_invalid',
    );

    await call('session.lock', {});
    expect(errorCode(await login(app, 'nina', PINS.nina))).toBe('login_failed');
    expect(await login(app, 'nina', '864213')).toMatchObject({ ok: true, value: { session: { mustChangePin: true } } });
    const used = app.services.audit.list({ action: 'approval.used' }).entries;
    expect(used).toHaveLength(1);
    expect(app.services.audit.list({ action: 'approval.refused' }).entries).toHaveLength(4);
  });

  it('an approval expires after two minutes', async () => {
    await login(app, 'carl', PINS.carl);
    const approval = await grant(resetNina());
    const approvalId = approval.ok ? approval.value.approvalId : '';
    clock.advance(100);
    await call('session.touch', {}); // keep the session itself from locking meanwhile
    clock.advance(21);
    expect(errorCode(await call('staff.resetPin', { staffId: 'nina', temporaryPin: '864213', approvalId }))).toBe(
      'approval_invalid',
    );
  });

  it('an approval belongs to the staff member who asked for it', async () => {
    await login(app, 'carl', PINS.carl);
    const approval = await grant(resetNina());
    const approvalId = approval.ok ? approval.value.approvalId : '';
    await login(app, 'mia', PINS.mia);
    expect(errorCode(await call('staff.resetPin', { staffId: 'nina', temporaryPin: '864213', approvalId }))).toBe(
      'approval_invalid',
    );
  });

  it('a cashier cannot approve, and a wrong manager PIN approves nothing and counts as a failure', async () => {
    await login(app, 'nina', PINS.nina);
    await call('staff.changeOwnPin', { currentPin: PINS.nina, newPin: PINS.newNina });
    expect(errorCode(await grant(resetNina(), 'carl', PINS.carl))).toBe('permission_denied');
    expect(errorCode(await grant(resetNina(), 'mia', '864219'))).toBe('login_failed');
    expect(approvalCount()).toBe(0);
    expect(
      app.services.database.db.prepare("SELECT consecutive FROM auth_failures WHERE subject = 'staff:mia'").get(),
    ).toEqual({
      consecutive: 1,
    });
  });

  it('a weak temporary PIN is refused before any manager PIN is asked for', async () => {
    await login(app, 'carl', PINS.carl);
    expect(await grant(resetNina('111111'))).toMatchObject({
      ok: false,
      error: { code: 'pin_rejected', issues: [{ path: 'temporaryPin', code: 'pin_weak' }] },
    });
    expect(approvalCount()).toBe(0);
  });

  it('unlocks a locked-out cashier on the spot', async () => {
    await lockOut('carl');
    expect(app.services.staff.roster().staff.find((s) => s.staffId === 'carl')?.pinLocked).toBe(true);
    await login(app, 'nina', PINS.nina);
    await call('staff.changeOwnPin', { currentPin: PINS.nina, newPin: PINS.newNina });
    const approval = await grant(unlockCarl);
    const approvalId = approval.ok ? approval.value.approvalId : '';
    expect(await call('staff.unlock', { staffId: 'carl', approvalId })).toMatchObject({
      ok: true,
      value: { pinLocked: false },
    });
    expect((await login(app, 'carl', PINS.carl)).ok).toBe(true);
  });

  it('later, from the queue: a cashier asks, a manager approves with their PIN and the action runs', async () => {
    await lockOut('carl');
    await login(app, 'nina', PINS.nina);
    await call('staff.changeOwnPin', { currentPin: PINS.nina, newPin: PINS.newNina });
    expect(errorCode(await call('approvals.request', resetNina()))).toBe('approval_not_queueable');
    const requested = await call<{ approvalId: string }>('approvals.request', {
      ...unlockCarl,
      reasonCode: 'other',
      reasonText: 'Carl forgot, at the till since 9',
    });
    expect(requested.ok).toBe(true);
    const approvalId = requested.ok ? requested.value.approvalId : '';
    expect(errorCode(await call('approvals.list', {}))).toBe('permission_denied');

    await login(app, 'mia', PINS.mia);
    const queue = await call<{
      entries: { approvalId: string; status: string; targetName: string; requestedByName: string }[];
    }>('approvals.list', {});
    expect(queue).toMatchObject({
      ok: true,
      value: {
        entries: [
          {
            approvalId,
            status: 'pending',
            targetName: 'Carl Cashier',
            requestedByName: 'Nina Novak',
            reasonText: 'Carl forgot, at the till since 9',
          },
        ],
      },
    });
    expect(errorCode(await call('approvals.decide', { approvalId, decision: 'approve', pin: '864219' }))).toBe(
      'login_failed',
    );
    expect(app.services.staff.roster().staff.find((s) => s.staffId === 'carl')?.pinLocked).toBe(true);
    expect(await call('approvals.decide', { approvalId, decision: 'approve', pin: PINS.mia })).toMatchObject({
      ok: true,
      value: { status: 'used', decidedBy: 'mia' },
    });
    expect(errorCode(await call('approvals.decide', { approvalId, decision: 'approve', pin: PINS.mia }))).toBe(
      'approval_invalid',
    );
    expect(app.services.staff.roster().staff.find((s) => s.staffId === 'carl')?.pinLocked).toBe(false);
    expect(await call('approvals.list', {})).toEqual({ ok: true, value: { entries: [] } });
  });

  it('a manager can deny a queued request; nothing happens', async () => {
    await lockOut('carl');
    await login(app, 'mia', PINS.mia);
    const requested = await call<{ approvalId: string }>('approvals.request', unlockCarl);
    const approvalId = requested.ok ? requested.value.approvalId : '';
    expect(await call('approvals.decide', { approvalId, decision: 'deny', pin: PINS.mia })).toMatchObject({
      ok: true,
      value: { status: 'denied' },
    });
    expect(app.services.staff.roster().staff.find((s) => s.staffId === 'carl')?.pinLocked).toBe(true);
    // A queued id is not an on-the-spot approval either.
    expect(errorCode(await call('staff.unlock', { staffId: 'carl', approvalId }))).toBe('approval_invalid');
  });
});
