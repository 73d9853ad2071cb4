import type { HqErrorCode } from '../shared/sync/protocol';
import type { FieldIssue } from '../shared/errors';

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
};

/** A refusal HQ answers with `{code, message, issues?}`; the message holds ids at most, never PII. */
export class HqHttpError extends Error {
  readonly code: HqErrorCode;
  readonly statusCode: number;
  readonly issues: FieldIssue[] | undefined;

  constructor(code: HqErrorCode, message: string, issues?: FieldIssue[]) {
    super(message);
    this.name = 'HqHttpError';
    this.code = code;
    this.statusCode = STATUS[code];
    this.issues = issues;
  }
}

/** Admin commands fail with these; the CLI prints the code and exits non-zero. */
export class HqAdminError extends Error {
  readonly code: 'store_not_found' | 'device_not_found' | 'invalid_argument';

  constructor(code: HqAdminError['code'], message: string) {
    super(message);
    this.name = 'HqAdminError';
    this.code = code;
  }
}
