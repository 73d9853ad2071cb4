import type { FieldIssue } from '../../shared/errors';
import { FIELD_ISSUE_CODES, toFieldIssues, type FieldIssueCode } from '../../shared/ipc/validation';
import { EnrollRequest, LIMITS } from '../../shared/members/schemas';

/** Pure form logic for enrolment (no DOM, no React) so it is unit-tested in Node. */

export const ENROLL_FIELDS = ['givenName', 'familyName', 'phone', 'email', 'cardNumber'] as const;
export type EnrollField = (typeof ENROLL_FIELDS)[number];
export type EnrollValues = Record<EnrollField, string>;

export const REQUIRED_FIELDS: ReadonlySet<EnrollField> = new Set(['givenName', 'familyName', 'cardNumber']);

export const FIELD_MAX: Record<EnrollField, number> = {
  givenName: LIMITS.name,
  familyName: LIMITS.name,
  phone: LIMITS.phone,
  email: LIMITS.email,
  cardNumber: LIMITS.card,
};

export function emptyValues(): EnrollValues {
  return { givenName: '', familyName: '', phone: '', email: '', cardNumber: '' };
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

export function isEnrollField(path: string): path is EnrollField {
  return FIELDS.has(path);
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
    if (!isEnrollField(issue.path)) {
      other.push(issue);
      continue;
    }
    fields[issue.path] ??= { kind: 'issue', code: toIssueCode(issue.code) };
  }
  return { fields, other };
}

/** Form fields in screen order that have an error. */
export function invalidFields(errors: FieldErrors): EnrollField[] {
  return ENROLL_FIELDS.filter((field) => errors[field] !== undefined);
}

/** The request as typed; blank optional contacts are left out rather than sent as "". */
export function toRequest(values: EnrollValues): {
  givenName: string;
  familyName: string;
  cardNumber: string;
  phone?: string;
  email?: string;
} {
  const request: { givenName: string; familyName: string; cardNumber: string; phone?: string; email?: string } = {
    givenName: values.givenName,
    familyName: values.familyName,
    cardNumber: values.cardNumber,
  };
  if (values.phone.trim()) request.phone = values.phone;
  if (values.email.trim()) request.email = values.email;
  return request;
}

/** Client-side check with the same zod schema the main process uses, so staff see mistakes before sending. */
export function validateEnroll(values: EnrollValues): FieldErrors {
  const parsed = EnrollRequest.safeParse(toRequest(values));
  if (parsed.success) return {};
  return errorsFromIssues(toFieldIssues(parsed.error)).fields;
}
