import { chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { acquireDataDirLock, type LockRole } from './db/data-dir-lock';
import type { HqDatabase } from './db/database';
import { migrate } from './db/migrations';
import { openPgliteDatabase } from './db/pglite';
import { openPostgresDatabase, type PostgresPoolOptions } from './db/postgres';

/**
 * PostgreSQL when a URL is given (DATABASE_URL), else embedded PGlite in `<dataDir>/pgdata`; migrated.
 * PGlite is opened only under the data folder's lock (db/data-dir-lock.ts), held until close():
 * a second opener gets DataDirLockedError instead of a private copy of the database. PostgreSQL
 * needs no lock: it is one server, and every client sees every other's commits.
 */
export async function openHqDatabase(options: {
  dataDir: string;
  databaseUrl?: string;
  /** Who holds the PGlite folder: shown to a refused second opener. */
  role?: LockRole;
  /** The serving pool's size and timeouts (db/pool-settings.ts); PostgreSQL only. */
  pool?: PostgresPoolOptions;
}): Promise<HqDatabase> {
  // Member data lives here: only HQ's own user may read the folder.
  mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  chmodSync(options.dataDir, 0o700);
  if (options.databaseUrl) {
    // Migrations on a connection of their own, without the serving pool's statement timeout: a
    // migration over a large table may take longer than any request should.
    await migrated(await openPostgresDatabase(options.databaseUrl, { max: 1 })).then((db) => db.close());
    return openPostgresDatabase(options.databaseUrl, options.pool);
  }
  const lock = await acquireDataDirLock(options.dataDir, options.role ?? 'command');
  let db: HqDatabase;
  try {
    db = await migrated(await openPgliteDatabase(join(options.dataDir, 'pgdata')));
  } catch (error) {
    lock.release();
    throw error;
  }
  return {
    ...db,
    async close() {
      try {
        await db.close();
      } finally {
        lock.release();
      }
    },
  };
}

async function migrated(db: HqDatabase): Promise<HqDatabase> {
  try {
    await migrate(db);
  } catch (error) {
    await db.close();
    throw error;
  }
  return db;
}
