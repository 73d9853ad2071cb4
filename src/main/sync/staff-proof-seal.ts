import {
  createCipheriv,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  hkdfSync,
  randomBytes,
} from 'node:crypto';
import { AppError } from '../../shared/errors';
import {
  STAFF_PROOF_HKDF_INFO,
  StaffProofSecret,
  staffProofAad,
  type StaffProof,
  type StaffProofBinding,
} from '../../shared/sync/staff-proof';
import { isStandalone, type DeviceIdentity } from './device-identity';

/**
 * Seals PINs typed at this till for HQ alone (shared/sync/staff-proof.ts): ephemeral X25519 with
 * HQ's public key, HKDF-SHA256, AES-256-GCM with the binding as associated data. This till cannot
 * open what it sealed (the ephemeral private key is dropped here), so a sealed proof waiting in
 * the outbox gives nobody who reads the database the PIN.
 */
export function sealStaffProof(hqPublicKey: string, binding: StaffProofBinding, secret: StaffProofSecret): StaffProof {
  const plain = Buffer.from(JSON.stringify(StaffProofSecret.parse(secret)), 'utf8');
  const hq = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: hqPublicKey }, format: 'jwk' });
  const ephemeral = generateKeyPairSync('x25519');
  const epk = ephemeral.publicKey.export({ format: 'jwk' }).x;
  if (typeof epk !== 'string') throw new Error('X25519 key export failed');
  const shared = diffieHellman({ privateKey: ephemeral.privateKey, publicKey: hq });
  const salt = Buffer.concat([Buffer.from(epk, 'base64url'), Buffer.from(hqPublicKey, 'base64url')]);
  const key = Buffer.from(hkdfSync('sha256', shared, salt, STAFF_PROOF_HKDF_INFO, 32));
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(staffProofAad(binding), 'utf8'));
  const sealed = Buffer.concat([cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
  plain.fill(0);
  return { v: 1, epk, iv: iv.toString('base64url'), ct: sealed.toString('base64url') };
}

type WithoutDevice<T> = T extends unknown ? Omit<T, 'deviceId'> : never;
export type TillProofBinding = WithoutDevice<StaffProofBinding>;

export interface StaffProofSealer {
  /** A paired till tells HQ of PIN changes and approvals, so they need a proof. */
  paired(): boolean;
  /**
   * The sealed proof for this till's device id; null on a standalone till (nothing goes to HQ).
   * A paired till that has not heard HQ's key yet refuses, rather than send what HQ will reject.
   */
  seal(binding: TillProofBinding, secret: StaffProofSecret): StaffProof | null;
}

export function createStaffProofSealer(identity: () => DeviceIdentity): StaffProofSealer {
  const paired = () => !isStandalone(identity());
  return {
    paired,
    seal(binding, secret) {
      const current = identity();
      if (isStandalone(current)) return null;
      const { deviceId, staffProofKey } = current;
      if (staffProofKey === null) {
        throw new AppError(
          'hq_unreachable',
          'This till has not received the key HQ checks PINs with yet: sync with HQ, then try again.',
        );
      }
      return sealStaffProof(staffProofKey, { ...binding, deviceId } as StaffProofBinding, secret);
    },
  };
}
