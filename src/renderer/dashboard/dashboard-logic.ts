import { minutesBetween } from '../../shared/dashboard/days';
import type { StoreDashboard, StoreDashboardDay, StoreDashboardStaff } from '../../shared/dashboard/store-dashboard';

/** The figures a day chart can show. */
export type DayFigure = Exclude<keyof StoreDashboardDay, 'day'>;

/** The sum of one figure over the period. */
export function total(series: readonly StoreDashboardDay[], figure: DayFigure): number {
  return series.reduce((sum, day) => sum + day[figure], 0);
}

/** The first day with the highest value, or null when every day is 0 (nothing to point at). */
export function peakDay(
  series: readonly StoreDashboardDay[],
  figure: DayFigure,
): { day: string; value: number } | null {
  let best: { day: string; value: number } | null = null;
  for (const day of series)
    if (day[figure] > 0 && (best === null || day[figure] > best.value)) best = { day: day.day, value: day[figure] };
  return best;
}

/** Everything a staff member did that the dashboard counts. */
export function staffTotal(staff: StoreDashboardStaff): number {
  return staff.opened + staff.searches + staff.enrolments + staff.earns + staff.redemptions + staff.corrections;
}

/** Nothing happened at this till over the period: the view shows one empty state, not empty charts. */
export function isQuiet(dashboard: StoreDashboard): boolean {
  const figures: DayFigure[] = ['enrolments', 'pointsIssued', 'pointsRedeemed', 'consentWithdrawals'];
  return (
    figures.every((figure) => total(dashboard.series, figure) === 0) &&
    dashboard.topRewards.length === 0 &&
    dashboard.staff.length === 0
  );
}

export type SyncHealth = 'unpaired' | 'ok' | 'waiting' | 'problem';

/** An op waiting longer than this means sync is stuck, not just between runs. */
export const STUCK_AFTER_MINUTES = 60;

/**
 * One word for sync at a glance: a problem when HQ said no (an error, a day end that did not
 * reconcile) or an op has waited over an hour; waiting while ops are queued; else fine.
 */
export function syncHealth(sync: StoreDashboard['sync'], generatedAt: string): SyncHealth {
  if (!sync.paired) return 'unpaired';
  const age = sync.oldestPendingAt ? minutesBetween(sync.oldestPendingAt, generatedAt) : 0;
  if (sync.lastError !== null || sync.dayEnd?.status === 'mismatch' || age > STUCK_AFTER_MINUTES) return 'problem';
  return sync.pendingOps > 0 ? 'waiting' : 'ok';
}

/** How long the oldest op has waited, in whole minutes, or null when nothing waits. */
export function oldestWaitMinutes(sync: StoreDashboard['sync'], generatedAt: string): number | null {
  return sync.oldestPendingAt ? minutesBetween(sync.oldestPendingAt, generatedAt) : null;
}

/** A reward's name in the page language, the other language's, or its id when the catalogue lost it. */
export function rewardName(reward: StoreDashboard['topRewards'][number], language: string): string {
  const preferred = language.startsWith('ru') ? reward.nameRu : reward.nameEn;
  return preferred ?? reward.nameEn ?? reward.nameRu ?? reward.rewardId;
}
