import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

/**
 * PGlite is PostgreSQL compiled into this process: it takes no lock on its folder (0.5.16: a second
 * process opens the same pgdata without complaint, works on its own in-memory copy, and whichever
 * closes last overwrites the other's writes). So HQ locks the folder itself, for as long as the
 * database is open, and a second opener refuses instead of writing behind the holder's back.
 */
export const DATA_DIR_LOCK_FILE = 'pgdata.lock';

export const LOCK_ROLES = ['server', 'command'] as const;
export type LockRole = (typeof LOCK_ROLES)[number];

export const LockHolder = z.strictObject({
  pid: z.number().int().positive(),
  role: z.enum(LOCK_ROLES),
  since: z.iso.datetime(),
  /** Tells this holding from a later one by the same pid (release and takeover remove only their own). */
  nonce: z.string().regex(/^[0-9a-f]{32}$/),
  /**
   * Linux's boot id: after a power cut and a reboot the old pid may belong to another process, but
   * a lock from an earlier boot is stale whatever its pid.
   */
  bootId: z.string().max(64).optional(),
});
export type LockHolder = z.infer<typeof LockHolder>;

/** The folder is in use by a live process (`holder`), or its lock file cannot be read (`holder` null). */
export class DataDirLockedError extends Error {
  readonly code = 'data_dir_locked';
  readonly holder: LockHolder | null;

  constructor(holder: LockHolder | null) {
    super(
      holder
        ? `The HQ data folder is in use by ${holder.role === 'server' ? 'the running HQ server' : 'another HQ command'} (pid ${holder.pid}).`
        : `The HQ data folder's lock file (${DATA_DIR_LOCK_FILE}) cannot be read; if no HQ is running, remove it.`,
    );
    this.name = 'DataDirLockedError';
    this.holder = holder;
  }
}

export interface DataDirLock {
  readonly holder: LockHolder;
  /** Removes the lock file if it is still this holding's (idempotent). */
  release(): void;
}

export interface LockOptions {
  pid?: number;
  /** This boot's id; default: /proc/sys/kernel/random/boot_id where there is one. */
  bootId?: string | undefined;
  /** Whether a pid is a live process (tests pass their own); default: signal 0. */
  isAlive?: (pid: number) => boolean;
  now?: () => Date;
}

/** Signal 0 checks existence only; EPERM means it exists under another user, so it is alive. */
export function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Linux only; elsewhere a lock is judged by its pid alone. */
export function currentBootId(): string | undefined {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch (error) {
    if (['ENOENT', 'EACCES', 'ENOTDIR'].includes(errno(error) ?? '')) return undefined;
    throw error;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const errno = (error: unknown): string | undefined => (error as NodeJS.ErrnoException).code;

function unlinkIfPresent(path: string): void {
  try {
    unlinkSync(path);
  } catch (error) {
    if (errno(error) !== 'ENOENT') throw error;
  }
}

/** undefined: no file; null: a file that does not hold a holder (being written, or garbage). */
function readHolder(path: string): LockHolder | null | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if (errno(error) === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const parsed = LockHolder.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** O_CREAT|O_EXCL: exactly one of any number of racing openers creates it. */
function tryCreate(path: string, holder: LockHolder): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o600);
  } catch (error) {
    if (errno(error) === 'EEXIST') return false;
    throw error;
  }
  try {
    writeSync(fd, `${JSON.stringify(holder)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return true;
}

/**
 * Removes a dead holder's lock. A short-lived guard file (O_EXCL too) makes "still the same stale
 * holder? then remove" one step, so two takers cannot remove a lock a third process just created.
 */
async function takeOverStale(path: string, stale: LockHolder): Promise<void> {
  const guard = `${path}.takeover`;
  let fd: number;
  try {
    fd = openSync(guard, 'wx', 0o600);
  } catch (error) {
    if (errno(error) !== 'EEXIST') throw error;
    // A guard is held for microseconds; one left for seconds belongs to a taker that died.
    const guardStat = statSync(guard, { throwIfNoEntry: false });
    if (guardStat && Date.now() - guardStat.mtimeMs > 5_000) unlinkIfPresent(guard);
    else await sleep(20);
    return;
  }
  try {
    if (readHolder(path)?.nonce === stale.nonce) unlinkIfPresent(path);
  } finally {
    closeSync(fd);
    unlinkSync(guard);
  }
}

/**
 * Takes the lock on `dataDir` (the lock file sits beside pgdata/) or throws DataDirLockedError.
 * A lock whose pid is dead is taken over; one that stays unreadable (not a holder) is refused,
 * never guessed stale.
 */
export async function acquireDataDirLock(
  dataDir: string,
  role: LockRole,
  options: LockOptions = {},
): Promise<DataDirLock> {
  const path = join(dataDir, DATA_DIR_LOCK_FILE);
  const isAlive = options.isAlive ?? processIsAlive;
  const bootId = 'bootId' in options ? options.bootId : currentBootId();
  const holder: LockHolder = {
    pid: options.pid ?? process.pid,
    role,
    since: (options.now ?? (() => new Date()))().toISOString(),
    nonce: randomBytes(16).toString('hex'),
    ...(bootId !== undefined ? { bootId } : {}),
  };
  const live = (current: LockHolder): boolean =>
    !(current.bootId !== undefined && bootId !== undefined && current.bootId !== bootId) && isAlive(current.pid);
  let unreadableSince: number | undefined;
  for (;;) {
    if (tryCreate(path, holder)) break;
    const current = readHolder(path);
    if (current === undefined) continue;
    if (current === null) {
      // Between another opener's create and its write the file is briefly empty.
      unreadableSince ??= Date.now();
      if (Date.now() - unreadableSince > 2_000) throw new DataDirLockedError(null);
      await sleep(25);
      continue;
    }
    if (live(current)) throw new DataDirLockedError(current);
    await takeOverStale(path, current);
  }
  let released = false;
  return {
    holder,
    release() {
      if (released) return;
      released = true;
      if (readHolder(path)?.nonce === holder.nonce) unlinkIfPresent(path);
    },
  };
}
