import { chmodSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { deriveKey, hkdfSha256, type KeyPurpose } from '../../packages/hq/src/keys/derived-keys';
import {
  MASTER_KEY_ENV,
  MASTER_KEY_FILE,
  MasterKeyError,
  loadMasterKey,
  type MasterKeyErrorCode,
} from '../../packages/hq/src/keys/master-key';
import { makeTempDir } from '../support/temp-dir';

const posixOnly = test.skipIf(process.platform === 'win32');

/** The error `run` throws, which must be a MasterKeyError with `code`. */
function refusal(run: () => unknown, code: MasterKeyErrorCode): MasterKeyError {
  let thrown: unknown;
  try {
    run();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(MasterKeyError);
  expect((thrown as MasterKeyError).code).toBe(code);
  return thrown as MasterKeyError;
}

describe('HKDF-SHA256 (the call deriveKey makes)', () => {
  test('gives RFC 5869 test case 1 (SHA-256, salt and info)', () => {
    const okm = hkdfSha256(
      Buffer.from('0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b', 'hex'),
      Buffer.from('000102030405060708090a0b0c', 'hex'),
      Buffer.from('f0f1f2f3f4f5f6f7f8f9', 'hex'),
      42,
    );
    expect(okm.toString('hex')).toBe(
      '3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865',
    );
  });

  test('gives RFC 5869 test case 3 (SHA-256, empty salt and info, as deriveKey uses an empty salt)', () => {
    const okm = hkdfSha256(
      Buffer.from('0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b', 'hex'),
      Buffer.alloc(0),
      Buffer.alloc(0),
      42,
    );
    expect(okm.toString('hex')).toBe(
      '8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8',
    );
  });
});

describe('derived keys', () => {
  // A fixed master key, bytes 0x00..0x1f. The expected keys were computed once outside the code under
  // test with OpenSSL 3.0.19:
  //   openssl kdf -keylen 32 -kdfopt digest:SHA256 \
  //     -kdfopt hexkey:000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f \
  //     -kdfopt info:loyalty-desk/hq/<purpose>/v1 HKDF
  const master = Buffer.from('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f', 'hex');
  const expected: Record<KeyPurpose, string> = {
    'operator-audit': 'dfac796aa5673a407f0127eaf2c507691e3d43e6c1d17b43c94583ca227a0901',
    'operator-approvals': '1e5394ae4ac10ef2f2078b4b5a1d62b441983f5dcf829f26b678eaa4893f1d9d',
    'password-pepper': '3d957d87a62e608e9e9395a6d7ad49d8d1a7899031a1462d83c69b4f030ad030',
    'console-csrf': '40ae7645f70c73bf14677998d58358d56cbdec24a5a13897c94c6ad3263f3cc8',
    'consent-confirmation': '7c6eee7427a5d1f6bbc2968ff436055abaef06c568fa5515fba0fb58bce25fbe',
    'audience-pseudonyms': '67cbaba2125bd2d6c19bfe92ae1243e37b4fef5bff942d3459f8dd368f897855',
    'data-key-wrapping': 'dce8e790877a12aef1f3ed0aaaf926906ecbd0376ef553a24769db24b2a80850',
  };

  test('each purpose has its own stable 32-byte key (the expected values written out)', () => {
    for (const [purpose, hex] of Object.entries(expected) as [KeyPurpose, string][]) {
      expect(deriveKey(master, purpose).toString('hex')).toBe(hex);
      expect(deriveKey(master, purpose).toString('hex')).toBe(hex);
    }
    expect(deriveKey(master, 'operator-audit').equals(deriveKey(master, 'operator-approvals'))).toBe(false);
  });

  test('a purpose outside the closed list is refused at run time, not turned into a new key', () => {
    expect(() => deriveKey(master, 'operator-audits' as KeyPurpose)).toThrow(TypeError);
    expect(() => deriveKey(master, 'toString' as KeyPurpose)).toThrow(TypeError);
  });

  test('a master key of another length is refused', () => {
    expect(() => deriveKey(master.subarray(0, 31), 'operator-audit')).toThrow(TypeError);
  });
});

describe('loadMasterKey', () => {
  const dirs: { remove(): void }[] = [];
  const tempDir = () => {
    const dir = makeTempDir('loyalty-master-key-');
    dirs.push(dir);
    return dir.path;
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) dir.remove();
  });

  const KEY_HEX = 'a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90';

  posixOnly('makes a 0600 file of 32 bytes on first start and reads the same key back at the next', () => {
    const dir = tempDir();
    const first = loadMasterKey({ dataDir: dir, env: {} });
    const file = join(dir, MASTER_KEY_FILE);
    expect(first.id).toBe(`file:${file}`);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(file).size).toBe(32);
    expect(first.key().equals(readFileSync(file))).toBe(true);
    expect(readdirSync(dir)).toEqual([MASTER_KEY_FILE]);

    const second = loadMasterKey({ dataDir: dir, env: {} });
    expect(second.key().equals(first.key())).toBe(true);
    expect(readdirSync(dir)).toEqual([MASTER_KEY_FILE]);
  });

  test('two data folders get two different keys', () => {
    const a = loadMasterKey({ dataDir: tempDir(), env: {} }).key();
    const b = loadMasterKey({ dataDir: tempDir(), env: {} }).key();
    expect(a.equals(b)).toBe(false);
  });

  test('key() hands out a copy: wiping one does not wipe the key', () => {
    const source = loadMasterKey({ dataDir: tempDir(), env: { [MASTER_KEY_ENV]: KEY_HEX } });
    source.key().fill(0);
    expect(source.key().toString('hex')).toBe(KEY_HEX);
  });

  posixOnly('refuses a key file its group or others may read (0644), and does not rewrite it', () => {
    const dir = tempDir();
    const file = join(dir, MASTER_KEY_FILE);
    writeFileSync(file, Buffer.from(KEY_HEX, 'hex'), { mode: 0o600 });
    chmodSync(file, 0o644);
    const error = refusal(() => loadMasterKey({ dataDir: dir, env: {} }), 'master_key_file_exposed');
    expect(error.message).toContain('0644');
    expect(error.message).not.toContain(KEY_HEX);
    expect(readFileSync(file).toString('hex')).toBe(KEY_HEX);
    expect(statSync(file).mode & 0o777).toBe(0o644);
  });

  test('refuses a short key file instead of using or replacing it', () => {
    const dir = tempDir();
    const file = join(dir, MASTER_KEY_FILE);
    const short = Buffer.from(KEY_HEX, 'hex').subarray(0, 31);
    writeFileSync(file, short, { mode: 0o600 });
    refusal(() => loadMasterKey({ dataDir: dir, env: {} }), 'master_key_file_invalid');
    expect(readFileSync(file).equals(short)).toBe(true);
  });

  test('refuses a key file that is longer than 32 bytes (a hex text, say)', () => {
    const dir = tempDir();
    writeFileSync(join(dir, MASTER_KEY_FILE), `${KEY_HEX}\n`, { mode: 0o600 });
    refusal(() => loadMasterKey({ dataDir: dir, env: {} }), 'master_key_file_invalid');
  });

  test('the environment variable wins over the file, as hex or as base64url, and no file is made for it', () => {
    const dir = tempDir();
    const base64url = Buffer.from(KEY_HEX, 'hex').toString('base64url');
    for (const value of [KEY_HEX, KEY_HEX.toUpperCase(), base64url, `${base64url}=`, `${KEY_HEX}\n`]) {
      const source = loadMasterKey({ dataDir: dir, env: { [MASTER_KEY_ENV]: value } });
      expect(source.id).toBe(`env:${MASTER_KEY_ENV}`);
      expect(source.key().toString('hex')).toBe(KEY_HEX);
    }
    expect(readdirSync(dir)).toEqual([]);

    const fileKey = loadMasterKey({ dataDir: dir, env: {} }).key();
    expect(fileKey.toString('hex')).not.toBe(KEY_HEX);
    expect(
      loadMasterKey({ dataDir: dir, env: { [MASTER_KEY_ENV]: KEY_HEX } })
        .key()
        .toString('hex'),
    ).toBe(KEY_HEX);
  });

  test('a malformed environment variable is refused, naming the variable but not the value, even with a good file', () => {
    const dir = tempDir();
    loadMasterKey({ dataDir: dir, env: {} });
    const base64url = Buffer.from(KEY_HEX, 'hex').toString('base64url');
    const base64 = Buffer.from('fbff'.repeat(16), 'hex').toString('base64').replace(/=+$/, '');
    const malformed = [
      KEY_HEX.slice(0, 62), // 31 bytes of hex
      `${KEY_HEX}ab`, // 33 bytes of hex
      `0x${KEY_HEX}`,
      base64url.slice(0, 42),
      `${base64url}A`, // 44 characters without padding
      base64, // standard base64 ('+' and '/'), not base64url
      `${base64url.slice(0, 42)}B`, // the last character's spare bits set: not the canonical text of a key
      'correct horse battery staple correct horse battery staple!!',
      '',
    ];
    expect(base64).toMatch(/[+/]/);
    for (const value of malformed) {
      const error = refusal(
        () => loadMasterKey({ dataDir: dir, env: { [MASTER_KEY_ENV]: value } }),
        'master_key_env_invalid',
      );
      expect(error.message).toContain(MASTER_KEY_ENV);
      if (value !== '') {
        expect(error.message).not.toContain(value);
        expect(error.message).not.toContain(value.slice(0, 12));
      }
    }
  });
});
