import { describe, expect, it } from 'vitest';
import type { StoreDashboard } from '../../../src/shared/dashboard/store-dashboard';
import {
  isQuiet,
  oldestWaitMinutes,
  peakDay,
  rewardName,
  staffTotal,
  syncHealth,
  total,
} from '../../../src/renderer/dashboard/dashboard-logic';

const day = (d: string, enrolments: number, pointsIssued = 0, pointsRedeemed = 0, consentWithdrawals = 0) => ({
  day: d,
  enrolments,
  pointsIssued,
  pointsRedeemed,
  consentWithdrawals,
});

const SYNC: StoreDashboard['sync'] = {
  paired: true,
  lastSuccessAt: '2026-11-26T11:00:00.000Z',
  pendingOps: 0,
  oldestPendingAt: null,
  lastError: null,
  dayEnd: null,
};

function dashboard(patch: Partial<StoreDashboard> = {}): StoreDashboard {
  return {
    days: 7,
    timeZone: 'Europe/London',
    generatedAt: '2026-11-26T12:00:00.000Z',
    series: [day('2026-11-25', 0), day('2026-11-26', 0)],
    consentWithdrawalsTotal: 0,
    topRewards: [],
    staff: [],
    alerts: { open: 0, raisedInPeriod: 0, latest: [] },
    sync: SYNC,
    ...patch,
  };
}

describe('the till dashboard’s figures', () => {
  const series = [day('2026-11-20', 3, 62), day('2026-11-21', 0), day('2026-11-22', 3, 0, 800), day('2026-11-23', 1)];

  it('totals a figure and points at its first highest day', () => {
    expect(total(series, 'enrolments')).toBe(7);
    expect(total(series, 'pointsRedeemed')).toBe(800);
    expect(peakDay(series, 'enrolments')).toEqual({ day: '2026-11-20', value: 3 });
    expect(peakDay(series, 'pointsRedeemed')).toEqual({ day: '2026-11-22', value: 800 });
    expect(peakDay(series, 'consentWithdrawals')).toBeNull();
  });

  it('counts every action of a staff member once', () => {
    expect(
      staffTotal({
        staffId: 's',
        displayName: null,
        opened: 4,
        searches: 2,
        enrolments: 5,
        earns: 2,
        redemptions: 3,
        corrections: 1,
      }),
    ).toBe(17);
  });

  it('is quiet only when no figure moved', () => {
    expect(isQuiet(dashboard())).toBe(true);
    expect(isQuiet(dashboard({ series: [day('2026-11-26', 0, 0, 0, 1)] }))).toBe(false);
    expect(
      isQuiet(
        dashboard({
          staff: [
            {
              staffId: 's',
              displayName: null,
              opened: 1,
              searches: 0,
              enrolments: 0,
              earns: 0,
              redemptions: 0,
              corrections: 0,
            },
          ],
        }),
      ),
    ).toBe(false);
  });

  it('reads sync health: unpaired, fine, waiting, stuck after an hour, or refused', () => {
    const at = '2026-11-26T12:00:00.000Z';
    expect(syncHealth({ ...SYNC, paired: false }, at)).toBe('unpaired');
    expect(syncHealth(SYNC, at)).toBe('ok');
    expect(syncHealth({ ...SYNC, pendingOps: 3, oldestPendingAt: '2026-11-26T11:30:00.000Z' }, at)).toBe('waiting');
    expect(syncHealth({ ...SYNC, pendingOps: 3, oldestPendingAt: '2026-11-26T10:59:00.000Z' }, at)).toBe('problem');
    expect(syncHealth({ ...SYNC, lastError: 'network' }, at)).toBe('problem');
    expect(syncHealth({ ...SYNC, dayEnd: { status: 'mismatch', at } }, at)).toBe('problem');
    expect(oldestWaitMinutes({ ...SYNC, oldestPendingAt: '2026-11-26T10:59:00.000Z' }, at)).toBe(61);
    expect(oldestWaitMinutes(SYNC, at)).toBeNull();
    // A till clock set back: the op "waits" a negative time, shown as none.
    expect(oldestWaitMinutes({ ...SYNC, oldestPendingAt: '2026-11-26T12:05:00.000Z' }, at)).toBe(0);
  });

  it('names a reward in the page language, else the other, else by id', () => {
    const reward = { rewardId: 'coffee', nameEn: 'Free coffee', nameRu: 'Кофе в подарок', redemptions: 2, points: 300 };
    expect(rewardName(reward, 'ru')).toBe('Кофе в подарок');
    expect(rewardName(reward, 'en')).toBe('Free coffee');
    expect(rewardName({ ...reward, nameRu: null }, 'ru')).toBe('Free coffee');
    expect(rewardName({ ...reward, nameEn: null, nameRu: null }, 'en')).toBe('coffee');
  });
});
