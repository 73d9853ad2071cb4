import { createHmac } from 'node:crypto';
import { maskEmail, maskPhone } from '../../shared/members/mask';

export type LookupKind = 'phone' | 'email';

/**
 * Keyed hash of a normalized contact. Exact lookups compare these, so the plaintext contact need
 * not be indexed or even present; without the key the hashes cannot be brute-forced from a list
 * of phone numbers.
 */
export function lookupHash(lookupKeyHex: string, kind: LookupKind, normalized: string): Buffer {
  return createHmac('sha256', Buffer.from(lookupKeyHex, 'hex')).update(`${kind}:${normalized}`).digest();
}

/** What the cache stores for one normalized contact: its keyed lookup hash and its masked form. */
export interface StoredContact {
  hash: Buffer | null;
  masked: string | null;
}

/**
 * The stored form of a normalized contact (null when there is none). One place for enrolment,
 * profile edits and data from HQ, so a contact is hashed and masked the same way everywhere.
 */
export function storedContact(lookupKeyHex: string, kind: LookupKind, normalized: string | null): StoredContact {
  if (normalized === null) return { hash: null, masked: null };
  return {
    hash: lookupHash(lookupKeyHex, kind, normalized),
    masked: kind === 'phone' ? maskPhone(normalized) : maskEmail(normalized),
  };
}
