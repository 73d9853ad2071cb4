import type { Database } from 'better-sqlite3-multiple-ciphers';
import { AppError } from '../../shared/errors';
import type { Balance } from '../../shared/members/schemas';
import type { EarnRules, Tier } from '../../shared/points/rules';
import type { LedgerEntry, LedgerKind } from '../../shared/points/schemas';

/**
 * The pending entries a balance counts: HQ has not confirmed them, and has not rejected their op
 * either (a rejected op stays in the append-only ledger, marked by its outbox row, and counts for
 * nothing). `l` is the ledger alias.
 */
export const COUNTED_PENDING = `l.state = 'pending' AND NOT EXISTS (
  SELECT 1 FROM outbox o WHERE o.op_id = l.op_id AND o.state = 'rejected')`;

interface LedgerRow {
  op_id: string;
  member_id: string;
  kind: LedgerKind;
  points: number;
  state: 'pending' | 'confirmed';
  at: string;
  staff_id: string | null;
  approved_by: string | null;
  approval_id: string | null;
  reference: string | null;
  amount_minor: number | null;
  currency: string | null;
  reward_id: string | null;
  reason_code: string | null;
  rules_version: number | null;
  reverses_op_id: string | null;
  reversed_by: string | null;
}

export interface NewLedgerEntry {
  opId: string;
  memberId: string;
  kind: LedgerKind;
  points: number;
  at: string;
  staffId: string | null;
  approvedBy?: string | null;
  approvalId?: string | null;
  storeId: string;
  reference?: string | null;
  amountMinor?: number | null;
  currency?: string | null;
  rewardId?: string | null;
  reasonCode?: string | null;
  rulesVersion?: number | null;
  reversesOpId?: string | null;
}

export interface MemberPoints {
  id: string;
  tier: Tier;
  balance: Balance;
  /** Sum of this till's pending entries that take points away (a negative number or 0). */
  pendingSpends: number;
  /** Sum of this till's pending redemptions (a negative number or 0): what the offline cap counts. */
  pendingRedeemed: number;
}

export interface Ledger {
  /** Appends one entry (inside the caller's transaction); returns it as the renderer sees it. */
  append(entry: NewLedgerEntry): LedgerEntry;
  /** The member's tier and balance, or a `member_not_found` refusal. */
  pointsOf(memberId: string): MemberPoints;
  /** What the member may spend on this till now (DESIGN §5). */
  spendable(points: MemberPoints, rules: EarnRules | null): number;
  recent(memberId: string, limit: number): LedgerEntry[];
  byOpId(opId: string): (LedgerEntry & { memberId: string }) | null;
}

const COLUMNS = `l.*, (SELECT r.op_id FROM ledger r WHERE r.reverses_op_id = l.op_id) AS reversed_by`;

function toEntry(row: LedgerRow): LedgerEntry {
  return {
    opId: row.op_id,
    kind: row.kind,
    points: row.points,
    state: row.state,
    at: row.at,
    staffId: row.staff_id,
    approvedBy: row.approved_by,
    reference: row.reference,
    amountMinor: row.amount_minor,
    currency: row.currency,
    rewardId: row.reward_id,
    reasonCode: row.reason_code,
    reversesOpId: row.reverses_op_id,
    reversedBy: row.reversed_by,
  };
}

export interface LedgerOptions {
  /**
   * This till was never paired (the demo, a standalone shop): no HQ will ever confirm its points,
   * and pairing is refused once it has recorded anything, so it is its own authority.
   */
  standalone: () => boolean;
}

export function createLedger(db: Database, options: LedgerOptions): Ledger {
  const insert = db.prepare(
    `INSERT INTO ledger (op_id, member_id, kind, points, state, at, staff_id, approved_by, approval_id, store_id,
                         reference, amount_minor, currency, reward_id, reason_code, rules_version, reverses_op_id)
     VALUES (@opId, @memberId, @kind, @points, 'pending', @at, @staffId, @approvedBy, @approvalId, @storeId,
             @reference, @amountMinor, @currency, @rewardId, @reasonCode, @rulesVersion, @reversesOpId)`,
  );
  const member = db.prepare<[string], { id: string; tier: Tier; points_confirmed: number }>(
    'SELECT id, tier, points_confirmed FROM members WHERE id = ?',
  );
  const pending = db.prepare<[string], { total: number; spends: number; redeemed: number }>(
    // Reversing an earn that is itself still pending takes back points that were never spendable
    // here, so it is not a spend: counting it would lower what the member may spend twice. Reversing
    // a redemption still pending here cancels that spend (and its use of the offline cap).
    `WITH p AS (
       SELECT l.points, l.kind,
              EXISTS (SELECT 1 FROM ledger e WHERE e.op_id = l.reverses_op_id AND e.state = 'pending') AS of_pending
         FROM ledger l WHERE l.member_id = ? AND ${COUNTED_PENDING})
     SELECT coalesce(sum(points), 0) AS total,
            coalesce(sum(CASE WHEN kind = 'reversal' AND of_pending THEN (CASE WHEN points > 0 THEN points END)
                              WHEN points < 0 THEN points END), 0) AS spends,
            coalesce(sum(CASE WHEN kind = 'redeem' THEN points
                              WHEN kind = 'reversal' AND of_pending AND points > 0 THEN points END), 0) AS redeemed
       FROM p`,
  );
  // Ties on `at` (a coarse or stalled clock) go by insertion order: op ids are random within a millisecond.
  const recent = db.prepare<[string, number], LedgerRow>(
    `SELECT ${COLUMNS} FROM ledger l WHERE l.member_id = ? ORDER BY l.at DESC, l.rowid DESC LIMIT ?`,
  );
  const one = db.prepare<[string], LedgerRow>(`SELECT ${COLUMNS} FROM ledger l WHERE l.op_id = ?`);

  return {
    append(entry) {
      if (!db.inTransaction) throw new Error('ledger entries are written inside the transaction of their op');
      insert.run({
        approvedBy: null,
        approvalId: null,
        reference: null,
        amountMinor: null,
        currency: null,
        rewardId: null,
        reasonCode: null,
        rulesVersion: null,
        reversesOpId: null,
        ...entry,
      });
      const row = one.get(entry.opId);
      if (!row) throw new Error('ledger entry vanished inside its transaction');
      return toEntry(row);
    },
    pointsOf(memberId) {
      const row = member.get(memberId);
      if (!row) throw new AppError('member_not_found', 'No such member on this till.');
      const sums = pending.get(memberId) ?? { total: 0, spends: 0, redeemed: 0 };
      return {
        id: row.id,
        tier: row.tier,
        balance: { confirmed: row.points_confirmed, pending: sums.total, total: row.points_confirmed + sums.total },
        pendingSpends: sums.spends,
        pendingRedeemed: sums.redeemed,
      };
    },
    spendable(points, rules) {
      // A standalone till's ledger is the whole truth: everything on it may be spent.
      if (options.standalone()) return Math.max(0, points.balance.total);
      // Only HQ-confirmed points may be spent offline, less what this till already spent unconfirmed;
      // HQ's cap bounds what one till may hand out before anyone has checked.
      let spendable = points.balance.confirmed + points.pendingSpends;
      const cap = rules?.offlineRedeemCapPoints ?? null;
      // The cap is about rewards handed out here unchecked: a manager's correction does not use it up.
      if (cap !== null) spendable = Math.min(spendable, cap + points.pendingRedeemed);
      return Math.max(0, Math.min(spendable, points.balance.total));
    },
    recent: (memberId, limit) => recent.all(memberId, limit).map(toEntry),
    byOpId(opId) {
      const row = one.get(opId);
      return row ? { ...toEntry(row), memberId: row.member_id } : null;
    },
  };
}
