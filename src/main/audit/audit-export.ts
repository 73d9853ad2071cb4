import type { Database } from 'better-sqlite3-multiple-ciphers';
import { describeAuditEntry, type AuditLanguage } from '../../shared/audit/describe';
import type { AuditActionGroup } from '../../shared/audit/schemas';
import { KEY_VERSION, TILL_KEY_PURPOSES } from '../keychain/derived-keys';
import { GENESIS_HASH, type AuditLog } from './audit-log';
import { toAuditEntry, type AuditQuery, type AuditQueryFilter } from './audit-query';
import type { AuditLabels } from './audit-labels';

export interface AuditExportRequest extends AuditQueryFilter {
  group?: AuditActionGroup | undefined;
  language: AuditLanguage;
  cursor?: { afterSeq: number; throughSeq: number } | undefined;
  limit?: number | undefined;
}

const PAGE = 500;

const CSV_HEADER: Readonly<Record<AuditLanguage, readonly string[]>> = {
  en: ['No.', 'Time (UTC)', 'Staff', 'What happened', 'Details'],
  ru: ['№', 'Время (UTC)', 'Сотрудник', 'Что произошло', 'Подробности'],
};

/**
 * One CSV field: always quoted, quotes doubled; a value a spreadsheet would run as a formula
 * (= + - @ at the start) gets a leading apostrophe (OWASP's CSV injection advice).
 */
export function csvField(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return `"${safe.replace(/"/g, '""')}"`;
}

const csvLine = (fields: readonly string[]) => `${fields.map(csvField).join(',')}\r\n`;

/**
 * The auditor's export (audit.export), page by page so a long range never sits whole in memory.
 * The first page fixes the range at the newest entry, counts it and appends `audit.exported` (ids,
 * counts and the range only), then every page answers its entries oldest first: CSV lines in the
 * page language and JSON lines of the raw chained entries (seq, prev_hash, hash), the first line
 * naming the chain's kept start and the key of each key_version, so that an auditor with the chain
 * key can check every link.
 */
export function createAuditExport(deps: {
  db: Database;
  audit: AuditLog;
  query: AuditQuery;
  labels: AuditLabels;
  now: () => Date;
}) {
  const { db, audit, query } = deps;
  const staffNames = db.prepare<[], { id: string; display_name: string }>('SELECT id, display_name FROM staff');
  const chainStart = db.prepare<[], { through_seq: number; through_hash: string }>(
    'SELECT through_seq, through_hash FROM audit_retention WHERE id = 1',
  );

  return function exportPage(request: AuditExportRequest, staffId: string | null) {
    const limit = request.limit ?? PAGE;
    let cursor = request.cursor;
    let preamble = '';
    let header = '';
    if (!cursor) {
      const throughSeq = audit.head().seq;
      const total = query.count(request, throughSeq);
      const start = chainStart.get();
      db.transaction(() =>
        audit.append({
          staffId,
          action: 'audit.exported',
          details: {
            entries: total,
            throughSeq,
            from: request.from ?? null,
            to: request.to ?? null,
            group: request.group ?? null,
            filteredStaffId: request.staffId ?? null,
            byMember: Boolean(request.memberCard),
          },
        }),
      ).immediate();
      preamble = `${JSON.stringify({
        kind: 'loyalty-desk/till-audit-export',
        version: 1,
        exportedAt: deps.now().toISOString(),
        chainStart: start ? { seq: start.through_seq, hash: start.through_hash } : { seq: 0, hash: GENESIS_HASH },
        throughSeq,
        // Which key checks a line's hash, by its key_version: an auditor given the chain's audit key
        // derives the second; the first is needed only for entries from before migration 9.
        keyVersions: {
          [KEY_VERSION.legacy]: 'the till audit key',
          [KEY_VERSION.derived]: `HKDF-SHA256(the till audit key, empty salt, info "${TILL_KEY_PURPOSES['audit-chain']}", 32 bytes)`,
        },
        filtered: Boolean(
          request.staffId || request.action || request.group || request.memberCard || request.from || request.to,
        ),
      })}\n`;
      header = csvLine(CSV_HEADER[request.language]);
      cursor = { afterSeq: 0, throughSeq };
    }
    const page = query.oldestFirst(request, { ...cursor, limit });
    const total = query.count(request, cursor.throughSeq);
    const entries = page.rows.map(toAuditEntry);
    const { members, rewards } = deps.labels(entries);
    const names = new Map(staffNames.all().map((row) => [row.id, row.display_name]));
    const book = {
      staff: (id: string) => names.get(id) ?? null,
      member: (id: string) => members[id] ?? null,
      reward: (id: string) => rewards[id]?.[request.language] ?? null,
    };
    let csv = header;
    let jsonl = preamble;
    for (const [i, entry] of entries.entries()) {
      const described = describeAuditEntry(entry, request.language, book);
      csv += csvLine([String(entry.seq), entry.at, described.actor, described.sentence, described.details.join('; ')]);
      const row = page.rows[i];
      jsonl += `${JSON.stringify({ ...entry, prev_hash: row?.prev_hash, hash: row?.hash, key_version: row?.key_version })}\n`;
    }
    const last = page.rows.at(-1);
    return {
      csv,
      jsonl,
      count: entries.length,
      total,
      next: last && page.rows.length === limit ? { afterSeq: last.seq, throughSeq: cursor.throughSeq } : null,
      ...(page.memberNotFound ? { memberNotFound: true } : {}),
    };
  };
}
export type AuditExport = ReturnType<typeof createAuditExport>;
