import { randomBytes } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';
import { ARGON2_PARAMS } from '../../../../src/node-shared/argon2-params';
import { normalizePassword } from './password-policy';

/**
 * Operator password hashes: argon2id with the parameters tills use for PINs (64 MiB, 3 passes, one
 * lane: OWASP's floor is 19 MiB and 2 passes), salted per hash by argon2 itself.
 *
 * No pepper: HQ has no secret kept outside its database (secrets.ts only hashes tokens, and the
 * chain's pin_pepper lives in the `chain` row and goes to every paired till), so a pepper read from
 * the same database would add nothing against a stolen copy of it. One can be added as argon2's
 * `secret` once HQ has a key store (issue 15); the `$argon2id$…` string then needs a rehash.
 *
 * argon2's verify compares the derived key in constant time.
 */

/** What a hash made now starts with: one made with other parameters should be redone at next login. */
const CURRENT_PREFIX = `$argon2id$v=19$m=${ARGON2_PARAMS.memoryCost},t=${ARGON2_PARAMS.timeCost},p=${ARGON2_PARAMS.parallelism}$`;

export async function hashOperatorPassword(password: string): Promise<string> {
  return hash(normalizePassword(password), ARGON2_PARAMS);
}

let dummyHash: Promise<string> | undefined;

/**
 * A hash of a random password nobody knows, made once per process: checked when the account does
 * not exist or has no password yet, so such a login costs one argon2 run like any other.
 */
function dummy(): Promise<string> {
  dummyHash ??= hash(randomBytes(32).toString('base64url'), ARGON2_PARAMS);
  return dummyHash;
}

/**
 * True only for the right password. `storedHash` null (no such operator, or not enrolled yet) still
 * runs one argon2 verification, against the dummy, and is false. A malformed hash is false.
 */
export async function verifyOperatorPassword(storedHash: string | null, password: string): Promise<boolean> {
  const against = storedHash ?? (await dummy());
  let matches: boolean;
  try {
    matches = await verify(against, normalizePassword(password), ARGON2_PARAMS);
  } catch {
    // A stored hash argon2 cannot parse: a wrong password, never an error that names the account.
    matches = false;
  }
  return storedHash !== null && matches;
}

export function passwordNeedsRehash(storedHash: string): boolean {
  return !storedHash.startsWith(CURRENT_PREFIX);
}
