import { describe, expect, it } from 'vitest';
import {
  breachClock,
  formatDay,
  formatPercent,
  isPeriod,
  peakDay,
  rewardName,
  staffLabel,
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
  clock: { state: 'running', msLeft: 45 * 3_600_000 + 59 * 60_000 },
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

  it('shows the register’s own clock state, never awareness + 72 h recomputed', () => {
    expect(breachClock(incident())).toEqual({ state: 'running', hoursLeft: 45 });
    expect(breachClock(incident({ clock: { state: 'overdue', msLeft: -(3 * 3_600_000 + 30 * 60_000) } }))).toEqual({
      state: 'overdue',
      hoursOver: 3,
    });
    // Past the deadline by the dates alone, but decided not notifiable: not overdue.
    expect(breachClock(incident({ clock: { state: 'not_notifiable', msLeft: 0 } }))).toEqual({
      state: 'not_notifiable',
    });
    // Told, but after the deadline: late, not met.
    expect(breachClock(incident({ clock: { state: 'notified_late', msLeft: -3_600_000 } }))).toEqual({
      state: 'notified_late',
    });
    expect(breachClock(incident({ clock: { state: 'notified_in_time', msLeft: 3_600_000 } }))).toEqual({
      state: 'notified_in_time',
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
        displayName: 'Anna',
        opened: 3,
        searches: 2,
        enrolments: 1,
        earns: 1,
        redemptions: 0,
        corrections: 0,
      }),
    ).toBe(7);
  });

  it('names a staff member by the roster’s name, the id only when HQ lost them', () => {
    const row = {
      storeId: 'north',
      staffId: '0193b1a0-0000-7000-8000-0000000000aa',
      displayName: 'Anna Kovaleva',
      opened: 0,
      searches: 0,
      enrolments: 0,
      earns: 0,
      redemptions: 0,
      corrections: 0,
    };
    expect(staffLabel(row)).toBe('Anna Kovaleva');
    expect(staffLabel({ ...row, displayName: null })).toBe('0193b1a0-0000-7000-8000-0000000000aa');
  });
});
