import { createHash, randomBytes, randomInt } from 'node:crypto';
import { PAIRING_CODE_ALPHABET, PAIRING_CODE_LENGTH, normalizePairingCode } from '../../../src/shared/sync/protocol';

/** HQ stores only SHA-256 hashes of pairing codes and device tokens; this is that hash. */
export function secretHash(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** 32 random bytes, base64url: the device's bearer token. */
export function newDeviceToken(): string {
  return randomBytes(32).toString('base64url');
}

/** 12 characters of Crockford base32 (60 bits), uniformly drawn. */
export function newPairingCode(): string {
  let code = '';
  for (let i = 0; i < PAIRING_CODE_LENGTH; i++) code += PAIRING_CODE_ALPHABET[randomInt(PAIRING_CODE_ALPHABET.length)];
  return code;
}

export function pairingCodeHash(typed: string): string {
  return secretHash(normalizePairingCode(typed));
}
