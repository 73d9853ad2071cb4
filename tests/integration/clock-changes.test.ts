import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app';
import { skewedClock } from '../support/skewed-clock';
import { PINS, errorCode, login, seedStaff, type Result } from '../support/staff';

const DAY = 24 * 3600;
const HOUR = 3600;
/** The system clock set a day or an hour ahead or behind: each case is run with every step. */
const STEPS = [
  ['a day ahead', DAY],
  ['a day behind', -DAY],
  ['an hour ahead', HOUR],
  ['an hour behind', -HOUR],
] as const;

/**
 * Someone changes the till's system clock (or NTP steps it). Durations — PIN delays, the idle
 * lock, approval and queue expiries — must follow real time passing, never the jump; the
 * DEFAULT_LOCKOUT_POLICY asks for no wait after the 1st and 2nd failure and 1 s after the 3rd.
 */
describe('clock changes', () => {
  let app: TestApp;
  let clock: ReturnType<typeof skewedClock>;
  const call = <T = unknown>(channel: string, payload: unknown) => app.call<Result<T>>(channel, payload);
  const start = () =>
    startTestApp(undefined, { now: clock.now, signedIn: null, extra: { monotonicMs: clock.monotonicMs } });

  beforeEach(async () => {
    clock = skewedClock();
    app = await start();
    await seedStaff(app);
  });
  afterEach(async () => {
    await app.dispose();
  });

  it('one wrong PIN while the clock was a day ahead: once the time is put right, everyone logs in', async () => {
    clock.stepWall(DAY);
    expect(errorCode(await login(app, 'carl', '864219'))).toBe('login_failed');
    clock.stepWall(-DAY);
    expect(await login(app, 'mia', PINS.mia)).toMatchObject({ ok: true });
    expect(await login(app, 'carl', PINS.carl)).toMatchObject({ ok: true });
  });

  it('failures recorded a day ahead, seen after a restart with the right time: at most the policy wait', async () => {
    clock.stepWall(DAY);
    for (let i = 0; i < 3; i++) expect(errorCode(await login(app, 'carl', '864219'))).toBe('login_failed');
    clock.stepWall(-DAY);
    app = await app.reopen();
    expect(await login(app, 'carl', PINS.carl)).toEqual({
      ok: false,
      error: expect.objectContaining({ code: 'login_delayed', details: { retryAfterSeconds: '1' } }),
    });
    clock.advance(1);
    expect(await login(app, 'carl', PINS.carl)).toMatchObject({ ok: true });
  });

  it.each(STEPS)('the clock set %s after three wrong PINs: the wait is the policy’s 1 s', async (_name, step) => {
    for (let i = 0; i < 3; i++) expect(errorCode(await login(app, 'carl', '864219'))).toBe('login_failed');
    clock.stepWall(step);
    expect(await login(app, 'carl', PINS.carl)).toEqual({
      ok: false,
      error: expect.objectContaining({ code: 'login_delayed', details: { retryAfterSeconds: '1' } }),
    });
    clock.advance(1);
    expect(await login(app, 'carl', PINS.carl)).toMatchObject({ ok: true });
  });

  it.each(STEPS)('the clock set %s: the idle lock still comes after 120 s of real time', async (_name, step) => {
    expect(await login(app, 'carl', PINS.carl)).toMatchObject({ ok: true });
    clock.stepWall(step);
    clock.advance(100);
    expect(await call('session.current', {})).toMatchObject({ ok: true, value: { session: { staffId: 'carl' } } });
    clock.advance(21);
    expect(await call('session.current', {})).toEqual({ ok: true, value: { session: null } });
  });

  it.each(STEPS)('the clock set %s: an on-the-spot approval lasts 120 s of real time', async (_name, step) => {
    expect(await login(app, 'carl', PINS.carl)).toMatchObject({ ok: true });
    const payload = { staffId: 'nina', temporaryPin: '864213' };
    const grant = async () => {
      const granted = await call<{ approvalId: string }>('approvals.grant', {
        requestId: randomUUID(),
        subject: { action: 'staff.resetPin', payload, reasonCode: 'forgot_pin' },
        managerId: 'mia',
        pin: PINS.mia,
      });
      expect(granted, JSON.stringify(granted)).toMatchObject({ ok: true });
      return granted.ok ? granted.value.approvalId : '';
    };
    const used = await grant();
    clock.stepWall(step);
    clock.advance(100);
    expect(await call('staff.resetPin', { ...payload, approvalId: used, requestId: randomUUID() })).toMatchObject({
      ok: true,
    });

    const lapsed = await grant();
    clock.stepWall(step);
    // Staff keep working meanwhile, so it is the approval that lapses, not the session.
    clock.advance(60);
    expect(await call('session.touch', {})).toMatchObject({ ok: true });
    clock.advance(61);
    expect(errorCode(await call('staff.resetPin', { ...payload, approvalId: lapsed, requestId: randomUUID() }))).toBe(
      'approval_invalid',
    );
  });

  it.each(STEPS)('the clock set %s: a queued request lapses after a day of real time', async (_name, step) => {
    expect(await login(app, 'carl', PINS.carl)).toMatchObject({ ok: true });
    const request = async () => {
      const requested = await call<{ approvalId: string }>('approvals.request', {
        requestId: randomUUID(),
        action: 'staff.unlock',
        payload: { staffId: 'nina' },
        reasonCode: 'locked_out',
      });
      expect(requested, JSON.stringify(requested)).toMatchObject({ ok: true });
      return requested.ok ? requested.value.approvalId : '';
    };
    const kept = await request();
    const lapsing = await request();
    clock.stepWall(step);
    clock.advance(DAY - 60);
    expect(await login(app, 'mia', PINS.mia)).toMatchObject({ ok: true });
    expect(
      await call('approvals.decide', {
        approvalId: kept,
        decision: 'approve',
        pin: PINS.mia,
        requestId: randomUUID(),
      }),
    ).toMatchObject({
      ok: true,
    });
    clock.advance(61);
    expect(await login(app, 'mia', PINS.mia)).toMatchObject({ ok: true });
    const list = await call<{ entries: { approvalId: string; status: string }[] }>('approvals.list', {});
    expect(list.ok && list.value.entries.find((e) => e.approvalId === lapsing)?.status).toBe('expired');
    expect(
      errorCode(
        await call('approvals.decide', {
          approvalId: lapsing,
          decision: 'approve',
          pin: PINS.mia,
          requestId: randomUUID(),
        }),
      ),
    ).toBe('approval_invalid');
  });
});
