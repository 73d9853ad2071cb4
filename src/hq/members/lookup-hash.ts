import { createHmac } from 'node:crypto';

/**
 * The keyed hash of a normalized contact, exactly as devices make it (src/main/members/lookup-hash.ts;
 * tests/unit/lookup-hash-parity.test.ts checks the two agree): devices find a member by phone or e-mail without ever holding them.
 */
export function contactLookupHash(lookupKeyHex: string, kind: 'phone' | 'email', normalized: string): string {
  return createHmac('sha256', Buffer.from(lookupKeyHex, 'hex')).update(`${kind}:${normalized}`).digest('hex');
}
