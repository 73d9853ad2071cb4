import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import DatabaseConstructor, { type Database } from 'better-sqlite3-multiple-ciphers';
import { applyCipher, CIPHER_SCHEMES, type CipherScheme } from './cipher-scheme';
import type { DatabaseKey } from './database-keys';
import { mapSqliteError } from './errors';
import { KEY_INFO_FILE } from './key-info';

export function applyRuntimePragmas(db: Database): void {
  db.pragma('journal_mode = WAL');
  // FULL: a counter write that returned is on disk even if the power goes the next second.
  db.pragma('synchronous = FULL');
  db.pragma('secure_delete = ON');
  db.pragma('temp_store = MEMORY');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  // 32 MiB of decrypted pages: keeps the hot part of a million-member cache off the cipher.
  db.pragma('cache_size = -32768');
  // A first snapshot grows the WAL to hundreds of MiB; when it next starts over it is cut back to
  // this, instead of keeping that disk space until the app closes.
  db.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT_BYTES}`);
}

/** What the WAL file is cut back to when it starts over (journal_size_limit). */
export const WAL_SIZE_LIMIT_BYTES = 64 * 1024 * 1024;

export function openFile(path: string, nativeBinding: string | undefined, mustExist = true): Database {
  try {
    return new DatabaseConstructor(path, {
      fileMustExist: mustExist,
      ...(nativeBinding ? { nativeBinding } : {}),
    });
  } catch (error) {
    throw mapSqliteError(error);
  }
}

/**
 * Whether `key` opens the file: page 1 decrypts and authenticates. SQLite answers a wrong key with
 * SQLITE_NOTADB and writes nothing; any other failure is thrown, typed.
 */
export function keyOpensFile(path: string, key: DatabaseKey, nativeBinding: string | undefined): boolean {
  const db = openFile(path, nativeBinding);
  try {
    applyCipher(db, key.scheme, key.keyHex);
    db.prepare('SELECT count(*) FROM sqlite_schema').get();
    return true;
  } catch (error) {
    if ((error as { code?: unknown }).code === 'SQLITE_NOTADB') return false;
    throw mapSqliteError(error);
  } finally {
    db.close();
  }
}

/** The scheme the key-info beside a database names for its current key (sqlcipher-v4 for format 1). */
export function schemeBeside(dbPath: string): CipherScheme {
  const path = join(dirname(dbPath), KEY_INFO_FILE);
  if (!existsSync(path)) return 'sqlcipher-v4';
  const info = JSON.parse(readFileSync(path, 'utf8')) as { format?: unknown; current?: { scheme?: unknown } };
  const scheme = info.current?.scheme;
  return CIPHER_SCHEMES.find((known) => known === scheme) ?? 'sqlcipher-v4';
}

/**
 * A second connection to a device database already opened (and migrated) by openDeviceDatabase,
 * for the sync worker thread: same key, same pragmas. WAL lets the counter read while it writes.
 * The scheme is the device's (DeviceDatabase.cipher); without it, the key-info beside the file says.
 */
export function openSecondConnection(
  path: string,
  databaseKeyHex: string,
  nativeBinding?: string,
  scheme?: CipherScheme,
): Database {
  const db = openFile(path, nativeBinding);
  try {
    applyCipher(db, scheme ?? schemeBeside(path), databaseKeyHex);
    db.prepare('SELECT count(*) FROM sqlite_schema').get();
    applyRuntimePragmas(db);
  } catch (error) {
    db.close();
    throw mapSqliteError(error);
  }
  return db;
}
