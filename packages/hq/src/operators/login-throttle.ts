import { createHash } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';
import { toInt, type HqDatabase, type Queryable } from '../db/database';

/**
 * Login throttling and lockout for operators, counted in HQ's database (operator_login_failures) so
 * a restart, or a second HQ process, forgets nothing. Counted twice: per account (the typed e-mail's
 * SHA-256, whether or not such an operator exists, so the answers for a known and an unknown e-mail
 * are the same) and per client address (IPv6 by its /64, as rate-limit.ts counts).
 *
 * - Up to 4 failures in 15 min on a key: no wait. From the 5th, the next try must wait 2 s, then 4,
 *   8, … (doubling, at most 15 min); a try that comes sooner is refused without being checked.
 *   An attempt counts as a failure from the moment it is admitted (admitLoginAttempt), so parallel
 *   tries are throttled like sequential ones.
 * - The 10th failure of an existing operator's account within 24 h locks it until an admin unlocks it
 *   (operators.locked_at); a locked account's logins fail like any wrong password.
 * - A successful login clears its account's failures (not the address's: a valid account must not
 *   reset the budget of an address trying others). Rows older than 24 h are deleted.
 */
export const THROTTLE_WINDOW_MS = 15 * 60 * 1000;
export const FREE_FAILURES = 4;
export const MAX_WAIT_MS = 15 * 60 * 1000;
export const LOCK_AFTER_FAILURES = 10;
export const LOCK_WINDOW_MS = 24 * 60 * 60 * 1000;

export function normalizeEmail(email: string): string {
  return email.trim().normalize('NFKC').toLowerCase();
}

/** What failures of one typed e-mail are counted under; the e-mail itself is not stored. */
export function accountKey(email: string): string {
  return createHash('sha256').update(normalizeEmail(email), 'utf8').digest('hex');
}

/** An IPv4 address (also IPv4-mapped) alone; an IPv6 address as its /64 network. */
export function clientKey(address: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  if (mapped?.[1] !== undefined) return mapped[1];
  if (isIPv4(address) || !isIPv6(address)) return address;
  return `${expandIpv6(address).slice(0, 4).join(':')}::/64`;
}

function expandIpv6(address: string): string[] {
  let text = address.split('%')[0] ?? address;
  const v4 = /(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const fill = tail === undefined ? [] : new Array<string>(8 - left.length - right.length).fill('0');
  return [...left, ...fill, ...right].map((group) => parseInt(group, 16).toString(16));
}

/** How long after the latest of `failures` failures in the window the next try must wait. */
export function waitAfterFailures(failures: number): number {
  if (failures <= FREE_FAILURES) return 0;
  return Math.min(MAX_WAIT_MS, 1000 * 2 ** (failures - FREE_FAILURES));
}

export interface ThrottleKeys {
  accountKey: string;
  clientKey: string;
}

/** Whole seconds the next try on these keys must still wait; 0 when it may go ahead. */
export async function secondsToWait(q: Queryable, keys: ThrottleKeys, now: Date): Promise<number> {
  const since = new Date(now.getTime() - THROTTLE_WINDOW_MS);
  let waitMs = 0;
  for (const [column, key] of [
    ['account_key', keys.accountKey],
    ['client_key', keys.clientKey],
  ] as const) {
    const rows = await q.query<{ failures: unknown; latest: Date | string | null }>(
      `SELECT count(*) AS failures, max(at) AS latest FROM operator_login_failures WHERE ${column} = $1 AND at > $2`,
      [key, since],
    );
    const failures = toInt(rows.rows[0]?.failures);
    const latest = rows.rows[0]?.latest;
    if (failures === 0 || latest === null || latest === undefined) continue;
    waitMs = Math.max(waitMs, new Date(latest).getTime() + waitAfterFailures(failures) - now.getTime());
  }
  return waitMs > 0 ? Math.ceil(waitMs / 1000) : 0;
}

/** Advisory lock class of the per-key lock (two-key form; rate-limit.ts uses 7282). */
const LOCK_CLASS = 7284;

export type AttemptAdmission = { admitted: true } | { admitted: false; retryAfterSeconds: number };

/**
 * Lets a login attempt be checked, or refuses it (a refused attempt is not counted). An admitted
 * attempt is recorded as a failure at once, before its credentials are checked, so a burst of
 * parallel tries cannot all pass the wait check first: the 6th of a burst sees the first five.
 * `loginSucceeded` takes it back. Per-key advisory locks (account first, then address, always in
 * that order, so two attempts cannot deadlock) make check-then-insert exact across HQ processes.
 */
export async function admitLoginAttempt(db: HqDatabase, keys: ThrottleKeys, now: Date): Promise<AttemptAdmission> {
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1::integer, hashtext($2::text))', [
      LOCK_CLASS,
      `a ${keys.accountKey}`,
    ]);
    await tx.query('SELECT pg_advisory_xact_lock($1::integer, hashtext($2::text))', [
      LOCK_CLASS,
      `c ${keys.clientKey}`,
    ]);
    const wait = await secondsToWait(tx, keys, now);
    if (wait > 0) return { admitted: false, retryAfterSeconds: wait };
    await tx.query('DELETE FROM operator_login_failures WHERE at <= $1', [new Date(now.getTime() - LOCK_WINDOW_MS)]);
    await tx.query('INSERT INTO operator_login_failures (account_key, client_key, at) VALUES ($1, $2, $3)', [
      keys.accountKey,
      keys.clientKey,
      now,
    ]);
    return { admitted: true };
  });
}

/**
 * The admitted attempt failed (it is already counted): locks `operatorId`'s account, when it names an
 * existing one, at its 10th failure within 24 h. Returns whether the account is now locked.
 */
export async function loginFailed(
  q: Queryable,
  failure: { accountKey: string; operatorId: string | null; now: Date },
): Promise<{ locked: boolean }> {
  if (failure.operatorId === null) return { locked: false };
  const rows = await q.query<{ failures: unknown }>(
    'SELECT count(*) AS failures FROM operator_login_failures WHERE account_key = $1 AND at > $2',
    [failure.accountKey, new Date(failure.now.getTime() - LOCK_WINDOW_MS)],
  );
  if (toInt(rows.rows[0]?.failures) < LOCK_AFTER_FAILURES) return { locked: false };
  await q.query('UPDATE operators SET locked_at = $2 WHERE id = $1 AND locked_at IS NULL', [
    failure.operatorId,
    failure.now,
  ]);
  return { locked: true };
}

/**
 * After a successful login (which takes back its own admitted attempt) or an admin's unlock: the
 * account starts again from no failures.
 */
export async function clearAccountFailures(q: Queryable, key: string): Promise<void> {
  await q.query('DELETE FROM operator_login_failures WHERE account_key = $1', [key]);
}
