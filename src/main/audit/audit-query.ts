import type { Database } from 'better-sqlite3-multiple-ciphers';
import { AUDIT_ACTION_GROUPS, type AuditActionGroup, type AuditEntry } from '../../shared/audit/schemas';
import { compactCardNumber } from '../../shared/members/card-number';

/** The log's filters as the audit.list and audit.export requests carry them. */
export interface AuditQueryFilter {
  staffId?: string | undefined;
  action?: string | undefined;
  group?: AuditActionGroup | undefined;
  memberCard?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
}

export interface AuditRowWithChain {
  seq: number;
  at: string;
  staff_id: string | null;
  action: string;
  subject_type: string | null;
  subject_id: string | null;
  details: string;
  prev_hash: string;
  hash: string;
  /** Which key made `hash` (audit-log.ts, keychain/derived-keys.ts KEY_VERSION). */
  key_version: number;
}

export function toAuditEntry(row: AuditRowWithChain): AuditEntry {
  return {
    seq: row.seq,
    at: row.at,
    staffId: row.staff_id,
    action: row.action,
    subjectType: row.subject_type,
    subjectId: row.subject_id,
    details: JSON.parse(row.details) as AuditEntry['details'],
  };
}

export type AuditWhere =
  { ok: true; sql: string; params: Record<string, string | number> } | { ok: false; memberNotFound: true };

/**
 * Reads of the audit table for the log's screen and its export, beside audit-log.ts (which
 * appends and verifies). The member filter takes a card number and looks the member up here, so the
 * card never reaches an entry; entries about a member are those with the member as subject, or
 * naming them as an approval's target.
 */
export function createAuditQuery(db: Database) {
  const memberByCard = db.prepare<[string], { id: string }>('SELECT id FROM members WHERE card_number = ?');

  function where(filter: AuditQueryFilter, bounds: { beforeSeq?: number; afterSeq?: number; throughSeq?: number }) {
    const clauses: string[] = [];
    const params: Record<string, string | number> = {};
    if (filter.staffId) {
      clauses.push('staff_id = @staffId');
      params.staffId = filter.staffId;
    }
    if (filter.action) {
      clauses.push('action = @action');
      params.action = filter.action;
    }
    if (filter.group) {
      const actions = AUDIT_ACTION_GROUPS[filter.group];
      clauses.push(`action IN (${actions.map((_, i) => `@group${i}`).join(', ')})`);
      actions.forEach((action, i) => (params[`group${i}`] = action));
    }
    if (filter.memberCard) {
      const member = memberByCard.get(compactCardNumber(filter.memberCard));
      if (!member) return { ok: false, memberNotFound: true } as const;
      clauses.push(
        `((subject_type = 'member' AND subject_id = @memberId) OR json_extract(details, '$.target') = @memberId
          OR json_extract(details, '$.memberId') = @memberId)`,
      );
      params.memberId = member.id;
    }
    if (filter.from) {
      clauses.push('at >= @from');
      params.from = new Date(filter.from).toISOString();
    }
    if (filter.to) {
      clauses.push('at <= @to');
      params.to = new Date(filter.to).toISOString();
    }
    if (bounds.beforeSeq !== undefined) {
      clauses.push('seq < @beforeSeq');
      params.beforeSeq = bounds.beforeSeq;
    }
    if (bounds.afterSeq !== undefined) {
      clauses.push('seq > @afterSeq');
      params.afterSeq = bounds.afterSeq;
    }
    if (bounds.throughSeq !== undefined) {
      clauses.push('seq <= @throughSeq');
      params.throughSeq = bounds.throughSeq;
    }
    return { ok: true, sql: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '', params } as const;
  }

  return {
    /** Newest first, a page of `limit` before `beforeSeq`. */
    newestFirst(filter: AuditQueryFilter, page: { beforeSeq?: number | undefined; limit: number }) {
      const built = where(filter, page.beforeSeq ? { beforeSeq: page.beforeSeq } : {});
      if (!built.ok) return { rows: [] as AuditRowWithChain[], hasMore: false, memberNotFound: true };
      const rows = db
        .prepare<Record<string, string | number>, AuditRowWithChain>(
          `SELECT * FROM audit ${built.sql} ORDER BY seq DESC LIMIT @limit`,
        )
        .all({ ...built.params, limit: page.limit + 1 });
      return { rows: rows.slice(0, page.limit), hasMore: rows.length > page.limit, memberNotFound: false };
    },

    /** Oldest first after `afterSeq` up to `throughSeq`, for the export's pages; and the count of all. */
    oldestFirst(filter: AuditQueryFilter, page: { afterSeq: number; throughSeq: number; limit: number }) {
      const built = where(filter, { afterSeq: page.afterSeq, throughSeq: page.throughSeq });
      if (!built.ok) return { rows: [] as AuditRowWithChain[], memberNotFound: true };
      const rows = db
        .prepare<Record<string, string | number>, AuditRowWithChain>(
          `SELECT * FROM audit ${built.sql} ORDER BY seq LIMIT @limit`,
        )
        .all({ ...built.params, limit: page.limit });
      return { rows, memberNotFound: false };
    },

    count(filter: AuditQueryFilter, throughSeq: number): number {
      const built = where(filter, { throughSeq });
      if (!built.ok) return 0;
      return (
        db
          .prepare<Record<string, string | number>, { n: number }>(`SELECT count(*) AS n FROM audit ${built.sql}`)
          .get(built.params)?.n ?? 0
      );
    },
  };
}
export type AuditQuery = ReturnType<typeof createAuditQuery>;
