import { describe, expect, it } from 'vitest';
import { withCheckDigit } from '../../../src/shared/members/card-number';
import { EnrollRequest } from '../../../src/shared/members/schemas';
import {
  CONSENT_FIELDS,
  emptyValues,
  ENROLL_FIELDS,
  noConsents,
  errorsFromIssues,
  invalidFields,
  toRequest,
  validateEnroll,
  type ConsentValues,
  type EnrollValues,
} from '../../../src/renderer/enroll/form';

const NOTICE = { version: '2026-11', language: 'en' } as const;
const AGREED: ConsentValues = { terms: true, marketingEmail: false, marketingSms: false };
const validate = (v: EnrollValues, consents: ConsentValues = AGREED) => validateEnroll(v, consents, NOTICE);

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
    expect([...ENROLL_FIELDS, 'consents'].sort()).toEqual(Object.keys(EnrollRequest.shape).sort());
    expect([...CONSENT_FIELDS].sort()).toEqual(
      Object.keys(EnrollRequest.shape.consents.shape)
        .filter((key) => !key.startsWith('notice'))
        .sort(),
    );
  });

  it('accepts a complete form', () => {
    expect(validate(values())).toEqual({});
    expect(validate(values({ phone: '', email: 'anna@example.com' }))).toEqual({});
  });

  it('reports every missing field of an empty form, in screen order', () => {
    const errors = validate(emptyValues(), noConsents());
    expect(invalidFields(errors)).toEqual(['givenName', 'familyName', 'phone', 'cardNumber', 'terms']);
    expect(errors.terms).toEqual({ kind: 'issue', code: 'terms_required' });
    expect(errors.givenName).toEqual({ kind: 'issue', code: 'required' });
    expect(errors.phone).toEqual({ kind: 'issue', code: 'contact_required' });
    expect(errors.cardNumber).toEqual({ kind: 'issue', code: 'required' });
  });

  it('catches card mistakes and bad e-mail before anything is sent', () => {
    const wrongDigit = CARD.slice(0, -1) + String((Number(CARD.at(-1)) + 1) % 10);
    expect(validate(values({ cardNumber: wrongDigit })).cardNumber?.code).toBe('card_check_digit');
    expect(validate(values({ cardNumber: '1234' })).cardNumber?.code).toBe('card_length');
    expect(validate(values({ cardNumber: '6004-12ab' })).cardNumber?.code).toBe('card_not_digits');
    expect(validate(values({ email: 'anna@' })).email?.code).toBe('email_invalid');
    expect(validate(values({ givenName: 'Anna2' })).givenName?.code).toBe('invalid_characters');
    expect(validate(values({ familyName: 'x'.repeat(61) })).familyName?.code).toBe('too_long');
  });

  it('checks the birth date and that marketing consent has its contact', () => {
    expect(validate(values({ birthDate: '2999-01-01' })).birthDate?.code).toBe('date_in_future');
    expect(validate(values({ birthDate: '1899-12-31' })).birthDate?.code).toBe('date_too_early');
    expect(validate(values({ birthDate: '1990-02-30' })).birthDate?.code).toBe('date_invalid');
    expect(validate(values({ birthDate: '1990-02-28' }))).toEqual({});
    expect(validate(values(), { ...AGREED, marketingEmail: true }).marketingEmail?.code).toBe('consent_needs_email');
    expect(validate(values(), { ...AGREED, marketingSms: true })).toEqual({});
  });

  it('accepts card numbers typed in groups', () => {
    expect(validate(values({ cardNumber: CARD.replace(/(\d{4})(?=\d)/g, '$1 ') }))).toEqual({});
  });

  it('leaves blank contacts out of the request', () => {
    expect(toRequest(values({ email: '   ', birthDate: '' }), AGREED, NOTICE)).toEqual({
      givenName: 'Anna',
      familyName: 'Petrova',
      phone: '+44 20 7946 0018',
      cardNumber: CARD,
      consents: { ...AGREED, noticeVersion: '2026-11', noticeLanguage: 'en' },
    });
  });

  it('maps issues from the main process to fields, keeping the first per field', () => {
    const { fields, other } = errorsFromIssues([
      { path: 'phone', code: 'phone_invalid' },
      { path: 'phone', code: 'too_long' },
      { path: 'cardNumber', code: 'something_new' },
      { path: 'nickname', code: 'unknown_field' },
      { path: 'consents.marketingSms', code: 'consent_needs_phone' },
    ]);
    expect(fields).toEqual({
      phone: { kind: 'issue', code: 'phone_invalid' },
      cardNumber: { kind: 'issue', code: 'invalid' },
      marketingSms: { kind: 'issue', code: 'consent_needs_phone' },
    });
    expect(other).toEqual([{ path: 'nickname', code: 'unknown_field' }]);
  });
});
