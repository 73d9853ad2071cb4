import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createPinHasher } from '../../src/main/staff/pin-hasher';
import { secretAccounts } from '../../src/main/keychain/device-secrets';
import { kekAccount } from '../../src/main/keychain/key-wrapping';
import { startTestApp, type TestApp } from '../support/app';
import { manualClock } from '../support/clock';
import { PINS, errorCode, login, seedStaff, type Result } from '../support/staff';

describe('staff access', () => {
  let app: TestApp;
  let clock: ReturnType<typeof manualClock>;
  const responses: string[] = [];
  let verifyCalls: (string | null)[] = [];

  async function call<T = unknown>(channel: string, payload: unknown): Promise<Result<T>> {
    const result = await app.call<Result<T>>(channel, payload);
    responses.push(JSON.stringify(result));
    return result;
  }

  beforeEach(async () => {
    clock = manualClock();
    verifyCalls = [];
    app = await startTestApp(undefined, {
      now: clock.now,
      signedIn: null,
      extra: {
        // The real argon2 hasher, watched: proves an unknown id costs a full verification too.
        pinHasher: (pepper) => {
          const real = createPinHasher(pepper);
          return {
            hash: real.hash,
            verify: (stored, pin) => {
              verifyCalls.push(stored);
              return real.verify(stored, pin);
            },
          };
        },
      },
    });
  });
  afterEach(async () => {
    await app.dispose();
  });

  it('starts locked and asks for a first manager when the till has no staff', async () => {
    expect(await call('session.current', {})).toEqual({ ok: true, value: { session: null } });
    expect(errorCode(await call('members.find', { query: 'ann' }))).toBe('not_authenticated');
    expect(await call('staff.roster', {})).toEqual({ ok: true, value: { needsBootstrap: true, staff: [] } });

    expect(await call('staff.bootstrap', { displayName: 'First Boss', pin: '123456' })).toMatchObject({
      ok: false,
      error: { code: 'pin_rejected', issues: [{ path: 'pin', code: 'pin_weak' }] },
    });
    const created = await call<{ session: { role: string; mustChangePin: boolean } }>('staff.bootstrap', {
      displayName: 'First Boss',
      pin: PINS.mia,
    });
    expect(created).toMatchObject({ ok: true, value: { session: { role: 'manager', mustChangePin: false } } });
    expect(errorCode(await call('staff.bootstrap', { displayName: 'Second Boss', pin: PINS.carl }))).toBe(
      'bootstrap_not_allowed',
    );
  });

  it('logs in with the right PIN and refuses a wrong PIN and an unknown id with the same error after the same work', async () => {
    await seedStaff(app);
    const wrong = await login(app, 'carl', '864213');
    const unknown = await login(app, 'nobody-here', '864213');
    expect(wrong).toEqual(unknown);
    expect(wrong).toMatchObject({ ok: false, error: { code: 'login_failed' } });
    // Both paths ran one argon2 verification: against Carl's hash, and against the dummy hash.
    expect(verifyCalls).toHaveLength(2);
    expect(verifyCalls[0]).toMatch(/^\$argon2id\$v=19\$m=65536,t=3,p=1\$/);
    expect(verifyCalls[1]).toBeNull();

    const ok = await login(app, 'carl', PINS.carl);
    expect(ok).toMatchObject({
      ok: true,
      value: { session: { staffId: 'carl', role: 'cashier', mustChangePin: false, idleLockSeconds: 120 } },
    });
    expect((await call('members.find', { query: 'ann' })).ok).toBe(true);
  });

  it('makes each try wait longer from the third failure, counts unknown ids the same way, then disables the PIN at ten', async () => {
    await seedStaff(app);
    for (const staffId of ['carl', 'ghost']) {
      for (let i = 1; i <= 2; i++) expect(errorCode(await login(app, staffId, '864213'))).toBe('login_failed');
      const third = await login(app, staffId, '864213');
      expect(third).toMatchObject({ ok: false, error: { code: 'login_failed', details: { retryAfterSeconds: '1' } } });
      // Trying again at once is refused without checking the PIN, even the right one.
      const before = verifyCalls.length;
      const early = await login(app, staffId, staffId === 'carl' ? PINS.carl : '864213');
      expect(early).toMatchObject({ ok: false, error: { code: 'login_delayed', details: { retryAfterSeconds: '1' } } });
      expect(verifyCalls.length).toBe(before);
      // A successful login (anyone's) resets the device-wide counter, so both ids start alike.
      clock.advance(61);
      expect((await login(app, 'mia', PINS.mia)).ok).toBe(true);
    }

    for (let failures = 3; failures < 10; failures++) {
      clock.advance(120);
      expect(errorCode(await login(app, 'carl', '864213'))).toBe('login_failed');
    }
    clock.advance(120);
    const roster = await call<{ staff: { staffId: string; pinLocked: boolean }[] }>('staff.roster', {});
    expect(roster.ok && roster.value.staff.find((s) => s.staffId === 'carl')?.pinLocked).toBe(true);
    // Disabled: even the right PIN fails, with the same error as any wrong one.
    expect(errorCode(await login(app, 'carl', PINS.carl))).toBe('login_failed');
    // Others still work once the device-wide wait (which Carl's failures caused) has passed.
    expect(errorCode(await login(app, 'mia', PINS.mia))).toBe('login_delayed');
    clock.advance(60);
    expect((await login(app, 'mia', PINS.mia)).ok).toBe(true);
    const audit = app.services.audit.list({ action: 'session.lockout' }).entries;
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ staffId: 'carl', subjectId: 'carl' });
  });

  it('keeps the failure count across a restart', async () => {
    await seedStaff(app);
    for (let i = 0; i < 9; i++) {
      clock.advance(120);
      expect(errorCode(await login(app, 'carl', '864213'))).toBe('login_failed');
    }
    app = await app.reopen();
    clock.advance(120);
    expect(errorCode(await login(app, 'carl', '864213'))).toBe('login_failed');
    clock.advance(120);
    expect(errorCode(await login(app, 'carl', PINS.carl))).toBe('login_failed');
    expect(app.services.staff.roster().staff.find((s) => s.staffId === 'carl')?.pinLocked).toBe(true);
  });

  it('forces a temporary PIN to be changed before anything else, and checks the new PIN', async () => {
    await seedStaff(app);
    expect(await login(app, 'nina', PINS.nina)).toMatchObject({
      ok: true,
      value: { session: { mustChangePin: true } },
    });
    expect(errorCode(await call('members.find', { query: 'ann' }))).toBe('pin_change_required');
    expect(await call('staff.changeOwnPin', { currentPin: PINS.nina, newPin: '123456' })).toMatchObject({
      ok: false,
      error: { code: 'pin_rejected', issues: [{ path: 'newPin', code: 'pin_weak' }] },
    });
    expect(await call('staff.changeOwnPin', { currentPin: PINS.nina, newPin: '8642' })).toMatchObject({
      error: { issues: [{ path: 'newPin', code: 'pin_too_short' }] },
    });
    expect(await call('staff.changeOwnPin', { currentPin: PINS.nina, newPin: PINS.nina })).toMatchObject({
      error: { issues: [{ path: 'newPin', code: 'pin_reused' }] },
    });
    expect(errorCode(await call('staff.changeOwnPin', { currentPin: '864219', newPin: PINS.newNina }))).toBe(
      'login_failed',
    );
    expect(await call('staff.changeOwnPin', { currentPin: PINS.nina, newPin: PINS.newNina })).toMatchObject({
      ok: true,
      value: { session: { mustChangePin: false } },
    });
    expect((await call('members.find', { query: 'ann' })).ok).toBe(true);
    await call('session.lock', {});
    expect(errorCode(await login(app, 'nina', PINS.nina))).toBe('login_failed');
    expect((await login(app, 'nina', PINS.newNina)).ok).toBe(true);
  });

  it('a PIN change answered after the till was locked takes effect but does not sign the window back in', async () => {
    await seedStaff(app);
    await login(app, 'nina', PINS.nina);
    // The argon2 checks take a while: the till is locked before the change is answered.
    const changing = call('staff.changeOwnPin', { currentPin: PINS.nina, newPin: PINS.newNina });
    expect(await call('session.lock', {})).toEqual({ ok: true, value: { session: null } });
    expect(await changing).toEqual({ ok: true, value: { session: null } });
    expect(await call('session.current', {})).toEqual({ ok: true, value: { session: null } });
    expect(errorCode(await login(app, 'nina', PINS.nina))).toBe('login_failed');
    expect(await login(app, 'nina', PINS.newNina)).toMatchObject({
      ok: true,
      value: { session: { mustChangePin: false } },
    });
  });

  it('locks after the idle time, unless staff keep working; and locks on demand', async () => {
    await seedStaff(app);
    await login(app, 'carl', PINS.carl);
    clock.advance(100);
    expect((await call('session.touch', {})).ok).toBe(true);
    clock.advance(100);
    expect((await call('members.find', { query: 'ann' })).ok).toBe(true);
    clock.advance(119);
    expect(await call('session.current', {})).toMatchObject({ ok: true, value: { session: { staffId: 'carl' } } });
    clock.advance(2);
    expect(await call('session.current', {})).toEqual({ ok: true, value: { session: null } });
    expect(errorCode(await call('members.find', { query: 'ann' }))).toBe('not_authenticated');
    expect(app.services.audit.list({ action: 'session.locked' }).entries[0]?.details).toEqual({ reason: 'idle' });

    await login(app, 'carl', PINS.carl);
    expect(await call('session.lock', {})).toEqual({ ok: true, value: { session: null } });
    expect(errorCode(await call('members.find', { query: 'ann' }))).toBe('not_authenticated');
  });

  it('lets a manager change the idle lock time and applies it at once', async () => {
    await seedStaff(app);
    await login(app, 'mia', PINS.mia);
    expect(await call('settings.setIdleLock', { seconds: 10 })).toMatchObject({
      ok: false,
      error: { code: 'validation_failed' },
    });
    expect(await call('settings.setIdleLock', { seconds: 300 })).toMatchObject({
      ok: true,
      value: { idleLockSeconds: 300 },
    });
    clock.advance(250);
    expect(await call('session.current', {})).toMatchObject({
      value: { session: { staffId: 'mia', idleLockSeconds: 300 } },
    });
    clock.advance(60);
    expect(await call('session.current', {})).toMatchObject({ value: { session: null } });
  });

  it('a manager adds staff with a temporary PIN; a cashier may not', async () => {
    await seedStaff(app);
    await login(app, 'carl', PINS.carl);
    expect(errorCode(await call('staff.add', { displayName: 'Dora', role: 'cashier', temporaryPin: '864213' }))).toBe(
      'permission_denied',
    );
    await login(app, 'mia', PINS.mia);
    const added = await call<{ staffId: string }>('staff.add', {
      displayName: 'Dora Diaz',
      role: 'cashier',
      temporaryPin: '864213',
    });
    expect(added).toMatchObject({
      ok: true,
      value: { displayName: 'Dora Diaz', role: 'cashier', pinLocked: false, mustChangePin: true },
    });
    const id = added.ok ? added.value.staffId : '';
    expect(await login(app, id, '864213')).toMatchObject({ ok: true, value: { session: { mustChangePin: true } } });
  });

  it('never puts a PIN, a PIN hash, the pepper or any key in a response, an error or a log line', async () => {
    await seedStaff(app);
    await login(app, 'carl', '864213');
    await login(app, 'ghost', '864213');
    await login(app, 'nina', PINS.nina);
    await call('staff.changeOwnPin', { currentPin: PINS.nina, newPin: '123456' });
    await call('staff.changeOwnPin', { currentPin: PINS.nina, newPin: PINS.newNina });
    await login(app, 'mia', PINS.mia);
    await call('staff.add', { displayName: 'Dora Diaz', role: 'cashier', temporaryPin: '975318' });
    const { installId } = app.services.database;
    const stored = await Promise.all(
      [...Object.values(secretAccounts(installId)), kekAccount(installId, 'a')].map((account) =>
        app.keychain.keychain.get(account),
      ),
    );
    // The raw database-key entry no longer exists (the key is wrapped under the KEK): the key itself is checked.
    const secrets = [
      ...stored.filter((value): value is string => value !== null),
      app.services.database.secrets.databaseKey,
    ];
    expect(secrets).toHaveLength(5);
    const hashes = (app.services.database.db.prepare('SELECT pin_hash FROM staff').all() as { pin_hash: string }[]).map(
      (r) => r.pin_hash,
    );
    const audit = JSON.stringify(app.services.audit.list({ limit: 200 }).entries);
    const everything = [...responses, ...app.logLines, audit].join('\n');
    for (const pin of [...Object.values(PINS), '864213', '975318']) expect(everything).not.toContain(pin);
    for (const hash of hashes) expect(everything).not.toContain(hash.split('$').pop());
    expect(everything).not.toContain('$argon2');
    for (const secret of secrets) expect(everything).not.toContain(secret);
  });
});
