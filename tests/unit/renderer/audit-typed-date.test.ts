import { describe, expect, it } from 'vitest';
import { datePattern, parseTypedDate, parseTypedRange } from '../../../src/shared/audit/typed-date';

describe('the date pattern follows the page language, not the browser', () => {
  it('Russian: ДД.ММ.ГГГГ', () => {
    const ru = datePattern('ru-RU', 'ru');
    expect(ru).toEqual({ order: ['day', 'month', 'year'], separator: '.', hint: 'ДД.ММ.ГГГГ', example: '31.12.2026' });
  });

  it('English in a UK store: DD/MM/YYYY; in a US store: MM/DD/YYYY', () => {
    expect(datePattern('en-GB', 'en')).toEqual({
      order: ['day', 'month', 'year'],
      separator: '/',
      hint: 'DD/MM/YYYY',
      example: '31/12/2026',
    });
    expect(datePattern('en-US', 'en')).toEqual({
      order: ['month', 'day', 'year'],
      separator: '/',
      hint: 'MM/DD/YYYY',
      example: '12/31/2026',
    });
  });
});

describe('typed dates', () => {
  const ru = datePattern('ru-RU', 'ru');
  const gb = datePattern('en-GB', 'en');
  const us = datePattern('en-US', 'en');

  it('reads a date in each pattern, with or without leading zeros', () => {
    expect(parseTypedDate('05.03.2026', ru)).toBe('2026-03-05');
    expect(parseTypedDate('5.3.2026', ru)).toBe('2026-03-05');
    expect(parseTypedDate(' 05/03/2026 ', gb)).toBe('2026-03-05');
    expect(parseTypedDate('03/05/2026', us)).toBe('2026-03-05');
    // Another separator typed out of habit is read the same.
    expect(parseTypedDate('05-03-2026', ru)).toBe('2026-03-05');
  });

  it('refuses what is not a real date in the pattern', () => {
    expect(parseTypedDate('31.02.2026', ru)).toBeNull();
    expect(parseTypedDate('29.02.2027', ru)).toBeNull();
    expect(parseTypedDate('29.02.2028', ru)).toBe('2028-02-29');
    expect(parseTypedDate('12/31/2026', gb)).toBeNull();
    expect(parseTypedDate('2026-03-05', ru)).toBeNull();
    expect(parseTypedDate('05.03.26', ru)).toBeNull();
    expect(parseTypedDate('5 марта 2026', ru)).toBeNull();
    expect(parseTypedDate('', ru)).toBeNull();
  });

  it('checks a range: either end may be empty, both days included, from not after to', () => {
    expect(parseTypedRange('01.03.2026', '05.03.2026', ru)).toEqual({ ok: true, from: '2026-03-01', to: '2026-03-05' });
    expect(parseTypedRange('05.03.2026', '05.03.2026', ru)).toEqual({ ok: true, from: '2026-03-05', to: '2026-03-05' });
    expect(parseTypedRange('', '', ru)).toEqual({ ok: true, from: '', to: '' });
    expect(parseTypedRange('06.03.2026', '05.03.2026', ru)).toEqual({ ok: false, problem: 'order' });
    expect(parseTypedRange('32.03.2026', '', ru)).toEqual({ ok: false, problem: 'invalid_from' });
    expect(parseTypedRange('', '03/05/2026', ru)).toEqual({ ok: true, from: '', to: '2026-05-03' });
    expect(parseTypedRange('', '13/13/2026', gb)).toEqual({ ok: false, problem: 'invalid_to' });
  });
});
