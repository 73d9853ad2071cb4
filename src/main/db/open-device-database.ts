import { createHmac, randomUUID } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { join } from 'node:path';
import DatabaseConstructor, { type Database } from 'better-sqlite3-multiple-ciphers';
import { z } from 'zod';
import { AppError } from '../../shared/errors';
import {
  completeDeviceSecrets,
  createDeviceSecrets,
  loadDeviceSecrets,
  type DeviceSecrets,
  type FoundSecrets,
} from '../keychain/device-secrets';
import type { Keychain } from '../keychain/keychain';
import { fsyncDirectory, writeFileAtomic } from './atomic-file';
import { mapSqliteError } from './errors';
import { migrate } from './migrations';
import { ensureSecondaryIndexes } from './secondary-indexes';

export const DATABASE_FILE = 'loyalty.db';
/** Non-secret facts about the key: which secret store entry holds it, and a check value. */
export const KEY_INFO_FILE = 'loyalty.keyinfo.json';

const KeyInfo = z.strictObject({
  format: z.literal(1),
  installId: z.uuid(),
  keyCheck: z.string().regex(/^[0-9a-f]{32}$/),
  /** Set once the database file exists: from then on a missing file is a loss, not a first run. */
  databaseCreated: z.boolean().optional(),
});

export interface DeviceDatabase {
  db: Database;
  secrets: DeviceSecrets;
  installId: string;
  path: string;
  close(): void;
}

export interface OpenOptions {
  dataDir: string;
  keychain: Keychain;
  /** Path of a better-sqlite3 binary built for Electron's ABI (the plain Node build is the default). */
  nativeBinding?: string;
}

/**
 * A check value lets us tell "this is the wrong key" from "the file is damaged": both look like
 * "file is not a database" to SQLCipher. An HMAC reveals nothing usable about the 256-bit key.
 */
export function keyCheckValue(databaseKeyHex: string): string {
  return createHmac('sha256', Buffer.from(databaseKeyHex, 'hex'))
    .update('loyalty-desk/database-key-check/v1')
    .digest('hex')
    .slice(0, 32);
}

const SQLITE_PLAIN_HEADER = Buffer.from('SQLite format 3\0', 'latin1');
/** SQLCipher v4's page size (never changed here): a whole database file is a multiple of it. */
const PAGE_SIZE = 4096;
/** The -wal and -shm files SQLite keeps beside a database; they take the database file's mode. */
const SIDE_FILES = ['-wal', '-shm'] as const;

function ownerOnly(path: string): void {
  if (process.platform !== 'win32' && existsSync(path)) chmodSync(path, 0o600);
}

/**
 * An empty file or a torn last page is damage, not a database: SQLite would take an empty file for
 * a new one and the till would start over as a fresh install, with the first-run screen open.
 */
function refuseDamagedShape(path: string): void {
  const { size } = statSync(path);
  if (size === 0 || size % PAGE_SIZE !== 0) {
    throw new AppError(
      'database_corrupt',
      'The device database file is empty or cut short. It was left untouched for recovery.',
    );
  }
}

function readHeader(path: string): Buffer {
  const fd = openSync(path, 'r');
  try {
    const header = Buffer.alloc(16);
    const read = readSync(fd, header, 0, 16, 0);
    return header.subarray(0, read);
  } finally {
    closeSync(fd);
  }
}

function readKeyInfo(path: string): z.infer<typeof KeyInfo> {
  try {
    return KeyInfo.parse(JSON.parse(readFileSync(path, 'utf8')));
  } catch (error) {
    throw new AppError(
      'database_key_missing',
      `The key information file ${KEY_INFO_FILE} is missing or unreadable, so the database key cannot be found. The database was left untouched.`,
      { cause: error },
    );
  }
}

function applyKeyAndPragmas(db: Database, databaseKeyHex: string): void {
  // SQLCipher v4 page format; a 64-hex-digit x'' key is used raw, skipping the passphrase KDF.
  db.pragma(`cipher = 'sqlcipher'`);
  db.pragma('legacy = 4');
  db.pragma(`key = "x'${databaseKeyHex}'"`);
}

function applyRuntimePragmas(db: Database): void {
  db.pragma('journal_mode = WAL');
  // FULL: a counter write that returned is on disk even if the power goes the next second.
  db.pragma('synchronous = FULL');
  db.pragma('secure_delete = ON');
  db.pragma('temp_store = MEMORY');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  // 32 MiB of decrypted pages: keeps the hot part of a million-member cache off the cipher.
  db.pragma('cache_size = -32768');
}

/**
 * A second connection to a device database already opened (and migrated) by openDeviceDatabase,
 * for the sync worker thread: same key, same pragmas. WAL lets the counter read while it writes.
 */
export function openSecondConnection(path: string, databaseKeyHex: string, nativeBinding?: string): Database {
  const db = new DatabaseConstructor(path, {
    fileMustExist: true,
    ...(nativeBinding ? { nativeBinding } : {}),
  });
  try {
    applyKeyAndPragmas(db, databaseKeyHex);
    db.prepare('SELECT count(*) FROM sqlite_schema').get();
    applyRuntimePragmas(db);
  } catch (error) {
    db.close();
    throw mapSqliteError(error);
  }
  return db;
}

/**
 * Builds a new database under a temporary name and renames it into place once migrated, so a
 * `loyalty.db` that exists is always one this app finished creating: an empty or partial one is
 * damage, never an interrupted first run.
 */
function createDatabaseFile(dbPath: string, databaseKeyHex: string, nativeBinding: string | undefined): void {
  const building = `${dbPath}.creating`;
  // Only our own temporary file from an interrupted first run is removed; it never held data.
  for (const suffix of ['', ...SIDE_FILES]) rmSync(`${building}${suffix}`, { force: true });
  let db: Database;
  try {
    db = new DatabaseConstructor(building, nativeBinding ? { nativeBinding } : {});
  } catch (error) {
    throw mapSqliteError(error);
  }
  try {
    // Before the first write, so the -wal and -shm SQLite creates next take the same mode.
    ownerOnly(building);
    applyKeyAndPragmas(db, databaseKeyHex);
    applyRuntimePragmas(db);
    migrate(db);
    ensureSecondaryIndexes(db);
  } catch (error) {
    db.close();
    throw mapSqliteError(error);
  }
  // Closing the last connection checkpoints the WAL into the file and removes -wal and -shm.
  db.close();
  const fd = openSync(building, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(building, dbPath);
  fsyncDirectory(dbPath);
}

/**
 * Opens (or on first run creates) the encrypted device database. It never deletes, recreates or
 * rekeys an existing file: every failure is a typed error and the file stays as it was.
 */
export async function openDeviceDatabase(options: OpenOptions): Promise<DeviceDatabase> {
  const { dataDir, keychain } = options;
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  // Owner only, also when the folder already existed (its files are encrypted; this is defence in depth).
  if (process.platform !== 'win32') chmodSync(dataDir, 0o700);
  const dbPath = join(dataDir, DATABASE_FILE);
  const keyInfoPath = join(dataDir, KEY_INFO_FILE);
  const dbExists = existsSync(dbPath);
  const keyInfoExists = existsSync(keyInfoPath);

  // A -wal or -shm without its database is what a deleted database leaves: never a first run.
  const leftovers = SIDE_FILES.some((suffix) => existsSync(`${dbPath}${suffix}`));
  if (!keyInfoExists && !dbExists && leftovers) {
    throw new AppError(
      'database_missing',
      'The device database file is missing but its -wal or -shm file is still there. Nothing was recreated.',
    );
  }
  let installId: string;
  let secrets: DeviceSecrets | FoundSecrets;
  let keyInfo: z.infer<typeof KeyInfo>;
  if (!keyInfoExists && !dbExists) {
    installId = randomUUID();
    secrets = await createDeviceSecrets(keychain, installId);
    keyInfo = { format: 1, installId, keyCheck: keyCheckValue(secrets.databaseKey) };
    writeFileAtomic(keyInfoPath, JSON.stringify(keyInfo, null, 2));
  } else {
    keyInfo = readKeyInfo(keyInfoPath);
    if (!dbExists && (keyInfo.databaseCreated || leftovers)) {
      throw new AppError(
        'database_missing',
        'The device database file is missing although this device created one. Nothing was recreated: restore the file from a backup, or re-pair the device to start again from HQ.',
      );
    }
    installId = keyInfo.installId;
    secrets = await loadDeviceSecrets(keychain, installId);
    if (keyCheckValue(secrets.databaseKey) !== keyInfo.keyCheck) {
      throw new AppError(
        'database_key_wrong',
        'The secret store holds a different key than the one this database was encrypted with. The database was left untouched.',
      );
    }
  }

  if (dbExists) {
    refuseDamagedShape(dbPath);
    if (readHeader(dbPath).equals(SQLITE_PLAIN_HEADER)) {
      throw new AppError(
        'database_not_encrypted',
        'The device database file is a plain, unencrypted SQLite file. Loyalty Desk refuses to use it; it was left untouched.',
      );
    }
  } else {
    createDatabaseFile(dbPath, secrets.databaseKey, options.nativeBinding);
  }

  let db: Database;
  try {
    db = new DatabaseConstructor(dbPath, {
      fileMustExist: true,
      ...(options.nativeBinding ? { nativeBinding: options.nativeBinding } : {}),
    });
  } catch (error) {
    throw mapSqliteError(error);
  }
  try {
    applyKeyAndPragmas(db, secrets.databaseKey);
    // The first read decrypts page 1; the key is known to be right, so a failure means damage.
    db.prepare('SELECT count(*) FROM sqlite_schema').get();
    // Tills created before files were made owner-only; -wal and -shm are created with this mode.
    for (const path of [dbPath, ...SIDE_FILES.map((suffix) => `${dbPath}${suffix}`)]) ownerOnly(path);
    applyRuntimePragmas(db);
    migrate(db);
    ensureSecondaryIndexes(db);
    if (!keyInfo.databaseCreated)
      writeFileAtomic(keyInfoPath, JSON.stringify({ ...keyInfo, databaseCreated: true }, null, 2));
  } catch (error) {
    db.close();
    throw mapSqliteError(error);
  }
  let complete: DeviceSecrets;
  try {
    complete = await completeDeviceSecrets(options.keychain, installId, secrets, () => {
      const used = db
        .prepare(
          'SELECT (SELECT count(*) FROM staff) + (SELECT count(*) FROM audit) + (SELECT count(*) FROM approvals) AS n',
        )
        .get() as { n: number };
      return used.n === 0;
    });
  } catch (error) {
    db.close();
    throw error;
  }
  return {
    db,
    secrets: complete,
    installId,
    path: dbPath,
    close: () => {
      if (db.open) db.close();
    },
  };
}
