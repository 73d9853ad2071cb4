import { rmSync } from 'node:fs';

/** The files SQLite keeps beside a database in WAL mode, by suffix; they take the database file's mode. */
export const WAL_SIDE_FILES = ['-wal', '-shm'] as const;

/** Every file SQLite may keep beside a database: the rollback journal too (before WAL mode is set). */
export const SIDE_FILES = ['-journal', ...WAL_SIDE_FILES] as const;

/** Removes a database file and every side file SQLite may have left beside it (missing ones are fine). */
export function removeDatabaseFiles(path: string): void {
  for (const suffix of ['', ...SIDE_FILES]) rmSync(`${path}${suffix}`, { force: true });
}
