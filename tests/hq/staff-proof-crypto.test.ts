import { describe, expect, test } from 'vitest';
import { newStaffProofKeyPair, openStaffProof } from '../../packages/hq/src/push/staff-proof';
import { sealStaffProof } from '../../src/main/sync/staff-proof-seal';
import type { StaffProof, StaffProofBinding } from '../../src/shared/sync/staff-proof';

// Parity: what the till seals (src/main) opens with HQ's code (packages/hq), which may not import each
// other; and nothing but the exact binding, key and bytes opens it.
describe('staff proofs: the till seals, only HQ opens, for exactly one binding', () => {
  const hq = newStaffProofKeyPair();
  const binding: StaffProofBinding = {
    purpose: 'pin_change',
    deviceId: 'device-1',
    opId: '0190f2a4-0000-7000-8000-000000000001',
    staffId: 'demo-carl',
  };
  const secret = { pin: '582047', newPin: '395172' };

  test("the till's box opens with HQ's key and gives back the PINs", () => {
    const proof = sealStaffProof(hq.publicKey, binding, secret);
    expect(openStaffProof(hq, proof, binding)).toEqual({ pin: '582047', newPin: '395172' });
    // Fresh ephemeral key and nonce each time: two seals of the same PINs share nothing visible.
    const again = sealStaffProof(hq.publicKey, binding, secret);
    expect(again.epk).not.toBe(proof.epk);
    expect(again.ct).not.toBe(proof.ct);
    expect(JSON.stringify(proof)).not.toContain('582047');
  });

  test('another device, op, staff member or purpose does not open it', () => {
    const proof = sealStaffProof(hq.publicKey, binding, secret);
    const others: StaffProofBinding[] = [
      { ...binding, deviceId: 'device-2' },
      { ...binding, opId: '0190f2a4-0000-7000-8000-000000000002' },
      { ...binding, staffId: 'demo-mia' },
      {
        purpose: 'pin_reset',
        deviceId: 'device-1',
        approvalId: binding.opId,
        approvedBy: 'demo-mia',
        staffId: 'demo-carl',
      },
    ];
    for (const other of others) expect(openStaffProof(hq, proof, other)).toBeNull();
  });

  test('an approval proof is bound to its member and amount, or to the earn it reverses', () => {
    const adjust: StaffProofBinding = {
      purpose: 'points_adjust',
      deviceId: 'device-1',
      approvalId: 'approval-1',
      approvedBy: 'demo-mia',
      memberId: 'member-1',
      points: 25,
    };
    const proof = sealStaffProof(hq.publicKey, adjust, { pin: '731946' });
    expect(openStaffProof(hq, proof, adjust)).toEqual({ pin: '731946' });
    expect(openStaffProof(hq, proof, { ...adjust, points: 250 })).toBeNull();
    expect(openStaffProof(hq, proof, { ...adjust, memberId: 'member-2' })).toBeNull();
    expect(openStaffProof(hq, proof, { ...adjust, approvedBy: 'demo-olga' })).toBeNull();
    expect(openStaffProof(hq, proof, { ...adjust, approvalId: 'approval-2' })).toBeNull();
    const reverse: StaffProofBinding = {
      purpose: 'points_reverse',
      deviceId: 'device-1',
      approvalId: 'approval-1',
      approvedBy: 'demo-mia',
      reversesOpId: 'earn-1',
    };
    const reversal = sealStaffProof(hq.publicKey, reverse, { pin: '731946' });
    expect(openStaffProof(hq, reversal, reverse)).toEqual({ pin: '731946' });
    expect(openStaffProof(hq, reversal, { ...reverse, reversesOpId: 'earn-2' })).toBeNull();
  });

  test('a flipped byte anywhere, another HQ key or a malformed box opens nothing', () => {
    const proof = sealStaffProof(hq.publicKey, binding, secret);
    const flip = (text: string, at: number) => {
      const bytes = Buffer.from(text, 'base64url');
      bytes[at] = (bytes[at] ?? 0) ^ 0x01;
      return bytes.toString('base64url');
    };
    const tampered: StaffProof[] = [
      { ...proof, ct: flip(proof.ct, 0) },
      { ...proof, ct: flip(proof.ct, Buffer.from(proof.ct, 'base64url').length - 1) }, // the tag
      { ...proof, iv: flip(proof.iv, 3) },
      { ...proof, epk: flip(proof.epk, 5) },
    ];
    for (const box of tampered) expect(openStaffProof(hq, box, binding)).toBeNull();
    expect(openStaffProof(newStaffProofKeyPair(), proof, binding)).toBeNull();
    // A small-order ephemeral key (all zero) would give a secret anyone can compute.
    expect(openStaffProof(hq, { ...proof, epk: Buffer.alloc(32).toString('base64url') }, binding)).toBeNull();
    expect(openStaffProof(hq, { ...proof, v: 2 }, binding)).toBeNull();
    expect(openStaffProof(hq, { ...proof, extra: 1 }, binding)).toBeNull();
    expect(openStaffProof(hq, 'a string', binding)).toBeNull();
  });
});
