import { describe, expect, it } from 'vitest';
import { formatCalendarDate, formatDate, formatDateTime } from '../../../src/renderer/app/format-date';
import {
  formatMoneyUnit,
  formatMultiplier,
  formatNumber,
  formatPlain,
  formatSigned,
  formatSignedPlain,
} from '../../../src/renderer/app/format-number';
import { regionName } from '../../../src/renderer/app/store-region';

// Moments are shown in the till's time zone: these tests pin it so the expected text is exact.
process.env.TZ = 'UTC';

describe('numbers: one minus sign (U+2212) in both languages', () => {
  it('formats a balance and a count with the locale grouping and a real minus', () => {
    expect(formatNumber(1840, 'en-GB')).toBe('1,840');
    expect(formatNumber(1840, 'ru-GB')).toBe('1\u00a0840');
    expect(formatNumber(-482, 'en-GB')).toBe('\u2212482');
    expect(formatNumber(-1482, 'ru-GB')).toBe('\u22121\u00a0482');
    expect(formatNumber(0, 'en-GB')).toBe('0');
    expect(formatNumber(-0, 'en-GB')).toBe('0');
  });

  it('always signs a change in points, and shows no change as 0', () => {
    expect(formatSigned(50, 'en-GB')).toBe('+50');
    expect(formatSigned(-500, 'en-GB')).toBe('\u2212500');
    expect(formatSigned(-1500, 'ru-GB')).toBe('\u22121\u00a0500');
    expect(formatSigned(1500, 'ru-GB')).toBe('+1\u00a0500');
    expect(formatSigned(0, 'en-GB')).toBe('0');
    expect(formatSigned(-0, 'ru-GB')).toBe('0');
  });

  it('shows a tier multiplier given in per mille', () => {
    expect(formatMultiplier(1500, 'en-GB')).toBe('1.5');
    expect(formatMultiplier(1500, 'ru-GB')).toBe('1,5');
    expect(formatMultiplier(1000, 'en-GB')).toBe('1');
    expect(formatMultiplier(1250, 'ru-GB')).toBe('1,25');
  });
});

describe('dates: one format per language', () => {
  it('shows a moment as the long date and the time to the minute', () => {
    expect(formatDateTime('2026-12-05T21:36:22Z', 'en-GB')).toBe('5 December 2026 at 21:36');
    expect(formatDateTime('2026-12-05T21:36:22Z', 'ru-GB')).toBe('5 декабря 2026 г. в 21:36');
    expect(formatDateTime('not a date', 'en-GB')).toBe('not a date');
    expect(formatDateTime(null, 'ru-GB')).toBe('');
  });

  it('shows a day, and a calendar date, as the same long date', () => {
    expect(formatDate('2026-12-05T21:36:22Z', 'en-GB')).toBe('5 December 2026');
    expect(formatDate('2026-12-05T21:36:22Z', 'ru-GB')).toBe('5 декабря 2026 г.');
    expect(formatCalendarDate('1985-03-09', 'en-GB')).toBe('9 March 1985');
    expect(formatCalendarDate('1985-03-09', 'ru-GB')).toBe('9 марта 1985 г.');
  });
});

describe('store region', () => {
  it('names the region in the page language', () => {
    expect(regionName('GB', 'en')).toBe('United Kingdom');
    expect(regionName('GB', 'ru')).toBe('Великобритания');
    expect(regionName('RU', 'en')).toBe('Russia');
  });

  it('shows a code it cannot name as it is', () => {
    expect(regionName('??', 'en')).toBe('??');
  });
});

describe('figures in technical records', () => {
  it('keeps a figure as recorded, without grouping, with the same minus sign', () => {
    expect(formatPlain(-482)).toBe('\u2212482');
    expect(formatPlain(123456)).toBe('123456');
    expect(formatPlain(0.25)).toBe('0.25');
  });
});

describe('the earn rate', () => {
  it('names one whole unit of the store currency', () => {
    expect(formatMoneyUnit('GBP', 'en-GB')).toBe('£1');
    expect(formatMoneyUnit('GBP', 'ru-GB')).toBe('1\u00a0£');
    expect(formatMoneyUnit('EUR', 'en-GB')).toBe('€1');
  });
});

describe('a signed change in an approval sentence', () => {
  it('is always signed, with the same minus, and not grouped', () => {
    expect(formatSignedPlain(50)).toBe('+50');
    expect(formatSignedPlain(-1500)).toBe('\u22121500');
    expect(formatSignedPlain(0)).toBe('0');
  });
});
