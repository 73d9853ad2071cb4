import type { TFunction } from 'i18next';
import type { ConsoleApiError } from '../api/console-client';

/** The words for a refusal: its code's text, with what some codes carry (approval id, wait time). */
export function errorText(t: TFunction, error: ConsoleApiError): string {
  switch (error.code) {
    case 'approval_required':
      return t('errors.approval_required', { id: error.approvalId ?? '—' });
    case 'too_many_requests':
      return error.retryAfterSeconds !== undefined
        ? t('errors.too_many_requests_wait', { seconds: error.retryAfterSeconds })
        : t('errors.too_many_requests');
    case 'password_refused':
      return [t('errors.password_refused'), ...error.reasons.map((reason) => passwordReasonText(t, reason))].join(' ');
    default:
      return t(`errors.${error.code}`);
  }
}

export const PASSWORD_REASONS = ['too_short', 'too_long', 'common', 'contains_context', 'repetitive'] as const;

export function passwordReasonText(t: TFunction, reason: string): string {
  const known = PASSWORD_REASONS.find((candidate) => candidate === reason);
  return known ? t(`passwordReason.${known}`) : t('passwordReason.other');
}
