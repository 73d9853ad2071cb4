import type { RestrictedAction } from '../../shared/approvals/schemas';
import type { StaffProof } from '../../shared/sync/staff-proof';
import type { StaffProofSealer } from '../sync/staff-proof-seal';
import type { RestrictedCall } from './restricted-actions';

/** Approved actions HQ hears of, so HQ must be able to believe the approval (an unlock stays here). */
export const PROVEN_ACTIONS: readonly RestrictedAction[] = ['staff.resetPin', 'points.adjust', 'points.reverse'];

/**
 * The approving manager's PIN sealed for HQ, bound to this approval and its subject (and, for a
 * reset, the temporary PIN, which HQ hashes itself). Sealed the moment the PIN is typed, as it is
 * never kept; null for an action HQ never hears of, or on a standalone till.
 */
export function sealApprovalProof(
  proofs: StaffProofSealer,
  call: RestrictedCall,
  approval: { approvalId: string; approvedBy: string; pin: string },
): StaffProof | null {
  const { approvalId, approvedBy, pin } = approval;
  switch (call.action) {
    case 'staff.resetPin':
      return proofs.seal(
        { purpose: 'pin_reset', approvalId, approvedBy, staffId: call.payload.staffId },
        { pin, newPin: call.payload.temporaryPin },
      );
    case 'points.adjust':
      return proofs.seal(
        {
          purpose: 'points_adjust',
          approvalId,
          approvedBy,
          memberId: call.payload.memberId,
          points: call.payload.points,
        },
        { pin },
      );
    case 'points.reverse':
      return proofs.seal(
        { purpose: 'points_reverse', approvalId, approvedBy, reversesOpId: call.payload.opId },
        { pin },
      );
    case 'staff.unlock':
      return null;
  }
}
