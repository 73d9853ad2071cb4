import { chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { HqDatabase } from './db/database';
import { migrate } from './db/migrations';
import { openPgliteDatabase } from './db/pglite';
import { openPostgresDatabase } from './db/postgres';

/** PostgreSQL when a URL is given (DATABASE_URL), else embedded PGlite in `<dataDir>/pgdata`; migrated. */
export async function openHqDatabase(options: { dataDir: string; databaseUrl?: string }): Promise<HqDatabase> {
  // Member data lives here: only HQ's own user may read the folder.
  mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  chmodSync(options.dataDir, 0o700);
  const db = options.databaseUrl
    ? await openPostgresDatabase(options.databaseUrl)
    : await openPgliteDatabase(join(options.dataDir, 'pgdata'));
  try {
    await migrate(db);
  } catch (error) {
    await db.close();
    throw error;
  }
  return db;
}
