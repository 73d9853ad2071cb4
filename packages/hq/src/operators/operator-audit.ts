import { timingSafeEqual } from 'node:crypto';
import { AUDIT_GENESIS_HASH, auditChainLink } from '../../../../src/node-shared/audit-chain-link';
import { z } from 'zod';
import { canonicalJson } from '../../../../src/shared/canonical-json';
import { toInt, type HqDatabase, type Queryable } from '../db/database';
import { OPERATIONS } from './roles';

/**
 * HQ's operator audit trail (issue 12 item 5): an HMAC chain like the till's audit log
 * (src/main/audit/audit-log.ts), h_i = HMAC(k, h_{i-1} || canonical(entry)) with the sequence
 * number inside, in the table operator_audit. Entries are appended in the transaction of the change
 * they record, so both commit or neither. The key comes from the caller and is never stored in the
 * database the chain is in: whoever can rewrite rows must not be able to re-chain them.
 */
export const OPERATOR_AUDIT_GENESIS_HASH = AUDIT_GENESIS_HASH;

/** What is recorded: every operation (roles.ts) plus what identity, approvals and tokens do. */
export const OPERATOR_AUDIT_ACTIONS = [
  ...OPERATIONS,
  'operator.enrolled',
  'operator.login',
  'operator.login_failed',
  'operator.locked_out',
  'operator.logout',
  'operator.second_factor_changed',
  'operator.recovery_code_used',
  'operator.password_changed',
  'approval.requested',
  'approval.granted',
  'approval.used',
  'api_token.created',
  'api_token.revoked',
  'audit.verified',
  /** A member confirmed marketing e-mail through their link (no operator: operatorId null). */
  'consent.confirmed',
  /** A confirmation link was refused; the entry holds no token and no reason. */
  'consent.confirmation_refused',
  /** HQ's daily privacy job (operator null): an erasure carried out after its hold. */
  'privacy.erasure_completed',
  /** HQ's daily privacy job: what a retention rule deleted (a kind and a count). */
  'privacy.retention_purged',
] as const;
export const OperatorAuditAction = z.enum(OPERATOR_AUDIT_ACTIONS);
export type OperatorAuditAction = z.infer<typeof OperatorAuditAction>;

// Ids, codes and counts only: no spaces, '@' or '+', so a name, an e-mail address or a formatted
// phone number cannot pass as a value by mistake.
const idText = z.string().regex(/^[A-Za-z0-9_.:-]{1,128}$/);
export const OperatorAuditDetails = z
  .record(
    z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,39}$/),
    z.union([
      idText,
      z.number().int().min(Number.MIN_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER),
      z.boolean(),
      z.null(),
    ]),
  )
  .refine((details) => Object.keys(details).length <= 20, { message: 'too_many_details' });
export type OperatorAuditDetails = z.infer<typeof OperatorAuditDetails>;

export const OperatorAuditInput = z.strictObject({
  /** null for what no operator did: a failed login of an unknown name, the system itself. */
  operatorId: idText.nullable(),
  action: OperatorAuditAction,
  subjectType: z
    .string()
    .regex(/^[a-z][a-z_]{0,39}$/)
    .nullable()
    .optional(),
  subjectId: idText.nullable().optional(),
  details: OperatorAuditDetails.optional(),
});
export type OperatorAuditInput = z.input<typeof OperatorAuditInput>;

/** One entry as stored and as exported (one JSON line each). */
export interface OperatorAuditEntry {
  seq: number;
  at: string;
  operatorId: string | null;
  action: string;
  subjectType: string | null;
  subjectId: string | null;
  details: Record<string, unknown>;
  prevHash: string;
  hash: string;
}

export const OperatorAuditEntrySchema = z.strictObject({
  seq: z.number().int().min(1),
  at: z.string(),
  operatorId: z.string().nullable(),
  action: z.string(),
  subjectType: z.string().nullable(),
  subjectId: z.string().nullable(),
  details: z.record(z.string(), z.unknown()),
  prevHash: z.string().regex(/^[0-9a-f]{64}$/),
  hash: z.string().regex(/^[0-9a-f]{64}$/),
});

export interface OperatorAuditHead {
  seq: number;
  hash: string;
}

export interface OperatorAuditVerification {
  ok: boolean;
  checked: number;
  /** The first entry that is missing, out of place or altered; null when the chain holds. */
  firstBrokenSeq: number | null;
  head: OperatorAuditHead;
}

/** The chained value over one entry; the same function verifies the table and an export. */
export function operatorAuditHash(
  key: Buffer,
  prevHash: string,
  entry: Omit<OperatorAuditEntry, 'prevHash' | 'hash'>,
): string {
  return auditChainLink(key, prevHash, {
    seq: entry.seq,
    at: entry.at,
    actorId: entry.operatorId,
    action: entry.action,
    subjectType: entry.subjectType,
    subjectId: entry.subjectId,
    detailsJson: canonicalJson(entry.details),
  });
}

const sameHash = (a: string, b: string): boolean =>
  a.length === b.length && timingSafeEqual(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

/**
 * Walks entries in seq order. A deleted entry shows as a gap, a reordered one as a broken link or a
 * bad MAC (its seq is inside it), an edited one as a bad MAC. With `expectedHead` (a head kept
 * outside HQ, e.g. from the last export), entries cut off the end are found too.
 */
export async function verifyOperatorAuditEntries(
  key: Buffer,
  /** null stands for an entry that could not be read (a malformed export line). */
  entries: AsyncIterable<OperatorAuditEntry | null> | Iterable<OperatorAuditEntry | null>,
  expectedHead?: OperatorAuditHead,
  /** Where the kept chain starts after a retention purge: the last deleted entry (genesis if none). */
  start?: OperatorAuditHead,
): Promise<OperatorAuditVerification> {
  let prev = start?.hash ?? OPERATOR_AUDIT_GENESIS_HASH;
  let expectedSeq = (start?.seq ?? 0) + 1;
  let checked = 0;
  const broken = (seq: number): OperatorAuditVerification => ({
    ok: false,
    checked,
    firstBrokenSeq: seq,
    head: { seq: expectedSeq - 1, hash: prev },
  });
  for await (const entry of entries) {
    if (entry === null || entry.seq !== expectedSeq) return broken(expectedSeq);
    if (!sameHash(entry.prevHash, prev) || !sameHash(operatorAuditHash(key, prev, entry), entry.hash)) {
      return broken(entry.seq);
    }
    if (expectedHead && entry.seq === expectedHead.seq && !sameHash(entry.hash, expectedHead.hash)) {
      return broken(entry.seq);
    }
    prev = entry.hash;
    expectedSeq += 1;
    checked += 1;
  }
  if (expectedHead && expectedHead.seq > expectedSeq - 1) return broken(expectedSeq);
  return { ok: true, checked, firstBrokenSeq: null, head: { seq: expectedSeq - 1, hash: prev } };
}

interface AuditRow {
  seq: unknown;
  at: Date | string;
  operator_id: string | null;
  action: string;
  subject_type: string | null;
  subject_id: string | null;
  details: unknown;
  prev_hash: string;
  hash: string;
}

function toEntry(row: AuditRow): OperatorAuditEntry {
  const details: unknown = typeof row.details === 'string' ? JSON.parse(row.details) : row.details;
  return {
    seq: toInt(row.seq),
    at: new Date(row.at).toISOString(),
    operatorId: row.operator_id,
    action: row.action,
    subjectType: row.subject_type,
    subjectId: row.subject_id,
    details: z.record(z.string(), z.unknown()).parse(details),
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

const PAGE = 500;

// One writer at a time: concurrent appends would read the same head and fork the chain.
const APPEND_LOCK = 7282;

export interface OperatorAuditLog {
  /** Appends one entry inside the caller's transaction `tx`; returns its seq. */
  append(tx: Queryable, input: OperatorAuditInput): Promise<number>;
  /** Every entry from `fromSeq` (default 1) in seq order, read a page at a time. */
  entries(fromSeq?: number): AsyncGenerator<OperatorAuditEntry>;
  /** The whole chain checked against the key (and `expectedHead`, if given). */
  verify(expectedHead?: OperatorAuditHead): Promise<OperatorAuditVerification>;
  /** One JSON line per entry, for an external auditor who holds the key (verifyOperatorAuditExport). */
  exportJsonLines(fromSeq?: number): AsyncGenerator<string>;
  head(q?: Queryable): Promise<OperatorAuditHead>;
  /** Where the kept chain starts: the last entry a retention purge deleted, or null if none was. */
  start(q?: Queryable): Promise<OperatorAuditHead | null>;
  /**
   * Deletes the entries older than `before` from the start of the chain (never the newest entry) in
   * the caller's transaction and keeps the last deleted one as the chain's start; returns what went.
   */
  purgeBefore(tx: Queryable, before: Date): Promise<{ count: number; start: OperatorAuditHead | null }>;
}

export function createOperatorAuditLog(deps: { db: HqDatabase; key: Buffer; now: () => Date }): OperatorAuditLog {
  const { db, key } = deps;
  if (key.length < 32) throw new TypeError('the operator audit key must be at least 32 bytes');

  async function head(q: Queryable = db): Promise<OperatorAuditHead> {
    const last = await q.query<{ seq: unknown; hash: string }>(
      'SELECT seq, hash FROM operator_audit ORDER BY seq DESC LIMIT 1',
    );
    const row = last.rows[0];
    return row ? { seq: toInt(row.seq), hash: row.hash } : { seq: 0, hash: OPERATOR_AUDIT_GENESIS_HASH };
  }

  async function start(q: Queryable = db): Promise<OperatorAuditHead | null> {
    const row = (
      await q.query<{ through_seq: unknown; through_hash: string }>(
        'SELECT through_seq, through_hash FROM operator_audit_retention WHERE id = 1',
      )
    ).rows[0];
    return row ? { seq: toInt(row.through_seq), hash: row.through_hash } : null;
  }

  async function* entries(fromSeq = 1): AsyncGenerator<OperatorAuditEntry> {
    let after = fromSeq - 1;
    for (;;) {
      const page = await db.query<AuditRow>(
        `SELECT seq, at, operator_id, action, subject_type, subject_id, details, prev_hash, hash
           FROM operator_audit WHERE seq > $1 ORDER BY seq LIMIT ${PAGE}`,
        [after],
      );
      for (const row of page.rows) yield toEntry(row);
      const last = page.rows.at(-1);
      if (!last || page.rows.length < PAGE) return;
      after = toInt(last.seq);
    }
  }

  return {
    async append(tx, input) {
      const parsed = OperatorAuditInput.parse(input);
      await tx.query('SELECT pg_advisory_xact_lock($1)', [APPEND_LOCK]);
      const previous = await head(tx);
      const entry = {
        seq: previous.seq + 1,
        at: deps.now().toISOString(),
        operatorId: parsed.operatorId,
        action: parsed.action,
        subjectType: parsed.subjectType ?? null,
        subjectId: parsed.subjectId ?? null,
        details: parsed.details ?? {},
      };
      await tx.query(
        `INSERT INTO operator_audit (seq, at, operator_id, action, subject_type, subject_id, details, prev_hash, hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9)`,
        [
          entry.seq,
          entry.at,
          entry.operatorId,
          entry.action,
          entry.subjectType,
          entry.subjectId,
          canonicalJson(entry.details),
          previous.hash,
          operatorAuditHash(key, previous.hash, entry),
        ],
      );
      return entry.seq;
    },
    entries,
    async verify(expectedHead) {
      return verifyOperatorAuditEntries(key, entries(), expectedHead, (await start()) ?? undefined);
    },
    start,
    async purgeBefore(tx, before) {
      // The append lock: no entry is added while the start of the chain moves.
      await tx.query('SELECT pg_advisory_xact_lock($1)', [APPEND_LOCK]);
      const last = (
        await tx.query<{ seq: unknown; hash: string }>(
          `SELECT seq, hash FROM operator_audit
            WHERE at < $1 AND seq < (SELECT max(seq) FROM operator_audit) ORDER BY seq DESC LIMIT 1`,
          [before],
        )
      ).rows[0];
      if (!last) return { count: 0, start: await start(tx) };
      const through = { seq: toInt(last.seq), hash: last.hash };
      const deleted = await tx.query('DELETE FROM operator_audit WHERE seq <= $1 RETURNING seq', [through.seq]);
      await tx.query(
        `INSERT INTO operator_audit_retention (id, through_seq, through_hash, purged_at) VALUES (1, $1, $2, $3)
         ON CONFLICT (id) DO UPDATE SET through_seq = excluded.through_seq, through_hash = excluded.through_hash,
           purged_at = excluded.purged_at`,
        [through.seq, through.hash, deps.now()],
      );
      return { count: deleted.rows.length, start: through };
    },
    async *exportJsonLines(fromSeq) {
      for await (const entry of entries(fromSeq)) yield canonicalJson(entry);
    },
    head,
  };
}

/** One export line as an entry, or null when it is not JSON or not an entry. */
function parseExportLine(line: string): OperatorAuditEntry | null {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    if (error instanceof SyntaxError) return null;
    throw error;
  }
  const parsed = OperatorAuditEntrySchema.safeParse(value);
  return parsed.success ? parsed.data : null;
}

/**
 * Checks an export (every line from the chain's start: seq 1, or after a retention purge the entry
 * after `start`) with the key, as an external auditor would; a line that is not an entry is named
 * like an altered one.
 */
export function verifyOperatorAuditExport(
  key: Buffer,
  lines: Iterable<string>,
  expectedHead?: OperatorAuditHead,
  /** The chain's start after a retention purge (the entry recording the purge names it). */
  start?: OperatorAuditHead,
): Promise<OperatorAuditVerification> {
  function* parsed(): Generator<OperatorAuditEntry | null> {
    for (const line of lines) if (line.trim() !== '') yield parseExportLine(line);
  }
  return verifyOperatorAuditEntries(key, parsed(), expectedHead, start);
}
