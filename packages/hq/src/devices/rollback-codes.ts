/**
 * The codes of a rolled-back till's flag (pure: the console bundle reads them through
 * console/contract.ts). An operator lifts the flag with a reason code, never free text: the
 * operator audit records it, and free text could hold the personal data it must not.
 */
export const ROLLBACK_CLEAR_REASONS = [
  /** The store put the till's current files back (the old copy was a mistake): it is no longer behind. */
  'current_files_restored',
  /** Looked into, and not a restore (the till's next contact is checked again all the same). */
  'false_alarm',
] as const;
export type RollbackClearReason = (typeof ROLLBACK_CLEAR_REASONS)[number];
