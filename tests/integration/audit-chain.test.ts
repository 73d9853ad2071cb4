import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { withCheckDigit } from '../../src/shared/members/card-number';
import { startTestApp, type TestApp } from '../support/app';
import { manualClock } from '../support/clock';
import { PINS, login, seedStaff, type Result } from '../support/staff';
import { CONSENTS } from '../support/members';

describe('audit log (HMAC hash chain)', () => {
  let app: TestApp;
  let clock: ReturnType<typeof manualClock>;
  const call = <T = unknown>(channel: string, payload: unknown) => app.call<Result<T>>(channel, payload);
  const db = () => app.services.database.db;

  beforeEach(async () => {
    clock = manualClock();
    app = await startTestApp(undefined, { now: clock.now, signedIn: null });
    await seedStaff(app);
    // A day at the till: failures, logins, a lockout and unlock, a PIN change, an enrolment, a setting.
    await login(app, 'carl', '864219');
    clock.advance(5);
    await login(app, 'carl', PINS.carl);
    await call('members.enroll', {
      givenName: 'Ada',
      familyName: 'Lovelace',
      email: 'ada@example.org',
      cardNumber: withCheckDigit('600400000777'),
      consents: CONSENTS,
    });
    await login(app, 'nina', PINS.nina);
    await call('staff.changeOwnPin', { currentPin: PINS.nina, newPin: PINS.newNina });
    await login(app, 'mia', PINS.mia);
    await call('settings.setIdleLock', { seconds: 300 });
    await call('session.lock', {});
  });
  afterEach(async () => {
    await app.dispose();
  });

  it('records who did what, with ids only', async () => {
    const { entries } = app.services.audit.list({ limit: 200 });
    const actions = entries.map((e) => e.action).reverse();
    expect(actions).toEqual([
      'staff.added',
      'staff.added',
      'staff.added',
      'session.login_failed',
      'session.login',
      'member.enrolled',
      // Terms and both marketing answers, each recorded (a "no" too).
      'consent.changed',
      'consent.changed',
      'consent.changed',
      'session.locked',
      'session.login',
      'staff.pin_changed',
      'session.locked',
      'session.login',
      'settings.changed',
      'session.locked',
    ]);
    const text = JSON.stringify(entries);
    for (const personal of [
      'Ada',
      'Lovelace',
      'ada@example.org',
      'Carl Cashier',
      'Mia Manager',
      PINS.carl,
      PINS.newNina,
    ]) {
      expect(text).not.toContain(personal);
    }
    expect(entries.find((e) => e.action === 'member.enrolled')).toMatchObject({
      staffId: 'carl',
      subjectType: 'member',
    });
  });

  it('verifies an intact chain, and the manager viewer filters by staff, action and time, newest first, in pages', async () => {
    await login(app, 'mia', PINS.mia);
    expect(await call('audit.verify', {})).toEqual({
      ok: true,
      value: { ok: true, checked: 17, firstBrokenSeq: null },
    });
    const carl = await call<{ entries: { staffId: string }[] }>('audit.list', { staffId: 'carl' });
    expect(carl.ok && carl.value.entries.every((e) => e.staffId === 'carl')).toBe(true);
    const logins = await call<{ entries: { action: string; seq: number }[] }>('audit.list', {
      action: 'session.login',
    });
    expect(logins.ok && logins.value.entries.map((e) => e.action)).toEqual(Array(4).fill('session.login'));
    const page1 = await call<{ entries: { seq: number }[]; hasMore: boolean }>('audit.list', { limit: 5 });
    expect(page1).toMatchObject({ ok: true, value: { hasMore: true } });
    const seqs = page1.ok ? page1.value.entries.map((e) => e.seq) : [];
    expect(seqs).toEqual([...seqs].sort((a, b) => b - a));
    const page2 = await call<{ entries: { seq: number }[] }>('audit.list', { limit: 5, beforeSeq: seqs[4] });
    expect(page2.ok && page2.value.entries[0]?.seq).toBe((seqs[4] ?? 0) - 1);
    const later = await call<{ entries: unknown[] }>('audit.list', {
      from: new Date(clock.now().getTime() + 1000).toISOString(),
    });
    expect(later).toEqual({ ok: true, value: { entries: [], hasMore: false } });
  });

  it.each([
    [
      'an edited entry',
      (seq: number) => db().prepare("UPDATE audit SET staff_id = 'mia' WHERE seq = ?").run(seq),
      6,
      6,
    ],
    [
      'edited details',
      (seq: number) => db().prepare(`UPDATE audit SET details = '{"consecutive":0}' WHERE seq = ?`).run(seq),
      4,
      4,
    ],
    [
      'a changed time',
      (seq: number) => db().prepare("UPDATE audit SET at = '2020-01-01T00:00:00.000Z' WHERE seq = ?").run(seq),
      9,
      9,
    ],
    ['a deleted entry', (seq: number) => db().prepare('DELETE FROM audit WHERE seq = ?').run(seq), 5, 5],
    [
      'two entries swapped',
      (seq: number) => {
        db().prepare('UPDATE audit SET seq = -1 WHERE seq = ?').run(seq);
        db()
          .prepare('UPDATE audit SET seq = ? WHERE seq = ?')
          .run(seq, seq + 1);
        db()
          .prepare('UPDATE audit SET seq = ? WHERE seq = -1')
          .run(seq + 1);
      },
      7,
      7,
    ],
    [
      'an entry recomputed without the key',
      (seq: number) =>
        db().prepare("UPDATE audit SET action = 'session.login', hash = prev_hash WHERE seq = ?").run(seq),
      8,
      8,
    ],
  ])('reports %s at that entry', async (_label, tamper, seq, broken) => {
    tamper(seq);
    expect(app.services.audit.verify()).toMatchObject({ ok: false, firstBrokenSeq: broken });
    await login(app, 'mia', PINS.mia);
    expect(await call('audit.verify', {})).toMatchObject({ ok: true, value: { ok: false, firstBrokenSeq: broken } });
  });

  it('commits an audit entry with the change it records, or neither', () => {
    const before = app.services.audit.head();
    expect(() =>
      db().transaction(() => {
        app.services.audit.append({ staffId: 'mia', action: 'settings.changed', details: { setting: 'x' } });
        throw new Error('the change failed');
      })(),
    ).toThrow('the change failed');
    expect(app.services.audit.head()).toEqual(before);
    expect(() => app.services.audit.append({ staffId: 'mia', action: 'settings.changed' })).toThrow(
      /inside the transaction/,
    );
  });
});
