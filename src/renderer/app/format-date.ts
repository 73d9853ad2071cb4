/**
 * Dates as staff read them, in the till's formatting locale (see formatting-locale.ts), so they
 * follow the page language. The till has one look for dates: the long date ("9 March 1985",
 * "9 марта 1985 г."), with the time to the minute when it is a moment ("5 December 2026 at
 * 21:36"). Screens call formatDate, formatDateTime or formatCalendarDate, never Intl directly.
 */
const DATE: Pick<Intl.DateTimeFormatOptions, 'dateStyle'> = { dateStyle: 'long' };
const DATE_TIME: Pick<Intl.DateTimeFormatOptions, 'dateStyle' | 'timeStyle'> = {
  dateStyle: 'long',
  timeStyle: 'short',
};

/** A moment in the till's time zone. A value that does not parse is shown as it came, not as "Invalid Date". */
export function formatInstant(
  iso: string | null,
  locale: string,
  style: Pick<Intl.DateTimeFormatOptions, 'dateStyle' | 'timeStyle'>,
): string {
  if (!iso) return '';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : new Intl.DateTimeFormat(locale, style).format(date);
}

/** When something happened: date and time to the minute. */
export function formatDateTime(iso: string | null, locale: string): string {
  return formatInstant(iso, locale, DATE_TIME);
}

/** The day something happened (an enrolment, a consent), in the till's time zone. */
export function formatDate(iso: string | null, locale: string): string {
  return formatInstant(iso, locale, DATE);
}

/** A calendar date (YYYY-MM-DD, e.g. a birth date): the same day whatever the till's time zone. */
export function formatCalendarDate(day: string, locale: string): string {
  const date = new Date(`${day}T00:00:00Z`);
  return Number.isNaN(date.getTime())
    ? day
    : new Intl.DateTimeFormat(locale, { ...DATE, timeZone: 'UTC' }).format(date);
}

/** A calendar day on a chart's axis, where the long date does not fit: "20 Nov", "20 нояб.". */
export function formatShortDay(day: string, locale: string): string {
  const date = new Date(`${day}T00:00:00Z`);
  return Number.isNaN(date.getTime())
    ? day
    : new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'short', timeZone: 'UTC' }).format(date);
}
