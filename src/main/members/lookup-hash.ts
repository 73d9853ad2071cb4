import { createHmac } from 'node:crypto';

export type LookupKind = 'phone' | 'email';

/**
 * Keyed hash of a normalized contact. Exact lookups compare these, so the plaintext contact need
 * not be indexed or even present; without the key the hashes cannot be brute-forced from a list
 * of phone numbers.
 */
export function lookupHash(lookupKeyHex: string, kind: LookupKind, normalized: string): Buffer {
  return createHmac('sha256', Buffer.from(lookupKeyHex, 'hex')).update(`${kind}:${normalized}`).digest();
}
