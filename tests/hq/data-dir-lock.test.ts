import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import {
  DATA_DIR_LOCK_FILE,
  DataDirLockedError,
  acquireDataDirLock,
  type LockHolder,
} from '../../packages/hq/src/db/data-dir-lock';
import { openHqDatabase } from '../../packages/hq/src/open-database';
import { makeTempDir } from '../support/temp-dir';

/** Pids 1000+ are "dead" for these tests; the test's own pid is alive. */
const alive = (pid: number) => pid < 1000;

describe('the PGlite data folder lock', () => {
  const dirs: { remove(): void }[] = [];
  const tempDir = () => {
    const dir = makeTempDir('loyalty-lock-');
    dirs.push(dir);
    return dir.path;
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) dir.remove();
  });
  const lockedBy = async (promise: Promise<unknown>) => {
    const error = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DataDirLockedError);
    return error as DataDirLockedError;
  };

  test('the holder writes its pid and role into a 0600 file; a second opener is refused and named the holder', async () => {
    const dir = tempDir();
    const lock = await acquireDataDirLock(dir, 'server', { pid: 42, isAlive: alive });
    const file = join(dir, DATA_DIR_LOCK_FILE);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ pid: 42, role: 'server' });
    const refused = await lockedBy(acquireDataDirLock(dir, 'command', { pid: 43, isAlive: alive }));
    expect(refused.code).toBe('data_dir_locked');
    expect(refused.holder).toMatchObject({ pid: 42, role: 'server' });
    expect(refused.message).toBe('The HQ data folder is in use by the running HQ server (pid 42).');
    lock.release();
    const next = await acquireDataDirLock(dir, 'command', { pid: 43, isAlive: alive });
    expect(next.holder).toMatchObject({ pid: 43, role: 'command' });
    next.release();
  });

  test('a lock whose pid is dead is taken over', async () => {
    const dir = tempDir();
    await acquireDataDirLock(dir, 'server', { pid: 5000, isAlive: alive }); // never released: the process "died"
    const taken = await acquireDataDirLock(dir, 'command', { pid: 7, isAlive: alive });
    expect(JSON.parse(readFileSync(join(dir, DATA_DIR_LOCK_FILE), 'utf8'))).toMatchObject({ pid: 7 });
    taken.release();
  });

  test('a lock from an earlier boot is stale even when its pid belongs to a live process now', async () => {
    const dir = tempDir();
    await acquireDataDirLock(dir, 'server', { pid: 42, isAlive: alive, bootId: 'boot-before-the-power-cut' });
    const sameBoot = await lockedBy(
      acquireDataDirLock(dir, 'server', { pid: 43, isAlive: alive, bootId: 'boot-before-the-power-cut' }),
    );
    expect(sameBoot.holder?.pid).toBe(42);
    const taken = await acquireDataDirLock(dir, 'server', { pid: 43, isAlive: alive, bootId: 'this-boot' });
    expect(JSON.parse(readFileSync(join(dir, DATA_DIR_LOCK_FILE), 'utf8'))).toMatchObject({
      pid: 43,
      bootId: 'this-boot',
    });
    taken.release();
  });

  test('of many openers racing for one stale lock, exactly one gets it', async () => {
    const dir = tempDir();
    await acquireDataDirLock(dir, 'server', { pid: 5000, isAlive: alive });
    const results = await Promise.allSettled(
      Array.from({ length: 12 }, (_, i) => acquireDataDirLock(dir, 'command', { pid: 10 + i, isAlive: alive })),
    );
    const won = results.filter((r) => r.status === 'fulfilled');
    expect(won).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(DataDirLockedError);
  });

  test('releasing an old holding never removes a newer holder’s lock', async () => {
    const dir = tempDir();
    const old = await acquireDataDirLock(dir, 'server', { pid: 5000, isAlive: alive });
    const current = await acquireDataDirLock(dir, 'server', { pid: 8, isAlive: alive });
    old.release();
    const refused = await lockedBy(acquireDataDirLock(dir, 'command', { pid: 9, isAlive: alive }));
    expect(refused.holder?.pid).toBe(8);
    current.release();
  });

  test('a lock file that holds no holder is refused, never guessed stale', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, DATA_DIR_LOCK_FILE), 'not a lock');
    const refused = await lockedBy(acquireDataDirLock(dir, 'command', { pid: 9, isAlive: alive }));
    expect(refused.holder).toBeNull();
    expect(readFileSync(join(dir, DATA_DIR_LOCK_FILE), 'utf8')).toBe('not a lock');
  });

  test('openHqDatabase on PGlite holds the lock while open: a second open in the same process is refused', async () => {
    const dir = tempDir();
    const db = await openHqDatabase({ dataDir: dir, role: 'server' });
    try {
      const refused = await lockedBy(openHqDatabase({ dataDir: dir }));
      expect(refused.holder).toMatchObject<Partial<LockHolder>>({ pid: process.pid, role: 'server' });
    } finally {
      await db.close();
    }
    const again = await openHqDatabase({ dataDir: dir });
    await again.close();
  }, 60_000);
});
