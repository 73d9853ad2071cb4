import { AppError } from '../../shared/errors';
import type { OpType } from '../../shared/sync/ops';
import type { StaffProof } from '../../shared/sync/staff-proof';
import { uuidv7 } from '../ids/uuidv7';
import type { PointsDeps } from './counter-deps';

/** Who asked, who approved, and why: recorded with the ledger entry a manager approved. */
export interface Approval {
  requestedBy: string;
  approvedBy: string;
  approvalId: string;
  reasonCode: string;
  /** The approving manager's PIN sealed for HQ; HQ refuses a correction without one (paired tills). */
  staffProof?: StaffProof | null;
}

/**
 * Manual adjustments, and reversals of earns and redemptions. Both always need a manager's approval (DESIGN §4); the
 * approval service consumes it in the same transaction as `apply*`, so one approval moves points once.
 */
export function createPointsCorrections(deps: PointsDeps) {
  const { ledger } = deps;

  function checkAdjust(payload: { memberId: string; points: number }) {
    // HQ refuses an adjustment above the store's limit: refusing it here keeps the member's balance
    // from showing points that would vanish at the next sync, and spends no manager's approval.
    const limit = deps.adjustLimit();
    if (limit !== null && Math.abs(payload.points) > limit) {
      throw new AppError('validation_failed', "The adjustment is larger than this store's limit.", {
        issues: [{ path: 'points', code: 'too_big' }],
        details: { limit: String(limit) },
      });
    }
    const member = ledger.pointsOf(payload.memberId);
    if (member.balance.total + payload.points < 0) {
      throw new AppError('balance_short', 'The adjustment would take the balance below zero.', {
        details: { balance: String(member.balance.total), points: String(payload.points) },
      });
    }
    return member;
  }

  function reversible(opId: string) {
    const entry = ledger.byOpId(opId);
    if (!entry) throw new AppError('entry_not_reversible', 'There is no such ledger entry on this till.');
    // An earn (points given for a purchase taken back) or a redemption (the reward came back), once:
    // undoing an adjustment or a reversal is a new adjustment, with its own reason.
    if ((entry.kind !== 'earn' && entry.kind !== 'redeem') || entry.reversedBy !== null) {
      throw new AppError(
        'entry_not_reversible',
        'Only an earn or a redemption that was not reversed yet can be reversed.',
      );
    }
    const member = ledger.pointsOf(entry.memberId);
    if (member.balance.total - entry.points < 0) {
      throw new AppError('balance_short', 'The points of this earn were already spent.', {
        details: { balance: String(member.balance.total), points: String(-entry.points) },
      });
    }
    return entry;
  }

  function write(
    type: Extract<OpType, 'points.adjusted' | 'points.reversed'>,
    fields: { memberId: string; points: number; reversesOpId: string | null },
    approval: Approval,
  ) {
    if (!deps.db.inTransaction) throw new Error('corrections run inside the approval transaction');
    const { storeId } = deps.identity();
    const at = deps.now().toISOString();
    const opId = uuidv7(deps.now().getTime());
    const kind = type === 'points.adjusted' ? 'adjust' : 'reversal';
    const entry = ledger.append({
      opId,
      memberId: fields.memberId,
      kind,
      points: fields.points,
      at,
      staffId: approval.requestedBy,
      approvedBy: approval.approvedBy,
      approvalId: approval.approvalId,
      storeId,
      reasonCode: approval.reasonCode,
      reversesOpId: fields.reversesOpId,
    });
    deps.audit.append({
      staffId: approval.requestedBy,
      action: type,
      subjectType: 'member',
      subjectId: fields.memberId,
      details: {
        opId,
        points: fields.points,
        approvalId: approval.approvalId,
        approvedBy: approval.approvedBy,
        reasonCode: approval.reasonCode,
        ...(fields.reversesOpId ? { reversesOpId: fields.reversesOpId } : {}),
      },
    });
    deps.outbox.append(
      type,
      opId,
      {
        memberId: fields.memberId,
        kind,
        points: fields.points,
        at,
        reference: null,
        amountMinor: null,
        currency: null,
        rewardId: null,
        reasonCode: approval.reasonCode,
        approvedBy: approval.approvedBy,
        approvalId: approval.approvalId,
        reversesOpId: fields.reversesOpId,
        rulesVersion: null,
        ...(approval.staffProof ? { staffProof: approval.staffProof } : {}),
      },
      approval.requestedBy,
    );
    return { entry, balance: ledger.pointsOf(fields.memberId).balance };
  }

  return {
    /** Before a manager is asked: the member exists and the balance stays at or above zero. */
    checkAdjust: (payload: { memberId: string; points: number }) => void checkAdjust(payload),
    checkReverse: (payload: { opId: string }) => void reversible(payload.opId),
    /** The member an approval for this payload is about (for the approvals queue). */
    memberOfReverse: (payload: { opId: string }) => ledger.byOpId(payload.opId)?.memberId ?? null,
    /** The points a reversal would move (minus the entry's), or null for an entry this till lacks. */
    pointsOfReverse: (payload: { opId: string }) => {
      const entry = ledger.byOpId(payload.opId);
      return entry ? -entry.points : null;
    },
    applyAdjust(payload: { memberId: string; points: number }, approval: Approval) {
      checkAdjust(payload);
      return write('points.adjusted', { ...payload, reversesOpId: null }, approval);
    },
    applyReverse(payload: { opId: string }, approval: Approval) {
      const earn = reversible(payload.opId);
      return write(
        'points.reversed',
        { memberId: earn.memberId, points: -earn.points, reversesOpId: earn.opId },
        approval,
      );
    },
  };
}

export type PointsCorrections = ReturnType<typeof createPointsCorrections>;
