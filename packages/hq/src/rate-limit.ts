import { isIPv6 } from 'node:net';

export interface RateLimit {
  /** Most attempts one client may make in any window… */
  max: number;
  /** …of this many milliseconds (a sliding window: each attempt counts for exactly this long). */
  windowMs: number;
}

/** POST /v1/pair: 10 attempts per client address per 10 minutes. A code has 60 bits; this makes guessing hopeless. */
export const PAIR_RATE_LIMIT: RateLimit = { max: 10, windowMs: 10 * 60 * 1000 };

export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

export interface RateLimiter {
  /** Counts an attempt by `key`, or refuses it (a refused attempt is not counted). */
  take(key: string): RateDecision;
  /** How many keys are tracked (for tests: memory stays bounded). */
  size(): number;
}

/** Keys tracked before expired ones are swept, and the most kept (the oldest are dropped beyond it). */
const SWEEP_AT = 1_000;
const MAX_KEYS = 100_000;

/**
 * An in-memory sliding-window limiter on an injectable clock. One HQ process holds it; with several
 * HQ processes behind a balancer each enforces its own limit (the pairing code's own expiry and
 * one-time use still hold).
 */
export function createRateLimiter(limit: RateLimit, now: () => Date): RateLimiter {
  const attempts = new Map<string, number[]>();
  let sweepAt = SWEEP_AT;

  const live = (times: number[], t: number): number[] => times.filter((at) => at > t - limit.windowMs);

  function sweep(t: number): void {
    for (const [key, times] of attempts) {
      const kept = live(times, t);
      if (kept.length === 0) attempts.delete(key);
      else attempts.set(key, kept);
    }
    // Map order is insertion order: beyond the cap the keys seen least recently go first.
    for (const key of attempts.keys()) {
      if (attempts.size <= MAX_KEYS) break;
      attempts.delete(key);
    }
    sweepAt = Math.max(SWEEP_AT, attempts.size * 2);
  }

  return {
    take(key) {
      const t = now().getTime();
      if (attempts.size >= sweepAt) sweep(t);
      const times = live(attempts.get(key) ?? [], t);
      if (times.length >= limit.max) {
        attempts.set(key, times);
        const oldest = times[0] ?? t;
        return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((oldest + limit.windowMs - t) / 1000)) };
      }
      times.push(t);
      // Re-inserted so the map stays ordered by last attempt.
      attempts.delete(key);
      attempts.set(key, times);
      return { allowed: true };
    },
    size: () => attempts.size,
  };
}

/**
 * The client a request counts against: its IPv4 address, or the /64 network of an IPv6 address (one
 * subscriber usually holds a whole /64, so single addresses would not limit anyone). The socket's
 * address, never X-Forwarded-For: HQ does not sit behind a proxy it trusts, and a header is free to forge.
 */
export function clientKey(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped?.[1]) return mapped[1];
  if (!isIPv6(ip)) return ip;
  const address = ip.split('%')[0] ?? ip;
  const [head = '', tail = ''] = address.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = address.includes('::') ? (tail === '' ? [] : tail.split(':')) : [];
  const groups = address.includes('::')
    ? [...headGroups, ...Array<string>(8 - headGroups.length - tailGroups.length).fill('0'), ...tailGroups]
    : headGroups;
  return `${groups
    .slice(0, 4)
    .map((group) => group.toLowerCase().replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}
