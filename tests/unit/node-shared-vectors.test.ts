import { describe, expect, test } from 'vitest';
import { ARGON2_PARAMS } from '../../src/node-shared/argon2-params';
import { AUDIT_GENESIS_HASH, auditChainLink } from '../../src/node-shared/audit-chain-link';
import { contactLookupHash } from '../../src/node-shared/contact-lookup-hash';
import { opIdsDigest } from '../../src/node-shared/op-ids-digest';

// What tills and HQ must compute alike, pinned to values made outside this code (openssl, sha256sum):
// a change to any of them would orphan every hash already stored on tills and at HQ.
const KEY = '11'.repeat(32);

describe('rules tills and HQ share byte for byte', () => {
  test('the contact lookup hash is HMAC-SHA256(lookup key, "kind:normalized")', () => {
    // printf 'phone:+447700900123' | openssl dgst -sha256 -mac HMAC -macopt hexkey:1111…11
    expect(contactLookupHash(KEY, 'phone', '+447700900123').toString('hex')).toBe(
      '6d0baf350ea0d189bb923173c049dd8dff53b8a3f4990081615722d540fc1469',
    );
    expect(contactLookupHash(KEY, 'email', 'ana@example.com').toString('hex')).toBe(
      '23c6c9cb624a9bdadb006f3db6561bfeaab10b3ac931e01117a2ff5d35c86ff6',
    );
  });

  test('the day-end digest is SHA-256 of the op ids, lower case, one per line, in seq order', () => {
    // printf '0190a0b0-…-00000000000a\n0190a0b0-…-00000000000b\n' | sha256sum
    expect(opIdsDigest(['0190A0B0-0000-7000-8000-00000000000A', '0190a0b0-0000-7000-8000-00000000000b'])).toBe(
      '84b8289f1432fb07acf4dc0cba6a9501d8a94be0359a01d7faf30c8d37a08c1c',
    );
    expect(opIdsDigest([])).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  test('an audit chain link (till and HQ operator audit alike) is HMAC-SHA256(key, prev || canonical fields)', () => {
    // printf '%s%s' 000…0 '[1,"2026-12-06T10:00:00.000Z","demo-mia","points.adjusted","member","m-1","{\"points\":50}"]' \
    //   | openssl dgst -sha256 -mac HMAC -macopt hexkey:1111…11
    const link = auditChainLink(Buffer.from(KEY, 'hex'), AUDIT_GENESIS_HASH, {
      seq: 1,
      at: '2026-12-06T10:00:00.000Z',
      actorId: 'demo-mia',
      action: 'points.adjusted',
      subjectType: 'member',
      subjectId: 'm-1',
      detailsJson: '{"points":50}',
    });
    expect(AUDIT_GENESIS_HASH).toBe('0'.repeat(64));
    expect(link).toBe('fb27814d2df85b4e76cc4ca9bea87253aa091ec3f6e394c7f4dd58dbf620adb5');
  });

  test('staff PINs are argon2id, 64 MiB, 3 passes, one lane', () => {
    expect(ARGON2_PARAMS).toEqual({ algorithm: 2, memoryCost: 65536, timeCost: 3, parallelism: 1 });
  });
});
