import { needsSecondApprover } from '../../../../src/shared/approvals/second-approver';
import { pointsForPurchase, type EarnRules, type Tier } from '../../../../src/shared/points/rules';
import type { PushOp, RejectReason } from '../../../../src/shared/sync/protocol';
import { toInt, type Queryable } from '../db/database';
import { earnRulesInForce } from './earn-rules-in-force';
import type { OpFlag } from './op-flags';
import { graceStart, readStorePolicy, type StorePolicy } from './store-policy';

/**
 * What HQ re-derives, checks and bounds of a till's ledger op (DESIGN §4 "HQ trusts no till"):
 * a till's OS session can read its device token, so anything a till computes is a claim. HQ
 * applies its own figure where it can compute one (earns, redemptions), checks the approver of a
 * correction against its own roster, and bounds adjustments by store policy. The cryptographic
 * proof that the approver typed their PIN is push/staff-proof.ts; this module only asks HQ's data.
 */

type LedgerPushOp = Extract<
  PushOp,
  { type: 'points.earned' | 'points.redeemed' | 'points.adjusted' | 'points.reversed' }
>;
type CorrectionOp = Extract<PushOp, { type: 'points.adjusted' | 'points.reversed' }>;

/**
 * The store's policy and earn rules as one push batch reads them: the same for every op of a device's
 * batch (only load-catalog writes them), so read once per batch instead of once per earn.
 */
export interface StoreReads {
  policy?: StorePolicy;
  rules: Map<number | null, EarnRules | null>;
}

export const newStoreReads = (): StoreReads => ({ rules: new Map() });

interface ClaimContext {
  storeId: string;
  receivedAt: Date;
  reads?: StoreReads | undefined;
}

async function policyOf(tx: Queryable, ctx: ClaimContext): Promise<StorePolicy> {
  if (ctx.reads?.policy) return ctx.reads.policy;
  const policy = await readStorePolicy(tx, ctx.storeId);
  if (ctx.reads) ctx.reads.policy = policy;
  return policy;
}

async function rulesOf(tx: Queryable, ctx: ClaimContext, claimedVersion: number | null): Promise<EarnRules | null> {
  const cached = ctx.reads?.rules;
  if (cached?.has(claimedVersion)) return cached.get(claimedVersion) ?? null;
  const rules = await earnRulesInForce(tx, ctx.storeId, claimedVersion, ctx.receivedAt, await policyOf(tx, ctx));
  cached?.set(claimedVersion, rules);
  return rules;
}

/**
 * An adjustment or reversal must be approved by an active manager of this store (or a chain-wide
 * one) in HQ's roster, and name the staff member who asked; an adjustment must also be within the
 * store's limit. Returns the reason to refuse, or null. Runs before the PIN proof is opened: these
 * checks are cheap and each refusal names what a manager can fix.
 */
export async function checkCorrectionClaims(
  tx: Queryable,
  ctx: ClaimContext,
  op: CorrectionOp,
): Promise<RejectReason | null> {
  const p = op.payload;
  if (p.approvedBy === null) return 'approver_not_manager';
  // Every correction names who asked. A manager may approve their own request up to the store's
  // four-eyes threshold (their authority is their own PIN, proven by the staff proof); above it a
  // second manager must approve, as the till enforces.
  if (op.staffId === null) return 'approver_is_requester';
  const found = await tx.query<{ role: string; status: string; must_change_pin: boolean }>(
    'SELECT role, status, must_change_pin FROM staff WHERE id = $1 AND (store_id IS NULL OR store_id = $2)',
    [p.approvedBy, ctx.storeId],
  );
  const approver = found.rows[0];
  // A temporary PIN was chosen by someone else, so its holder cannot approve yet (as at the till).
  if (!approver || approver.role !== 'manager' || approver.status !== 'active' || approver.must_change_pin) {
    return 'approver_not_manager';
  }
  const policy = await policyOf(tx, ctx);
  if (op.type === 'points.adjusted' && Math.abs(p.points) > policy.maxAdjustPoints) return 'adjustment_over_limit';
  // A reversal's figure is checked against the entry it reverses afterwards (rederivePoints), so
  // the claimed points are the ones that entry moved.
  if (p.approvedBy === op.staffId && needsSecondApprover(p.points, policy.secondApproverAbovePoints)) {
    return 'approver_is_requester';
  }
  return null;
}

/** The figures HQ writes to its ledger for an op, and the flag when they are not the till's. */
export interface LedgerFigure {
  points: number;
  rulesVersion: number | null;
  currency: string | null;
  flag: OpFlag | null;
}

function figure(
  claimed: { points: number; rulesVersion: number | null },
  applied: { points: number; rulesVersion: number | null; currency: string | null },
  reason: OpFlag['reason'],
): LedgerFigure {
  const flag: OpFlag | null =
    claimed.points === applied.points
      ? null
      : {
          reason,
          claimedPoints: claimed.points,
          appliedPoints: applied.points,
          claimedRulesVersion: claimed.rulesVersion,
          appliedRulesVersion: applied.rulesVersion,
        };
  return { ...applied, flag };
}

/**
 * HQ's own points for an earn, a redemption or a reversal of a member locked by the caller; an
 * adjustment keeps its (checked and bounded) figure.
 */
export async function rederivePoints(
  tx: Queryable,
  ctx: ClaimContext,
  op: LedgerPushOp,
): Promise<LedgerFigure | { rejected: RejectReason }> {
  const p = op.payload;
  const asClaimed = { points: p.points, rulesVersion: p.rulesVersion, currency: p.currency, flag: null };
  switch (op.type) {
    case 'points.earned': {
      if (p.amountMinor === null) return { rejected: 'amount_missing' };
      const rules = await rulesOf(tx, ctx, p.rulesVersion);
      if (rules === null) return { rejected: 'earn_rules_missing' };
      const member = await tx.query<{ tier: Tier }>('SELECT tier FROM members WHERE id = $1', [p.memberId]);
      const tier = member.rows[0]?.tier ?? 'standard';
      const { points } = pointsForPurchase(p.amountMinor, tier, rules);
      return figure(p, { points, rulesVersion: rules.version, currency: rules.currency }, 'earn_recomputed');
    }
    case 'points.redeemed': {
      if (p.rewardId === null) return { rejected: 'unknown_reward' };
      const found = await tx.query<{ cost_points: unknown; active: boolean; deactivated_at: Date | null }>(
        'SELECT cost_points, active, deactivated_at FROM rewards WHERE id = $1',
        [p.rewardId],
      );
      const reward = found.rows[0];
      if (!reward) return { rejected: 'unknown_reward' };
      if (!reward.active) {
        // An offline till may not have heard yet that a reward was withdrawn: honoured for the grace window.
        const policy = await policyOf(tx, ctx);
        const since = reward.deactivated_at?.getTime() ?? Number.NEGATIVE_INFINITY;
        if (since < graceStart(policy, ctx.receivedAt).getTime()) return { rejected: 'reward_withdrawn' };
      }
      // HQ's cost, not a refusal: the reward was handed over at the counter already (DESIGN §5
      // accepts fulfilled redemptions), so refusing would leave the member with the reward and the
      // points. Charging the catalogue cost means a till can neither give a reward away for one
      // point nor drain a balance by claiming a bigger cost; the difference is flagged for review.
      return figure(
        p,
        { points: -toInt(reward.cost_points), rulesVersion: null, currency: p.currency },
        'redeem_recomputed',
      );
    }
    case 'points.reversed': {
      // The caller found the earn or redemption it reverses. HQ undoes what it applied for it; a
      // till that used its own figure undoes that figure, so either is accepted, anything else not.
      const found = await tx.query<{ points: unknown; claimed: unknown }>(
        `SELECT l.points, f.claimed_points AS claimed FROM ledger l
           LEFT JOIN op_flags f ON f.op_id = l.op_id AND f.reason IN ('earn_recomputed', 'redeem_recomputed')
          WHERE l.op_id = $1`,
        [p.reversesOpId],
      );
      const original = found.rows[0];
      if (!original) return { rejected: 'unknown_reversed_op' };
      const points = -toInt(original.points);
      const tillFigure = original.claimed === null ? null : -toInt(original.claimed);
      if (p.points !== points && p.points !== tillFigure) return { rejected: 'kind_mismatch' };
      return figure(p, { points, rulesVersion: null, currency: p.currency }, 'reversal_recomputed');
    }
    case 'points.adjusted':
      return asClaimed;
  }
}
