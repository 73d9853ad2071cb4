import { randomInt } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';
import { ARGON2_PARAMS } from '../../node-shared/argon2-params';
import { PIN_PEPPER_KEY_IDS, pinHashKeyId, withPinKeyId } from '../../node-shared/pin-hash-key-id';
import type { TillPinPeppers } from '../../shared/sync/protocol';

/**
 * argon2id as RFC 9106's second recommended profile (64 MiB, 3 passes), with one lane so a till's
 * CPU stays free for the counter. About 60 ms per check on a 2-core machine: slow for an offline
 * guesser, unnoticeable at login. The pepper (argon2 `secret`) lives only in the OS secret store,
 * so a copied database alone cannot be brute-forced even though PINs have few digits.
 */

export interface PinHasher {
  hash(pin: string): Promise<string>;
  /** True only for the right PIN. Runs the full argon2 cost even when `storedHash` is null. */
  verify(storedHash: string | null, pin: string): Promise<boolean>;
}

/**
 * `pepperHex` is the v1 pepper (the chain's once paired, this till's own when standalone). `peppers`
 * gives this till's per-store peppers when it has them (issue 15): hashes made here then use the
 * store's (keyid ps1), and each stored hash is checked under the pepper its keyid names
 * (node-shared/pin-hash-key-id.ts). A getter, so peppers learnt from a pull apply at once.
 */
export function createPinHasher(pepperHex: string, peppers: () => TillPinPeppers | null = () => null): PinHasher {
  const options = { ...ARGON2_PARAMS, secret: Buffer.from(pepperHex, 'hex') };
  const withPepper = (hex: string) => ({ ...ARGON2_PARAMS, secret: Buffer.from(hex, 'hex') });
  // A real hash of an unguessable PIN: checking against it costs exactly what a real check costs,
  // so an unknown staff id answers in the same time as a known one.
  // Made at start, so even the first unknown id does not pay for making it.
  const dummy = hash(String(randomInt(10 ** 11, 10 ** 12)), options);
  dummy.catch(() => undefined);
  const dummyHash = () => dummy;
  /** The argon2 options a stored hash is checked with; null for a pepper this till does not hold. */
  const optionsFor = (storedHash: string) => {
    const keyId = pinHashKeyId(storedHash);
    if (keyId === null) return options;
    const held = peppers();
    if (held === null) return null;
    if (keyId === PIN_PEPPER_KEY_IDS.store) return withPepper(held.store);
    if (keyId === PIN_PEPPER_KEY_IDS.chainStaff) return withPepper(held.chainStaff);
    return null;
  };

  return {
    async hash(pin) {
      const held = peppers();
      if (held === null) return hash(pin, options);
      // Replaced by HQ's own hash at the next pull; the store's pepper checks it here until then.
      return withPinKeyId(await hash(pin, withPepper(held.store)), PIN_PEPPER_KEY_IDS.store);
    },
    async verify(storedHash, pin) {
      const checkWith = storedHash === null ? null : optionsFor(storedHash);
      if (storedHash === null || checkWith === null) {
        await verify(await dummyHash(), pin, options).catch(() => false);
        return false;
      }
      try {
        return await verify(storedHash, pin, checkWith);
      } catch {
        return false;
      }
    },
  };
}
