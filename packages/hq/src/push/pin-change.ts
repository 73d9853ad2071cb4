import type { OpPayload } from '../../../../src/shared/sync/ops';
import type { RejectReason } from '../../../../src/shared/sync/protocol';
import { DEFAULT_PIN_LENGTH, checkPin } from '../../../../src/shared/staff/pin-policy';
import type { StaffProofBinding } from '../../../../src/shared/sync/staff-proof';
import { logChange } from '../change-log';
import type { Queryable } from '../db/database';
import { hashStaffPin, verifyStaffPin } from '../staff/pin-hash';
import {
  assertProofBudget,
  mayApprove,
  openStaffProof,
  readChainProofSecrets,
  rosterStaff,
  spendApproval,
} from './staff-proof';

export interface PinChangeOp {
  opId: string;
  payload: OpPayload<'staff.pin_changed'>;
}

/**
 * A PIN set at a till (DESIGN §4: a PIN change proves knowledge of the old PIN). HQ believes it
 * only when the sealed proof opens for this device, op and staff member and the PIN inside it
 * verifies against HQ's own roster hash: the staff member's current PIN for their own change; an
 * active manager's PIN for a reset (a chain-wide staff member only by a chain-wide manager, so a
 * store's manager cannot take over a PIN that works in every store). HQ then hashes the new PIN
 * itself, after the PIN policy; a till never hands HQ a hash.
 */
export async function applyPinChange(
  tx: Queryable,
  ctx: { deviceId: string; storeId: string; receivedAt: Date },
  op: PinChangeOp,
): Promise<RejectReason | null> {
  const p = op.payload;
  if (p.staffProof === undefined) return 'proof_missing';
  const target = await rosterStaff(tx, p.staffId, ctx.storeId, true);
  if (!target) return 'unknown_staff';

  let binding: StaffProofBinding;
  if (p.kind === 'change') {
    if (p.approvedBy !== null || p.approvalId !== null) return 'proof_invalid';
    binding = { purpose: 'pin_change', deviceId: ctx.deviceId, opId: op.opId, staffId: p.staffId };
  } else {
    if (p.approvedBy === null || p.approvalId === null) return 'proof_missing';
    binding = {
      purpose: 'pin_reset',
      deviceId: ctx.deviceId,
      approvalId: p.approvalId,
      approvedBy: p.approvedBy,
      staffId: p.staffId,
    };
  }
  await assertProofBudget(tx, ctx.deviceId, ctx.receivedAt);
  const chain = await readChainProofSecrets(tx);
  const secret = openStaffProof(chain.keys, p.staffProof, binding);
  if (secret?.newPin === undefined) return 'proof_invalid';
  const newPin = secret.newPin;

  if (p.kind === 'change') {
    if (target.status !== 'active') return 'proof_invalid';
    if (!(await verifyStaffPin(chain.pepper, target.pinHash, secret.pin))) return 'proof_invalid';
    if (newPin === secret.pin) return 'pin_rejected';
  } else {
    const approver = await rosterStaff(tx, p.approvedBy ?? '', ctx.storeId);
    if (!mayApprove(approver) || (target.storeId === null && approver.storeId !== null)) return 'proof_invalid';
    if (!(await verifyStaffPin(chain.pepper, approver.pinHash, secret.pin))) return 'proof_invalid';
    if (!(await spendApproval(tx, ctx.deviceId, p.approvalId ?? '', op.opId))) return 'proof_invalid';
  }
  // HQ holds no per-store PIN length yet; the chain default is what its own temporary PINs use.
  if (checkPin(newPin, DEFAULT_PIN_LENGTH) !== null) return 'pin_rejected';

  const pinHash = await hashStaffPin(chain.pepper, newPin);
  await tx.query(
    `UPDATE staff SET pin_hash = $2, must_change_pin = $3, version = version + 1, updated_at = $4 WHERE id = $1`,
    [p.staffId, pinHash, p.kind === 'reset', ctx.receivedAt],
  );
  await logChange(tx, 'staff', p.staffId, target.storeId, ctx.receivedAt);
  return null;
}
