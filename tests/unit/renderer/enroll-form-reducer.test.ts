import { describe, expect, it } from 'vitest';
import { withCheckDigit } from '../../../src/shared/members/card-number';
import type { MemberSummary } from '../../../src/shared/members/schemas';
import {
  enrollFormReducer,
  initialEnrollState,
  type EnrollAction,
  type EnrollState,
} from '../../../src/renderer/enroll/enroll-form-state';

const NOTICE = { version: '2026-11', language: 'en', text: '# Privacy notice' } as const;
const CARD = withCheckDigit('600412345678');
const EMPTY = { givenName: '', familyName: '', phone: '', email: '', birthDate: '', cardNumber: '' };
const NO_CONSENTS = { terms: false, marketingEmail: false, marketingSms: false };

const run = (state: EnrollState, ...actions: EnrollAction[]) => actions.reduce(enrollFormReducer, state);

/** The form once the notice is on screen. */
const ready = () => run(initialEnrollState(), { type: 'noticeLoaded', notice: NOTICE });

/** A form that would pass the client-side check. */
const filled = () =>
  run(
    ready(),
    { type: 'edit', field: 'givenName', value: 'Anna' },
    { type: 'edit', field: 'familyName', value: 'Petrova' },
    { type: 'edit', field: 'phone', value: '+44 20 7946 0018' },
    { type: 'edit', field: 'cardNumber', value: CARD },
    { type: 'consent', field: 'terms', value: true },
  );

const FILLED_VALUES = {
  ...EMPTY,
  givenName: 'Anna',
  familyName: 'Petrova',
  phone: '+44 20 7946 0018',
  cardNumber: CARD,
};

const MEMBER: MemberSummary = {
  id: 'm-1',
  cardNumber: CARD,
  givenName: 'Anna',
  familyName: 'Petrova',
  phoneMasked: '+44 ••• 0018',
  emailMasked: null,
  tier: 'standard',
  balance: { confirmed: 0, pending: 0, total: 0 },
  enrolledAt: '2026-12-06T09:00:00.000Z',
};

describe('enrolment form reducer', () => {
  it('starts empty, waiting for the notice', () => {
    expect(initialEnrollState()).toEqual({
      values: EMPTY,
      consents: NO_CONSENTS,
      notice: null,
      noticeFailed: false,
      noticeRequest: 0,
      errors: {},
      banner: null,
      attempted: false,
      phase: 'editing',
      takingNumber: false,
      enrolled: null,
      focus: null,
    });
  });

  it('a submit of an empty form lists every missing field and focuses the first, without sending', () => {
    expect(run(ready(), { type: 'submit' })).toEqual({
      ...ready(),
      attempted: true,
      errors: {
        givenName: { kind: 'issue', code: 'required' },
        familyName: { kind: 'issue', code: 'required' },
        phone: { kind: 'issue', code: 'contact_required' },
        cardNumber: { kind: 'issue', code: 'required' },
        terms: { kind: 'issue', code: 'terms_required' },
      },
      banner: { kind: 'fields' },
      focus: { target: 'givenName', seq: 1 },
    });
  });

  it('typing does not nag before a submit, and clears errors as they are fixed after one', () => {
    expect(run(ready(), { type: 'edit', field: 'email', value: 'a@@b' }).errors).toEqual({});
    const fixed = run(ready(), { type: 'submit' }, { type: 'edit', field: 'givenName', value: 'Anna' });
    expect(fixed.errors).toEqual({
      familyName: { kind: 'issue', code: 'required' },
      phone: { kind: 'issue', code: 'contact_required' },
      cardNumber: { kind: 'issue', code: 'required' },
      terms: { kind: 'issue', code: 'terms_required' },
    });
  });

  it('a valid form goes out, then comes back empty with the new member shown', () => {
    const sending = run(filled(), { type: 'submit' });
    expect(sending).toEqual({
      ...filled(),
      attempted: true,
      phase: 'submitting',
      values: FILLED_VALUES,
      consents: { ...NO_CONSENTS, terms: true },
    });
    // A second Enter while it is out changes nothing.
    expect(enrollFormReducer(sending, { type: 'submit' })).toBe(sending);
    expect(run(sending, { type: 'enrolled', member: MEMBER })).toEqual({
      ...sending,
      phase: 'editing',
      attempted: false,
      values: EMPTY,
      consents: NO_CONSENTS,
      enrolled: MEMBER,
      focus: { target: 'givenName', seq: 1 },
    });
  });

  it('without a notice on screen it asks for the notice again instead of sending', () => {
    const state = run(initialEnrollState(), { type: 'submit' });
    expect(state).toEqual({
      ...initialEnrollState(),
      attempted: true,
      banner: { kind: 'error', code: 'notice_outdated' },
      noticeRequest: 1,
    });
  });

  it('a card already in use marks the card field and offers to find its holder', () => {
    const state = run(
      filled(),
      { type: 'submit' },
      {
        type: 'refused',
        refusal: { code: 'card_in_use', issues: [], details: { memberId: 'm-9' } },
      },
    );
    expect(state.phase).toBe('editing');
    expect(state.errors).toEqual({ cardNumber: { kind: 'conflict', code: 'card_in_use' } });
    expect(state.banner).toEqual({ kind: 'error', code: 'card_in_use', find: { query: CARD, memberId: 'm-9' } });
    expect(state.focus).toEqual({ target: 'cardNumber', seq: 1 });
  });

  it('a duplicate contact stays marked until that field is edited', () => {
    const refused = run(
      filled(),
      { type: 'submit' },
      {
        type: 'refused',
        refusal: { code: 'member_duplicate', issues: [], details: { field: 'phone', memberId: 'm-7' } },
      },
    );
    expect(refused.errors).toEqual({ phone: { kind: 'conflict', code: 'duplicatePhone' } });
    expect(refused.banner).toEqual({
      kind: 'error',
      code: 'member_duplicate',
      duplicate: 'duplicatePhone',
      find: { query: '+44 20 7946 0018', memberId: 'm-7' },
    });
    expect(refused.focus).toEqual({ target: 'phone', seq: 1 });
    expect(run(refused, { type: 'edit', field: 'email', value: 'anna@example.org' }).errors).toEqual({
      phone: { kind: 'conflict', code: 'duplicatePhone' },
    });
    expect(run(refused, { type: 'edit', field: 'phone', value: '+44 20 7946 0019' }).errors).toEqual({});
  });

  it('field issues from the main process are shown at their fields', () => {
    const state = run(
      filled(),
      { type: 'submit' },
      {
        type: 'refused',
        refusal: { code: 'validation_failed', issues: [{ path: 'phone', code: 'phone_invalid' }], details: {} },
      },
    );
    expect(state.errors).toEqual({ phone: { kind: 'issue', code: 'phone_invalid' } });
    expect(state.banner).toEqual({ kind: 'fields' });
    expect(state.focus).toEqual({ target: 'phone', seq: 1 });
  });

  it('a notice that changed under the form clears the ticks and loads the new notice', () => {
    const state = run(
      filled(),
      { type: 'submit' },
      {
        type: 'refused',
        refusal: { code: 'notice_outdated', issues: [], details: {} },
      },
    );
    expect(state.consents).toEqual(NO_CONSENTS);
    expect(state.noticeRequest).toBe(1);
    expect(state.banner).toEqual({ kind: 'error', code: 'notice_outdated' });
    expect(state.focus).toEqual({ target: 'banner', seq: 1 });
  });

  it('a new notice (or language) drops the ticks given to the old one', () => {
    expect(run(filled(), { type: 'noticeLoaded', notice: { ...NOTICE, language: 'ru' } }).consents).toEqual(
      NO_CONSENTS,
    );
  });

  it('the next card number fills the card field and takes the focus', () => {
    const taking = run(ready(), { type: 'numberRequested' });
    expect(taking.takingNumber).toBe(true);
    expect(run(taking, { type: 'numberTaken', cardNumber: '6004 9900 0001 6' })).toEqual({
      ...ready(),
      values: { ...EMPTY, cardNumber: '6004 9900 0001 6' },
      focus: { target: 'cardNumber', seq: 1 },
    });
    expect(run(taking, { type: 'numberFailed', code: 'card_block_exhausted' })).toEqual({
      ...ready(),
      banner: { kind: 'error', code: 'card_block_exhausted' },
      focus: { target: 'banner', seq: 1 },
    });
  });

  it('a prefill from the search box starts a fresh form', () => {
    const state = run(ready(), { type: 'submit' }, { type: 'prefill', values: { familyName: 'Smirnova' } });
    expect(state).toEqual({
      ...ready(),
      values: { ...EMPTY, familyName: 'Smirnova' },
      focus: { target: 'givenName', seq: 1 },
    });
  });
});
