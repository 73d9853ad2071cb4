import { close, fdatasync, open } from 'node:fs';
import type { Database } from 'better-sqlite3-multiple-ciphers';

/** How often at most a flush starts; one runs at a time, so under a steady load they follow on. */
const DEFAULT_EVERY_MS = 5;

/**
 * Flushes the write-ahead log to storage in the background (libuv's thread pool) while the sync
 * worker goes on writing. The worker commits with synchronous=NORMAL, so its frames wait in the OS
 * cache until something syncs the WAL file; a counter commit (synchronous=FULL, one WAL file for
 * both connections) was that something and paid for every frame the worker wrote since the last
 * checkpoint: 20-50 ms earns during a snapshot. Flushed after each part, the counter's fsync finds
 * little left to write, and the worker does not wait for the disk as it would with FULL.
 *
 * Only an optimisation: durability stays what each connection's synchronous setting gives, so a
 * flush that cannot run (no WAL file yet, an in-memory database) is skipped, never an error.
 */
export function createWalBackgroundFlush(db: Database, everyMs = DEFAULT_EVERY_MS): () => void {
  // Only a connection that leaves its commits unsynced has anything for the counter to inherit.
  const unsynced = !db.memory && db.pragma('synchronous', { simple: true }) === 1;
  const path = `${db.name}-wal`;
  let running = false;
  let last = -Infinity;
  return () => {
    if (!unsynced || running || performance.now() - last < everyMs) return;
    running = true;
    last = performance.now();
    const done = () => {
      running = false;
    };
    // 'r+' (never creates): Windows flushes a file only through a handle that may write it. SQLite
    // takes no locks on the -wal file itself, so this second handle releases none when closed.
    open(path, 'r+', (openError, fd) => {
      if (openError) return done();
      fdatasync(fd, () => close(fd, done));
    });
  };
}
