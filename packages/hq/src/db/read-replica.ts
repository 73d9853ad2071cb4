import { sqlState, type HqDatabase, type Queryable } from './database';

/** What a replica read hands back to its caller: the value, or why the primary must answer instead. */
export type ReplicaRead<T> =
  | { served: true; value: T }
  | { served: false; reason: 'behind' }
  | { served: false; reason: 'unavailable'; error: { name: string; code?: string } };

/** Returned by a replica read that finds the replica has not replayed what the request needs. */
export const REPLICA_BEHIND: unique symbol = Symbol('replica behind');

/**
 * A streaming replica (DATABASE_REPLICA_URL) for reads that may lag the primary (docs/ARCHITECTURE.md,
 * Scale-out: till pulls). Each read is one REPEATABLE READ READ ONLY transaction there: one snapshot,
 * the same picture the primary would give at an earlier moment. A replica that cannot be reached or
 * fails a read is skipped for `retryAfterMs`, so a dead replica costs one failed connection, not
 * one per request; its callers answer from the primary (HQ logs that, the till sees nothing).
 */
export interface ReadReplica {
  read<T>(
    fn: (tx: Queryable) => Promise<T | typeof REPLICA_BEHIND>,
    /** Errors that are answers (a typed refusal), thrown to the caller rather than falling back. */
    isAnswer: (error: unknown) => boolean,
  ): Promise<ReplicaRead<T>>;
  /** Counters since start: reads the replica served, sent back as behind, and could not serve. */
  readonly stats: { served: number; behind: number; unavailable: number };
  close(): Promise<void>;
}

/** After a failure the replica is left alone this long (ms): the primary answers meanwhile. */
export const REPLICA_RETRY_AFTER_MS = 5_000;

/**
 * `open` makes the replica's pool (db/postgres.ts); it is called lazily and again after a failure,
 * so HQ starts while the replica is down and picks it up when it comes back.
 */
export function readReplica(
  open: () => Promise<HqDatabase>,
  options: { retryAfterMs?: number; clock?: () => number } = {},
): ReadReplica {
  const retryAfterMs = options.retryAfterMs ?? REPLICA_RETRY_AFTER_MS;
  const clock = options.clock ?? (() => performance.now());
  let pool: Promise<HqDatabase> | null = null;
  let skipUntil = Number.NEGATIVE_INFINITY;
  const stats = { served: 0, behind: 0, unavailable: 0 };
  const down = (error: unknown): ReplicaRead<never> => {
    skipUntil = clock() + retryAfterMs;
    stats.unavailable += 1;
    const code = sqlState(error) ?? (error as NodeJS.ErrnoException | null)?.code;
    // The error's name and code only: a driver message can quote a row's values.
    return {
      served: false,
      reason: 'unavailable',
      error: { name: error instanceof Error ? error.name : typeof error, ...(code ? { code: String(code) } : {}) },
    };
  };
  return {
    stats,
    async read<T>(
      fn: (tx: Queryable) => Promise<T | typeof REPLICA_BEHIND>,
      isAnswer: (error: unknown) => boolean,
    ): Promise<ReplicaRead<T>> {
      if (clock() < skipUntil) {
        stats.unavailable += 1;
        return { served: false, reason: 'unavailable', error: { name: 'ReplicaSkipped' } };
      }
      let db: HqDatabase;
      try {
        pool ??= open();
        db = await pool;
      } catch (error) {
        pool = null;
        return down(error);
      }
      try {
        const value: T | typeof REPLICA_BEHIND = await db.transaction(async (tx) => {
          await tx.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
          return fn(tx);
        });
        if (value === REPLICA_BEHIND) {
          stats.behind += 1;
          return { served: false, reason: 'behind' };
        }
        stats.served += 1;
        return { served: true, value };
      } catch (error) {
        if (isAnswer(error)) throw error;
        return down(error);
      }
    },
    async close() {
      const opened = pool;
      pool = null;
      if (opened) await opened.then((db) => db.close()).catch(() => undefined);
    },
  };
}
