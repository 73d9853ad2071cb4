import { createHmac } from 'node:crypto';

export type LookupKind = 'phone' | 'email';

/**
 * The keyed hash of a normalized contact (DESIGN §3), the one rule tills and HQ share: a till finds
 * a member by phone or e-mail by comparing these, so the plaintext contact need not be indexed or
 * even present, and without the chain's lookup key a list of phone numbers cannot be tried against them.
 */
export function contactLookupHash(lookupKeyHex: string, kind: LookupKind, normalized: string): Buffer {
  return createHmac('sha256', Buffer.from(lookupKeyHex, 'hex')).update(`${kind}:${normalized}`).digest();
}
