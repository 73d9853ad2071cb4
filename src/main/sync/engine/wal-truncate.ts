import type { Database } from 'better-sqlite3-multiple-ciphers';

/** A sync_state key of its own: present while a wipe of the WAL is owed (also set by migration 6). */
export const WAL_TRUNCATE_DUE = 'wal_truncate_due';
const DUE = WAL_TRUNCATE_DUE;

type CheckpointResult = { busy: number; log: number; checkpointed: number };

/**
 * Empties the write-ahead log after personal data was deleted (DESIGN §6: no trace in any file).
 * secure_delete zeroes what a transaction frees, but the WAL still holds the page images from
 * before it until a checkpoint copies the new ones into the database file and truncates the log.
 *
 * The counter's connection shares the WAL: while it reads or writes, TRUNCATE waits (busy_timeout)
 * and may give up, leaving old frames behind. So the wipe is owed in the very transaction that
 * deletes (committed with it, kept across a crash) and settled after the commit; one that could not
 * finish is tried again at the next push answer or pull page, delayed but never skipped.
 */
export function createWalTruncate(db: Database) {
  const owed = db.prepare<[string], { n: number }>('SELECT count(*) AS n FROM sync_state WHERE key = ?');
  const owe = db.prepare<[string]>("INSERT OR REPLACE INTO sync_state (key, value) VALUES (?, '1')");
  const paid = db.prepare<[string]>('DELETE FROM sync_state WHERE key = ?');
  const truncate = () => (db.pragma('wal_checkpoint(TRUNCATE)') as CheckpointResult[])[0]?.busy === 0;
  return {
    /** Inside the deleting transaction: from its commit on, the WAL must be wiped. */
    owe(): void {
      if (!db.inTransaction) throw new Error('a WAL wipe is owed inside the transaction that deletes');
      owe.run(DUE);
    },
    /** After the commit: wipes the WAL if a wipe is owed. False while another connection kept it from finishing. */
    settle(): boolean {
      if ((owed.get(DUE)?.n ?? 0) === 0) return true;
      if (!truncate()) return false;
      paid.run(DUE);
      // Clearing the mark wrote one frame (sync_state only); leave the log empty all the same.
      truncate();
      return true;
    },
  };
}
