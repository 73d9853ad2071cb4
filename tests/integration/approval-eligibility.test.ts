import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app';
import { manualClock } from '../support/clock';
import { PINS, errorCode, login, seedStaff, type Result } from '../support/staff';

/** Who may approve, what may be asked, and how long a queued request waits. */
describe('approvals cannot be made with a temporary PIN, nor used to learn a manager PIN', () => {
  let app: TestApp;
  let clock: ReturnType<typeof manualClock>;
  const call = <T = unknown>(channel: string, payload: unknown) => app.call<Result<T>>(channel, payload);
  beforeEach(async () => {
    clock = manualClock();
    app = await startTestApp(undefined, { now: clock.now, signedIn: null });
    await seedStaff(app, [
      { id: 'tess', displayName: 'Tess Temp', role: 'manager', pin: '975318', mustChangePin: true },
    ]);
  });
  afterEach(async () => {
    await app.dispose();
  });

  it('a manager still holding a temporary PIN cannot approve; a manager with a chosen PIN can', async () => {
    await login(app, 'carl', PINS.carl);
    const subject = {
      action: 'staff.resetPin',
      payload: { staffId: 'nina', temporaryPin: '864213' },
      reasonCode: 'forgot_pin',
    };
    expect(errorCode(await call('approvals.grant', { subject, managerId: 'tess', pin: '975318' }))).toBe(
      'permission_denied',
    );
    expect(await call('approvals.grant', { subject, managerId: 'mia', pin: PINS.mia })).toMatchObject({ ok: true });
  });

  it("a cashier cannot ask to reset a manager's PIN (they would learn it)", async () => {
    await login(app, 'carl', PINS.carl);
    const subject = {
      action: 'staff.resetPin',
      payload: { staffId: 'mia', temporaryPin: '864213' },
      reasonCode: 'forgot_pin',
    };
    expect(errorCode(await call('approvals.grant', { subject, managerId: 'mia', pin: PINS.mia }))).toBe(
      'permission_denied',
    );
  });

  it('a queued request lapses after a day and can no longer be approved', async () => {
    for (let i = 0; i < 10; i++) {
      clock.advance(120);
      await login(app, 'nina', '864219');
    }
    clock.advance(120);
    await login(app, 'mia', PINS.mia);
    const requested = await call<{ approvalId: string }>('approvals.request', {
      action: 'staff.unlock',
      payload: { staffId: 'nina' },
      reasonCode: 'locked_out',
    });
    expect(requested).toMatchObject({ ok: true });
    const approvalId = requested.ok ? requested.value.approvalId : '';
    clock.advance(24 * 3600 + 1);
    await login(app, 'mia', PINS.mia);
    const list = await call<{ entries: { approvalId: string; status: string }[] }>('approvals.list', {});
    expect(list).toMatchObject({ ok: true });
    expect(list.ok && list.value.entries.find((e) => e.approvalId === approvalId)?.status).toBe('expired');
    expect(errorCode(await call('approvals.decide', { approvalId, decision: 'approve', pin: PINS.mia }))).toBe(
      'approval_invalid',
    );
  });
});
