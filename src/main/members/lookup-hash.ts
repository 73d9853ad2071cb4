import { contactLookupHash, type LookupKind } from '../../node-shared/contact-lookup-hash';
import { maskEmail, maskPhone } from '../../shared/members/mask';

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
    hash: contactLookupHash(lookupKeyHex, kind, normalized),
    masked: kind === 'phone' ? maskPhone(normalized) : maskEmail(normalized),
  };
}
