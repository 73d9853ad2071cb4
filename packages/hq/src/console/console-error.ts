import type { FieldIssue } from '../../../../src/shared/errors';
import { HqAdminError } from '../errors';
import { EnrolmentError } from '../operators/enrolment';
import { OperatorAccountError } from '../operators/operator-accounts';
import { PasskeyError } from '../operators/passkeys';
import { OperatorAccessError } from '../operators/roles';
import { CONSOLE_ERROR_CODES, type ConsoleError, type ConsoleErrorCode } from './contract';

const STATUS: Record<ConsoleErrorCode, number> = {
  bad_request: 400,
  unauthorized: 401,
  csrf_failed: 403,
  forbidden: 403,
  not_found: 404,
  login_failed: 401,
  too_many_requests: 429,
  enrolment_invalid: 400,
  password_refused: 422,
  totp_invalid: 422,
  approval_required: 409,
  approval_not_found: 404,
  approval_expired: 409,
  approval_self: 409,
  approval_already_decided: 409,
  approval_not_approved: 409,
  approval_used: 409,
  approval_mismatch: 409,
  conflict: 409,
  invalid_argument: 422,
  invalid_catalog: 422,
  store_not_found: 404,
  device_not_found: 404,
  staff_not_found: 404,
  member_not_found: 404,
  member_erased: 410,
  operator_not_found: 404,
  self_change: 409,
  passkey_unavailable: 409,
  passkey_invalid: 422,
  confirmation_invalid: 400,
  payload_too_large: 413,
  unsupported_media_type: 415,
  internal_error: 500,
};

/** A console refusal: `{code, message, issues?…}` with the status its code has. Messages hold ids at most. */
export class ConsoleHttpError extends Error {
  readonly code: ConsoleErrorCode;
  readonly statusCode: number;
  readonly extra: Omit<ConsoleError, 'code' | 'message'>;

  constructor(code: ConsoleErrorCode, message: string, extra: Omit<ConsoleError, 'code' | 'message'> = {}) {
    super(message);
    this.name = 'ConsoleHttpError';
    this.code = code;
    this.statusCode = STATUS[code];
    this.extra = extra;
  }

  body(): ConsoleError {
    return { code: this.code, message: this.message.slice(0, 300), ...this.extra };
  }
}

const isConsoleCode = (code: string): code is ConsoleErrorCode =>
  (CONSOLE_ERROR_CODES as readonly string[]).includes(code);

const issuesOf = (issues: readonly FieldIssue[]): ConsoleError['issues'] =>
  issues.length > 0
    ? issues.slice(0, 50).map((i) => ({ path: i.path.slice(0, 200), code: i.code.slice(0, 60) }))
    : undefined;

/** HQ's module errors as console refusals; anything else is not a refusal (null). */
export function toConsoleError(error: unknown): ConsoleHttpError | null {
  if (error instanceof ConsoleHttpError) return error;
  if (error instanceof HqAdminError) {
    const issues = issuesOf(error.issues);
    return new ConsoleHttpError(error.code, error.message, issues ? { issues } : {});
  }
  if (error instanceof EnrolmentError) {
    return new ConsoleHttpError(
      error.code,
      error.message,
      error.reasons.length > 0 ? { reasons: [...error.reasons] } : {},
    );
  }
  if (error instanceof OperatorAccountError) {
    const issues = issuesOf(error.issues);
    const code = isConsoleCode(error.code) ? error.code : 'invalid_argument';
    return new ConsoleHttpError(code, error.message, issues ? { issues } : {});
  }
  if (error instanceof PasskeyError) {
    return new ConsoleHttpError(error.code === 'passkey_not_found' ? 'not_found' : error.code, error.message);
  }
  if (error instanceof OperatorAccessError) {
    return new ConsoleHttpError(isConsoleCode(error.code) ? error.code : 'bad_request', error.message);
  }
  return null;
}
