import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { secretAccounts } from '../../src/main/keychain/device-secrets';
import { openDeviceDatabase } from '../../src/main/db/open-device-database';
import { prefixUpperBound } from '../../src/main/members/find';
import { createSessionStore } from '../../src/main/auth/session';
import { startTestApp, type TestApp } from '../support/app';
import { manualClock } from '../support/clock';
import { PINS, errorCode, login, seedStaff, type Result } from '../support/staff';

/** Found by review: each case here was a way around a rule that the other suites did not try. */
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

  it('tries sent in parallel see each other: the waits apply to them too', async () => {
    const results = await Promise.all(Array.from({ length: 8 }, () => login(app, 'carl', '864219')));
    const codes = results.map(errorCode);
    expect(codes.filter((c) => c === 'login_delayed').length).toBeGreaterThan(0);
    expect(codes.every((c) => c === 'login_failed' || c === 'login_delayed')).toBe(true);
  });

  it('a right PIN after nine failures still opens a session (the tenth try is not counted against it)', async () => {
    for (let i = 0; i < 9; i++) {
      clock.advance(120);
      await login(app, 'carl', '864219');
    }
    clock.advance(120);
    expect((await login(app, 'carl', PINS.carl)).ok).toBe(true);
  });
});

describe('approvals cannot be made with a temporary PIN, nor used to learn a manager PIN', () => {
  let app: TestApp;
  let clock: ReturnType<typeof manualClock>;
  const call = <T = unknown>(channel: string, payload: unknown) => app.call<Result<T>>(channel, payload);
  beforeEach(async () => {
    clock = manualClock();
    app = await startTestApp(undefined, { now: clock.now, signedIn: null });
    await seedStaff(app);
    await app.services.staff.seed({
      id: 'tess',
      displayName: 'Tess Temp',
      role: 'manager',
      pin: '975318',
      mustChangePin: true,
    });
  });
  afterEach(async () => {
    await app.dispose();
  });

  it('a manager still holding a temporary PIN cannot approve', async () => {
    await login(app, 'carl', PINS.carl);
    const subject = {
      action: 'staff.resetPin',
      payload: { staffId: 'nina', temporaryPin: '864213' },
      reasonCode: 'forgot_pin',
    };
    expect(errorCode(await call('approvals.grant', { subject, managerId: 'tess', pin: '975318' }))).toBe(
      'permission_denied',
    );
    expect(errorCode(await call('approvals.grant', { subject, managerId: 'mia', pin: PINS.mia }))).toBeNull();
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

  it('a queued request lapses after a day', async () => {
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
    const approvalId = requested.ok ? requested.value.approvalId : '';
    clock.advance(24 * 3600 + 1);
    await login(app, 'mia', PINS.mia);
    const list = await call<{ entries: { approvalId: string; status: string }[] }>('approvals.list', {});
    expect(list.ok && list.value.entries.find((e) => e.approvalId === approvalId)?.status).toBe('expired');
    expect(errorCode(await call('approvals.decide', { approvalId, decision: 'approve', pin: PINS.mia }))).toBe(
      'approval_invalid',
    );
  });

  it('the lock screen roster does not say who holds a temporary PIN; signed in, it does', async () => {
    const out = await call<{ staff: { staffId: string; mustChangePin: boolean | null }[] }>('staff.roster', {});
    expect(out.ok && out.value.staff.every((s) => s.mustChangePin === null)).toBe(true);
    await login(app, 'mia', PINS.mia);
    const inside = await call<{ staff: { staffId: string; mustChangePin: boolean | null }[] }>('staff.roster', {});
    expect(inside.ok && inside.value.staff.find((s) => s.staffId === 'tess')?.mustChangePin).toBe(true);
  });

  it('pressing the language already chosen writes no audit entry', async () => {
    const before = app.services.audit.head().seq;
    await call('app.setLanguage', { language: 'en' });
    expect(app.services.audit.head().seq).toBe(before);
    await call('app.setLanguage', { language: 'ru' });
    expect(app.services.audit.head().seq).toBe(before + 1);
  });
});

describe('first-run setup and sessions under concurrency', () => {
  it('two simultaneous first-run setups create exactly one manager', async () => {
    const app = await startTestApp(undefined, { signedIn: null });
    try {
      const results = await Promise.all([
        app.call<Result>('staff.bootstrap', { displayName: 'First One', pin: PINS.mia }),
        app.call<Result>('staff.bootstrap', { displayName: 'Second One', pin: PINS.carl }),
      ]);
      expect(results.map(errorCode).sort()).toEqual(['bootstrap_not_allowed', null].sort());
      expect(app.services.staff.count()).toBe(1);
    } finally {
      await app.dispose();
    }
  });

  it("a PIN change finishing after a switch of user does not touch the new user's session", () => {
    const sessions = createSessionStore();
    sessions.open({ staffId: 'b', displayName: 'B', role: 'cashier', startedAt: '', mustChangePin: true });
    sessions.update({ mustChangePin: false }, 'a');
    expect(sessions.current()?.mustChangePin).toBe(true);
  });
});

describe('the secrets added with schema v2 are never silently re-made', () => {
  let app: TestApp;
  beforeEach(async () => {
    app = await startTestApp(undefined, { signedIn: null });
  });
  afterEach(async () => {
    await app.dispose();
  });

  function snapshot(dir: string) {
    return Object.fromEntries(readdirSync(dir).map((f) => [f, readFileSync(join(dir, f)).toString('base64')]));
  }

  it('a lost PIN pepper on a till with staff is an error, and nothing is written', async () => {
    await seedStaff(app);
    const { installId } = app.services.database;
    await app.services.close();
    await app.keychain.keychain.delete(secretAccounts(installId).pinPepper);
    const before = snapshot(app.dataDir);
    await expect(openDeviceDatabase({ dataDir: app.dataDir, keychain: app.keychain.keychain })).rejects.toMatchObject({
      code: 'database_key_missing',
    });
    expect(snapshot(app.dataDir)).toEqual(before);
    expect(await app.keychain.keychain.get(secretAccounts(installId).pinPepper)).toBeNull();
  });

  it('a database from before schema v2 (nothing depends on them yet) gets them made', async () => {
    const { installId } = app.services.database;
    await app.services.close();
    await app.keychain.keychain.delete(secretAccounts(installId).auditKey);
    const device = await openDeviceDatabase({ dataDir: app.dataDir, keychain: app.keychain.keychain });
    expect(device.secrets.auditKey).toMatch(/^[0-9a-f]{64}$/);
    device.close();
  });

  it('a database file that vanished is reported, not silently replaced by an empty one', async () => {
    await app.services.close();
    const { rmSync } = await import('node:fs');
    for (const suffix of ['', '-wal', '-shm']) rmSync(join(app.dataDir, `loyalty.db${suffix}`), { force: true });
    const before = snapshot(app.dataDir);
    await expect(openDeviceDatabase({ dataDir: app.dataDir, keychain: app.keychain.keychain })).rejects.toMatchObject({
      code: 'database_missing',
    });
    expect(snapshot(app.dataDir)).toEqual(before);
  });

  it('indexes dropped by an interrupted snapshot load are back at the next open', async () => {
    app.services.database.db.exec('DROP INDEX members_phone_hash; DROP INDEX member_name_tokens_member');
    await app.services.close();
    const device = await openDeviceDatabase({ dataDir: app.dataDir, keychain: app.keychain.keychain });
    const names = (
      device.db.prepare("SELECT name FROM sqlite_schema WHERE type = 'index'").all() as { name: string }[]
    ).map((r) => r.name);
    expect(names).toEqual(
      expect.arrayContaining(['members_phone_hash', 'members_email_hash', 'member_name_tokens_member']),
    );
    device.close();
  });
});

describe('name prefix range bound', () => {
  it.each([
    ['ann', 'ano'],
    ['я', 'ѐ'],
    ['a\u{203FF}', 'a\u{20400}'],
    ['a\uD7FF', 'a\uE000'],
    ['a\u{10FFFF}', 'b'],
  ])('%j -> %j', (prefix, bound) => {
    expect(prefixUpperBound(prefix)).toBe(bound);
    // Every string that starts with the prefix sorts below the bound in UTF-8 byte order.
    const probe = Buffer.from(`${prefix}\u{10FFFF}zzz`, 'utf8');
    expect(Buffer.compare(probe, Buffer.from(bound, 'utf8'))).toBe(-1);
  });
});
