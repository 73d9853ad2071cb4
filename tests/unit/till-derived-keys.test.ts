import { hkdfSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  KEY_VERSION,
  TILL_KEY_PURPOSES,
  deriveTillKey,
  isKeyVersion,
  tillKeysFor,
  type TillKeyPurpose,
} from '../../src/main/keychain/derived-keys';

/*
 * The expected keys below were computed outside this code, with Python's hmac and hashlib (HKDF
 * written out from RFC 5869 §2.2-2.3: PRK = HMAC-SHA256(salt or 32 zero bytes, IKM), T(1) =
 * HMAC-SHA256(PRK, info || 0x01)), a one-off whose output is pasted here as literals. The same
 * one-off reproduces RFC 5869 test case 3, checked first.
 */
const AUDIT_KEY = Buffer.from('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f', 'hex');

describe('HKDF-SHA256 keys of the till, one per purpose', () => {
  it('HKDF with an empty salt is RFC 5869 test case 3 (the rule the purposes use)', () => {
    const okm = Buffer.from(hkdfSync('sha256', Buffer.alloc(22, 0x0b), Buffer.alloc(0), Buffer.alloc(0), 42));
    expect(okm.toString('hex')).toBe(
      '8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8',
    );
  });

  it('the purposes are a closed list with versioned info strings, pinned here', () => {
    expect(TILL_KEY_PURPOSES).toEqual({
      'audit-chain': 'loyalty-desk/till/audit-chain/v1',
      'approval-mac': 'loyalty-desk/till/approval-mac/v1',
      'request-fingerprint': 'loyalty-desk/till/request-fingerprint/v1',
    });
  });

  it('each purpose derives the key computed independently', () => {
    const expected: Record<TillKeyPurpose, string> = {
      'audit-chain': '607a2bbc0cf7efe047d5a3df399e0934dc1c9048bc71fa4ae487dd4317a3568d',
      'approval-mac': '0be015fcae5f5981237877231cf94d278db024f4489e405aae33aa7701caadda',
      'request-fingerprint': '9411af5d3bedb8a93a33a39dc53b34f3d8f03b4ad81eed57893be7e642e6f37b',
    };
    for (const purpose of Object.keys(expected) as TillKeyPurpose[]) {
      expect(deriveTillKey(AUDIT_KEY, purpose).toString('hex'), purpose).toBe(expected[purpose]);
    }
    expect(deriveTillKey(Buffer.alloc(32, 0xff), 'audit-chain').toString('hex')).toBe(
      'c35b6fb4423a5c626b1f67b6b00f9d729e875c10429b0caa49f71434ee9dcc7e',
    );
  });

  it('gives each service the audit key itself for rows from before migration 9, and its own key for new ones', () => {
    const keys = tillKeysFor(AUDIT_KEY.toString('hex'), 'approval-mac');
    expect(keys[KEY_VERSION.legacy].toString('hex')).toBe(AUDIT_KEY.toString('hex'));
    expect(keys[KEY_VERSION.derived].toString('hex')).toBe(
      '0be015fcae5f5981237877231cf94d278db024f4489e405aae33aa7701caadda',
    );
    expect(KEY_VERSION).toEqual({ legacy: 1, derived: 2 });
    expect([0, 1, 2, 3, '2', null].map(isKeyVersion)).toEqual([false, true, true, false, false, false]);
  });

  it('refuses a purpose outside the list and an audit key of the wrong size or form', () => {
    expect(() => deriveTillKey(AUDIT_KEY, 'lookup-hash' as TillKeyPurpose)).toThrow(TypeError);
    expect(() => deriveTillKey(AUDIT_KEY, 'toString' as TillKeyPurpose)).toThrow('unknown key purpose');
    expect(() => deriveTillKey(AUDIT_KEY.subarray(1), 'audit-chain')).toThrow('the audit key must be 32 bytes');
    expect(() => tillKeysFor('00'.repeat(31), 'audit-chain')).toThrow(TypeError);
    expect(() => tillKeysFor('AB'.repeat(32), 'audit-chain')).toThrow(TypeError);
  });
});
