import { randomUUID } from 'node:crypto';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Database } from 'better-sqlite3-multiple-ciphers';
import { AppError } from '../../shared/errors';
import {
  completeDeviceSecrets,
  createDeviceSecrets,
  loadDeviceSecrets,
  type DeviceSecrets,
  type FoundSecrets,
} from '../keychain/device-secrets';
import type { Keychain } from '../keychain/keychain';
import { fsyncDirectory, fsyncFile } from './atomic-file';
import { applyCipher, cpuHasAesInstructions, preferredCipherScheme, type CipherScheme } from './cipher-scheme';
import { applyRuntimePragmas, keyOpensFile, openFile } from './connection';
import {
  addPendingKey,
  createKeyState,
  kekIsDue,
  loadKeyState,
  noSteps,
  promotePendingKey,
  readKeyState,
  recordDatabaseCreated,
  rotateKeyWrapping,
  upgradeKeyInfoV1,
  type DatabaseKey,
  type KeyState,
  type StepHook,
} from './database-keys';
import { mapSqliteError } from './errors';
import { KEY_INFO_FILE, readKeyInfo } from './key-info';
import { migrateCipher, removeMigratingFile } from './migrate-cipher';
import { migrate } from './migrations';
import { removeDatabaseFiles, WAL_SIDE_FILES } from './sqlite-side-files';
import { createAuditLog } from '../audit/audit-log';
import { auditRekeyFinishedAtOpen, rekeyOpenConnection, type FinishedRekey } from './rekey-database';
import { ensureSecondaryIndexes } from './secondary-indexes';

export { KEY_INFO_FILE } from './key-info';
export { keyCheckValue } from '../keychain/key-wrapping';
export { openSecondConnection } from './connection';

export const DATABASE_FILE = 'loyalty.db';

export interface DeviceDatabase {
  db: Database;
  secrets: DeviceSecrets;
  installId: string;
  path: string;
  /** The page cipher the file uses now (the sync worker's connection needs it too). */
  cipher: CipherScheme;
  keyInfoPath: string;
  close(): void;
}

export interface OpenOptions {
  dataDir: string;
  keychain: Keychain;
  /** Path of a better-sqlite3 binary built for Electron's ABI (the plain Node build is the default). */
  nativeBinding?: string;
  /** Whether the CPU has AES instructions; tests set it, the app reads the CPU (cipher-scheme.ts). */
  hasAesInstructions?: boolean;
  now?: () => Date;
  /** Called at each named step of a migration or rotation: kill tests stop the process there. */
  step?: StepHook;
  /** The routine KEK rotation at start failed (error code only); the till opens with the keys it has. */
  onKeyRotationFailed?: (code: string) => void;
}

const SQLITE_PLAIN_HEADER = Buffer.from('SQLite format 3\0', 'latin1');
/** The page size of every scheme here (never changed): a whole database file is a multiple of it. */
const PAGE_SIZE = 4096;

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

/**
 * Builds a new database under a temporary name and renames it into place once migrated, so a
 * `loyalty.db` that exists is always one this app finished creating: an empty or partial one is
 * damage, never an interrupted first run.
 */
function createDatabaseFile(dbPath: string, key: DatabaseKey, nativeBinding: string | undefined): void {
  const building = `${dbPath}.creating`;
  // Only our own temporary file from an interrupted first run is removed; it never held data.
  removeDatabaseFiles(building);
  const db = openFile(building, nativeBinding, false);
  try {
    // Before the first write, so the -wal and -shm SQLite creates next take the same mode.
    ownerOnly(building);
    applyCipher(db, key.scheme, key.keyHex);
    applyRuntimePragmas(db);
    migrate(db);
    ensureSecondaryIndexes(db);
  } catch (error) {
    db.close();
    throw mapSqliteError(error);
  }
  // Closing the last connection checkpoints the WAL into the file and removes -wal and -shm.
  db.close();
  fsyncFile(building);
  renameSync(building, dbPath);
  fsyncDirectory(dbPath);
}

/**
 * Brings the file and the key-info to one known key. A pending slot means a migration or a rekey
 * was under way: the file opens with exactly one of the two keys (current until the rename or the
 * rekey's commit, pending after), and the step is finished from there. A till still on SQLCipher v4
 * is then migrated to this machine's scheme.
 */
function settleKeys(
  dbPath: string,
  start: KeyState,
  deps: { preferred: CipherScheme; now: () => Date; step: StepHook; nativeBinding: string | undefined },
): { state: KeyState; finishedRekey: FinishedRekey | null } {
  let state = start;
  const migration = { dbPath, nativeBinding: deps.nativeBinding, step: deps.step };
  const pendingSlot = state.info.pending;
  const finishedRekey =
    pendingSlot && pendingSlot.purpose !== 'cipher_migration'
      ? { reason: pendingSlot.purpose, keyCheck: pendingSlot.keyCheck }
      : null;
  if (state.pending) {
    if (keyOpensFile(dbPath, state.current, deps.nativeBinding)) {
      state =
        state.pending.purpose === 'cipher_migration'
          ? migrateCipher({ ...migration, state, now: deps.now() })
          : rekeyClosedFile(dbPath, state, deps);
    } else if (keyOpensFile(dbPath, state.pending, deps.nativeBinding)) {
      removeMigratingFile(dbPath);
      // A rekey's slot is promoted only once its audit entry is sure to exist (openDeviceDatabase).
      if (finishedRekey === null) state = promotePendingKey(state, deps.now());
    } else {
      throw new AppError(
        'database_corrupt',
        'Neither the current nor the pending key opens the device database, so it is damaged. It was left untouched for recovery.',
      );
    }
  }
  if (state.current.scheme === 'sqlcipher-v4' && finishedRekey === null) {
    state = addPendingKey(state, deps.preferred, 'cipher_migration', deps.now());
    deps.step('migrate.pending_written');
    state = migrateCipher({ ...migration, state, now: deps.now() });
  }
  return { state, finishedRekey };
}

/** A rekey interrupted before its commit: done again with the same pending key (promoted by the caller). */
function rekeyClosedFile(
  dbPath: string,
  state: KeyState,
  deps: { now: () => Date; step: StepHook; nativeBinding: string | undefined },
): KeyState {
  const db = openFile(dbPath, deps.nativeBinding);
  try {
    applyCipher(db, state.current.scheme, state.current.keyHex);
    rekeyOpenConnection(db, state, deps.step);
  } catch (error) {
    throw mapSqliteError(error);
  } finally {
    db.close();
  }
  return state;
}

/**
 * Opens (or on first run creates) the encrypted device database. It never deletes or recreates an
 * existing file: every failure is a typed error and the file stays as it was. The only rewrites
 * are the crash-safe ones of the key-info (format-1 upgrade, KEK rotation) and of the file (cipher
 * migration from SQLCipher v4, finishing an interrupted rekey), each resumable from any kill.
 */
export async function openDeviceDatabase(options: OpenOptions): Promise<DeviceDatabase> {
  const { dataDir, keychain } = options;
  const now = options.now ?? (() => new Date());
  const step = options.step ?? noSteps;
  const preferred = preferredCipherScheme(options.hasAesInstructions ?? cpuHasAesInstructions());
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  // Owner only, also when the folder already existed (its files are encrypted; this is defence in depth).
  if (process.platform !== 'win32') chmodSync(dataDir, 0o700);
  const dbPath = join(dataDir, DATABASE_FILE);
  const keyInfoPath = join(dataDir, KEY_INFO_FILE);
  const dbExists = existsSync(dbPath);
  const keyInfoExists = existsSync(keyInfoPath);

  // A -wal or -shm without its database is what a deleted database leaves: never a first run.
  const leftovers = WAL_SIDE_FILES.some((suffix) => existsSync(`${dbPath}${suffix}`));
  if (!keyInfoExists && !dbExists && leftovers) {
    throw new AppError(
      'database_missing',
      'The device database file is missing but its -wal or -shm file is still there. Nothing was recreated.',
    );
  }
  let installId: string;
  let state: KeyState;
  let firstSecrets: FoundSecrets | null = null;
  if (!keyInfoExists && !dbExists) {
    installId = randomUUID();
    // The secrets first: a first run killed before the key-info exists is simply a first run again.
    firstSecrets = await createDeviceSecrets(keychain, installId);
    state = await createKeyState({ keychain, path: keyInfoPath, installId, scheme: preferred, now: now() });
  } else {
    let info = readKeyInfo(keyInfoPath);
    if (!dbExists && (info.databaseCreated || leftovers)) {
      throw new AppError(
        'database_missing',
        'The device database file is missing although this device created one. Nothing was recreated: restore the file from a backup, or re-pair the device to start again from HQ.',
      );
    }
    installId = info.installId;
    if (info.format === 1) info = await upgradeKeyInfoV1({ keychain, path: keyInfoPath, info, now: now(), step });
    state = await loadKeyState(keychain, keyInfoPath, info);
    if (kekIsDue(state.info, now())) {
      // Routine, not needed to open: a secret store that refuses the new KEK must not keep the till
      // shut. What is on disk then decides which KEK wraps the key (the rotation may have got as far
      // as writing the key-info before failing to delete the old entry).
      try {
        state = await rotateKeyWrapping({ keychain, keyInfoPath, now: now(), step });
      } catch (error) {
        options.onKeyRotationFailed?.(error instanceof AppError ? error.code : 'error');
        state = await readKeyState(keychain, keyInfoPath);
      }
    }
  }

  const settle = { preferred, now, step, nativeBinding: options.nativeBinding };
  let finishedRekey: FinishedRekey | null;
  if (dbExists) {
    refuseDamagedShape(dbPath);
    if (readHeader(dbPath).equals(SQLITE_PLAIN_HEADER)) {
      throw new AppError(
        'database_not_encrypted',
        'The device database file is a plain, unencrypted SQLite file. Loyalty Desk refuses to use it; it was left untouched.',
      );
    }
    ({ state, finishedRekey } = settleKeys(dbPath, state, settle));
  } else {
    createDatabaseFile(dbPath, state.current, options.nativeBinding);
    ({ state, finishedRekey } = settleKeys(dbPath, state, settle));
  }
  // A rekey this open finished is still in the pending slot: the file is under that key.
  const inUse = finishedRekey !== null && state.pending ? state.pending : state.current;
  const secrets = {
    ...(firstSecrets ?? (await loadDeviceSecrets(keychain, installId))),
    databaseKey: inUse.keyHex,
  };

  const db = openFile(dbPath, options.nativeBinding);
  try {
    applyCipher(db, inUse.scheme, inUse.keyHex);
    // The first read decrypts page 1; the key is known to be right, so a failure means damage.
    db.prepare('SELECT count(*) FROM sqlite_schema').get();
    // Tills created before files were made owner-only; -wal and -shm are created with this mode.
    for (const path of [dbPath, ...WAL_SIDE_FILES.map((suffix) => `${dbPath}${suffix}`)]) ownerOnly(path);
    applyRuntimePragmas(db);
    migrate(db);
    ensureSecondaryIndexes(db);
    state = recordDatabaseCreated(state);
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
    // A rekey this open finished after a kill: audited now if the kill came before its entry, and
    // only then promoted, so a kill in between leaves the slot for the next open to finish from.
    if (finishedRekey) {
      auditRekeyFinishedAtOpen(db, createAuditLog({ db, key: complete.auditKey, now }), finishedRekey);
      step('open.rekey_audited');
      if (state.pending) state = promotePendingKey(state, now());
    }
  } catch (error) {
    db.close();
    throw error;
  }
  return {
    db,
    secrets: complete,
    installId,
    path: dbPath,
    cipher: state.current.scheme,
    keyInfoPath,
    close: () => {
      if (db.open) db.close();
    },
  };
}
