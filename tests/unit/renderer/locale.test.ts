import { describe, expect, it } from 'vitest';
import { formatCalendarDate, formatInstant } from '../../../src/renderer/app/format-date';
import { formattingLocale } from '../../../src/renderer/app/formatting-locale';

describe('formatting locale', () => {
  it('is the staff language in the store region', () => {
    expect(formattingLocale('en', 'GB')).toBe('en-GB');
    expect(formattingLocale('ru', 'RU')).toBe('ru-RU');
    expect(
      new Intl.DateTimeFormat(formattingLocale('en', 'GB'), { dateStyle: 'long', timeZone: 'UTC' }).format(
        new Date('1985-03-09T00:00:00Z'),
      ),
    ).toBe('9 March 1985');
  });
  it('falls back to the language for a region that is not a valid tag', () => {
    expect(formattingLocale('en', '??')).toBe('en');
  });
});

describe('date formatting', () => {
  it('shows a birth date as the same calendar day in any time zone, and bad values as they came', () => {
    expect(formatCalendarDate('1985-03-09', 'en-GB')).toBe('9 March 1985');
    expect(formatCalendarDate('1985-02-30x', 'en-GB')).toBe('1985-02-30x');
    // An instant is shown in the till's time zone, so only the month is the same everywhere.
    expect(formatInstant('2026-11-24T10:15:00Z', 'en-GB', { dateStyle: 'long' })).toMatch(/^2[345] November 2026$/);
    expect(formatInstant('not a date', 'en-GB', { dateStyle: 'long' })).toBe('not a date');
    expect(formatInstant(null, 'en-GB', { dateStyle: 'long' })).toBe('');
  });
});
