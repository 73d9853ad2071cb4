import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app';
import { manualClock } from '../support/clock';
import { PINS, errorCode, login, seedStaff } from '../support/staff';
import { DEFAULT_LOCKOUT_POLICY, scaledPolicy } from '../../src/main/auth/lockout-policy';

/**
 * Ways around the PIN throttle that the staff-access suite does not try: spraying many staff ids,
 * and many tries in parallel. The waits come from DEFAULT_LOCKOUT_POLICY: none after the 1st and
 * 2nd consecutive failure, 1 s after the 3rd, doubling after that; the device-wide counter caps at 60 s.
 */
describe('brute-force defence holds against spraying and parallel tries', () => {
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

  it('the device-wide wait keeps applying after ten failures spread over many ids', async () => {
    for (let i = 0; i < 14; i++) {
      clock.advance(61);
      expect(errorCode(await login(app, `sprayed-${i}`, '864219'))).toBe('login_failed');
    }
    // Right after the 14th failure, even a real staff member with the right PIN must wait.
    expect(await login(app, 'mia', PINS.mia)).toMatchObject({ ok: false, error: { code: 'login_delayed' } });
  });

  it('tries sent in parallel see each other: three are checked, the other five wait', async () => {
    const results = await Promise.all(Array.from({ length: 8 }, () => login(app, 'carl', '864219')));
    // The clock does not move: the 1st and 2nd failures ask for no wait, the 3rd for 1 s, so the
    // fourth try onwards must be refused without a PIN check, whatever order they arrive in.
    expect(results.map(errorCode).sort()).toEqual([
      'login_delayed',
      'login_delayed',
      'login_delayed',
      'login_delayed',
      'login_delayed',
      'login_failed',
      'login_failed',
      'login_failed',
    ]);
  });

  it('a right PIN after nine failures still opens a session (the tenth try is not counted against it)', async () => {
    for (let i = 0; i < 9; i++) {
      clock.advance(120);
      expect(errorCode(await login(app, 'carl', '864219'))).toBe('login_failed');
    }
    clock.advance(120);
    expect(await login(app, 'carl', PINS.carl)).toMatchObject({ ok: true });
  });
});

describe('right PINs checked in parallel (an approval while a login is checked, the kill test’s sixteen clients)', () => {
  it('do not lock the PIN, though each reserves a failure until its check is done', async () => {
    // Without waits (as the harness with --pin-delay-scale 0), so every check runs in parallel.
    const app = await startTestApp(undefined, {
      signedIn: null,
      extra: { lockoutPolicy: scaledPolicy(DEFAULT_LOCKOUT_POLICY, 0) },
    });
    try {
      await seedStaff(app);
      const results = await Promise.all(Array.from({ length: 12 }, () => login(app, 'carl', PINS.carl)));
      expect(results.map((r) => r.ok)).toEqual(Array.from({ length: 12 }, () => true));
      // Not disabled: the next sign-in with the right PIN opens a session.
      expect(await login(app, 'carl', PINS.carl)).toMatchObject({ ok: true });
      // A wrong PIN ten times in a row still disables it, and then the right one is refused.
      for (let i = 0; i < 10; i++) expect(errorCode(await login(app, 'carl', '864219'))).toBe('login_failed');
      expect(errorCode(await login(app, 'carl', PINS.carl))).toBe('login_failed');
    } finally {
      await app.dispose();
    }
  });
});
