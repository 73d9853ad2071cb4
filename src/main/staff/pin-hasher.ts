import { randomInt } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';
import { ARGON2_PARAMS } from '../../node-shared/argon2-params';

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

export function createPinHasher(pepperHex: string): PinHasher {
  const options = { ...ARGON2_PARAMS, secret: Buffer.from(pepperHex, 'hex') };
  // A real hash of an unguessable PIN: checking against it costs exactly what a real check costs,
  // so an unknown staff id answers in the same time as a known one.
  // Made at start, so even the first unknown id does not pay for making it.
  const dummy = hash(String(randomInt(10 ** 11, 10 ** 12)), options);
  dummy.catch(() => undefined);
  const dummyHash = () => dummy;

  return {
    hash: (pin) => hash(pin, options),
    async verify(storedHash, pin) {
      if (storedHash === null) {
        await verify(await dummyHash(), pin, options).catch(() => false);
        return false;
      }
      try {
        return await verify(storedHash, pin, options);
      } catch {
        return false;
      }
    },
  };
}
