import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { HqDatabase, Queryable } from '../db/database';

/**
 * Console sessions (issue 12): the cookie holds 32 random bytes; HQ keeps only their SHA-256, so a
 * copy of the database opens no session. A session ends after IDLE_TIMEOUT_MS without a request or
 * ABSOLUTE_TIMEOUT_MS after login, whichever comes first, and at logout. Every login makes a new
 * session (the id a browser had before is never promoted: no fixation).
 */
export const IDLE_TIMEOUT_MS = 15 * 60 * 1000;
export const ABSOLUTE_TIMEOUT_MS = 8 * 60 * 60 * 1000;
const ID_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export interface SessionTimeouts {
  idleMs: number;
  absoluteMs: number;
}

export const DEFAULT_SESSION_TIMEOUTS: SessionTimeouts = { idleMs: IDLE_TIMEOUT_MS, absoluteMs: ABSOLUTE_TIMEOUT_MS };

const idHash = (sessionId: string): string => createHash('sha256').update(sessionId, 'utf8').digest('hex');

export interface ConsoleSession {
  sessionId: string;
  operatorId: string;
  idleExpiresAt: Date;
  absoluteExpiresAt: Date;
}

/** A new session for `operatorId`, in the login's transaction. */
export async function startSession(
  tx: Queryable,
  operatorId: string,
  now: Date,
  timeouts: SessionTimeouts,
): Promise<ConsoleSession> {
  const sessionId = randomBytes(32).toString('base64url');
  const idleExpiresAt = new Date(now.getTime() + timeouts.idleMs);
  const absoluteExpiresAt = new Date(now.getTime() + timeouts.absoluteMs);
  await tx.query(
    `INSERT INTO operator_sessions (id_hash, operator_id, created_at, last_seen_at, idle_expires_at, absolute_expires_at)
     VALUES ($1, $2, $3, $3, $4, $5)`,
    [idHash(sessionId), operatorId, now, idleExpiresAt, absoluteExpiresAt],
  );
  return { sessionId, operatorId, idleExpiresAt, absoluteExpiresAt };
}

/**
 * The live session `sessionId` names, its idle deadline moved on; null when it is unknown, ended,
 * expired, or its operator is disabled or locked.
 */
export async function touchSession(
  db: HqDatabase,
  sessionId: string,
  now: Date,
  timeouts: SessionTimeouts,
): Promise<ConsoleSession | null> {
  if (!ID_PATTERN.test(sessionId)) return null;
  const found = await db.query<{ operator_id: string; absolute_expires_at: Date }>(
    `UPDATE operator_sessions s
        SET last_seen_at = $2, idle_expires_at = LEAST($3::timestamptz, s.absolute_expires_at)
       FROM operators o
      WHERE s.id_hash = $1 AND o.id = s.operator_id AND o.status = 'active' AND o.locked_at IS NULL
        AND s.ended_at IS NULL AND s.idle_expires_at > $2 AND s.absolute_expires_at > $2
      RETURNING s.operator_id, s.absolute_expires_at`,
    [idHash(sessionId), now, new Date(now.getTime() + timeouts.idleMs)],
  );
  const row = found.rows[0];
  if (!row) return null;
  const absoluteExpiresAt = new Date(row.absolute_expires_at);
  const idle = new Date(Math.min(now.getTime() + timeouts.idleMs, absoluteExpiresAt.getTime()));
  return { sessionId, operatorId: row.operator_id, idleExpiresAt: idle, absoluteExpiresAt };
}

export async function endSession(q: Queryable, sessionId: string, now: Date): Promise<void> {
  if (!ID_PATTERN.test(sessionId)) return;
  await q.query('UPDATE operator_sessions SET ended_at = $2 WHERE id_hash = $1 AND ended_at IS NULL', [
    idHash(sessionId),
    now,
  ]);
}

/** Ends every session of an operator (disabled, roles changed, enrolment reissued). */
export async function endOperatorSessions(q: Queryable, operatorId: string, now: Date): Promise<void> {
  await q.query('UPDATE operator_sessions SET ended_at = $2 WHERE operator_id = $1 AND ended_at IS NULL', [
    operatorId,
    now,
  ]);
}

/**
 * The session's CSRF token: HMAC of its id under a key of its own, so the page can hold it (the
 * cookie it stands for is HttpOnly) and a page on another origin can neither read nor make it.
 */
export function csrfTokenFor(csrfKey: Buffer, sessionId: string): string {
  return createHmac('sha256', csrfKey).update(`csrf:${sessionId}`, 'utf8').digest('base64url');
}

export function csrfTokenMatches(csrfKey: Buffer, sessionId: string, sent: unknown): boolean {
  const expected = Buffer.from(csrfTokenFor(csrfKey, sessionId), 'utf8');
  const given = Buffer.from(typeof sent === 'string' ? sent.slice(0, 100) : '', 'utf8');
  // Equal-length comparison whatever was sent: a digest of each.
  const a = createHash('sha256').update(expected).digest();
  const b = createHash('sha256').update(given).digest();
  return timingSafeEqual(a, b) && given.length === expected.length;
}

/** The cookie header value for a session, or for clearing it. */
export function sessionCookie(name: string, sessionId: string | null, maxAgeSeconds: number): string {
  const value = sessionId ?? '';
  const age = sessionId === null ? 0 : Math.max(0, Math.floor(maxAgeSeconds));
  return `${name}=${value}; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=${age}`;
}

/** The value of cookie `name` in a Cookie header, or undefined. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (typeof header !== 'string') return undefined;
  for (const part of header.split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return rest.join('=');
  }
  return undefined;
}
