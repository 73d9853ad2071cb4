import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { WAL_SIZE_LIMIT_BYTES } from '../../src/main/db/connection';
import { join } from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyCipher } from '../../src/main/db/cipher-scheme';
import { LATEST_SCHEMA_VERSION, migrate } from '../../src/main/db/migrations';
import { DATABASE_FILE, KEY_INFO_FILE, openDeviceDatabase } from '../../src/main/db/open-device-database';
import { secretAccounts } from '../../src/main/keychain/device-secrets';
import { kekAccount } from '../../src/main/keychain/key-wrapping';
import { AppError } from '../../src/shared/errors';
import { withCheckDigit } from '../../src/shared/members/card-number';
import { startTestApp } from '../support/app';
import { createTestKeychain, unavailableKeychain, type TestKeychain } from '../support/keychain';
import { makeTempDir } from '../support/temp-dir';
import { CONSENTS } from '../support/members';

const MEMBER = {
  givenName: 'Wilhelmina',
  familyName: 'Quarrington-Ystad',
  phone: '+44 20 7946 0958',
  email: 'Wilhelmina.Q@Example.org',
  cardNumber: withCheckDigit('600412345678'),
  consents: CONSENTS,
};
/** Every form in which the member's personal data could land in a file. */
const NEEDLES = [
  'Wilhelmina',
  'Quarrington',
  'wilhelmina',
  'quarrington',
  'ystad',
  '+442079460958',
  '2079460958',
  'wilhelmina.q@example.org',
  'Wilhelmina.Q@Example.org',
];

function filesOf(dir: string): string[] {
  return readdirSync(dir)
    .map((name) => join(dir, name))
    .filter((path) => statSync(path).isFile());
}

function findNeedles(dir: string): string[] {
  const hits: string[] = [];
  for (const file of filesOf(dir)) {
    const bytes = readFileSync(file);
    for (const needle of NEEDLES) {
      for (const encoding of ['utf8', 'utf16le'] as const) {
        if (bytes.includes(Buffer.from(needle, encoding))) hits.push(`${file}: ${needle} (${encoding})`);
      }
    }
  }
  return hits;
}

function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

function snapshot(dir: string): Record<string, string> {
  return Object.fromEntries(filesOf(dir).map((file) => [file, sha256(file)]));
}

async function expectAppError(promise: Promise<unknown>, code: string): Promise<AppError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error, `expected AppError ${code}`).toBeInstanceOf(AppError);
  expect((error as AppError).code).toBe(code);
  return error as AppError;
}

describe('encrypted device database', () => {
  let kc: TestKeychain;
  let dir: ReturnType<typeof makeTempDir>;

  beforeEach(async () => {
    kc = await createTestKeychain();
    dir = makeTempDir();
  });
  afterEach(async () => {
    await kc.cleanup();
    dir.remove();
  });

  it('creates a random 256-bit key on first run, keeps only its key-encryption key in the secret store and the key nowhere on disk', async () => {
    const device = await openDeviceDatabase({ dataDir: dir.path, keychain: kc.keychain });
    device.close();
    const accounts = secretAccounts(device.installId);
    // No raw database key in the secret store (format 2): only the KEK that unwraps it.
    expect(await kc.keychain.get(accounts.databaseKey)).toBeNull();
    expect(await kc.keychain.get(kekAccount(device.installId, 'a'))).toMatch(/^[0-9a-f]{64}$/);
    const key = device.secrets.databaseKey;
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(await kc.keychain.get(accounts.lookupKey)).toMatch(/^[0-9a-f]{64}$/);
    for (const file of filesOf(dir.path)) {
      expect(readFileSync(file).includes(Buffer.from(key!, 'utf8')), file).toBe(false);
      expect(readFileSync(file).includes(Buffer.from(key!, 'hex')), file).toBe(false);
    }
    expect(readFileSync(join(dir.path, DATABASE_FILE)).subarray(0, 15).toString('latin1')).not.toBe('SQLite format 3');
  });

  it('applies WAL, synchronous=FULL, secure_delete, temp_store=MEMORY, foreign keys and the latest schema', async () => {
    const device = await openDeviceDatabase({ dataDir: dir.path, keychain: kc.keychain });
    const { db } = device;
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(2);
    expect(db.pragma('secure_delete', { simple: true })).toBe(1);
    expect(db.pragma('temp_store', { simple: true })).toBe(2);
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('cipher', { simple: true })).toBe('aegis');
    expect(device.cipher).toBe('aegis-256');
    expect(db.pragma('user_version', { simple: true })).toBe(LATEST_SCHEMA_VERSION);
    device.close();
  });

  it('a WAL grown past 64 MiB (a first snapshot) is cut back to that when it starts over', async () => {
    const device = await openDeviceDatabase({ dataDir: dir.path, keychain: kc.keychain });
    const { db } = device;
    const wal = join(dir.path, `${DATABASE_FILE}-wal`);
    try {
      db.pragma('wal_autocheckpoint = 0');
      db.exec('CREATE TABLE wal_probe (blob BLOB NOT NULL)');
      const insert = db.prepare('INSERT INTO wal_probe (blob) VALUES (randomblob(1048576))');
      db.transaction(() => {
        for (let i = 0; i < 80; i++) insert.run();
      })();
      expect(statSync(wal).size).toBeGreaterThan(80 * 1024 * 1024);
      db.pragma('wal_checkpoint(PASSIVE)');
      // The next write (a small one) starts the WAL over from its beginning: the file is cut to the limit.
      db.exec('CREATE TABLE wal_probe_after (x INTEGER)');
      expect(statSync(wal).size).toBeLessThanOrEqual(WAL_SIZE_LIMIT_BYTES);
    } finally {
      device.close();
    }
  }, 60_000);

  it('a CPU without AES instructions gets ChaCha20-Poly1305, recorded in the key-info', async () => {
    const device = await openDeviceDatabase({ dataDir: dir.path, keychain: kc.keychain, hasAesInstructions: false });
    expect(device.db.pragma('cipher', { simple: true })).toBe('chacha20');
    device.close();
    const info = JSON.parse(readFileSync(join(dir.path, KEY_INFO_FILE), 'utf8')) as { current: { scheme: string } };
    expect(info.current.scheme).toBe('chacha20-poly1305');
    // Reopened on an AES machine it stays ChaCha20: a file is only migrated away from SQLCipher v4.
    const again = await openDeviceDatabase({ dataDir: dir.path, keychain: kc.keychain });
    expect(again.cipher).toBe('chacha20-poly1305');
    again.close();
  });

  it('creates the database, its -wal and -shm and the key information file owner-only (0600)', async () => {
    const app = await startTestApp({ dataDir: dir.path, keychain: kc });
    expect((await app.call<{ ok: boolean }>('members.enroll', MEMBER)).ok).toBe(true);
    const mode = (name: string) => (statSync(join(dir.path, name)).mode & 0o777).toString(8);
    expect(mode(DATABASE_FILE)).toBe('600');
    expect(mode(`${DATABASE_FILE}-wal`)).toBe('600');
    expect(mode(`${DATABASE_FILE}-shm`)).toBe('600');
    expect(mode(KEY_INFO_FILE)).toBe('600');
    expect((statSync(dir.path).mode & 0o777).toString(8)).toBe('700');
    await app.services.close();
  });

  it('an interrupted first run (key information written, no database yet) finishes creating the till', async () => {
    const first = await openDeviceDatabase({ dataDir: dir.path, keychain: kc.keychain });
    const installId = first.installId;
    first.close();
    const keyInfoPath = join(dir.path, KEY_INFO_FILE);
    const { databaseCreated: _created, ...beforeCreation } = JSON.parse(readFileSync(keyInfoPath, 'utf8')) as Record<
      string,
      unknown
    >;
    for (const file of filesOf(dir.path)) rmSync(file);
    writeFileSync(keyInfoPath, JSON.stringify(beforeCreation));
    const again = await openDeviceDatabase({ dataDir: dir.path, keychain: kc.keychain });
    expect(again.installId).toBe(installId);
    expect(again.db.pragma('user_version', { simple: true })).toBe(LATEST_SCHEMA_VERSION);
    again.close();
    expect(readdirSync(dir.path).sort()).toEqual([DATABASE_FILE, KEY_INFO_FILE]);
  });

  it('keeps no name, phone or e-mail in the database, -wal or -shm file, while open and after close', async () => {
    const app = await startTestApp({ dataDir: dir.path, keychain: kc });
    const enrolled = await app.call<{ ok: boolean }>('members.enroll', MEMBER);
    expect(enrolled.ok).toBe(true);
    const found = await app.call<{ ok: boolean; value: { members: unknown[] } }>('members.find', { query: 'wilhel' });
    expect(found.value.members).toHaveLength(1);
    // While open the data sits in the WAL; both files must hold ciphertext only.
    expect(existsSync(join(dir.path, `${DATABASE_FILE}-wal`))).toBe(true);
    expect(statSync(join(dir.path, `${DATABASE_FILE}-wal`)).size).toBeGreaterThan(0);
    expect(existsSync(join(dir.path, `${DATABASE_FILE}-shm`))).toBe(true);
    expect(findNeedles(dir.path)).toEqual([]);
    app.services.database.db.pragma('wal_checkpoint(FULL)');
    expect(findNeedles(dir.path)).toEqual([]);
    await app.services.close();
    expect(findNeedles(dir.path)).toEqual([]);
    // The needles are real: the same bytes are found in a plain SQLite file written the same way.
    const plainPath = join(dir.path, '..', `plain-${randomBytes(4).toString('hex')}.db`);
    const plain = new Database(plainPath);
    plain.exec('CREATE TABLE t (v TEXT)');
    plain.prepare('INSERT INTO t VALUES (?)').run(MEMBER.givenName);
    plain.close();
    expect(readFileSync(plainPath).includes(Buffer.from(MEMBER.givenName))).toBe(true);
    rmSync(plainPath);
  });

  it('cannot be opened without the key, nor with another key', async () => {
    const app = await startTestApp({ dataDir: dir.path, keychain: kc });
    await app.call('members.enroll', MEMBER);
    await app.services.close();
    const path = join(dir.path, DATABASE_FILE);
    const noKey = new Database(path, { fileMustExist: true });
    expect(() => noKey.prepare('SELECT count(*) FROM members').get()).toThrow(/not a database/);
    noKey.close();
    const otherKey = new Database(path, { fileMustExist: true });
    applyCipher(otherKey, 'aegis-256', randomBytes(32).toString('hex'));
    expect(() => otherKey.prepare('SELECT count(*) FROM members').get()).toThrow(/not a database/);
    otherKey.close();
    // …and the right key still opens it, with the member intact.
    const again = await startTestApp({ dataDir: dir.path, keychain: kc });
    const found = await again.call<{ value: { members: unknown[] } }>('members.find', { query: MEMBER.cardNumber });
    expect(found.value.members).toHaveLength(1);
    await again.services.close();
  });

  it('refuses to run without a secret store and writes no plaintext fallback', async () => {
    await expectAppError(
      openDeviceDatabase({ dataDir: dir.path, keychain: unavailableKeychain() }),
      'keychain_unavailable',
    );
    expect(readdirSync(dir.path)).toEqual([]);
  });

  describe('an existing database is never overwritten or deleted', () => {
    let before: Record<string, string>;
    let installId: string;

    beforeEach(async () => {
      const app = await startTestApp({ dataDir: dir.path, keychain: kc });
      await app.call('members.enroll', MEMBER);
      installId = app.services.database.installId;
      await app.services.close();
      before = snapshot(dir.path);
    });

    it('secret store unavailable', async () => {
      await expectAppError(
        openDeviceDatabase({ dataDir: dir.path, keychain: unavailableKeychain() }),
        'keychain_unavailable',
      );
      expect(snapshot(dir.path)).toEqual(before);
    });

    it('key missing from the secret store', async () => {
      await kc.keychain.delete(kekAccount(installId, 'a'));
      const error = await expectAppError(
        openDeviceDatabase({ dataDir: dir.path, keychain: kc.keychain }),
        'database_key_missing',
      );
      expect(error.message).toMatch(/left untouched/);
      expect(snapshot(dir.path)).toEqual(before);
    });

    it('key in the secret store replaced by another one', async () => {
      await kc.keychain.set(kekAccount(installId, 'a'), randomBytes(32).toString('hex'));
      await expectAppError(openDeviceDatabase({ dataDir: dir.path, keychain: kc.keychain }), 'database_key_wrong');
      expect(snapshot(dir.path)).toEqual(before);
    });

    it('key information file deleted', async () => {
      rmSync(join(dir.path, KEY_INFO_FILE));
      const after = snapshot(dir.path);
      await expectAppError(openDeviceDatabase({ dataDir: dir.path, keychain: kc.keychain }), 'database_key_missing');
      expect(snapshot(dir.path)).toEqual(after);
      expect(existsSync(join(dir.path, KEY_INFO_FILE))).toBe(false);
    });

    it('file replaced by bytes that are not a database', async () => {
      writeFileSync(join(dir.path, DATABASE_FILE), randomBytes(8192));
      rmSync(join(dir.path, `${DATABASE_FILE}-wal`), { force: true });
      rmSync(join(dir.path, `${DATABASE_FILE}-shm`), { force: true });
      const damaged = snapshot(dir.path);
      await expectAppError(openDeviceDatabase({ dataDir: dir.path, keychain: kc.keychain }), 'database_corrupt');
      expect(snapshot(dir.path)).toEqual(damaged);
    });

    it('file replaced by a plain, unencrypted SQLite database', async () => {
      const path = join(dir.path, DATABASE_FILE);
      rmSync(path);
      rmSync(`${path}-wal`, { force: true });
      rmSync(`${path}-shm`, { force: true });
      const plain = new Database(path);
      plain.exec('CREATE TABLE members (id TEXT)');
      plain.close();
      const planted = snapshot(dir.path);
      await expectAppError(openDeviceDatabase({ dataDir: dir.path, keychain: kc.keychain }), 'database_not_encrypted');
      expect(snapshot(dir.path)).toEqual(planted);
    });

    it('first page damaged', async () => {
      const path = join(dir.path, DATABASE_FILE);
      const bytes = readFileSync(path);
      for (let i = 100; i < 200; i++) bytes[i] = (bytes[i] ?? 0) ^ 0xff;
      writeFileSync(path, bytes);
      const damaged = snapshot(dir.path);
      await expectAppError(openDeviceDatabase({ dataDir: dir.path, keychain: kc.keychain }), 'database_corrupt');
      expect(snapshot(dir.path)).toEqual(damaged);
    });

    it('a later page damaged: requests touching it get database_corrupt, not a crash', async () => {
      const path = join(dir.path, DATABASE_FILE);
      const pageSize = 4096;
      // The leaf page that holds the member's row: damaging it leaves the open (schema, settings) intact.
      const device = await openDeviceDatabase({ dataDir: dir.path, keychain: kc.keychain });
      const leaves = device.db
        .prepare<[], { pageno: number }>("SELECT pageno FROM dbstat WHERE name = 'members' AND pagetype = 'leaf'")
        .all();
      device.close();
      expect(leaves).toHaveLength(1);
      const page = leaves[0]!.pageno;
      expect(page).toBeGreaterThan(1);
      const bytes = readFileSync(path);
      const start = (page - 1) * pageSize;
      for (let i = start + 64; i < start + 128; i++) bytes[i] = (bytes[i] ?? 0) ^ 0x5a;
      writeFileSync(path, bytes);
      const damagedPage = Buffer.from(bytes.subarray(start, start + pageSize));

      const app = await startTestApp({ dataDir: dir.path, keychain: kc });
      const outboxBefore = app.services.outbox.pendingCount();
      const found = await app.call<{ ok: boolean; error: { code: string } }>('members.find', {
        query: MEMBER.cardNumber,
      });
      expect(found.ok).toBe(false);
      expect(found.error.code).toBe('database_corrupt');
      const enrolled = await app.call<{ ok: boolean; error: { code: string } }>('members.enroll', {
        ...MEMBER,
        cardNumber: withCheckDigit('600412345679'),
        email: 'another@example.org',
        phone: undefined,
      });
      expect(enrolled.ok).toBe(false);
      expect(enrolled.error.code).toBe('database_corrupt');
      expect(app.services.outbox.pendingCount()).toBe(outboxBefore);
      await app.services.close();
      // Nothing rewrote the damaged page: it is still there, as damaged, for recovery.
      expect(
        readFileSync(path)
          .subarray(start, start + pageSize)
          .equals(damagedPage),
      ).toBe(true);
    });

    it('file emptied to zero bytes: refused, never recreated as a new till', async () => {
      const path = join(dir.path, DATABASE_FILE);
      writeFileSync(path, Buffer.alloc(0));
      const damaged = snapshot(dir.path);
      await expectAppError(openDeviceDatabase({ dataDir: dir.path, keychain: kc.keychain }), 'database_corrupt');
      expect(snapshot(dir.path)).toEqual(damaged);
      expect(statSync(path).size).toBe(0);
    });

    it('file emptied while an older key information file (without the created flag) is present', async () => {
      const keyInfoPath = join(dir.path, KEY_INFO_FILE);
      const { databaseCreated, ...older } = JSON.parse(readFileSync(keyInfoPath, 'utf8')) as Record<string, unknown>;
      expect(databaseCreated).toBe(true);
      writeFileSync(keyInfoPath, JSON.stringify(older));
      writeFileSync(join(dir.path, DATABASE_FILE), Buffer.alloc(0));
      const damaged = snapshot(dir.path);
      await expectAppError(openDeviceDatabase({ dataDir: dir.path, keychain: kc.keychain }), 'database_corrupt');
      expect(snapshot(dir.path)).toEqual(damaged);
    });

    it('file truncated to a length that is not a whole number of pages', async () => {
      const path = join(dir.path, DATABASE_FILE);
      const bytes = readFileSync(path);
      expect(bytes.length % 4096).toBe(0);
      writeFileSync(path, bytes.subarray(0, bytes.length - 1000));
      const damaged = snapshot(dir.path);
      await expectAppError(openDeviceDatabase({ dataDir: dir.path, keychain: kc.keychain }), 'database_corrupt');
      expect(snapshot(dir.path)).toEqual(damaged);
    });

    it('file overwritten with zeros', async () => {
      const path = join(dir.path, DATABASE_FILE);
      writeFileSync(path, Buffer.alloc(statSync(path).size));
      const damaged = snapshot(dir.path);
      await expectAppError(openDeviceDatabase({ dataDir: dir.path, keychain: kc.keychain }), 'database_corrupt');
      expect(snapshot(dir.path)).toEqual(damaged);
    });

    it('only the -wal file left, also with an older key information file', async () => {
      const path = join(dir.path, DATABASE_FILE);
      rmSync(path);
      writeFileSync(`${path}-wal`, randomBytes(8192));
      const keyInfoPath = join(dir.path, KEY_INFO_FILE);
      const { databaseCreated: _created, ...older } = JSON.parse(readFileSync(keyInfoPath, 'utf8')) as Record<
        string,
        unknown
      >;
      writeFileSync(keyInfoPath, JSON.stringify(older));
      const damaged = snapshot(dir.path);
      await expectAppError(openDeviceDatabase({ dataDir: dir.path, keychain: kc.keychain }), 'database_missing');
      expect(snapshot(dir.path)).toEqual(damaged);
      expect(existsSync(path)).toBe(false);
    });

    it('schema written by a newer app version', async () => {
      const device = await openDeviceDatabase({ dataDir: dir.path, keychain: kc.keychain });
      device.db.pragma(`user_version = ${LATEST_SCHEMA_VERSION + 5}`);
      device.close();
      const newer = snapshot(dir.path);
      await expectAppError(openDeviceDatabase({ dataDir: dir.path, keychain: kc.keychain }), 'database_too_new');
      expect(snapshot(dir.path)).toEqual(newer);
    });
  });

  it('rolls back a migration that fails half way, leaving the version unchanged', async () => {
    const device = await openDeviceDatabase({ dataDir: dir.path, keychain: kc.keychain });
    const broken = [
      {
        version: LATEST_SCHEMA_VERSION + 1,
        name: 'half',
        sql: 'CREATE TABLE half_done (x INTEGER); SELECT * FROM no_such_table;',
      },
    ];
    expect(() => migrate(device.db, broken)).toThrow();
    expect(device.db.pragma('user_version', { simple: true })).toBe(LATEST_SCHEMA_VERSION);
    expect(device.db.prepare("SELECT count(*) AS n FROM sqlite_schema WHERE name = 'half_done'").get()).toEqual({
      n: 0,
    });
    device.close();
  });

  it('disk full (page limit): the write is refused with disk_full and nothing is half-written', async () => {
    const app = await startTestApp({ dataDir: dir.path, keychain: kc });
    expect((await app.call<{ ok: boolean }>('members.enroll', MEMBER)).ok).toBe(true);
    const { db } = app.services.database;
    const pages = db.pragma('page_count', { simple: true }) as number;
    db.pragma(`max_page_count = ${pages}`);
    const big = 'Ab'.repeat(25);
    let failure: { ok: boolean; error?: { code: string } } = { ok: true };
    for (let i = 0; i < 400 && failure.ok; i++) {
      failure = await app.call('members.enroll', {
        givenName: `${big}${String.fromCharCode(97 + (i % 26))}`,
        familyName: big,
        email: `filler${i}@example.org`,
        cardNumber: withCheckDigit(String(700000000000 + i)),
        consents: CONSENTS,
      });
    }
    expect(failure.ok).toBe(false);
    expect(failure.error?.code).toBe('disk_full');
    const count = (db.prepare('SELECT count(*) AS n FROM members').get() as { n: number }).n;
    const tokens = (db.prepare('SELECT count(DISTINCT member_id) AS n FROM member_name_tokens').get() as { n: number })
      .n;
    expect(tokens).toBe(count);
    db.pragma(`max_page_count = ${pages * 1000}`);
    await app.dispose();
  });
});

/**
 * A real full disk: a 2 MiB tmpfs. Mounting needs root (CI runs as root); elsewhere this suite is
 * reported as skipped, never as passed.
 */
function canMountTmpfs(): boolean {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return false;
  const probe = makeTempDir('loyalty-mount-probe-');
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe.path], { stdio: 'ignore' });
    execFileSync('umount', [probe.path], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  } finally {
    probe.remove();
  }
}

describe.skipIf(!canMountTmpfs())('disk full on a real, tiny file system (needs root to mount tmpfs)', () => {
  it('refuses the write with disk_full, keeps every committed member, and works again once space is freed', async () => {
    const mount = makeTempDir('loyalty-tmpfs-');
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', mount.path]);
    const kc = await createTestKeychain();
    try {
      const dataDir = join(mount.path, 'data');
      mkdirSync(dataDir);
      let app = await startTestApp({ dataDir, keychain: kc });
      expect((await app.call<{ ok: boolean }>('members.enroll', MEMBER)).ok).toBe(true);
      // Leave only a few KiB free, then keep enrolling until the file system says no.
      const filler = join(mount.path, 'filler');
      const free = () => Number(execFileSync('df', ['--output=avail', '-B1', mount.path]).toString().split('\n')[1]);
      writeFileSync(filler, Buffer.alloc(Math.max(0, free() - 48 * 1024)));
      const committed: string[] = [];
      let failure: { ok: boolean; error?: { code: string } } = { ok: true };
      for (let i = 0; i < 2000 && failure.ok; i++) {
        const card = withCheckDigit(String(800000000000 + i));
        failure = await app.call('members.enroll', {
          givenName: 'Filler',
          familyName: `Person${'x'.repeat(40)}`,
          email: `fill${i}@example.org`,
          cardNumber: card,
          consents: CONSENTS,
        });
        if (failure.ok) committed.push(card);
      }
      expect(failure.ok).toBe(false);
      expect(failure.error?.code).toBe('disk_full');
      await app.services.close();
      rmSync(filler);
      app = await startTestApp({ dataDir, keychain: kc });
      for (const card of [MEMBER.cardNumber, ...committed]) {
        const found = await app.call<{ value: { members: unknown[] } }>('members.find', { query: card });
        expect(found.value.members, card).toHaveLength(1);
      }
      expect(
        (
          await app.call<{ ok: boolean }>('members.enroll', {
            ...MEMBER,
            cardNumber: withCheckDigit('600499999999'),
            consents: CONSENTS,
            email: 'x@example.org',
            phone: undefined,
          })
        ).ok,
      ).toBe(true);
      await app.services.close();
    } finally {
      await kc.cleanup();
      execFileSync('umount', [mount.path]);
      mount.remove();
    }
  });
});
