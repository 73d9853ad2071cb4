import { createHash, timingSafeEqual } from 'node:crypto';
import { toInt, type Queryable } from '../db/database';

/**
 * Recovery codes: 10 per operator, shown once at enrolment, each accepted once in place of a TOTP
 * code. 'XXXX-XXXX-XXXX' of Crockford base32 (no I, L, O, U; typed O, I and L are read as 0, 1, 1):
 * 12 characters, 60 random bits.
 *
 * Stored as SHA-256(salt ‖ code) with a per-account random salt, not argon2: a slow hash protects
 * low-entropy secrets people choose, while these are 60 uniformly random bits nobody chooses, so no
 * dictionary or guess order exists; the salt stops one precomputed table serving every account.
 * Brute-forcing 2^60 SHA-256 per account is years of GPU time, and a code alone is not a login
 * (the password is still needed).
 */
export const RECOVERY_CODE_COUNT = 10;
export const RECOVERY_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const CODE_LENGTH = 12;
const SALT_BYTES = 16;

export function formatRecoveryCode(code: string): string {
  return code.match(/.{1,4}/g)?.join('-') ?? code;
}

/** What was typed, as it was issued: case, spaces, dashes and look-alikes forgiven. */
export function normalizeRecoveryCode(typed: string): string {
  return typed.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
}

export function looksLikeRecoveryCode(typed: string): boolean {
  const code = normalizeRecoveryCode(typed);
  return code.length === CODE_LENGTH && [...code].every((char) => RECOVERY_ALPHABET.includes(char));
}

function codeHash(saltHex: string, code: string): Buffer {
  return createHash('sha256').update(Buffer.from(saltHex, 'hex')).update(code, 'utf8').digest();
}

/** 32 symbols: each random byte's low 5 bits are uniform, so no byte is redrawn. */
function newCode(random: (size: number) => Buffer): string {
  return [...random(CODE_LENGTH)].map((byte) => RECOVERY_ALPHABET[byte & 31]).join('');
}

/**
 * A fresh set for `operatorId`, replacing any earlier one (used or not): returns the codes,
 * formatted, to show once; only their hashes stay. Call inside the caller's transaction.
 */
export async function issueRecoveryCodes(
  tx: Queryable,
  operatorId: string,
  deps: { now: Date; random: (size: number) => Buffer },
): Promise<string[]> {
  const salt = deps.random(SALT_BYTES).toString('hex');
  const codes = new Set<string>();
  while (codes.size < RECOVERY_CODE_COUNT) codes.add(newCode(deps.random));
  await tx.query('DELETE FROM operator_recovery_codes WHERE operator_id = $1', [operatorId]);
  for (const code of codes) {
    await tx.query(
      'INSERT INTO operator_recovery_codes (operator_id, code_hash, salt, created_at) VALUES ($1, $2, $3, $4)',
      [operatorId, codeHash(salt, code).toString('hex'), salt, deps.now],
    );
  }
  return [...codes].map(formatRecoveryCode);
}

/**
 * Finds `typed` among the operator's unused codes (every one compared, in constant time each) and,
 * when `consume`, marks it used: true if it was there and, when consuming, this call was the one
 * that used it (two logins racing with one code: only one wins).
 */
export async function redeemRecoveryCode(
  q: Queryable,
  operatorId: string,
  typed: string,
  options: { now: Date; consume: boolean },
): Promise<boolean> {
  const code = normalizeRecoveryCode(typed);
  const rows = await q.query<{ code_hash: string; salt: string }>(
    'SELECT code_hash, salt FROM operator_recovery_codes WHERE operator_id = $1 AND used_at IS NULL',
    [operatorId],
  );
  let found: string | undefined;
  for (const row of rows.rows) {
    const stored = Buffer.from(row.code_hash, 'hex');
    const typedHash = codeHash(row.salt, code);
    if (stored.length === typedHash.length && timingSafeEqual(stored, typedHash)) found = row.code_hash;
  }
  if (found === undefined) return false;
  if (!options.consume) return true;
  const used = await q.query(
    `UPDATE operator_recovery_codes SET used_at = $3
      WHERE operator_id = $1 AND code_hash = $2 AND used_at IS NULL RETURNING 1 AS used`,
    [operatorId, found, options.now],
  );
  return used.rows.length === 1;
}

export async function unusedRecoveryCodes(q: Queryable, operatorId: string): Promise<number> {
  const rows = await q.query<{ n: unknown }>(
    'SELECT count(*) AS n FROM operator_recovery_codes WHERE operator_id = $1 AND used_at IS NULL',
    [operatorId],
  );
  return toInt(rows.rows[0]?.n);
}
