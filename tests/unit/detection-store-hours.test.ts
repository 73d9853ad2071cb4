import { describe, expect, it } from 'vitest';
import { isKnownTimeZone, isOutsideStoreHours, localDay } from '../../src/shared/detection/store-hours';

describe('isOutsideStoreHours', () => {
  const day = { opens: '08:00', closes: '21:00', timeZone: 'Europe/London' };

  it.each([
    // instant (UTC), outside? — winter: London is UTC
    ['2026-01-05T07:59:59.000Z', true],
    ['2026-01-05T08:00:00.000Z', false],
    ['2026-01-05T20:59:59.000Z', false],
    ['2026-01-05T21:00:00.000Z', true],
    // summer: BST is UTC+1
    ['2026-07-06T06:59:00.000Z', true], // 07:59 BST
    ['2026-07-06T07:00:00.000Z', false], // 08:00 BST
    ['2026-07-06T19:59:00.000Z', false], // 20:59 BST
    ['2026-07-06T20:00:00.000Z', true], // 21:00 BST
  ])('08:00–21:00 London at %s: outside %s', (at, outside) => {
    expect(isOutsideStoreHours(day, at)).toBe(outside);
  });

  const night = { opens: '18:00', closes: '02:00', timeZone: 'Europe/London' };

  it.each([
    ['2026-01-05T17:59:00.000Z', true],
    ['2026-01-05T18:00:00.000Z', false],
    ['2026-01-05T23:59:00.000Z', false],
    ['2026-01-06T00:00:00.000Z', false],
    ['2026-01-06T01:59:00.000Z', false],
    ['2026-01-06T02:00:00.000Z', true],
    ['2026-01-06T12:00:00.000Z', true],
  ])('18:00–02:00 (past midnight) at %s: outside %s', (at, outside) => {
    expect(isOutsideStoreHours(night, at)).toBe(outside);
  });

  it.each([
    // 29 March 2026: at 01:00 UTC London goes from 01:00 GMT to 02:00 BST.
    ['2026-03-29T00:30:00.000Z', false], // 00:30 GMT
    ['2026-03-29T00:59:00.000Z', false], // 00:59 GMT
    ['2026-03-29T01:00:00.000Z', true], // 02:00 BST (by UTC alone it would still be 01:00, inside)
    ['2026-03-29T01:30:00.000Z', true], // 02:30 BST
    // 25 October 2026: at 01:00 UTC London goes from 02:00 BST back to 01:00 GMT.
    ['2026-10-25T00:30:00.000Z', false], // 01:30 BST
    ['2026-10-25T01:30:00.000Z', false], // 01:30 GMT, the hour again
    ['2026-10-25T02:00:00.000Z', true], // 02:00 GMT
  ])('18:00–02:00 across a DST change at %s: outside %s', (at, outside) => {
    expect(isOutsideStoreHours(night, at)).toBe(outside);
  });

  it('reads other zones and offsets in the instant', () => {
    const moscow = { opens: '09:00', closes: '22:00', timeZone: 'Europe/Moscow' }; // UTC+3, no DST
    expect(isOutsideStoreHours(moscow, '2026-01-05T05:59:00.000Z')).toBe(true);
    expect(isOutsideStoreHours(moscow, '2026-01-05T06:00:00.000Z')).toBe(false);
    expect(isOutsideStoreHours(moscow, '2026-01-05T09:00:00+03:00')).toBe(false);
    expect(isOutsideStoreHours(moscow, '2026-01-05T22:00:00+03:00')).toBe(true);
  });

  it('opens equal to closes is open around the clock', () => {
    const always = { opens: '00:00', closes: '00:00', timeZone: 'UTC' };
    expect(isOutsideStoreHours(always, '2026-01-05T03:00:00.000Z')).toBe(false);
  });

  it('refuses an unknown zone and a non-instant', () => {
    expect(isKnownTimeZone('Europe/London')).toBe(true);
    expect(isKnownTimeZone('Mars/Olympus_Mons')).toBe(false);
    expect(() => isOutsideStoreHours({ ...day, timeZone: 'Mars/Olympus_Mons' }, '2026-01-05T10:00:00Z')).toThrow(
      RangeError,
    );
    expect(() => isOutsideStoreHours(day, 'yesterday')).toThrow(RangeError);
  });
});

describe('localDay', () => {
  it('is the calendar day in the zone', () => {
    expect(localDay('Europe/London', Date.parse('2026-07-05T23:30:00.000Z'))).toBe('2026-07-06');
    expect(localDay('Europe/London', Date.parse('2026-01-05T23:30:00.000Z'))).toBe('2026-01-05');
    expect(localDay('America/New_York', Date.parse('2026-01-06T03:00:00.000Z'))).toBe('2026-01-05');
  });
});
