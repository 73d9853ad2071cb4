import { randomInt } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';
import { ARGON2_PARAMS } from '../../../../src/node-shared/argon2-params';
import { DEFAULT_PIN_LENGTH, checkPin } from '../../../../src/shared/staff/pin-policy';
import { withPinKeyId, type PinPepperKeyId } from '../../../../src/node-shared/pin-hash-key-id';

/**
 * Staff PIN hashes made at HQ, exactly as a till makes them (src/main/staff/pin-hasher.ts, which HQ
 * may not import; a test checks that each verifies the other's): argon2id, 64 MiB, 3 passes, one
 * lane, with the chain pepper (the `chain` row's pin_pepper, hex) as argon2's secret. The hash goes
 * to every till in the roster; the pepper only to paired devices' secret stores.
 */

const options = (pepperHex: string) => {
  if (!/^(?:[0-9a-f]{2})+$/i.test(pepperHex)) throw new TypeError('the PIN pepper must be hex');
  return { ...ARGON2_PARAMS, secret: Buffer.from(pepperHex, 'hex') };
};

/** With `keyId`, the hash names its pepper (node-shared/pin-hash-key-id.ts: v2); without, it is v1. */
export async function hashStaffPin(pepperHex: string, pin: string, keyId?: PinPepperKeyId): Promise<string> {
  const encoded = await hash(pin, options(pepperHex));
  return keyId === undefined ? encoded : withPinKeyId(encoded, keyId);
}

/** True only for the right PIN and pepper; a malformed hash is false, not an error. */
export async function verifyStaffPin(pepperHex: string, storedHash: string, pin: string): Promise<boolean> {
  try {
    return await verify(storedHash, pin, options(pepperHex));
  } catch {
    return false;
  }
}

/**
 * A random temporary PIN of `length` digits that the till's PIN policy accepts (no runs, repeats or
 * common PINs): drawn uniformly, redrawn until checkPin passes. Staff must change it at first login.
 */
export function newTemporaryPin(length: number = DEFAULT_PIN_LENGTH): string {
  for (;;) {
    let pin = '';
    for (let i = 0; i < length; i++) pin += String(randomInt(10));
    if (checkPin(pin, length) === null) return pin;
  }
}
