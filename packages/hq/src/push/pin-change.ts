import type { OpPayload } from '../../../../src/shared/sync/ops';
import type { RejectReason } from '../../../../src/shared/sync/protocol';
import { DEFAULT_PIN_LENGTH, checkPin } from '../../../../src/shared/staff/pin-policy';
import type { StaffProofBinding } from '../../../../src/shared/sync/staff-proof';
import { logChange } from '../change-log';
import type { Queryable } from '../db/database';
import { hashRosterPin, verifyRosterPin } from '../staff/pin-peppers';
import { isChainPepperHash } from '../../../../src/node-shared/pin-hash-key-id';
import {
  checkPinProof,
  mayApprove,
  openProofWithinBudget,
  rosterStaff,
  spendApproval,
  type ProofContext,
  type RosterStaff,
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
export async function applyPinChange(tx: Queryable, ctx: ProofContext, op: PinChangeOp): Promise<RejectReason | null> {
  const p = op.payload;
  if (p.staffProof === undefined) return 'proof_missing';
  const target = await rosterStaff(tx, p.staffId, ctx.storeId, true);
  if (!target) return 'unknown_staff';

  if (p.kind === 'rehash') return applyPinRehash(tx, ctx, op, target);
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
  const { chain, secret } = await openProofWithinBudget(tx, ctx, p.staffProof, binding);
  if (secret?.newPin === undefined) return 'proof_invalid';
  const newPin = secret.newPin;

  if (p.kind === 'change') {
    if (target.status !== 'active') return 'proof_invalid';
    if (!(await verifyRosterPin(chain.peppers, target, secret.pin))) return 'proof_invalid';
    if (newPin === secret.pin) return 'pin_rejected';
  } else {
    const approver = await rosterStaff(tx, p.approvedBy ?? '', ctx.storeId);
    if (!mayApprove(approver) || (target.storeId === null && approver.storeId !== null)) return 'proof_invalid';
    if (!(await verifyRosterPin(chain.peppers, approver, secret.pin))) return 'proof_invalid';
    if (!(await spendApproval(tx, ctx.deviceId, p.approvalId ?? '', op.opId))) return 'proof_invalid';
  }
  // HQ holds no per-store PIN length yet; the chain default is what its own temporary PINs use.
  if (checkPin(newPin, DEFAULT_PIN_LENGTH) !== null) return 'pin_rejected';

  // One argon2 run: under the store's pepper, or the chain-staff pepper for chain-wide staff.
  const pinHash = await hashRosterPin(chain.peppers, target.storeId, newPin);
  await tx.query(
    `UPDATE staff SET pin_hash = $2, must_change_pin = $3, version = version + 1, updated_at = $4 WHERE id = $1`,
    [p.staffId, pinHash, p.kind === 'reset', ctx.receivedAt],
  );
  await logChange(tx, 'staff', p.staffId, target.storeId, ctx.receivedAt);
  return null;
}

/**
 * A v1 hash (chain pepper) re-made under the store's pepper (issue 15): the till sends the PIN just
 * typed at a successful sign-in, sealed for this op. HQ believes it only if it verifies against the
 * v1 hash HQ holds (a wrong one is proof_invalid and counts against the device's proof budget like
 * any other proof), then hashes it once under the pepper the staff member's tills hold and bumps the
 * version, so every till of the store pulls the v2 hash. A staff member whose hash is no longer v1
 * (another till's rehash, or a new PIN came first) is left as is, without opening the proof: there
 * is nothing to re-hash and no PIN to check, so the op is answered applied and changes nothing.
 */
async function applyPinRehash(
  tx: Queryable,
  ctx: ProofContext,
  op: PinChangeOp,
  target: RosterStaff,
): Promise<RejectReason | null> {
  const p = op.payload;
  if (p.approvedBy !== null || p.approvalId !== null || p.staffProof === undefined) return 'proof_invalid';
  if (!isChainPepperHash(target.pinHash)) return null;
  const binding: StaffProofBinding = {
    purpose: 'pin_rehash',
    deviceId: ctx.deviceId,
    opId: op.opId,
    staffId: p.staffId,
  };
  // Only the staff member's own PIN proves a rehash, and only while they are active.
  const proven = await checkPinProof(tx, ctx, p.staffProof, binding, async () =>
    target.status === 'active' ? target : null,
  );
  if (proven === null) return 'proof_invalid';
  const pinHash = await hashRosterPin(proven.chain.peppers, target.storeId, proven.pin);
  await tx.query(`UPDATE staff SET pin_hash = $2, version = version + 1, updated_at = $3 WHERE id = $1`, [
    p.staffId,
    pinHash,
    ctx.receivedAt,
  ]);
  await logChange(tx, 'staff', p.staffId, target.storeId, ctx.receivedAt);
  return null;
}
