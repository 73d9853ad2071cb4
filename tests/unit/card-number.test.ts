import { describe, expect, it } from 'vitest';
import {
  checkCardNumber,
  formatCardNumber,
  luhnCheckDigit,
  withCheckDigit,
} from '../../src/shared/members/card-number';

describe('card numbers (Luhn)', () => {
  it.each([
    ['7992739871', 3], // the textbook example
    ['4111111111111111'.slice(0, -1), 1],
    ['37828224631000', 5],
  ])('check digit of %s is %i', (payload, digit) => {
    expect(luhnCheckDigit(payload)).toBe(digit);
  });

  it('accepts valid numbers with spaces and dashes', () => {
    expect(checkCardNumber('4111 1111 1111 1111')).toBeNull();
    expect(checkCardNumber('4111-1111-1111-1111')).toBeNull();
  });

  it('catches every single-digit error and every adjacent transposition of distinct digits (except 0<->9)', () => {
    const card = withCheckDigit('600412345678');
    for (let i = 0; i < card.length; i++) {
      for (let d = 0; d <= 9; d++) {
        if (String(d) === card[i]) continue;
        expect(checkCardNumber(card.slice(0, i) + d + card.slice(i + 1)), `digit ${i} -> ${d}`).toBe('check_digit');
      }
    }
    for (let i = 0; i < card.length - 1; i++) {
      const a = card[i]!;
      const b = card[i + 1]!;
      if (a === b || (a + b).match(/^(09|90)$/)) continue;
      expect(checkCardNumber(card.slice(0, i) + b + a + card.slice(i + 2))).toBe('check_digit');
    }
  });

  it.each([
    ['', 'not_digits'],
    ['12ab5678', 'not_digits'],
    ['1234567', 'length'],
    ['1'.repeat(20), 'length'],
  ])('classifies %j as %s', (input, problem) => {
    expect(checkCardNumber(input)).toBe(problem);
  });

  it('formats in groups of four', () => {
    expect(formatCardNumber('6004123456789')).toBe('6004 1234 5678 9');
  });
});
