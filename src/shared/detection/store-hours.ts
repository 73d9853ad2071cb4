import type { StoreHours } from './policy';

/**
 * Whether an instant falls outside a store's opening hours, read as wall-clock time in the store's
 * own time zone through Intl (in Node and Chromium alike), so a DST change moves the hours with the
 * clocks instead of by an hour. `opens` is inside, `closes` is outside; `closes` before `opens`
 * spans midnight (e.g. 18:00–02:00); `opens` equal to `closes` is open around the clock.
 *
 * An unknown time zone throws a RangeError (Intl's): check a policy with isKnownTimeZone before
 * storing it rather than have every evaluation fail.
 */
export function isOutsideStoreHours(hours: StoreHours, atIso: string): boolean {
  const at = Date.parse(atIso);
  if (Number.isNaN(at)) throw new RangeError('isOutsideStoreHours: not an ISO instant');
  const minute = localMinuteOfDay(hours.timeZone, at);
  const opens = minutesOf(hours.opens);
  const closes = minutesOf(hours.closes);
  if (opens === closes) return false;
  const inside = opens < closes ? minute >= opens && minute < closes : minute >= opens || minute < closes;
  return !inside;
}

/** Whether Intl knows this IANA time zone (the policy schema checks only its shape). */
export function isKnownTimeZone(timeZone: string): boolean {
  try {
    formatterFor(timeZone);
    return true;
  } catch (error) {
    if (error instanceof RangeError) return false;
    throw error;
  }
}

/** The wall-clock minute of the day (0–1439) of an instant in a time zone. */
export function localMinuteOfDay(timeZone: string, atMs: number): number {
  let hour = 0;
  let minute = 0;
  for (const part of formatterFor(timeZone).formatToParts(atMs)) {
    if (part.type === 'hour') hour = Number(part.value);
    else if (part.type === 'minute') minute = Number(part.value);
  }
  // h23 gives 0–23, but some engines still print midnight as 24.
  return (hour % 24) * 60 + minute;
}

/** The calendar day (YYYY-MM-DD) of an instant in a time zone: the baseline's "day". */
export function localDay(timeZone: string, atMs: number): string {
  const parts: Record<string, string> = {};
  for (const part of dayFormatterFor(timeZone).formatToParts(atMs)) parts[part.type] = part.value;
  return `${parts.year}-${parts.month}-${parts.day}`;
}

function minutesOf(hhmm: string): number {
  return Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
}

// Building a DateTimeFormat is slow compared with using one; an evaluation asks thousands of times.
const formatters = new Map<string, Intl.DateTimeFormat>();
const dayFormatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

function dayFormatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = dayFormatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-GB', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    dayFormatters.set(timeZone, formatter);
  }
  return formatter;
}
