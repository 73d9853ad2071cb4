import { describe, expect, it } from 'vitest';
import { contactLookupHash } from '../../src/node-shared/contact-lookup-hash';

const KEY_A = 'a1'.repeat(32);
const KEY_B = 'b2'.repeat(32);

describe('contact lookup hash with the cached key object', () => {
  it('is HMAC-SHA256 of "kind:contact" under the key, for each of two keys used in turn', () => {
    // Written out once from createHmac with the raw key bytes (before the key object was cached).
    const expected: [string, string][] = [
      [KEY_A, '565948d36d90d5710994a5269cbdefb07814a6049fa0ac19e5556e9267c8adee'],
      [KEY_B, '1a881baf29601b1233a72123c8812f565a6f943673349ce4abcd9d86b969b0e5'],
      [KEY_A, '565948d36d90d5710994a5269cbdefb07814a6049fa0ac19e5556e9267c8adee'],
    ];
    for (const [key, hash] of expected) {
      expect(contactLookupHash(key, 'phone', '+447700900123').toString('hex')).toBe(hash);
    }
  });

  it('a changed key gives another hash (the cached key is not reused for it)', () => {
    const a = contactLookupHash(KEY_A, 'email', 'grace@example.com').toString('hex');
    const b = contactLookupHash(KEY_B, 'email', 'grace@example.com').toString('hex');
    expect(b).not.toBe(a);
    expect(contactLookupHash(KEY_A, 'email', 'grace@example.com').toString('hex')).toBe(a);
  });
});
