import { describe, expect, it } from 'vitest';
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
