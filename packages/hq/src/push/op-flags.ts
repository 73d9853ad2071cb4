import type { Queryable } from '../db/database';

/**
 * Why HQ flagged an op it applied: it did not apply what the till claimed, but its own figure.
 * Operators review them with listFlaggedOps (admin/reports.ts).
 */
export const FLAG_REASONS = [
  /** The till's points for an earn differ from HQ's, computed from the amount and the rules in force. */
  'earn_recomputed',
  /** The points of a redemption differ from what HQ's catalogue charges for the reward. */
  'redeem_recomputed',
  /** A reversal's points differ from minus the points HQ applied for the earn it reverses. */
  'reversal_recomputed',
] as const;
export type FlagReason = (typeof FLAG_REASONS)[number];

export interface OpFlag {
  reason: FlagReason;
  claimedPoints: number;
  appliedPoints: number;
  claimedRulesVersion: number | null;
  appliedRulesVersion: number | null;
}

/** Recorded in the transaction that applies the op, so a flag exists exactly when the op does. */
export async function recordFlag(
  tx: Queryable,
  ctx: { deviceId: string; storeId: string; receivedAt: Date },
  opId: string,
  memberId: string,
  flag: OpFlag,
): Promise<void> {
  await tx.query(
    `INSERT INTO op_flags (op_id, reason, device_id, store_id, member_id, claimed_points, applied_points,
       claimed_rules_version, applied_rules_version, flagged_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
    [
      opId,
      flag.reason,
      ctx.deviceId,
      ctx.storeId,
      memberId,
      flag.claimedPoints,
      flag.appliedPoints,
      flag.claimedRulesVersion,
      flag.appliedRulesVersion,
      ctx.receivedAt,
    ],
  );
}
