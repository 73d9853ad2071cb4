import type { FieldIssue } from '../../shared/errors';
import { compactCardNumber } from '../../shared/members/card-number';
import type { MemberSummary } from '../../shared/members/schemas';
import type { ClientErrorCode, PrivacyNotice } from '../api/client';
import {
  emptyValues,
  errorsFromIssues,
  invalidFields,
  noConsents,
  validateEnroll,
  type ConsentField,
  type ConsentValues,
  type EnrollField,
  type EnrollValues,
  type FieldError,
  type FieldErrors,
  type TextField,
} from './form';

/**
 * The enrolment form as a state machine (pure: no DOM, no React, no calls), driven by
 * useReducer in EnrollView. The view makes the calls and reports their outcome as actions.
 */

/** The banner above the form: a summary of field errors, or a refusal that is not about one field. */
export type Banner =
  | { kind: 'fields' }
  | {
      kind: 'error';
      code: ClientErrorCode;
      /** For member_duplicate: which contact is already enrolled. */
      duplicate?: 'duplicatePhone' | 'duplicateEmail';
      find?: { query: string; memberId: string };
    }
  | null;

/** Where the focus goes once the state is on screen. */
export type FocusTarget = EnrollField | 'banner';

export interface EnrollState {
  values: EnrollValues;
  consents: ConsentValues;
  /** The privacy notice on screen: its version and language are recorded with the consent. */
  notice: PrivacyNotice | null;
  noticeFailed: boolean;
  /** Bumped whenever the notice is to be loaded again. */
  noticeRequest: number;
  errors: FieldErrors;
  banner: Banner;
  /** A submit was tried: from then on errors update as they are fixed. */
  attempted: boolean;
  phase: 'editing' | 'submitting';
  takingNumber: boolean;
  enrolled: MemberSummary | null;
  /** `seq` tells two requests for the same place apart. */
  focus: { target: FocusTarget; seq: number } | null;
}

/** A refusal from the main process, as the form needs it. */
export interface EnrollRefusal {
  code: ClientErrorCode;
  issues: readonly FieldIssue[];
  details: Readonly<Record<string, string>>;
}

export type EnrollAction =
  | { type: 'prefill'; values: Partial<EnrollValues> }
  | { type: 'edit'; field: TextField; value: string }
  | { type: 'consent'; field: ConsentField; value: boolean }
  | { type: 'noticeLoaded'; notice: PrivacyNotice }
  | { type: 'noticeFailed' }
  | { type: 'reloadNotice' }
  | { type: 'numberRequested' }
  | { type: 'numberTaken'; cardNumber: string }
  | { type: 'numberFailed'; code: ClientErrorCode }
  | { type: 'submit' }
  | { type: 'enrolled'; member: MemberSummary }
  | { type: 'refused'; refusal: EnrollRefusal }
  | { type: 'dismissEnrolled' };

export function initialEnrollState(): EnrollState {
  return {
    values: emptyValues(),
    consents: noConsents(),
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
  };
}

const focusOn = (state: EnrollState, target: FocusTarget): EnrollState['focus'] => ({
  target,
  seq: (state.focus?.seq ?? 0) + 1,
});

/** Once a submit has failed, errors update as they are fixed; before that, typing is not nagged. */
function revalidate(state: EnrollState, edited: EnrollField): FieldErrors {
  if (!state.attempted || !state.notice) return state.errors;
  const fresh = validateEnroll(state.values, state.consents, state.notice);
  const merged: FieldErrors = {};
  for (const name of invalidFields(fresh)) merged[name] = fresh[name] as FieldError;
  // A conflict found by the main process stays until that field is edited.
  for (const name of invalidFields(state.errors)) {
    const kept = state.errors[name];
    if (kept?.kind === 'conflict' && name !== edited) merged[name] ??= kept;
  }
  return merged;
}

function edited(state: EnrollState, field: TextField, value: string): EnrollState {
  const next = { ...state, values: { ...state.values, [field]: value } };
  return { ...next, errors: revalidate(next, field) };
}

function withFieldErrors(state: EnrollState, errors: FieldErrors): EnrollState {
  const first = invalidFields(errors)[0];
  return {
    ...state,
    errors,
    banner: { kind: 'fields' },
    focus: first ? focusOn(state, first) : state.focus,
  };
}

function refused(state: EnrollState, refusal: EnrollRefusal): EnrollState {
  const idle: EnrollState = { ...state, phase: 'editing' };
  const memberId = refusal.details.memberId;
  if (refusal.code === 'validation_failed' && refusal.issues.length > 0) {
    const { fields } = errorsFromIssues(refusal.issues);
    if (invalidFields(fields).length > 0) return withFieldErrors(idle, fields);
  }
  if (refusal.code === 'card_in_use') {
    return {
      ...idle,
      errors: { cardNumber: { kind: 'conflict', code: 'card_in_use' } },
      banner: {
        kind: 'error',
        code: refusal.code,
        ...(memberId ? { find: { query: compactCardNumber(state.values.cardNumber), memberId } } : {}),
      },
      focus: focusOn(state, 'cardNumber'),
    };
  }
  if (refusal.code === 'member_duplicate') {
    const field = refusal.details.field === 'email' ? 'email' : 'phone';
    const duplicate = field === 'email' ? 'duplicateEmail' : 'duplicatePhone';
    return {
      ...idle,
      errors: { [field]: { kind: 'conflict', code: duplicate } },
      banner: {
        kind: 'error',
        code: refusal.code,
        duplicate,
        ...(memberId ? { find: { query: state.values[field].trim(), memberId } } : {}),
      },
      focus: focusOn(state, field),
    };
  }
  // The notice changed under the form (a new version from HQ): show the new one before asking again.
  const outdated = refusal.code === 'notice_outdated';
  return {
    ...idle,
    ...(outdated ? { consents: noConsents(), noticeRequest: state.noticeRequest + 1 } : {}),
    banner: { kind: 'error', code: refusal.code },
    focus: focusOn(state, 'banner'),
  };
}

export function enrollFormReducer(state: EnrollState, action: EnrollAction): EnrollState {
  switch (action.type) {
    case 'prefill':
      return {
        ...state,
        values: { ...emptyValues(), ...action.values },
        consents: noConsents(),
        errors: {},
        banner: null,
        attempted: false,
        enrolled: null,
      };
    case 'edit':
      return edited(state, action.field, action.value);
    case 'consent': {
      const next = { ...state, consents: { ...state.consents, [action.field]: action.value } };
      return { ...next, errors: revalidate(next, action.field) };
    }
    case 'noticeLoaded':
      // Ticks given while another notice (or language) was shown do not carry over to this one.
      return { ...state, notice: action.notice, consents: noConsents(), noticeFailed: false };
    case 'noticeFailed':
      return { ...state, notice: null, noticeFailed: true };
    case 'reloadNotice':
      return { ...state, noticeRequest: state.noticeRequest + 1 };
    case 'numberRequested':
      return { ...state, takingNumber: true };
    case 'numberTaken':
      return {
        ...edited(state, 'cardNumber', action.cardNumber),
        takingNumber: false,
        focus: focusOn(state, 'cardNumber'),
      };
    case 'numberFailed':
      return {
        ...state,
        takingNumber: false,
        banner: { kind: 'error', code: action.code },
        focus: focusOn(state, 'banner'),
      };
    case 'submit': {
      if (state.phase === 'submitting') return state;
      const trying: EnrollState = { ...state, attempted: true, enrolled: null };
      if (!state.notice) {
        return {
          ...trying,
          banner: { kind: 'error', code: 'notice_outdated' },
          noticeRequest: state.noticeRequest + 1,
        };
      }
      const found = validateEnroll(state.values, state.consents, state.notice);
      if (invalidFields(found).length > 0) return withFieldErrors(trying, found);
      return { ...trying, errors: {}, banner: null, phase: 'submitting' };
    }
    case 'enrolled':
      return {
        ...state,
        phase: 'editing',
        enrolled: action.member,
        values: emptyValues(),
        consents: noConsents(),
        attempted: false,
        focus: focusOn(state, 'givenName'),
      };
    case 'refused':
      return refused(state, action.refusal);
    case 'dismissEnrolled':
      return { ...state, enrolled: null };
  }
}
