import { z } from 'zod';

/**
 * Staff proofs (DESIGN §4 "HQ trusts no till"): when a PIN typed at a till must convince HQ (a PIN
 * change, a PIN reset, a manager's approval), the till seals the PIN(s) to HQ's X25519 public key
 * and the op carries the sealed box. Only HQ can open it, and it checks the PIN against its own
 * roster hash, so a till that holds only roster hashes and the pepper proves nothing by itself.
 *
 * The crypto lives on each side (src/main/sync/staff-proof-seal.ts seals, packages/hq/src/push/staff-proof.ts
 * opens); this file is what both must agree on byte for byte: the box's shape, what is sealed in
 * it, and the associated data that ties a box to one device, one op or approval and one subject.
 */

/** An X25519 public key: 32 raw bytes, base64url without padding. */
export const StaffProofPublicKey = z.string().regex(/^[A-Za-z0-9_-]{43}$/);

const b64url = (min: number, max: number) =>
  z
    .string()
    .min(min)
    .max(max)
    .regex(/^[A-Za-z0-9_-]+$/);

/**
 * The sealed box: an ephemeral X25519 public key, the AES-256-GCM nonce, and ciphertext with its
 * 16-byte tag appended. Small on purpose: the secret is at most two PINs.
 */
export const StaffProof = z.strictObject({
  v: z.literal(1),
  epk: StaffProofPublicKey,
  iv: b64url(16, 16),
  ct: b64url(24, 400),
});
export type StaffProof = z.infer<typeof StaffProof>;

const pinText = z.string().regex(/^[0-9]{1,12}$/);

/**
 * What is sealed: the PIN that proves who acts (the staff member's current PIN for their own
 * change, the approving manager's PIN otherwise) and, for a change or reset, the new PIN, which
 * HQ hashes itself (it never takes a hash a till computed).
 */
export const StaffProofSecret = z.strictObject({ pin: pinText, newPin: pinText.optional() });
export type StaffProofSecret = z.infer<typeof StaffProofSecret>;

/** HKDF-SHA256 info; the salt is the ephemeral public key followed by HQ's, both raw. */
export const STAFF_PROOF_HKDF_INFO = 'loyalty-desk/staff-proof/v1';

/**
 * What a proof is about. A PIN change is bound to its op id (unique at HQ); an approval and a
 * reset to the approval id (HQ spends it once per device) and the approval's subject, so a box
 * lifted from one op opens for no other op, member, amount, staff member or till.
 */
export type StaffProofBinding =
  | { purpose: 'pin_change'; deviceId: string; opId: string; staffId: string }
  | { purpose: 'pin_reset'; deviceId: string; approvalId: string; approvedBy: string; staffId: string }
  /** A PIN typed at sign-in, sent once so HQ re-hashes a v1 hash under the store's pepper (op kind rehash). */
  | { purpose: 'pin_rehash'; deviceId: string; opId: string; staffId: string }
  | {
      purpose: 'points_adjust';
      deviceId: string;
      approvalId: string;
      approvedBy: string;
      memberId: string;
      points: number;
    }
  | { purpose: 'points_reverse'; deviceId: string; approvalId: string; approvedBy: string; reversesOpId: string }
  | { purpose: 'member_erasure'; deviceId: string; opId: string; requestedBy: string; memberId: string }
  /**
   * A manager at a till asks HQ for a member's data it holds (an export, or contacts to reveal):
   * bound to the request id HQ records once, the manager, the member and which of the two, so a box
   * opens for no other request, member or kind.
   */
  | {
      purpose: 'member_data';
      deviceId: string;
      requestId: string;
      requestedBy: string;
      memberId: string;
      kind: 'export' | 'contacts';
    };

/** The AES-GCM associated data: a JSON array, so field order (and so the bytes) is fixed. */
export function staffProofAad(binding: StaffProofBinding): string {
  const head = [STAFF_PROOF_HKDF_INFO, binding.purpose, binding.deviceId];
  switch (binding.purpose) {
    case 'pin_change':
      return JSON.stringify([...head, binding.opId, binding.staffId]);
    case 'pin_rehash':
      return JSON.stringify([...head, binding.opId, binding.staffId]);
    case 'pin_reset':
      return JSON.stringify([...head, binding.approvalId, binding.approvedBy, binding.staffId]);
    case 'points_adjust':
      return JSON.stringify([...head, binding.approvalId, binding.approvedBy, binding.memberId, binding.points]);
    case 'points_reverse':
      return JSON.stringify([...head, binding.approvalId, binding.approvedBy, binding.reversesOpId]);
    case 'member_erasure':
      return JSON.stringify([...head, binding.opId, binding.requestedBy, binding.memberId]);
    case 'member_data':
      return JSON.stringify([...head, binding.requestId, binding.requestedBy, binding.memberId, binding.kind]);
  }
}
