import { describe, expect, it } from 'vitest';
import { maskEmail, maskPhone } from '../../src/shared/members/mask';
import { foldForSearch, nameTokens, normalizeEmail } from '../../src/shared/members/normalize';
import { looksLikePhone, normalizePhone } from '../../src/shared/members/phone';
import { CONSENTS } from '../support/members';
import { EnrollRequest } from '../../src/shared/members/schemas';
import { toFieldIssues } from '../../src/shared/ipc/validation';

describe('search folding', () => {
  it.each([
    ['Zoë', 'zoe'],
    ['ÅNGSTRÖM', 'angstrom'],
    ['Алёна', 'алена'],
    ["O'Brien", 'obrien'],
    ['Łukasz', 'łukasz'], // Ł has no decomposition; it stays a letter of its own
  ])('%s -> %s', (input, folded) => {
    expect(foldForSearch(input)).toBe(folded);
  });

  it('splits names into unique tokens on spaces and hyphens', () => {
    expect(nameTokens('Anna-Zoë', 'van  der Berg', 'Anna')).toEqual(['anna', 'zoe', 'van', 'der', 'berg']);
  });

  it('normalizes e-mail case and spaces', () => {
    expect(normalizeEmail('  Ada.L@Example.ORG ')).toBe('ada.l@example.org');
  });
});

describe('phones', () => {
  it('reads national numbers in the store region and returns E.164', () => {
    expect(normalizePhone('020 7946 0018', 'GB')).toBe('+442079460018');
    expect(normalizePhone('8 (912) 345-67-89', 'RU')).toBe('+79123456789');
    expect(normalizePhone('+1 212 555 0199', 'GB')).toBe('+12125550199');
  });

  it('refuses impossible numbers', () => {
    expect(normalizePhone('+44 12', 'GB')).toBeNull();
    expect(normalizePhone('000', 'GB')).toBeNull();
    expect(normalizePhone('hello', 'GB')).toBeNull();
  });

  it('tells phone-like input from names', () => {
    expect(looksLikePhone('+44 20 7946')).toBe(true);
    expect(looksLikePhone('anna')).toBe(false);
  });
});

describe('masking', () => {
  it('keeps only what lets the member recognise their own contact', () => {
    expect(maskPhone('+442079460018')).toBe('+44•••018');
    expect(maskEmail('ada.lovelace@example.org')).toBe('a•••@e•••.org');
  });
});

describe('enroll request validation', () => {
  it('reports stable issue codes, never the input', () => {
    const result = EnrollRequest.safeParse({ givenName: '', familyName: 'x'.repeat(5000), cardNumber: '1', extra: 1 });
    expect(result.success).toBe(false);
    if (result.success) return;
    const issues = toFieldIssues(result.error);
    expect(issues).toEqual(
      expect.arrayContaining([
        { path: 'givenName', code: 'required' },
        { path: 'familyName', code: 'too_long' },
        { path: 'cardNumber', code: 'card_length' },
        { path: 'extra', code: 'unknown_field' },
      ]),
    );
    expect(JSON.stringify(issues)).not.toContain('xxxx');
  });

  it('trims and treats blank optional contacts as absent', () => {
    const parsed = EnrollRequest.parse({
      givenName: ' Ada  Mary ',
      familyName: 'Lovelace',
      phone: ' ',
      email: ' a@b.co ',
      cardNumber: '4111 1111 1111 1111',
      birthDate: ' ',
      consents: CONSENTS,
    });
    expect(parsed).toEqual({
      givenName: 'Ada Mary',
      familyName: 'Lovelace',
      phone: undefined,
      email: 'a@b.co',
      birthDate: undefined,
      cardNumber: '4111111111111111',
      consents: CONSENTS,
    });
  });
});
