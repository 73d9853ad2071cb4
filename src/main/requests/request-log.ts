import { createHmac } from 'node:crypto';
import type { Database } from 'better-sqlite3-multiple-ciphers';
import { AppError } from '../../shared/errors';
import { canonicalJson } from '../../shared/canonical-json';
import { KEY_VERSION, tillKeysFor, type KeyVersion } from '../keychain/derived-keys';
import { NO_WRITE_GATE, type CounterWriteGate } from '../db/write-gate';
import { ERASED_ANSWER } from './answer-member';

/**
 * How long an answer is kept for a retry. A retry comes seconds or minutes after its first try (a
 * double Enter, a timeout, a crash and restart); a week also covers a till switched off over a long
 * weekend with a call in flight, and bounds the table to a week of writes.
 */
export const REQUEST_RETENTION_DAYS = 7;

/** One write as the renderer asked for it: the id it chose and what the id stands for. */
export interface WriteRequest {
  requestId: string;
  channel: string;
  /** Who asked: the same id from another staff member is another request. */
  staffId: string | null;
  /** The validated request, without its id. */
  request: unknown;
}

/** Runs a write's effect in the transaction that also records its request; returns the answer. */
export type Commit = <T>(effect: () => T) => T;

/** A write's effect as one IMMEDIATE transaction, for callers that have no request to record. */
export const immediately =
  (db: Database): Commit =>
  (effect) =>
    db.transaction(effect).immediate();

/** The fields of a write request that hold a PIN, at any depth (an approval's subject carries one too). */
const PIN_FIELDS: ReadonlySet<string> = new Set(['pin', 'currentPin', 'newPin', 'temporaryPin']);

/**
 * The request as the fingerprint sees it: PINs left out. A replay is answered before any PIN check,
 * so if PINs counted, "same answer" against "request_id_reused" would tell whether a guessed PIN is
 * the one typed first — a PIN oracle with no failure counted. Without them, a replay with any PIN
 * gets the answer its caller already had, and learns nothing.
 */
function withoutPins(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutPins);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>)
      .filter(([key]) => !PIN_FIELDS.has(key))
      .map(([key, inner]) => [key, withoutPins(inner)]),
  );
}

interface RequestRow {
  channel: string;
  fingerprint: string;
  answer: string;
  key_version: number;
}

export interface RequestLogDeps {
  db: Database;
  /**
   * The till's audit key (DeviceSecrets.auditKey). The fingerprint is keyed with its HKDF key
   * 'request-fingerprint' (keychain/derived-keys.ts), so a request's other fields (names, contacts)
   * cannot be guessed back from it; answers stored before migration 9 were keyed with the audit key
   * itself, and their retries must still match.
   */
  key: string;
  now: () => Date;
  /** Every write through the log goes before the sync worker's next part (db/write-gate.ts). */
  writeGate?: CounterWriteGate;
}

export interface Recorded<T> {
  answer: T;
  /** True when the answer came from the log (the effect ran earlier, under the same id). */
  replayed: boolean;
}

/**
 * Exactly-once writes (DESIGN §5): a client request id is claimed in the same SQLite transaction as
 * the write's effect, together with the answer, so a kill leaves both or neither. The same id with
 * the same request is answered from the log without running anything; with another request it is
 * refused (`request_id_reused`) and nothing changes. A refused write records nothing: it changed
 * nothing, so its retry may run again and get today's answer.
 */
export function createRequestLog(deps: RequestLogDeps) {
  const { db } = deps;
  const keys = tillKeysFor(deps.key, 'request-fingerprint');
  const byId = db.prepare<[string], RequestRow>(
    'SELECT channel, fingerprint, answer, key_version FROM requests WHERE request_id = ?',
  );
  const insert = db.prepare<[string, string, string, string, string | null, string, number]>(
    `INSERT INTO requests (request_id, channel, fingerprint, answer, member_id, at, key_version)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  const pruneBefore = db.prepare<[string]>('DELETE FROM requests WHERE at < ?');

  /**
   * Version 2 is HMAC(request-fingerprint key, canonical request); version 1, the answers stored in
   * the week before migration 9, had the audit key itself behind a text prefix.
   */
  const fingerprint = (write: WriteRequest, version: KeyVersion = KEY_VERSION.derived) => {
    const mac = createHmac('sha256', keys[version]);
    if (version === KEY_VERSION.legacy) mac.update('loyalty-desk/request/v1\n');
    return mac
      .update(canonicalJson({ channel: write.channel, staffId: write.staffId, request: withoutPins(write.request) }))
      .digest('hex');
  };

  function earlier(write: WriteRequest, print: string): { answer: unknown } | null {
    const row = byId.get(write.requestId);
    if (!row) return null;
    const expected = row.key_version === KEY_VERSION.legacy ? fingerprint(write, KEY_VERSION.legacy) : print;
    if (row.channel !== write.channel || row.fingerprint !== expected) {
      throw new AppError(
        'request_id_reused',
        'This request id was already used for another request; the first one stands and nothing was changed.',
      );
    }
    if (row.answer === ERASED_ANSWER) {
      throw new AppError('member_not_found', 'The member this request was about has been erased.');
    }
    return { answer: JSON.parse(row.answer) as unknown };
  }

  const cutoff = () => new Date(deps.now().getTime() - REQUEST_RETENTION_DAYS * 86_400_000).toISOString();

  return {
    /**
     * Before any slow work (an argon2 PIN check, a call to HQ): the answer of this request if it was
     * already written. Throws `request_id_reused` when the id stands for another request.
     */
    answered(write: WriteRequest): { answer: unknown } | null {
      return earlier(write, fingerprint(write));
    },

    /**
     * Runs `effect` once per request id. In one IMMEDIATE transaction: an id already recorded is
     * answered from the log (a concurrent first try won the race); otherwise the effect runs, its
     * answer is recorded with the member it is about, and answers older than the retention go.
     */
    once<T>(write: WriteRequest, effect: () => T, memberOf: (answer: T) => string | null = () => null): Recorded<T> {
      const print = fingerprint(write);
      const transaction = db.transaction((): Recorded<T> => {
        const prior = earlier(write, print);
        if (prior) return { answer: prior.answer as T, replayed: true };
        const answer = effect();
        const at = deps.now().toISOString();
        // Pruning here keeps the table at most a retention's worth of writes with no timer to run.
        pruneBefore.run(cutoff());
        const { requestId, channel } = write;
        insert.run(requestId, channel, print, canonicalJson(answer), memberOf(answer), at, KEY_VERSION.derived);
        return { answer, replayed: false };
      });
      return (deps.writeGate ?? NO_WRITE_GATE).hold(() => transaction.immediate());
    },

    /** Drops answers older than the retention (also done by every write); returns how many went. */
    prune(): number {
      return pruneBefore.run(cutoff()).changes;
    },
  };
}

export type RequestLog = ReturnType<typeof createRequestLog>;
