import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createStoreDashboard } from '../../src/main/dashboard/store-dashboard';
import { lastDays, localDay } from '../../src/shared/dashboard/days';
import type { StoreDashboard } from '../../src/shared/dashboard/store-dashboard';
import { manualClock } from '../support/clock';
import { DEMO_CARDS, startCounter, type Counter } from '../support/counter';
import { CONSENTS } from '../support/members';

const MOSCOW = 'Europe/Moscow'; // UTC+3 all year: the store's days begin at 21:00 UTC the day before.

describe('the store dashboard at the till (real encrypted database, a written-out week)', () => {
  let clock: ReturnType<typeof manualClock>;
  let c: Counter;
  const at = (iso: string) => {
    const target = Date.parse(iso);
    clock.advance((target - clock.now().getTime()) / 1000);
  };
  let cardSerial = 0;
  const enrol = async (email: string, marketingEmail = false) => {
    const cardNumber = (await c.ok<{ cardNumber: string }>('members.nextCardNumber', {})).cardNumber;
    cardSerial += 1;
    const member = await c.ok<{ id: string }>('members.enroll', {
      givenName: 'Test',
      familyName: ['Adams', 'Baker', 'Carter', 'Dawson', 'Evans'][cardSerial - 1] ?? 'Fisher',
      email,
      cardNumber,
      consents: { ...CONSENTS, marketingEmail },
    });
    return member.id;
  };
  /** An audit entry as the counter's find and open write them (member.searched, member.viewed). */
  const audited = (staffId: string, action: 'member.viewed' | 'member.searched', n: number) => {
    const db = c.db;
    db.transaction(() => {
      for (let i = 0; i < n; i += 1) {
        c.app.services.audit.append(
          action === 'member.viewed'
            ? { staffId, action, subjectType: 'member', subjectId: randomUUID() }
            : { staffId, action, details: { by: 'card', results: 1 } },
        );
      }
    }).immediate();
  };
  const read = (days: 7 | 14 | 30 = 7): StoreDashboard =>
    createStoreDashboard({
      db: c.db,
      now: clock.now,
      timeZone: MOSCOW,
      syncStatus: () => c.app.services.sync.status(),
    }).read(days);

  let memberA = '';
  beforeEach(async () => {
    clock = manualClock(Date.parse('2026-11-20T09:00:00Z'));
    c = await startCounter(clock);
    // Day 1 (20 November, Moscow): three enrolments (A says yes to e-mail marketing), two earns.
    memberA = await enrol('a@example.org', true);
    clock.advance(60);
    await enrol('b@example.org');
    clock.advance(60);
    await enrol('c@example.org');
    clock.advance(60);
    await c.ok('points.earn', { memberId: c.memberId(DEMO_CARDS.oliver), amountMinor: 5000, reference: 'R-1' }); // 50
    await c.ok('points.earn', { memberId: memberA, amountMinor: 1234, reference: 'R-2' }); // 12 (rounded down)
    audited('demo-carl', 'member.searched', 2);
    audited('demo-carl', 'member.viewed', 4);
    // Day 3 (22 November, Moscow): 01:30 local is still 21 November in UTC, then 13:00 local.
    at('2026-11-21T22:30:00Z');
    await c.signIn('cashier'); // the idle lock ended the session meanwhile
    await enrol('d@example.org');
    at('2026-11-22T10:00:00Z');
    await c.signIn('cashier'); // the idle lock ended the session meanwhile
    await enrol('e@example.org');
    await c.ok('points.redeem', { memberId: c.memberId(DEMO_CARDS.olivia), rewardId: 'coffee' }); // 150
    await c.ok('points.redeem', { memberId: c.memberId(DEMO_CARDS.isla), rewardId: 'voucher-5' }); // 500
    await c.ok('points.redeem', { memberId: c.memberId(DEMO_CARDS.anna), rewardId: 'coffee' }); // 150
    // Day 5 (24 November): A withdraws e-mail marketing; B's "no" at enrolment was never a withdrawal.
    at('2026-11-24T12:00:00Z');
    await c.signIn('cashier'); // the idle lock ended the session meanwhile
    await c.ok('members.setConsent', {
      memberId: memberA,
      purpose: 'marketing_email',
      granted: false,
      noticeVersion: CONSENTS.noticeVersion,
      noticeLanguage: 'en',
    });
    // Alerts (another part of the till raises them): one acknowledged, one open.
    const alert = c.db.prepare(
      `INSERT INTO detection_alerts (id, rule, source, staff_id, mode, raised_at, window_start, window_end, count,
         threshold, member_ids, audit_refs, acknowledged_at, acknowledged_by)
       VALUES (?, ?, 'till', 'demo-carl', ?, ?, ?, ?, ?, ?, '[]', '[]', ?, ?)`,
    );
    alert.run(
      'alert-1',
      'pin_failures',
      'notify',
      '2026-11-23T08:00:00.000Z',
      '2026-11-23T07:45:00.000Z',
      '2026-11-23T08:00:00.000Z',
      6,
      5,
      '2026-11-23T09:00:00.000Z',
      'demo-mia',
    );
    alert.run(
      'alert-2',
      'members_opened',
      'enforce',
      '2026-11-25T10:00:00.000Z',
      '2026-11-25T09:00:00.000Z',
      '2026-11-25T10:00:00.000Z',
      41,
      40,
      null,
      null,
    );
    at('2026-11-26T12:00:00Z');
    await c.signIn('manager');
    audited('demo-mia', 'member.viewed', 1);
  });
  afterEach(async () => {
    await c.app.dispose();
  });

  it('counts enrolments, points and withdrawals per local day of the till', () => {
    const dashboard = read(7);
    expect(dashboard.timeZone).toBe(MOSCOW);
    expect(dashboard.generatedAt).toBe('2026-11-26T12:00:00.000Z');
    expect(dashboard.series).toEqual([
      { day: '2026-11-20', enrolments: 3, pointsIssued: 62, pointsRedeemed: 0, consentWithdrawals: 0 },
      { day: '2026-11-21', enrolments: 0, pointsIssued: 0, pointsRedeemed: 0, consentWithdrawals: 0 },
      { day: '2026-11-22', enrolments: 2, pointsIssued: 0, pointsRedeemed: 800, consentWithdrawals: 0 },
      { day: '2026-11-23', enrolments: 0, pointsIssued: 0, pointsRedeemed: 0, consentWithdrawals: 0 },
      { day: '2026-11-24', enrolments: 0, pointsIssued: 0, pointsRedeemed: 0, consentWithdrawals: 1 },
      { day: '2026-11-25', enrolments: 0, pointsIssued: 0, pointsRedeemed: 0, consentWithdrawals: 0 },
      { day: '2026-11-26', enrolments: 0, pointsIssued: 0, pointsRedeemed: 0, consentWithdrawals: 0 },
    ]);
    expect(dashboard.consentWithdrawalsTotal).toBe(1);
  });

  it('ranks the rewards redeemed and what each staff member did', () => {
    const dashboard = read(7);
    expect(dashboard.topRewards).toEqual([
      { rewardId: 'coffee', nameEn: 'Free coffee', nameRu: 'Кофе в подарок', redemptions: 2, points: 300 },
      { rewardId: 'voucher-5', nameEn: '£5 voucher', nameRu: 'Купон на 5 £', redemptions: 1, points: 500 },
    ]);
    expect(dashboard.staff).toEqual([
      {
        staffId: 'demo-carl',
        displayName: expect.any(String),
        opened: 4,
        searches: 2,
        enrolments: 5,
        earns: 2,
        redemptions: 3,
        corrections: 0,
      },
      {
        staffId: 'demo-mia',
        displayName: expect.any(String),
        opened: 1,
        searches: 0,
        enrolments: 0,
        earns: 0,
        redemptions: 0,
        corrections: 0,
      },
    ]);
  });

  it('shows the open alerts, the latest first, and the health of sync', () => {
    const dashboard = read(7);
    expect(dashboard.alerts).toEqual({
      open: 1,
      raisedInPeriod: 2,
      latest: [
        {
          alertId: 'alert-2',
          rule: 'members_opened',
          staffId: 'demo-carl',
          mode: 'enforce',
          raisedAt: '2026-11-25T10:00:00.000Z',
          count: 41,
          threshold: 40,
          acknowledged: false,
        },
        {
          alertId: 'alert-1',
          rule: 'pin_failures',
          staffId: 'demo-carl',
          mode: 'notify',
          raisedAt: '2026-11-23T08:00:00.000Z',
          count: 6,
          threshold: 5,
          acknowledged: true,
        },
      ],
    });
    // A till never paired: nothing synced, every op since the first enrolment still waits.
    expect(dashboard.sync).toEqual({
      paired: false,
      lastSuccessAt: null,
      // 5 enrolments × (the member + 3 consent answers) + 2 earns + 3 redemptions + 1 withdrawal.
      pendingOps: 26,
      oldestPendingAt: '2026-11-20T09:00:00.000Z',
      lastError: null,
      dayEnd: null,
    });
  });

  it('leaves out what happened before the period', () => {
    at('2026-12-05T12:00:00Z');
    const dashboard = read(7);
    expect(dashboard.series.map((day) => day.day)).toEqual([
      '2026-11-29',
      '2026-11-30',
      '2026-12-01',
      '2026-12-02',
      '2026-12-03',
      '2026-12-04',
      '2026-12-05',
    ]);
    expect(dashboard.series.every((day) => day.enrolments + day.pointsIssued + day.pointsRedeemed === 0)).toBe(true);
    expect(dashboard.topRewards).toEqual([]);
    expect(dashboard.staff).toEqual([]);
    expect(dashboard.alerts.open).toBe(1);
    expect(dashboard.alerts.raisedInPeriod).toBe(0);
  });

  it('is a manager’s channel with a closed choice of periods', async () => {
    const answer = await c.call<StoreDashboard>('dashboard.store', { days: 14 });
    expect(answer.ok).toBe(true);
    if (answer.ok) expect(answer.value.series).toHaveLength(14);
    expect(await c.call('dashboard.store', { days: 5 })).toMatchObject({
      ok: false,
      error: { code: 'validation_failed', issues: [{ path: 'days', code: 'invalid_choice' }] },
    });
    await c.signIn('cashier');
    expect(await c.call('dashboard.store', { days: 7 })).toMatchObject({
      ok: false,
      error: { code: 'permission_denied' },
    });
  });
});

describe('store days in a time zone with daylight saving', () => {
  it('gives the day the clocks change its 23 or 25 hours', () => {
    // London: clocks go back at 01:00 UTC on 25 October 2026, forward at 01:00 UTC on 29 March 2026.
    const autumn = lastDays(new Date('2026-10-26T12:00:00Z'), 3, 'Europe/London');
    expect(autumn).toEqual([
      { day: '2026-10-24', from: '2026-10-23T23:00:00.000Z', to: '2026-10-24T23:00:00.000Z' },
      { day: '2026-10-25', from: '2026-10-24T23:00:00.000Z', to: '2026-10-26T00:00:00.000Z' },
      { day: '2026-10-26', from: '2026-10-26T00:00:00.000Z', to: '2026-10-27T00:00:00.000Z' },
    ]);
    const spring = lastDays(new Date('2026-03-29T12:00:00Z'), 1, 'Europe/London');
    expect(spring).toEqual([{ day: '2026-03-29', from: '2026-03-29T00:00:00.000Z', to: '2026-03-29T23:00:00.000Z' }]);
    expect(localDay(new Date('2026-11-21T22:30:00Z'), 'Europe/Moscow')).toBe('2026-11-22');
  });
});
