/**
 * Which pepper a staff PIN hash was made with (issue 15, per-store PIN peppers), carried in the hash
 * itself as argon2's PHC `keyid` parameter (`$argon2id$v=19$m=65536,t=3,p=1,keyid=cHMx$salt$hash`),
 * so neither the till's roster table nor HQ's needs a column for it. argon2 keeps keyid as a label:
 * it does not enter the computation, so adding it to an encoded hash leaves the hash verifiable.
 *
 * - no keyid: v1, the chain-wide pepper every paired till was given (or a standalone till's own);
 * - `ps1`: v2, the pepper of one store, derived at HQ from a root that never leaves HQ;
 * - `pc1`: v2, the pepper of chain-wide staff (who sign in at every store), from the same root.
 *
 * A new pepper generation gets a new id (ps2…), never a changed derivation under an old one.
 */
export const PIN_PEPPER_KEY_IDS = { store: 'ps1', chainStaff: 'pc1' } as const;
export type PinPepperKeyId = (typeof PIN_PEPPER_KEY_IDS)[keyof typeof PIN_PEPPER_KEY_IDS];

// The PHC string format's B64: standard base64 without padding. keyid is at most 8 bytes.
const encodeKeyId = (keyId: string) => Buffer.from(keyId, 'utf8').toString('base64').replace(/=+$/, '');

/** `encoded` (an argon2 PHC string without keyid) with `keyId` added to its parameters. */
export function withPinKeyId(encoded: string, keyId: PinPepperKeyId): string {
  const parts = encoded.split('$');
  // ['', 'argon2id', 'v=19', 'm=…,t=…,p=…', salt, hash]
  if (parts.length !== 6 || !parts[3]?.startsWith('m=') || parts[3].includes('keyid=')) {
    throw new TypeError('not an argon2 hash without a key id');
  }
  parts[3] = `${parts[3]},keyid=${encodeKeyId(keyId)}`;
  return parts.join('$');
}

/** The pepper id a hash names, or null for a v1 hash (no keyid). An unknown id is returned as is. */
export function pinHashKeyId(encoded: string): string | null {
  const params = encoded.split('$')[3];
  if (params === undefined) return null;
  for (const param of params.split(',')) {
    if (param.startsWith('keyid=')) return Buffer.from(param.slice('keyid='.length), 'base64').toString('utf8');
  }
  return null;
}

/** v1: made with the chain-wide pepper (HQ knows no per-store form of it yet). */
export const isChainPepperHash = (encoded: string): boolean => pinHashKeyId(encoded) === null;

/**
 * isChainPepperHash as an SQL condition on the text column `column` (a trusted identifier, never
 * input), for the till's SQLite and HQ's PostgreSQL alike: true when the hash names no keyid.
 * withPinKeyId appends keyid after argon2's m,t,p, so a v2 hash always holds `,keyid=`.
 */
export const chainPepperHashSql = (column: string): string => `${column} NOT LIKE '%,keyid=%'`;
