// Staff proofs as a till seals them (src/main/sync/staff-proof-seal.ts), and HQ staff with PINs a
// test knows, for the HQ tests of PIN changes, resets and approved corrections.
import { randomUUID } from 'node:crypto';
import type { HqDatabase } from '../../../packages/hq/src/db/database';
import { hashStaffPin } from '../../../packages/hq/src/staff/pin-hash';
import { sealStaffProof, type TillProofBinding } from '../../../src/main/sync/staff-proof-seal';
import type { PairResponse } from '../../../src/shared/sync/protocol';
import type { StaffProof, StaffProofBinding, StaffProofSecret } from '../../../src/shared/sync/staff-proof';
import type { WireOp } from './ops';

const AT = '2026-03-02T09:30:00.000Z';

export async function chainPepper(db: HqDatabase): Promise<string> {
  const chain = await db.query<{ pin_pepper: string }>('SELECT pin_pepper FROM chain WHERE id = 1');
  const pepper = chain.rows[0]?.pin_pepper;
  if (!pepper) throw new Error('no chain row');
  return pepper;
}

/** A staff member HQ holds with `pin` (hashed as HQ hashes), chain-wide when storeId is null. */
export async function staffWithPin(
  db: HqDatabase,
  storeId: string | null,
  role: 'cashier' | 'manager',
  pin: string,
  extra: { status?: 'active' | 'inactive'; mustChangePin?: boolean } = {},
): Promise<string> {
  const id = `staff-${randomUUID()}`;
  await db.query(
    `INSERT INTO staff (id, store_id, display_name, role, status, pin_hash, must_change_pin, version, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8)`,
    [
      id,
      storeId,
      `Test ${role}`,
      role,
      extra.status ?? 'active',
      await hashStaffPin(await chainPepper(db), pin),
      extra.mustChangePin ?? false,
      new Date(AT),
    ],
  );
  return id;
}

/** What a paired till would seal: for this device, to this HQ's key. */
export function proofFrom(device: PairResponse, binding: TillProofBinding, secret: StaffProofSecret): StaffProof {
  return sealStaffProof(device.staffProofKey, { ...binding, deviceId: device.deviceId } as StaffProofBinding, secret);
}

export function pinChangeOp(
  seq: number,
  staffId: string,
  fields: { kind: 'change' | 'reset' | 'rehash'; approvedBy?: string; approvalId?: string; staffProof?: StaffProof },
  opId: string = randomUUID(),
): WireOp {
  const payload: Record<string, unknown> = {
    staffId,
    kind: fields.kind,
    approvedBy: fields.approvedBy ?? null,
    approvalId: fields.approvalId ?? null,
    at: AT,
  };
  if (fields.staffProof) payload.staffProof = fields.staffProof;
  return { seq, opId, type: 'staff.pin_changed', staffId, deviceTime: AT, payload } as WireOp;
}

/** An own PIN change as a till sends it: current and new PIN sealed for this op. */
export function ownPinChange(device: PairResponse, seq: number, staffId: string, pin: string, newPin: string): WireOp {
  const opId = randomUUID();
  const staffProof = proofFrom(device, { purpose: 'pin_change', opId, staffId }, { pin, newPin });
  return pinChangeOp(seq, staffId, { kind: 'change', staffProof }, opId);
}

/** A manager-approved adjustment (or reversal, with `reversesOpId`), its proof sealed with `managerPin`. */
export function approvedCorrectionOp(
  device: PairResponse,
  seq: number,
  fields: {
    memberId: string;
    points: number;
    approvedBy: string;
    managerPin: string | null;
    reversesOpId?: string;
    approvalId?: string;
    /** Who asked for the correction (default: a cashier id the tests use). */
    staffId?: string;
  },
): WireOp {
  const approvalId = fields.approvalId ?? randomUUID();
  const reversal = fields.reversesOpId !== undefined;
  const payload: Record<string, unknown> = {
    memberId: fields.memberId,
    kind: reversal ? 'reversal' : 'adjust',
    points: fields.points,
    at: AT,
    reference: null,
    amountMinor: null,
    currency: null,
    rewardId: null,
    reasonCode: 'goodwill',
    approvedBy: fields.approvedBy,
    approvalId,
    reversesOpId: fields.reversesOpId ?? null,
    rulesVersion: null,
  };
  if (fields.managerPin !== null) {
    payload.staffProof = proofFrom(
      device,
      reversal
        ? {
            purpose: 'points_reverse',
            approvalId,
            approvedBy: fields.approvedBy,
            reversesOpId: fields.reversesOpId ?? '',
          }
        : {
            purpose: 'points_adjust',
            approvalId,
            approvedBy: fields.approvedBy,
            memberId: fields.memberId,
            points: fields.points,
          },
      { pin: fields.managerPin },
    );
  }
  return {
    seq,
    opId: randomUUID(),
    type: reversal ? 'points.reversed' : 'points.adjusted',
    staffId: fields.staffId ?? 'staff-1',
    deviceTime: AT,
    payload,
  } as WireOp;
}
