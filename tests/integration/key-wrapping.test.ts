import { createDecipheriv } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { keyOpensFile } from '../../src/main/db/connection';
import { addPendingKey, readKeyState, rotateKeyWrapping } from '../../src/main/db/database-keys';
import { DATABASE_FILE, KEY_INFO_FILE, openDeviceDatabase } from '../../src/main/db/open-device-database';
import { kekAccount, keyCheckValue, unwrapDatabaseKey, wrapDatabaseKey } from '../../src/main/keychain/key-wrapping';
import { AppError } from '../../src/shared/errors';
import { createTestKeychain, type TestKeychain } from '../support/keychain';
import { makeTempDir } from '../support/temp-dir';

const KEK = '11'.repeat(32);
const DEK = '22'.repeat(32);
const INSTALL = '0193a6f0-7a2b-7c3d-8e4f-5a6b7c8d9e0f';
const BINDING = { installId: INSTALL, slot: 'current', scheme: 'aegis-256' } as const;

describe('wrapping the database key', () => {
  it('is AES-256-GCM over the key with nonce ‖ ciphertext ‖ tag, and the documented associated data (an independent unwrap)', () => {
    const wrapped = wrapDatabaseKey(KEK, DEK, BINDING);
    const raw = Buffer.from(wrapped, 'base64url');
    expect(raw.length).toBe(12 + 32 + 16);
    // As docs/SECURITY.md tells an independent tool to do it.
    const decipher = createDecipheriv('aes-256-gcm', Buffer.from(KEK, 'hex'), raw.subarray(0, 12));
    decipher.setAAD(Buffer.from(`loyalty-desk/database-key-wrap/v1\0${INSTALL}\0current\0aegis-256`, 'utf8'));
    decipher.setAuthTag(raw.subarray(44));
    const dek = Buffer.concat([decipher.update(raw.subarray(12, 44)), decipher.final()]);
    expect(dek.toString('hex')).toBe(DEK);
    expect(unwrapDatabaseKey(KEK, wrapped, BINDING)).toBe(DEK);
  });

  it('refuses another KEK, a changed byte, and another install, slot or scheme with database_key_wrong', () => {
    const wrapped = wrapDatabaseKey(KEK, DEK, BINDING);
    const flipped = Buffer.from(wrapped, 'base64url');
    flipped[20] = flipped[20]! ^ 1;
    const attempts: [string, () => string][] = [
      ['other KEK', () => unwrapDatabaseKey('33'.repeat(32), wrapped, BINDING)],
      ['flipped byte', () => unwrapDatabaseKey(KEK, flipped.toString('base64url'), BINDING)],
      ['other install', () => unwrapDatabaseKey(KEK, wrapped, { ...BINDING, installId: INSTALL.replace('0f', '0e') })],
      ['other slot', () => unwrapDatabaseKey(KEK, wrapped, { ...BINDING, slot: 'pending' })],
      ['other scheme', () => unwrapDatabaseKey(KEK, wrapped, { ...BINDING, scheme: 'chacha20-poly1305' })],
    ];
    for (const [what, attempt] of attempts) {
      expect(attempt, what).toThrow(AppError);
      expect(() => attempt(), what).toThrow(/does not unwrap/);
    }
  });

  it('keeps the format-1 check value: HMAC-SHA256 of the label under the key, 16 bytes hex', () => {
    // Computed with Python: hmac.new(bytes.fromhex('22'*32), b'loyalty-desk/database-key-check/v1', 'sha256').hexdigest()[:32]
    expect(keyCheckValue(DEK)).toBe('fc4e82b70d0c0d1e8d7bcf9421a03091');
  });
});

describe('rotating the wrapping', () => {
  let kc: TestKeychain;
  let dir: { path: string; remove(): void };
  beforeEach(async () => {
    kc = await createTestKeychain();
    dir = makeTempDir('loyalty-kek-');
  });
  afterEach(async () => {
    await kc.cleanup();
    dir.remove();
  });

  it('puts a new KEK in the other entry, rewraps the same database key, deletes the old entry; the file is untouched', async () => {
    const device = await openDeviceDatabase({ dataDir: dir.path, keychain: kc.keychain });
    const { installId } = device;
    const key = device.secrets.databaseKey;
    device.close();
    const file = readFileSync(join(dir.path, DATABASE_FILE));
    const oldKek = await kc.keychain.get(kekAccount(installId, 'a'));
    const keyInfoPath = join(dir.path, KEY_INFO_FILE);
    const rotated = await rotateKeyWrapping({ keychain: kc.keychain, keyInfoPath, now: new Date() });
    expect(rotated.info.kek.label).toBe('b');
    expect(await kc.keychain.get(kekAccount(installId, 'a'))).toBeNull();
    const newKek = await kc.keychain.get(kekAccount(installId, 'b'));
    expect(newKek).toMatch(/^[0-9a-f]{64}$/);
    expect(newKek).not.toBe(oldKek);
    expect(readFileSync(join(dir.path, DATABASE_FILE)).equals(file)).toBe(true);
    expect((await readKeyState(kc.keychain, keyInfoPath)).current.keyHex).toBe(key);
    const again = await openDeviceDatabase({ dataDir: dir.path, keychain: kc.keychain });
    expect(again.secrets.databaseKey).toBe(key);
    again.close();
    // And back to 'a' the next time.
    expect((await rotateKeyWrapping({ keychain: kc.keychain, keyInfoPath, now: new Date() })).info.kek.label).toBe('a');
    expect(await kc.keychain.get(kekAccount(installId, 'b'))).toBeNull();
  });

  for (const step of ['rotate.kek_created', 'rotate.keyinfo_written']) {
    it(`interrupted at ${step}: the till still opens with its key`, async () => {
      const device = await openDeviceDatabase({ dataDir: dir.path, keychain: kc.keychain });
      const key = device.secrets.databaseKey;
      device.close();
      const keyInfoPath = join(dir.path, KEY_INFO_FILE);
      const stop = new Error(`stopped at ${step}`);
      await expect(
        rotateKeyWrapping({
          keychain: kc.keychain,
          keyInfoPath,
          now: new Date(),
          step: (name) => {
            if (name === step) throw stop;
          },
        }),
      ).rejects.toBe(stop);
      const again = await openDeviceDatabase({ dataDir: dir.path, keychain: kc.keychain });
      expect(again.secrets.databaseKey).toBe(key);
      again.close();
      expect(keyOpensFile(join(dir.path, DATABASE_FILE), { scheme: 'aegis-256', keyHex: key }, undefined)).toBe(true);
    });
  }

  it('two rotations asked at once run one after the other: a → b → a, and the file still opens with its key', async () => {
    const device = await openDeviceDatabase({ dataDir: dir.path, keychain: kc.keychain });
    const key = device.secrets.databaseKey;
    device.close();
    const keyInfoPath = join(dir.path, KEY_INFO_FILE);
    const now = new Date('2026-06-01T00:00:00.000Z');
    await Promise.all([
      rotateKeyWrapping({ keychain: kc.keychain, keyInfoPath, now }),
      rotateKeyWrapping({ keychain: kc.keychain, keyInfoPath, now }),
    ]);
    const state = await readKeyState(kc.keychain, keyInfoPath);
    expect(state.info.kek.label).toBe('a');
    expect(state.current.keyHex).toBe(key);
    const again = await openDeviceDatabase({ dataDir: dir.path, keychain: kc.keychain });
    expect(again.secrets.databaseKey).toBe(key);
    again.close();
  });

  it('a second pending key is refused while one is unsettled (the file may already be under it)', async () => {
    const device = await openDeviceDatabase({ dataDir: dir.path, keychain: kc.keychain });
    device.close();
    const keyInfoPath = join(dir.path, KEY_INFO_FILE);
    const now = new Date('2026-06-01T00:00:00.000Z');
    const first = addPendingKey(await readKeyState(kc.keychain, keyInfoPath), 'aegis-256', 'suspected_compromise', now);
    expect(() => addPendingKey(first, 'aegis-256', 'suspected_compromise', now)).toThrow(/not settled/);
    const onDisk = await readKeyState(kc.keychain, keyInfoPath);
    expect(onDisk.pending?.keyHex).toBe(first.pending?.keyHex);
  });

  it('a rotation the secret store refuses at open leaves the till opening with the keys it has', async () => {
    const start = new Date('2026-01-01T00:00:00.000Z');
    const device = await openDeviceDatabase({ dataDir: dir.path, keychain: kc.keychain, now: () => start });
    const key = device.secrets.databaseKey;
    device.close();
    const refusing = {
      ...kc.keychain,
      set: () => Promise.reject(new AppError('keychain_unavailable', 'The secret store is locked.')),
    };
    const failures: string[] = [];
    const later = await openDeviceDatabase({
      dataDir: dir.path,
      keychain: refusing,
      now: () => new Date(start.getTime() + 91 * 24 * 60 * 60 * 1000),
      onKeyRotationFailed: (code) => failures.push(code),
    });
    expect(later.secrets.databaseKey).toBe(key);
    later.close();
    expect(failures).toEqual(['keychain_unavailable']);
    expect((await readKeyState(kc.keychain, join(dir.path, KEY_INFO_FILE))).info.kek.label).toBe('a');
  });

  it('rotates at open once the KEK is older than 90 days, not before', async () => {
    const start = new Date('2026-01-01T00:00:00.000Z');
    const device = await openDeviceDatabase({ dataDir: dir.path, keychain: kc.keychain, now: () => start });
    const key = device.secrets.databaseKey;
    device.close();
    const keyInfoPath = join(dir.path, KEY_INFO_FILE);
    const day = 24 * 60 * 60 * 1000;
    const at89 = await openDeviceDatabase({
      dataDir: dir.path,
      keychain: kc.keychain,
      now: () => new Date(start.getTime() + 89 * day),
    });
    at89.close();
    expect((await readKeyState(kc.keychain, keyInfoPath)).info.kek.label).toBe('a');
    const at91 = await openDeviceDatabase({
      dataDir: dir.path,
      keychain: kc.keychain,
      now: () => new Date(start.getTime() + 91 * day),
    });
    expect(at91.secrets.databaseKey).toBe(key);
    at91.close();
    const state = await readKeyState(kc.keychain, keyInfoPath);
    expect(state.info.kek).toEqual({ label: 'b', createdAt: new Date(start.getTime() + 91 * day).toISOString() });
  });
});
