import type { FieldIssue } from '../../shared/errors';
import { FIELD_ISSUE_CODES, toFieldIssues, type FieldIssueCode } from '../../shared/ipc/validation';
import { EnrollRequest, LIMITS } from '../../shared/members/schemas';

/** Pure form logic for enrolment (no DOM, no React) so it is unit-tested in Node. */

/** Text fields of the form, in screen order. */
export const ENROLL_FIELDS = ['givenName', 'familyName', 'phone', 'email', 'birthDate', 'cardNumber'] as const;
export type TextField = (typeof ENROLL_FIELDS)[number];
export type EnrollValues = Record<TextField, string>;

/** The consent choices, after the text fields on screen; their issues arrive as `consents.<name>`. */
export const CONSENT_FIELDS = ['terms', 'marketingEmail', 'marketingSms'] as const;
export type ConsentField = (typeof CONSENT_FIELDS)[number];
export type ConsentValues = Record<ConsentField, boolean>;

/** Every field an error can be shown at, in screen order. */
export const ALL_FIELDS = [...ENROLL_FIELDS, ...CONSENT_FIELDS] as const;
export type EnrollField = TextField | ConsentField;

/** The privacy notice shown on the form: its version and language are recorded with the consent. */
export interface NoticeShown {
  version: string;
  language: 'en' | 'ru';
}

export function noConsents(): ConsentValues {
  return { terms: false, marketingEmail: false, marketingSms: false };
}

export const REQUIRED_FIELDS: ReadonlySet<EnrollField> = new Set(['givenName', 'familyName', 'cardNumber']);

export const FIELD_MAX: Record<EnrollField, number> = {
  givenName: LIMITS.name,
  familyName: LIMITS.name,
  phone: LIMITS.phone,
  email: LIMITS.email,
  birthDate: 10,
  cardNumber: LIMITS.card,
  terms: 0,
  marketingEmail: 0,
  marketingSms: 0,
};

export function emptyValues(): EnrollValues {
  return { givenName: '', familyName: '', phone: '', email: '', birthDate: '', cardNumber: '' };
}

/**
 * What is wrong with one field: a schema issue (translated under `fieldIssues.*`) or a conflict the
 * main process found with an existing member (translated under `errors.*` / `enroll.*`).
 */
export type FieldError =
  | { kind: 'issue'; code: FieldIssueCode }
  | { kind: 'conflict'; code: 'card_in_use' | 'duplicatePhone' | 'duplicateEmail' };

export type FieldErrors = Partial<Record<EnrollField, FieldError>>;

const ISSUE_CODES = new Set<string>(FIELD_ISSUE_CODES);
const FIELDS = new Set<string>(ENROLL_FIELDS);
const CONSENTS = new Set<string>(CONSENT_FIELDS);

/** The form field an issue path points at: `phone`, or `consents.terms` -> `terms`. */
export function fieldOfPath(path: string): EnrollField | null {
  if (FIELDS.has(path)) return path as TextField;
  const consent = path.startsWith('consents.') ? path.slice('consents.'.length) : '';
  return CONSENTS.has(consent) ? (consent as ConsentField) : null;
}

export function toIssueCode(code: string): FieldIssueCode {
  return ISSUE_CODES.has(code) ? (code as FieldIssueCode) : 'invalid';
}

/**
 * Maps issues (from the shared schema here, or from the main process) to one error per form field,
 * keeping the first issue for each. Issues about paths the form does not have are returned apart.
 */
export function errorsFromIssues(issues: readonly FieldIssue[]): { fields: FieldErrors; other: FieldIssue[] } {
  const fields: FieldErrors = {};
  const other: FieldIssue[] = [];
  for (const issue of issues) {
    const field = fieldOfPath(issue.path);
    if (!field) {
      other.push(issue);
      continue;
    }
    fields[field] ??= { kind: 'issue', code: toIssueCode(issue.code) };
  }
  return { fields, other };
}

/** Form fields in screen order that have an error. */
export function invalidFields(errors: FieldErrors): EnrollField[] {
  return ALL_FIELDS.filter((field) => errors[field] !== undefined);
}

export type EnrollRequestInput = ReturnType<typeof toRequest>;

/** The request as typed; blank optional fields are left out rather than sent as "". */
export function toRequest(values: EnrollValues, consents: ConsentValues, notice: NoticeShown) {
  const request: {
    givenName: string;
    familyName: string;
    cardNumber: string;
    phone?: string;
    email?: string;
    birthDate?: string;
    consents: {
      terms: boolean;
      marketingEmail: boolean;
      marketingSms: boolean;
      noticeVersion: string;
      noticeLanguage: 'en' | 'ru';
    };
  } = {
    givenName: values.givenName,
    familyName: values.familyName,
    cardNumber: values.cardNumber,
    consents: { ...consents, noticeVersion: notice.version, noticeLanguage: notice.language },
  };
  if (values.phone.trim()) request.phone = values.phone;
  if (values.email.trim()) request.email = values.email;
  if (values.birthDate.trim()) request.birthDate = values.birthDate;
  return request;
}

/** Client-side check with the same zod schema the main process uses, so staff see mistakes before sending. */
export function validateEnroll(values: EnrollValues, consents: ConsentValues, notice: NoticeShown): FieldErrors {
  const parsed = EnrollRequest.safeParse(toRequest(values, consents, notice));
  if (parsed.success) return {};
  return errorsFromIssues(toFieldIssues(parsed.error)).fields;
}
