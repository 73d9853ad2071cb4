import type { TFunction } from 'i18next';
import type { ClientErrorCode } from '../api/client';
import { FIELD_MAX, toIssueCode, type EnrollField, type FieldError } from '../enroll/form';

/** The translated message for one enrolment field error. */
export function fieldErrorMessage(t: TFunction, field: EnrollField, error: FieldError): string {
  if (error.kind === 'issue') return t(`fieldIssues.${error.code}`, { max: FIELD_MAX[field] });
  if (error.code === 'card_in_use') return t('errors.card_in_use');
  return t(`enroll.${error.code}`);
}

/** The translated message for a refused or failed call. */
export function errorMessage(t: TFunction, code: ClientErrorCode): string {
  return t(`errors.${code}`);
}

/**
 * The translated message for one field issue code (from the shared schemas, the PIN policy or the
 * main process). `max` is the field's length limit, `n` the store's PIN length.
 */
export function issueMessage(t: TFunction, code: string, values: { max?: number; n?: number } = {}): string {
  return t(`fieldIssues.${toIssueCode(code)}`, { max: values.max ?? 0, n: values.n ?? 0 });
}
