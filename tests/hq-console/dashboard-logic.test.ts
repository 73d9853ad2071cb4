import { describe, expect, it } from 'vitest';
import {
  breachClock,
  formatDay,
  formatPercent,
  isPeriod,
  peakDay,
  rewardName,
  staffTotal,
  total,
  type Dashboard,
} from '../../packages/hq/console/src/logic/dashboard';

const day = (d: string, enrolments: number, pointsIssued = 0) => ({
  day: d,
  enrolments,
  pointsIssued,
  pointsRedeemed: 0,
  consentWithdrawals: 0,
});

const incident = (patch: Partial<Dashboard['incidents'][number]> = {}): Dashboard['incidents'][number] => ({
  incidentId: '0193b1a0-0000-7000-8000-000000000001',
  kind: 'lost_till',
  storeId: 'north',
  awareAt: '2026-11-25T09:00:00.000Z',
  deadlineAt: '2026-11-28T09:00:00.000Z',
  regulatorNotified: false,
  ...patch,
});

describe('the console dashboard’s rules', () => {
  it('totals a figure and finds its first highest day', () => {
    const series = [day('2026-11-20', 2, 600), day('2026-11-21', 1, 300), day('2026-11-22', 2)];
    expect(total(series, 'enrolments')).toBe(5);
    expect(total(series, 'pointsIssued')).toBe(900);
    expect(peakDay(series, 'enrolments')).toEqual({ day: '2026-11-20', value: 2 });
    expect(peakDay(series, 'consentWithdrawals')).toBeNull();
  });

  it('runs the 72-hour clock: hours left, overdue, or met by notifying the regulator', () => {
    expect(breachClock(incident(), new Date('2026-11-26T12:00:00Z'))).toEqual({ state: 'running', hoursLeft: 45 });
    expect(breachClock(incident(), new Date('2026-11-28T12:30:00Z'))).toEqual({ state: 'overdue', hoursOver: 3 });
    expect(breachClock(incident({ regulatorNotified: true }), new Date('2026-11-30T00:00:00Z'))).toEqual({
      state: 'notified',
    });
  });

  it('writes days and rates in the page’s language, not the browser’s', () => {
    expect(formatDay('2026-11-20', 'en', 'short')).toBe('20 Nov');
    expect(formatDay('2026-11-20', 'ru', 'short')).toBe('20 нояб.');
    expect(formatDay('2026-11-20', 'en', 'long')).toBe('20 Nov 2026');
    expect(formatPercent(47.4, 'en')).toBe('47.4%');
    expect(formatPercent(47.4, 'ru')).toBe('47,4\u00a0%');
  });

  it('offers 7, 14 and 30 days only, names rewards and adds up staff', () => {
    expect([7, 14, 30, 5].map(isPeriod)).toEqual([true, true, true, false]);
    const reward = { rewardId: 'coffee', nameEn: 'Free coffee', nameRu: 'Кофе', redemptions: 2, points: 300 };
    expect(rewardName(reward, 'ru')).toBe('Кофе');
    expect(rewardName({ ...reward, nameEn: null, nameRu: null }, 'en')).toBe('coffee');
    expect(
      staffTotal({
        storeId: 'north',
        staffId: 'anna',
        opened: 3,
        searches: 2,
        enrolments: 1,
        earns: 1,
        redemptions: 0,
        corrections: 0,
      }),
    ).toBe(7);
  });
});
