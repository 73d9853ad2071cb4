import { describe, expect, it } from 'vitest';
import { prefillFromQuery, shouldSearchAsYouType } from '../../../src/renderer/find/query';

describe('search box', () => {
  it('searches as you type only for names', () => {
    expect(shouldSearchAsYouType('an')).toBe(true);
    expect(shouldSearchAsYouType('Алёна')).toBe(true);
    expect(shouldSearchAsYouType("O'Neil Smith")).toBe(true);
    expect(shouldSearchAsYouType('a')).toBe(false);
    expect(shouldSearchAsYouType('6004123456789')).toBe(false);
    expect(shouldSearchAsYouType('+44 20 7946')).toBe(false);
    expect(shouldSearchAsYouType('anna@exam')).toBe(false);
    expect(shouldSearchAsYouType('  ')).toBe(false);
    expect(shouldSearchAsYouType('a'.repeat(121))).toBe(false);
  });

  it('pre-fills enrolment from what the query was understood as', () => {
    expect(prefillFromQuery('6004 1234 5678 9', ['card'])).toEqual({ cardNumber: '6004123456789' });
    expect(prefillFromQuery('4420794600', ['card', 'phone'])).toEqual({ cardNumber: '4420794600' });
    expect(prefillFromQuery('020 7946 0018', ['phone'])).toEqual({ phone: '020 7946 0018' });
    expect(prefillFromQuery(' anna@example.com ', ['email'])).toEqual({ email: 'anna@example.com' });
    expect(prefillFromQuery('Anna', ['name'])).toEqual({ givenName: 'Anna' });
    expect(prefillFromQuery('Anna  van der Berg', ['name'])).toEqual({ givenName: 'Anna', familyName: 'van der Berg' });
  });

  it('pre-fills a mistyped card number so validation can point at it', () => {
    expect(prefillFromQuery('6004123456780', ['none'])).toEqual({ cardNumber: '6004123456780' });
    expect(prefillFromQuery('anna@', ['none'])).toEqual({ email: 'anna@' });
    expect(prefillFromQuery('a b c d e', ['none'])).toEqual({});
    expect(prefillFromQuery('', ['none'])).toEqual({});
  });
});
