import type { FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import { toInt, type HqDatabase } from './db/database';

export interface RateLimit {
  /** Most attempts one client may make in any window… */
  max: number;
  /** …of this many milliseconds (a sliding window: each attempt counts for exactly this long). */
  windowMs: number;
}

/** POST /v1/pair: 10 attempts per client address per 10 minutes. A code has 60 bits; this makes guessing hopeless. */
export const PAIR_RATE_LIMIT: RateLimit = { max: 10, windowMs: 10 * 60 * 1000 };

/**
 * The console's public endpoints (login, enrolment links, passkey login options) per client address:
 * an office behind one address signs in a few times a minute; a script trying passwords or filling
 * the challenge table cannot.
 */
export const CONSOLE_PUBLIC_RATE_LIMIT: RateLimit = { max: 30, windowMs: 60 * 1000 };

/**
 * The client an attempt counts against, as @fastify/rate-limit's default key generator makes it:
 * an IPv4 address alone (also when IPv4-mapped), an IPv6 address with its /64 network (one
 * subscriber usually holds a whole /64, so single addresses would not limit anyone). Always the
 * socket's address, never X-Forwarded-For: HQ does not trust a proxy (Fastify's trustProxy is off).
 */
export const IPV6_SUBNET = 64;

/** The table attempts are counted in (migration 7): shared by every HQ process on one database. */
export const RATE_LIMIT_TABLE = 'rate_limit_attempts';

export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/** Expired attempts (every key's) are deleted after this many counted attempts, so the table stays small. */
const SWEEP_EVERY = 100;
/** Advisory lock class of the per-key lock (two-key form; migrations use the one-key form). */
const LOCK_CLASS = 7282;

/**
 * Counts an attempt by `key` in `bucket`, or refuses it (a refused attempt is not counted): a sliding
 * log in the database, so every HQ process on it shares one budget per client. A transaction-scoped
 * advisory lock on the key makes count-then-insert exact when two processes race.
 */
export async function countAttempt(
  db: HqDatabase,
  attempt: { bucket: string; key: string; limit: RateLimit; now: Date },
): Promise<RateDecision> {
  const { bucket, key, limit } = attempt;
  const t = attempt.now.getTime();
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1::integer, hashtext($2::text))', [LOCK_CLASS, `${bucket} ${key}`]);
    const live = await tx.query<{ attempts: unknown; oldest: unknown }>(
      `SELECT count(*) AS attempts, min(at_ms) AS oldest FROM ${RATE_LIMIT_TABLE}
        WHERE bucket = $1 AND client_key = $2 AND at_ms > $3`,
      [bucket, key, t - limit.windowMs],
    );
    const attempts = toInt(live.rows[0]?.attempts);
    const oldest = attempts > 0 ? toInt(live.rows[0]?.oldest) : t;
    if (attempts >= limit.max) {
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((oldest + limit.windowMs - t) / 1000)) };
    }
    // This key's own expired attempts go now; other keys' in the periodic sweep.
    await tx.query(`DELETE FROM ${RATE_LIMIT_TABLE} WHERE bucket = $1 AND client_key = $2 AND expires_at_ms <= $3`, [
      bucket,
      key,
      t,
    ]);
    await tx.query(
      `INSERT INTO ${RATE_LIMIT_TABLE} (bucket, client_key, at_ms, expires_at_ms) VALUES ($1, $2, $3, $4)`,
      [bucket, key, t, t + limit.windowMs],
    );
    return { allowed: true };
  });
}

/** Deletes every attempt that has left its window. */
export async function sweepAttempts(db: HqDatabase, now: Date): Promise<void> {
  await db.query(`DELETE FROM ${RATE_LIMIT_TABLE} WHERE expires_at_ms <= $1`, [now.getTime()]);
}

/**
 * A @fastify/rate-limit store backed by HQ's own database (PostgreSQL or PGlite), on HQ's clock.
 * The plugin constructs it; each route with a `config.rateLimit` gets a child counting in its own
 * bucket (method and URL). The plugin refuses when `current` exceeds `max` and sends `ttl` as Retry-After.
 */
export function databaseRateLimitStore(db: HqDatabase, now: () => Date): FastifyRateLimitStoreCtor {
  let counted = 0;

  class DatabaseRateLimitStore implements FastifyRateLimitStore {
    constructor(
      _options: unknown,
      private readonly bucket = 'global',
    ) {}

    incr(
      key: string,
      callback: (error: Error | null, result?: { current: number; ttl: number }) => void,
      timeWindow: number,
      max: number,
    ): void {
      const at = now();
      countAttempt(db, { bucket: this.bucket, key, limit: { max, windowMs: timeWindow }, now: at })
        .then(async (decision) => {
          if (decision.allowed && ++counted % SWEEP_EVERY === 0) await sweepAttempts(db, at);
          // The plugin only compares `current` with `max` (its count headers are off): within the
          // limit, or one over it for as long as the oldest attempt stays in the window.
          callback(
            null,
            decision.allowed
              ? { current: 1, ttl: timeWindow }
              : { current: max + 1, ttl: decision.retryAfterSeconds * 1000 },
          );
        })
        .catch((error: unknown) => callback(error instanceof Error ? error : new Error('rate limit store failed')));
    }

    child(routeOptions: unknown): FastifyRateLimitStore {
      // The plugin passes the merged route settings; `routeInfo` is the route they belong to.
      const route = (routeOptions as { routeInfo?: { method?: unknown; url?: unknown } }).routeInfo;
      const bucket = route && typeof route.url === 'string' ? `${String(route.method)} ${route.url}` : this.bucket;
      return new DatabaseRateLimitStore(undefined, bucket);
    }
  }
  return DatabaseRateLimitStore;
}
