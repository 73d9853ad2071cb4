import {
  DEFAULT_SECOND_APPROVER_ABOVE_POINTS,
  SECOND_APPROVER_BOUNDS,
} from '../../../../src/shared/approvals/second-approver';
import { MAX_ADJUST_POINTS } from '../../../../src/shared/points/rules';
import { toInt, type Queryable } from '../db/database';

/**
 * Per-store limits HQ enforces on what tills claim (set with load-catalog's `storePolicy`). They
 * live only at HQ: a till is not a trust boundary, so it is not where a limit is kept.
 */
export interface StorePolicy {
  /** The largest manual adjustment, either way, HQ applies from this store's tills. */
  maxAdjustPoints: number;
  /**
   * How long after a change HQ still honours what a till computed with the previous version: earn
   * rules superseded, or a reward withdrawn, at most this many days before the op reached HQ.
   */
  graceDays: number;
  /** A correction moving more points than this needs a manager other than the one who asked. */
  secondApproverAbovePoints: number;
}

export const DEFAULT_STORE_POLICY: StorePolicy = {
  maxAdjustPoints: 10_000,
  graceDays: 7,
  secondApproverAbovePoints: DEFAULT_SECOND_APPROVER_ABOVE_POINTS,
};

/** Bounds of the policy values; the database CHECKs hold the same numbers (migration 5). */
export const STORE_POLICY_BOUNDS = {
  maxAdjustPoints: { min: 1, max: MAX_ADJUST_POINTS },
  graceDays: { min: 0, max: 90 },
  secondApproverAbovePoints: SECOND_APPROVER_BOUNDS,
} as const;

const DAY_MS = 24 * 60 * 60 * 1000;

export async function readStorePolicy(q: Queryable, storeId: string): Promise<StorePolicy> {
  const found = await q.query<{
    max_adjust_points: unknown;
    grace_days: unknown;
    second_approver_above_points: unknown;
  }>('SELECT max_adjust_points, grace_days, second_approver_above_points FROM store_settings WHERE store_id = $1', [
    storeId,
  ]);
  const row = found.rows[0];
  if (!row) return DEFAULT_STORE_POLICY;
  return {
    maxAdjustPoints: toInt(row.max_adjust_points),
    graceDays: toInt(row.grace_days),
    secondApproverAbovePoints: toInt(row.second_approver_above_points),
  };
}

/** The earliest moment a superseded version or a withdrawn reward is still honoured from. */
export function graceStart(policy: StorePolicy, receivedAt: Date): Date {
  return new Date(receivedAt.getTime() - policy.graceDays * DAY_MS);
}
