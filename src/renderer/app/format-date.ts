/**
 * Dates as staff read them, in the till's formatting locale (see formatting-locale.ts). A value
 * that does not parse is shown as it came rather than as "Invalid Date".
 */
export function formatInstant(
  iso: string | null,
  locale: string,
  style: Pick<Intl.DateTimeFormatOptions, 'dateStyle' | 'timeStyle'>,
): string {
  if (!iso) return '';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : new Intl.DateTimeFormat(locale, style).format(date);
}

/** A calendar date (YYYY-MM-DD, e.g. a birth date): the same day whatever the till's time zone. */
export function formatCalendarDate(day: string, locale: string): string {
  const date = new Date(`${day}T00:00:00Z`);
  return Number.isNaN(date.getTime())
    ? day
    : new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeZone: 'UTC' }).format(date);
}
