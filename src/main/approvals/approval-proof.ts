import type { RestrictedAction } from '../../shared/approvals/schemas';
import type { StaffProof } from '../../shared/sync/staff-proof';
import type { StaffProofSealer } from '../sync/staff-proof-seal';

/** Approved actions HQ hears of, so HQ must be able to believe the approval (an unlock stays here). */
export const PROVEN_ACTIONS: readonly RestrictedAction[] = ['staff.resetPin', 'points.adjust', 'points.reverse'];

/**
 * The approving manager's PIN sealed for HQ, bound to this approval and its subject (and, for a
 * reset, the temporary PIN, which HQ hashes itself). Sealed the moment the PIN is typed, as it is
 * never kept; null for an action HQ never hears of, or on a standalone till.
 */
export function sealApprovalProof(
  proofs: StaffProofSealer,
  action: RestrictedAction,
  payload: unknown,
  approval: { approvalId: string; approvedBy: string; pin: string },
): StaffProof | null {
  const { approvalId, approvedBy, pin } = approval;
  switch (action) {
    case 'staff.resetPin': {
      const p = payload as { staffId: string; temporaryPin: string };
      return proofs.seal(
        { purpose: 'pin_reset', approvalId, approvedBy, staffId: p.staffId },
        { pin, newPin: p.temporaryPin },
      );
    }
    case 'points.adjust': {
      const p = payload as { memberId: string; points: number };
      return proofs.seal(
        { purpose: 'points_adjust', approvalId, approvedBy, memberId: p.memberId, points: p.points },
        { pin },
      );
    }
    case 'points.reverse': {
      const p = payload as { opId: string };
      return proofs.seal({ purpose: 'points_reverse', approvalId, approvedBy, reversesOpId: p.opId }, { pin });
    }
    case 'staff.unlock':
      return null;
  }
}
