import { PGlite } from '@electric-sql/pglite';
import { verify } from '@node-rs/argon2';
import Database from 'better-sqlite3-multiple-ciphers';
import { describe, expect, test } from 'vitest';
import { ARGON2_PARAMS } from '../../src/node-shared/argon2-params';
import {
  chainPepperHashSql,
  isChainPepperHash,
  pinHashKeyId,
  withPinKeyId,
} from '../../src/node-shared/pin-hash-key-id';

// A hash made once outside this code (@node-rs/argon2, PIN 123456, secret 32 bytes of 0x07): the key
// id must be added in PHC form without touching what argon2 checks.
const V1 = '$argon2id$v=19$m=65536,t=3,p=1$7PU+GA8177MxgAyrnA0BKQ$tDHCjdMHvcUOohLp1TT9VYAHHg3hMdX64L0P9Sa61uY';
const SECRET = { ...ARGON2_PARAMS, secret: Buffer.alloc(32, 7) };

describe('the pepper a PIN hash names (argon2 keyid)', () => {
  test('a store hash carries keyid=cHMx (ps1), a chain-staff hash cGMx (pc1); a hash without one is v1', () => {
    expect(withPinKeyId(V1, 'ps1')).toBe(
      '$argon2id$v=19$m=65536,t=3,p=1,keyid=cHMx$7PU+GA8177MxgAyrnA0BKQ$tDHCjdMHvcUOohLp1TT9VYAHHg3hMdX64L0P9Sa61uY',
    );
    expect(pinHashKeyId(withPinKeyId(V1, 'ps1'))).toBe('ps1');
    expect(pinHashKeyId(withPinKeyId(V1, 'pc1'))).toBe('pc1');
    expect(pinHashKeyId(V1)).toBeNull();
    expect(isChainPepperHash(V1)).toBe(true);
    expect(isChainPepperHash(withPinKeyId(V1, 'ps1'))).toBe(false);
  });

  test('argon2 still checks the hash with its key id: the right PIN and secret only', async () => {
    const named = withPinKeyId(V1, 'ps1');
    expect(await verify(named, '123456', SECRET)).toBe(true);
    expect(await verify(named, '123457', SECRET)).toBe(false);
    expect(await verify(named, '123456', { ...ARGON2_PARAMS, secret: Buffer.alloc(32, 8) })).toBe(false);
  });

  test('refuses to name a hash twice, or what is not an argon2 hash', () => {
    expect(() => withPinKeyId(withPinKeyId(V1, 'ps1'), 'pc1')).toThrow(TypeError);
    expect(() => withPinKeyId('not a hash', 'ps1')).toThrow(TypeError);
    expect(pinHashKeyId('not a hash')).toBeNull();
  });

  test('the SQL condition picks the v1 hashes the parser does, on the till SQLite and on HQ PostgreSQL', async () => {
    const hashes = [V1, withPinKeyId(V1, 'ps1'), withPinKeyId(V1, 'pc1')];
    expect(hashes.map(isChainPepperHash)).toEqual([true, false, false]);

    const sqlite = new Database(':memory:');
    sqlite.exec('CREATE TABLE staff (id INTEGER PRIMARY KEY, pin_hash TEXT NOT NULL)');
    const insert = sqlite.prepare<[number, string]>('INSERT INTO staff (id, pin_hash) VALUES (?, ?)');
    hashes.forEach((hash, i) => insert.run(i + 1, hash));
    const tillV1 = sqlite
      .prepare<[], { id: number }>(`SELECT id FROM staff WHERE ${chainPepperHashSql('pin_hash')} ORDER BY id`)
      .all();
    sqlite.close();
    expect(tillV1).toEqual([{ id: 1 }]);

    const pg = new PGlite();
    try {
      await pg.query('CREATE TABLE staff (id int PRIMARY KEY, pin_hash text NOT NULL)');
      for (const [i, hash] of hashes.entries()) {
        await pg.query('INSERT INTO staff (id, pin_hash) VALUES ($1, $2)', [i + 1, hash]);
      }
      const hqV1 = await pg.query<{ id: number }>(
        `SELECT id FROM staff WHERE ${chainPepperHashSql('pin_hash')} ORDER BY id`,
      );
      expect(hqV1.rows).toEqual([{ id: 1 }]);
    } finally {
      await pg.close();
    }
  });
});
