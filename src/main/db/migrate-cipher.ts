import { closeSync, existsSync, openSync, renameSync, rmSync, statSync } from 'node:fs';
import type { Database } from 'better-sqlite3-multiple-ciphers';
import { AppError } from '../../shared/errors';
import { fsyncDirectory, fsyncFile } from './atomic-file';
import { applyCipher, setDefaultCipherForAttach } from './cipher-scheme';
import { openFile } from './connection';
import { noSteps, promotePendingKey, type KeyState, type StepHook } from './database-keys';
import { mapSqliteError } from './errors';
import { removeDatabaseFiles } from './sqlite-side-files';

/** The new file is built beside loyalty.db under this suffix and renamed over it once checked. */
export const MIGRATING_SUFFIX = '.migrating';

/** Removes our own half-built file of an interrupted migration; it never held the only copy of anything. */
export function removeMigratingFile(dbPath: string): void {
  removeDatabaseFiles(`${dbPath}${MIGRATING_SUFFIX}`);
}

interface SchemaRow {
  type: 'table' | 'index' | 'trigger' | 'view';
  name: string;
  tbl_name: string;
  sql: string | null;
}

type OwnSchemaRow = SchemaRow & { sql: string };

const quoted = (name: string): string => `"${name.replaceAll('"', '""')}"`;

/** Every row of every table, in sqlite_schema order: tables (and rows), then indexes, views, triggers. */
function copyInto(db: Database): Map<string, number> {
  const schema = db
    .prepare('SELECT type, name, tbl_name, sql FROM main.sqlite_schema ORDER BY rowid')
    .all() as SchemaRow[];
  // SQLite's own tables (sqlite_sequence, sqlite_stat*) come with the statements that need them.
  const own = schema.filter((row): row is OwnSchemaRow => row.sql !== null && !row.name.startsWith('sqlite_'));
  const tables = own.filter((row) => row.type === 'table');
  const counts = new Map<string, number>();
  const userVersion = db.pragma('main.user_version', { simple: true }) as number;
  db.exec('BEGIN IMMEDIATE');
  try {
    for (const table of tables) {
      db.exec(table.sql.replace(/^CREATE TABLE\s+/i, 'CREATE TABLE fresh.'));
      // Generated columns (hidden 2 and 3) are computed, not copied.
      const columns = (
        db.prepare('SELECT name FROM pragma_table_xinfo(?) WHERE hidden = 0').all(table.name) as { name: string }[]
      )
        .map((column) => quoted(column.name))
        .join(', ');
      const copied = db
        .prepare(
          `INSERT INTO fresh.${quoted(table.name)} (${columns}) SELECT ${columns} FROM main.${quoted(table.name)}`,
        )
        .run();
      counts.set(table.name, copied.changes);
    }
    const hasSequence = db.prepare(`SELECT 1 FROM main.sqlite_schema WHERE name = 'sqlite_sequence'`).get();
    if (hasSequence)
      db.exec('INSERT INTO fresh.sqlite_sequence (name, seq) SELECT name, seq FROM main.sqlite_sequence');
    // Indexes after the rows (one sort each), triggers last so the copy fires none of them.
    for (const type of ['index', 'view', 'trigger'] as const) {
      for (const row of own.filter((entry) => entry.type === type)) {
        const keyword = {
          index: /^CREATE\s+(UNIQUE\s+)?INDEX\s+/i,
          view: /^CREATE\s+VIEW\s+/i,
          trigger: /^CREATE\s+TRIGGER\s+/i,
        }[type];
        const head = row.sql.match(keyword)?.[0];
        if (!head) throw new Error(`unexpected ${type} statement in sqlite_schema`);
        db.exec(`${head}fresh.${row.sql.slice(head.length)}`);
      }
    }
    db.pragma(`fresh.user_version = ${userVersion}`);
    db.exec('COMMIT');
  } catch (error) {
    db.exec('ROLLBACK');
    throw error;
  }
  return counts;
}

function verifyCopy(db: Database, counts: Map<string, number>): void {
  const check = db.pragma('fresh.integrity_check') as { integrity_check: string }[];
  const fresh = (table: string): number =>
    (db.prepare(`SELECT count(*) AS n FROM fresh.${quoted(table)}`).get() as { n: number }).n;
  const old = (table: string): number =>
    (db.prepare(`SELECT count(*) AS n FROM main.${quoted(table)}`).get() as { n: number }).n;
  const countsDiffer = [...counts.keys()].some(
    (table) => fresh(table) !== old(table) || fresh(table) !== counts.get(table),
  );
  const schemaDiffers =
    (db.prepare('SELECT count(*) AS n FROM main.sqlite_schema').get() as { n: number }).n !==
    (db.prepare('SELECT count(*) AS n FROM fresh.sqlite_schema').get() as { n: number }).n;
  if (check.length !== 1 || check[0]?.integrity_check !== 'ok' || countsDiffer || schemaDiffers) {
    throw new AppError(
      'database_corrupt',
      'The re-encrypted copy of the database did not match the original; the original was kept.',
    );
  }
}

/**
 * Re-encrypts a till's file into the pending slot's scheme and key, crash-safely. The caller has
 * written the pending slot durably and holds no connection to the file. The old file stays in place
 * until the new one is complete, checked and on disk; one rename swaps them; then the pending slot
 * is promoted. Killed before the rename, the old file and its (current) key still open; after it,
 * the new file and the pending key do, and the next open promotes.
 */
export function migrateCipher(deps: {
  dbPath: string;
  state: KeyState;
  now: Date;
  nativeBinding?: string | undefined;
  step?: StepHook;
}): KeyState {
  const { dbPath, state } = deps;
  const step = deps.step ?? noSteps;
  const target = state.pending;
  if (!target) throw new Error('migrateCipher needs a pending key');
  const building = `${dbPath}${MIGRATING_SUFFIX}`;
  removeMigratingFile(dbPath);
  // Created empty and owner-only first: SQLite gives its journal the same mode.
  closeSync(openSync(building, 'wx', 0o600));
  step('migrate.started');

  const db = openFile(dbPath, deps.nativeBinding);
  try {
    applyCipher(db, state.current.scheme, state.current.keyHex);
    db.pragma('busy_timeout = 5000');
    // Everything in the -wal goes into the file and the -wal is emptied: nothing of the old file is
    // left beside it once it is closed.
    db.pragma('wal_checkpoint(TRUNCATE)');
    setDefaultCipherForAttach(db, target.scheme);
    db.prepare('ATTACH DATABASE ? AS fresh KEY ?').run(building, `x'${target.keyHex}'`);
    const counts = copyInto(db);
    step('migrate.copied');
    verifyCopy(db, counts);
    step('migrate.checked');
    db.exec('DETACH DATABASE fresh');
  } catch (error) {
    if (db.open) db.close();
    throw mapSqliteError(error);
  }
  // The last connection closes: SQLite checkpoints and deletes the old -wal and -shm.
  db.close();
  step('migrate.old_closed');
  for (const suffix of ['-wal', '-journal']) {
    const side = `${dbPath}${suffix}`;
    if (existsSync(side) && statSync(side).size > 0) {
      throw new AppError(
        'database_corrupt',
        `The old database's ${suffix} file is still there; the migration stopped before replacing it.`,
      );
    }
    rmSync(side, { force: true });
  }
  rmSync(`${dbPath}-shm`, { force: true });
  rmSync(`${building}-journal`, { force: true });
  fsyncFile(building);
  step('migrate.synced');
  renameSync(building, dbPath);
  step('migrate.renamed');
  fsyncDirectory(dbPath);
  step('migrate.dir_synced');
  const promoted = promotePendingKey(state, deps.now);
  step('migrate.promoted');
  return promoted;
}
