/**
 * Days as a store reads them: calendar days in a named time zone (the till's own, or UTC at HQ),
 * not 24-hour slices of UTC, so an enrolment at 00:30 local time counts on the day staff saw it.
 * Pure (Intl only), shared by the till's dashboard and HQ's.
 */

/** The periods a dashboard offers, in days ending today. */
export const DASHBOARD_PERIODS = [7, 14, 30] as const;
export type DashboardPeriod = (typeof DASHBOARD_PERIODS)[number];

const DAY_MS = 24 * 60 * 60 * 1000;

function dayParts(instant: Date, timeZone: string): { year: number; month: number; day: number } {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).formatToParts(instant);
  const pick = (type: string) => Number(parts.find((part) => part.type === type)?.value);
  return { year: pick('year'), month: pick('month'), day: pick('day') };
}

/** The calendar day (YYYY-MM-DD) an instant falls on in `timeZone`. */
export function localDay(instant: Date, timeZone: string): string {
  const { year, month, day } = dayParts(instant, timeZone);
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** Minutes `timeZone` is ahead of UTC at `instant` (Moscow: 180). */
function offsetMinutes(instant: Date, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(instant);
  const pick = (type: string) => Number(parts.find((part) => part.type === type)?.value);
  const asUtc = Date.UTC(pick('year'), pick('month') - 1, pick('day'), pick('hour'), pick('minute'), pick('second'));
  return Math.round((asUtc - Math.floor(instant.getTime() / 1000) * 1000) / 60_000);
}

/**
 * The instant a calendar day begins in `timeZone`. Twice, because the offset at the guess may
 * differ from the offset at midnight on a day the clocks change.
 */
export function startOfDay(day: string, timeZone: string): Date {
  const [year, month, date] = day.split('-').map(Number) as [number, number, number];
  const midnightUtc = Date.UTC(year, month - 1, date);
  let guess = midnightUtc - offsetMinutes(new Date(midnightUtc), timeZone) * 60_000;
  guess = midnightUtc - offsetMinutes(new Date(guess), timeZone) * 60_000;
  return new Date(guess);
}

/** The next calendar day of a YYYY-MM-DD day. */
function nextDay(day: string): string {
  const [year, month, date] = day.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(year, month - 1, date) + DAY_MS).toISOString().slice(0, 10);
}

export interface DayRange {
  day: string;
  /** Inclusive, as an ISO instant (the format the till stores, so strings compare in order). */
  from: string;
  /** Exclusive. */
  to: string;
}

/** The last `days` calendar days in `timeZone`, oldest first, today last, each with its bounds. */
export function lastDays(now: Date, days: number, timeZone: string): DayRange[] {
  const today = localDay(now, timeZone);
  const [year, month, date] = today.split('-').map(Number) as [number, number, number];
  const first = new Date(Date.UTC(year, month - 1, date) - (days - 1) * DAY_MS).toISOString().slice(0, 10);
  const out: DayRange[] = [];
  for (let day = first, i = 0; i < days; day = nextDay(day), i += 1) {
    out.push({
      day,
      from: startOfDay(day, timeZone).toISOString(),
      to: startOfDay(nextDay(day), timeZone).toISOString(),
    });
  }
  return out;
}

/** Whole minutes from `fromIso` to `toIso`, never negative (a till clock set back reads 0). */
export function minutesBetween(fromIso: string, toIso: string): number {
  const ms = Date.parse(toIso) - Date.parse(fromIso);
  return Number.isFinite(ms) && ms > 0 ? Math.floor(ms / 60_000) : 0;
}
