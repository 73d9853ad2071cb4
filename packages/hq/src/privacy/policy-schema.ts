import { z } from 'zod';

/**
 * The chain's privacy policy (DESIGN §6, migration 12): how long each kind of data is kept. Pure,
 * so the console's form checks the same bounds HQ does.
 */
export const PrivacyPolicy = z.strictObject({
  /** Days an erasure waits after the member's last transaction, while it may still be disputed. */
  erasureHoldDays: z.number().int().min(0).max(365),
  /** Members with no activity for this many months are anonymised; null: never. */
  inactiveMemberMonths: z.number().int().min(1).max(240).nullable(),
  /** Years the operator audit trail is kept. */
  auditRetentionYears: z.number().int().min(1).max(50),
  /** Days a data-subject export stays downloadable at HQ. */
  exportRetentionDays: z.number().int().min(1).max(365),
  /** Hours a double opt-in link stays valid. */
  confirmationTtlHours: z.number().int().min(1).max(720),
});
export type PrivacyPolicy = z.infer<typeof PrivacyPolicy>;
