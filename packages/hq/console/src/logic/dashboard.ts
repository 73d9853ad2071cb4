import type { ConsoleOutput } from '../../../src/console/contract';
import { localeOf, type ConsoleLanguage } from '../app/format';

/** The dashboard page's pure rules: figures, the breach clock's wording, day labels. */
export type Dashboard = ConsoleOutput<'getDashboard'>;
export type DashboardDay = Dashboard['series'][number];
export type DayFigure = Exclude<keyof DashboardDay, 'day'>;

export const PERIODS = [7, 14, 30] as const;
export type Period = (typeof PERIODS)[number];

export function isPeriod(value: number): value is Period {
  return (PERIODS as readonly number[]).includes(value);
}

export function total(series: readonly DashboardDay[], figure: DayFigure): number {
  return series.reduce((sum, day) => sum + day[figure], 0);
}

/** The first day with the highest value; null when every day is 0. */
export function peakDay(series: readonly DashboardDay[], figure: DayFigure): { day: string; value: number } | null {
  let best: { day: string; value: number } | null = null;
  for (const day of series)
    if (day[figure] > 0 && (best === null || day[figure] > best.value)) best = { day: day.day, value: day[figure] };
  return best;
}

/** A UTC calendar day (YYYY-MM-DD) in the page's language: short on an axis, long in a table. */
export function formatDay(day: string, language: ConsoleLanguage, style: 'short' | 'long'): string {
  const date = new Date(`${day}T00:00:00Z`);
  if (Number.isNaN(date.getTime())) return day;
  return new Intl.DateTimeFormat(
    localeOf(language),
    style === 'short' ? { day: 'numeric', month: 'short', timeZone: 'UTC' } : { dateStyle: 'medium', timeZone: 'UTC' },
  ).format(date);
}

/** A percentage to one decimal in the page's language ("47.4 %" / "47,4 %"). */
export function formatPercent(value: number, language: ConsoleLanguage): string {
  return new Intl.NumberFormat(localeOf(language), { style: 'percent', maximumFractionDigits: 1 }).format(value / 100);
}

/**
 * Where an open incident's 72-hour clock stood when HQ made the dashboard: the register's own state
 * (HQ's incidents/clock.ts, sent with it), never recomputed here from awareness + 72 h, which would
 * call a "not notifiable" incident overdue and a late notification met. Hours are whole, rounded down.
 */
export type BreachClock =
  | { state: 'running'; hoursLeft: number }
  | { state: 'overdue'; hoursOver: number }
  | { state: 'notified_in_time' | 'notified_late' | 'not_notifiable' };

const HOUR_MS = 3_600_000;

export function breachClock(incident: Dashboard['incidents'][number]): BreachClock {
  const { state, msLeft } = incident.clock;
  if (state === 'running') return { state, hoursLeft: Math.floor(msLeft / HOUR_MS) };
  if (state === 'overdue') return { state, hoursOver: Math.floor(-msLeft / HOUR_MS) };
  return { state };
}

/** The staff member as the roster names them; the id when HQ's roster does not hold it. */
export function staffLabel(staff: Dashboard['staff'][number]): string {
  return staff.displayName ?? staff.staffId;
}

/** A reward's name in the page's language, the other's, or its id when the catalogue lost it. */
export function rewardName(reward: Dashboard['topRewards'][number], language: ConsoleLanguage): string {
  return (language === 'ru' ? reward.nameRu : reward.nameEn) ?? reward.nameEn ?? reward.nameRu ?? reward.rewardId;
}

/** A store's name by id (the answer carries every store), or the id when it is not listed. */
export function storeName(dashboard: Dashboard, storeId: string | null): string | null {
  if (storeId === null) return null;
  return dashboard.stores.find((store) => store.storeId === storeId)?.name ?? storeId;
}

export const STAFF_COLUMNS = ['opened', 'searches', 'enrolments', 'earns', 'redemptions', 'corrections'] as const;

export function staffTotal(staff: Dashboard['staff'][number]): number {
  return STAFF_COLUMNS.reduce((sum, column) => sum + staff[column], 0);
}
