import { randomBytes } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { contactLookupHash } from '../../src/hq/members/lookup-hash';
import { lookupHash } from '../../src/main/members/lookup-hash';

// HQ may not import the till's code (lint), so the keyed contact hash exists twice: a till finds
// a member HQ sent only if both make the very same bytes.
describe('contact lookup hashes at HQ and on the till', () => {
  test('are the same bytes for phones and e-mails, and differ by kind and by key', () => {
    const key = randomBytes(32).toString('hex');
    for (const [kind, value] of [
      ['phone', '+447911123456'],
      ['email', 'anna.smirnova@example.com'],
      ['email', 'zoë@example.org'],
    ] as const) {
      expect(contactLookupHash(key, kind, value)).toBe(lookupHash(key, kind, value).toString('hex'));
    }
    expect(contactLookupHash(key, 'phone', 'x')).not.toBe(contactLookupHash(key, 'email', 'x'));
    expect(contactLookupHash(randomBytes(32).toString('hex'), 'phone', 'x')).not.toBe(
      contactLookupHash(key, 'phone', 'x'),
    );
  });
});
