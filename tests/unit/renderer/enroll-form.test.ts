import { describe, expect, it } from 'vitest';
import { withCheckDigit } from '../../../src/shared/members/card-number';
import { EnrollRequest } from '../../../src/shared/members/schemas';
import {
  emptyValues,
  ENROLL_FIELDS,
  errorsFromIssues,
  invalidFields,
  toRequest,
  validateEnroll,
  type EnrollValues,
} from '../../../src/renderer/enroll/form';

const CARD = withCheckDigit('600412345678');

function values(overrides: Partial<EnrollValues> = {}): EnrollValues {
  return {
    ...emptyValues(),
    givenName: 'Anna',
    familyName: 'Petrova',
    phone: '+44 20 7946 0018',
    cardNumber: CARD,
    ...overrides,
  };
}

describe('enrolment form', () => {
  it('has exactly the fields of the shared request schema', () => {
    expect([...ENROLL_FIELDS].sort()).toEqual(Object.keys(EnrollRequest.shape).sort());
  });

  it('accepts a complete form', () => {
    expect(validateEnroll(values())).toEqual({});
    expect(validateEnroll(values({ phone: '', email: 'anna@example.com' }))).toEqual({});
  });

  it('reports every missing field of an empty form, in screen order', () => {
    const errors = validateEnroll(emptyValues());
    expect(invalidFields(errors)).toEqual(['givenName', 'familyName', 'phone', 'cardNumber']);
    expect(errors.givenName).toEqual({ kind: 'issue', code: 'required' });
    expect(errors.phone).toEqual({ kind: 'issue', code: 'contact_required' });
    expect(errors.cardNumber).toEqual({ kind: 'issue', code: 'required' });
  });

  it('catches card mistakes and bad e-mail before anything is sent', () => {
    const wrongDigit = CARD.slice(0, -1) + String((Number(CARD.at(-1)) + 1) % 10);
    expect(validateEnroll(values({ cardNumber: wrongDigit })).cardNumber?.code).toBe('card_check_digit');
    expect(validateEnroll(values({ cardNumber: '1234' })).cardNumber?.code).toBe('card_length');
    expect(validateEnroll(values({ cardNumber: '6004-12ab' })).cardNumber?.code).toBe('card_not_digits');
    expect(validateEnroll(values({ email: 'anna@' })).email?.code).toBe('email_invalid');
    expect(validateEnroll(values({ givenName: 'Anna2' })).givenName?.code).toBe('invalid_characters');
    expect(validateEnroll(values({ familyName: 'x'.repeat(61) })).familyName?.code).toBe('too_long');
  });

  it('accepts card numbers typed in groups', () => {
    expect(validateEnroll(values({ cardNumber: CARD.replace(/(\d{4})(?=\d)/g, '$1 ') }))).toEqual({});
  });

  it('leaves blank contacts out of the request', () => {
    expect(toRequest(values({ email: '   ' }))).toEqual({
      givenName: 'Anna',
      familyName: 'Petrova',
      phone: '+44 20 7946 0018',
      cardNumber: CARD,
    });
  });

  it('maps issues from the main process to fields, keeping the first per field', () => {
    const { fields, other } = errorsFromIssues([
      { path: 'phone', code: 'phone_invalid' },
      { path: 'phone', code: 'too_long' },
      { path: 'cardNumber', code: 'something_new' },
      { path: 'nickname', code: 'unknown_field' },
    ]);
    expect(fields).toEqual({
      phone: { kind: 'issue', code: 'phone_invalid' },
      cardNumber: { kind: 'issue', code: 'invalid' },
    });
    expect(other).toEqual([{ path: 'nickname', code: 'unknown_field' }]);
  });
});
