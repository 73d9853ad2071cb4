/**
 * Data-subject requests (GDPR Art. 15, 17, 20; CCPA know and delete), shared by the till and HQ so
 * both record the same codes. Codes, never free text: what is recorded about a request must not
 * itself hold personal data.
 */

/** Why a member is erased. 'inactivity' is the retention job's own; people choose from the rest. */
export const ERASURE_REASONS = ['member_request', 'left_program', 'consent_withdrawn', 'unlawful_processing'] as const;
export type ErasureReason = (typeof ERASURE_REASONS)[number];
export const RETENTION_ERASURE_REASON = 'inactivity';

/** What an export of a member's data is for: access (Art. 15) or portability (Art. 20). */
export const EXPORT_PURPOSES = ['access_request', 'portability_request'] as const;
export type ExportPurpose = (typeof EXPORT_PURPOSES)[number];

/** Why a member's data is kept beyond the rules: a legal hold stops erasure and retention. */
export const LEGAL_HOLD_REASONS = [
  'litigation',
  'regulator_inquiry',
  'fraud_investigation',
  'payment_dispute',
] as const;
export type LegalHoldReason = (typeof LEGAL_HOLD_REASONS)[number];

/** Years audit entries are kept, HQ's and each till's, unless the chain's privacy policy says otherwise. */
export const DEFAULT_AUDIT_RETENTION_YEARS = 6;
export const AUDIT_RETENTION_YEARS_BOUNDS = { min: 1, max: 50 } as const;
