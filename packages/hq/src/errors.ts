import type { HqErrorCode, RollbackInfo } from '../../../src/shared/sync/protocol';
import type { FieldIssue } from '../../../src/shared/errors';

const STATUS: Record<HqErrorCode, number> = {
  bad_request: 400,
  unauthorized: 401,
  device_revoked: 403,
  pairing_code_invalid: 403,
  too_many_requests: 429,
  cursor_expired: 410,
  push_first: 409,
  not_found: 404,
  payload_too_large: 413,
  unsupported_media_type: 415,
  internal_error: 500,
  device_rolled_back: 409,
};

/**
 * A refusal with a stable code from a closed list, for HQ's modules that are not HTTP handlers (the
 * admin client, operators, keys). Messages hold ids and codes, never personal data or secrets.
 */
export class CodedError<C extends string> extends Error {
  readonly code: C;

  constructor(code: C, message: string) {
    super(message);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A refusal HQ answers with `{code, message, issues?}`; the message holds ids at most, never PII. */
export class HqHttpError extends Error {
  readonly code: HqErrorCode;
  readonly statusCode: number;
  readonly issues: FieldIssue[] | undefined;
  /** Sent as the Retry-After header (whole seconds), e.g. with too_many_requests. */
  readonly retryAfterSeconds: number | undefined;
  /** HQ's figures with device_rolled_back (devices/rollback.ts): seqs only. */
  readonly rollback: RollbackInfo | undefined;

  constructor(
    code: HqErrorCode,
    message: string,
    issues?: FieldIssue[],
    options: { retryAfterSeconds?: number; rollback?: RollbackInfo } = {},
  ) {
    super(message);
    this.name = 'HqHttpError';
    this.code = code;
    this.statusCode = STATUS[code];
    this.issues = issues;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.rollback = options.rollback;
  }
}

export const HQ_ADMIN_ERROR_CODES = [
  'invalid_argument',
  'store_not_found',
  'device_not_found',
  'staff_not_found',
  'member_not_found',
  /** A catalog file that cannot be read, is not JSON, or does not match the schema; `issues` name the fields. */
  'invalid_catalog',
] as const;
export type HqAdminErrorCode = (typeof HQ_ADMIN_ERROR_CODES)[number];

/**
 * Admin commands fail with these; the CLI prints the code, the message and each issue's field path,
 * and exits non-zero. Messages and issues hold ids and field paths, never names, contacts or PINs.
 */
export class HqAdminError extends Error {
  readonly code: HqAdminErrorCode;
  readonly issues: FieldIssue[];

  constructor(code: HqAdminErrorCode, message: string, issues: FieldIssue[] = []) {
    super(message);
    this.name = 'HqAdminError';
    this.code = code;
    this.issues = issues;
  }
}
