import { AUDIT_GENESIS_HASH, auditChainLink } from '../../node-shared/audit-chain-link';
import type { Database } from 'better-sqlite3-multiple-ciphers';
import type { AuditAction, AuditEntry } from '../../shared/audit/schemas';
import { canonicalJson } from '../../shared/canonical-json';
import { KEY_VERSION, isKeyVersion, tillKeysFor } from '../keychain/derived-keys';
import { createAuditQuery, toAuditEntry } from './audit-query';

export const GENESIS_HASH = AUDIT_GENESIS_HASH;

export type AuditDetails = Record<string, string | number | boolean | null>;

export interface AuditInput {
  staffId: string | null;
  action: AuditAction;
  subjectType?: string | null;
  subjectId?: string | null;
  /** Ids, codes and counts only: never names, contacts, PINs or free text typed by staff. */
  details?: AuditDetails;
}

interface AuditRow {
  seq: number;
  at: string;
  staff_id: string | null;
  action: string;
  subject_type: string | null;
  subject_id: string | null;
  details: string;
  prev_hash: string;
  hash: string;
  /** Which key made `hash`: 1 the audit key itself (entries from before migration 9), 2 its HKDF key. */
  key_version: number;
}

export interface AuditFilter {
  staffId?: string | undefined;
  action?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
  beforeSeq?: number | undefined;
  limit?: number | undefined;
}

export interface AuditLog {
  /** Appends one entry. Call inside the transaction of the change it records: both commit or neither. */
  append(input: AuditInput): number;
  list(filter: AuditFilter): { entries: AuditEntry[]; hasMore: boolean };
  verify(): { ok: boolean; checked: number; firstBrokenSeq: number | null };
  head(): { seq: number; hash: string };
  /**
   * Deletes the entries older than `beforeIso` from the start of the chain, never the newest, and
   * keeps the last deleted one as the chain's start (verify() begins there). Inside a transaction.
   */
  purgeBefore(beforeIso: string): { count: number; start: { seq: number; hash: string } | null };
}

/**
 * The chained value: h_i = HMAC(k, h_{i-1} || canonical(entry)), with the sequence number inside; k is
 * the key of the entry's key_version (keychain/derived-keys.ts 'audit-chain' for every new entry).
 */
export function chainHash(
  key: Buffer,
  prevHash: string,
  row: Omit<AuditRow, 'prev_hash' | 'hash' | 'key_version'>,
): string {
  return auditChainLink(key, prevHash, {
    seq: row.seq,
    at: row.at,
    actorId: row.staff_id,
    action: row.action,
    subjectType: row.subject_type,
    subjectId: row.subject_id,
    detailsJson: row.details,
  });
}

/**
 * `key` is the till's audit key (DeviceSecrets.auditKey): new entries are MACed under its 'audit-chain'
 * HKDF key (key_version 2); entries from before migration 9 (key_version 1) verify under the key itself.
 */
export function createAuditLog(deps: { db: Database; key: string; now: () => Date }): AuditLog {
  const { db } = deps;
  const keys = tillKeysFor(deps.key, 'audit-chain');
  const last = db.prepare<[], { seq: number; hash: string }>('SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1');
  const insert = db.prepare(
    `INSERT INTO audit (seq, at, staff_id, action, subject_type, subject_id, details, prev_hash, hash, key_version)
     VALUES (@seq, @at, @staff_id, @action, @subject_type, @subject_id, @details, @prev_hash, @hash, @key_version)`,
  );
  const all = db.prepare<[], AuditRow>('SELECT * FROM audit ORDER BY seq');
  const query = createAuditQuery(db);
  const start = db.prepare<[], { through_seq: number; through_hash: string }>(
    'SELECT through_seq, through_hash FROM audit_retention WHERE id = 1',
  );
  const lastOlder = db.prepare<[string], { seq: number; hash: string }>(
    `SELECT seq, hash FROM audit WHERE at < ? AND seq < (SELECT max(seq) FROM audit) ORDER BY seq DESC LIMIT 1`,
  );
  const deleteThrough = db.prepare<[number]>('DELETE FROM audit WHERE seq <= ?');
  const setStart = db.prepare<{ seq: number; hash: string; at: string }>(
    `INSERT INTO audit_retention (id, through_seq, through_hash, purged_at) VALUES (1, @seq, @hash, @at)
     ON CONFLICT (id) DO UPDATE SET through_seq = excluded.through_seq, through_hash = excluded.through_hash,
       purged_at = excluded.purged_at`,
  );

  return {
    append(input) {
      if (!db.inTransaction) throw new Error('audit entries are written inside the transaction they record');
      const previous = last.get() ?? { seq: 0, hash: GENESIS_HASH };
      const row = {
        seq: previous.seq + 1,
        at: deps.now().toISOString(),
        staff_id: input.staffId,
        action: input.action,
        subject_type: input.subjectType ?? null,
        subject_id: input.subjectId ?? null,
        details: canonicalJson(input.details ?? {}),
      };
      insert.run({
        ...row,
        prev_hash: previous.hash,
        hash: chainHash(keys[KEY_VERSION.derived], previous.hash, row),
        key_version: KEY_VERSION.derived,
      });
      return row.seq;
    },

    list(filter) {
      // The one filter builder (audit-query.ts) serves this list, the screen's and the export.
      const page = query.newestFirst(filter, { beforeSeq: filter.beforeSeq, limit: filter.limit ?? 50 });
      return { entries: page.rows.map(toAuditEntry), hasMore: page.hasMore };
    },

    verify() {
      const from = start.get();
      let prev = from?.through_hash ?? GENESIS_HASH;
      let expectedSeq = (from?.through_seq ?? 0) + 1;
      let checked = 0;
      let version: number = KEY_VERSION.legacy;
      for (const row of all.iterate()) {
        // A deleted row shows as a gap, a reordered one as a broken link, an edited one as a bad MAC.
        if (row.seq !== expectedSeq) return { ok: false, checked, firstBrokenSeq: expectedSeq };
        // The key switches once, forwards (migration 9): an entry back on the old key after a
        // derived one, or on a version this build does not know, is a broken entry.
        if (!isKeyVersion(row.key_version) || row.key_version < version) {
          return { ok: false, checked, firstBrokenSeq: row.seq };
        }
        version = row.key_version;
        if (row.prev_hash !== prev || chainHash(keys[row.key_version], prev, row) !== row.hash) {
          return { ok: false, checked, firstBrokenSeq: row.seq };
        }
        prev = row.hash;
        expectedSeq += 1;
        checked += 1;
      }
      return { ok: true, checked, firstBrokenSeq: null };
    },

    head() {
      return last.get() ?? { seq: 0, hash: GENESIS_HASH };
    },

    purgeBefore(beforeIso) {
      if (!db.inTransaction) throw new Error('the audit retention purge runs inside a transaction');
      const through = lastOlder.get(beforeIso);
      if (!through) {
        const kept = start.get();
        return { count: 0, start: kept ? { seq: kept.through_seq, hash: kept.through_hash } : null };
      }
      const count = deleteThrough.run(through.seq).changes;
      setStart.run({ seq: through.seq, hash: through.hash, at: deps.now().toISOString() });
      return { count, start: { seq: through.seq, hash: through.hash } };
    },
  };
}
