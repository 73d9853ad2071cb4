/**
 * Error codes that cross a process boundary. They are stable identifiers: the renderer maps them to
 * translated text, tests assert on them, and they never carry personal data or secrets.
 */
export const ERROR_CODES = [
  'validation_failed',
  'unknown_channel',
  'forbidden_sender',
  'not_authenticated',
  'permission_denied',
  'login_failed',
  'login_delayed',
  'pin_change_required',
  'pin_rejected',
  'approval_invalid',
  'approval_not_queueable',
  'staff_not_found',
  'bootstrap_not_allowed',
  'member_duplicate',
  'member_not_found',
  'card_in_use',
  'card_block_missing',
  'card_block_exhausted',
  'notice_outdated',
  'contacts_not_cached',
  /** A manager already asked at this till that the member be erased; HQ has not carried it out yet. */
  'erasure_already_requested',
  'earn_rules_missing',
  'earn_zero_points',
  'earn_quote_changed',
  'reference_used',
  'reward_not_found',
  'balance_short',
  'entry_not_reversible',
  // Four-eyes (shared/approvals/second-approver.ts): the manager who asked cannot approve this one.
  'second_approver_required',
  'keychain_unavailable',
  'database_key_missing',
  'database_key_wrong',
  'database_corrupt',
  'database_missing',
  'database_not_encrypted',
  'database_too_new',
  'disk_full',
  'pairing_not_allowed',
  'pairing_code_invalid',
  'pairing_rate_limited',
  'hq_certificate_changed',
  'hq_unreachable',
  /** HQ refused this till as restored from an old copy of its files (sync status `rolledBack` says more). */
  'device_rolled_back',
  'not_paired',
  /**
   * HQ did not accept the manager's PIN sealed for it (it checks against its own roster): a PIN
   * changed elsewhere, or a manager HQ does not let act at this store. Never says which.
   */
  'proof_invalid',
  // The same client request id came back with another request: the first one stands.
  'request_id_reused',
  /**
   * An enforced detection rule holds this staff member: their next sensitive action needs a store
   * manager's PIN (detection.clearHold). details: { alertId, kind }.
   */
  'detection_hold',
  'alert_not_found',
  'internal_error',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** One problem with one field of a request; `code` is an i18n key suffix such as `too_long`. */
export interface FieldIssue {
  path: string;
  code: string;
}

export interface ErrorShape {
  code: ErrorCode;
  /** Developer-facing English text, never shown raw to staff and never containing PII. */
  message: string;
  issues?: FieldIssue[];
  /** Ids only (e.g. the member an enrolment would duplicate); never names or contacts. */
  details?: Record<string, string>;
}

/** Thrown by services; the router turns it into an `ErrorShape` envelope. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly issues: FieldIssue[] | undefined;
  readonly details: Record<string, string> | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    extra: { issues?: FieldIssue[]; details?: Record<string, string>; cause?: unknown } = {},
  ) {
    super(message, extra.cause === undefined ? undefined : { cause: extra.cause });
    this.name = 'AppError';
    this.code = code;
    this.issues = extra.issues;
    this.details = extra.details;
  }

  toShape(): ErrorShape {
    const shape: ErrorShape = { code: this.code, message: this.message };
    if (this.issues) shape.issues = this.issues;
    if (this.details) shape.details = this.details;
    return shape;
  }
}

export type IpcResult<T> = { ok: true; value: T } | { ok: false; error: ErrorShape };
