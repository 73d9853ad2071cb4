import type { Database } from 'better-sqlite3-multiple-ciphers';
import type { DomainHandlers } from '../ipc/router';
import { createAuditExport } from './audit-export';
import { createAuditLabels } from './audit-labels';
import type { AuditLog } from './audit-log';
import { createAuditQuery, toAuditEntry } from './audit-query';

/**
 * audit.*: the log (with the members it names, masked, resolved here), a verification of its
 * hash chain and the auditor's export (both themselves audited).
 */
export function auditHandlers(deps: {
  db: Database;
  audit: AuditLog;
  /** Labels the export's file only (exportedAt). */
  now?: () => Date;
}): DomainHandlers<'audit'> {
  const { db, audit } = deps;
  const query = createAuditQuery(db);
  const labels = createAuditLabels(db);
  const exportPage = createAuditExport({ db, audit, query, labels, now: deps.now ?? (() => new Date()) });
  return {
    'audit.list': (filter) => {
      const page = query.newestFirst(filter, { beforeSeq: filter.beforeSeq, limit: filter.limit ?? 50 });
      const entries = page.rows.map(toAuditEntry);
      const { members, rewards } = labels(entries);
      return {
        entries,
        hasMore: page.hasMore,
        // Only when there is something to name: a page about staff alone answers as it always did.
        ...(Object.keys(members).length > 0 ? { members } : {}),
        ...(Object.keys(rewards).length > 0 ? { rewards } : {}),
        ...(page.memberNotFound ? { memberNotFound: true } : {}),
      };
    },
    'audit.verify': (_request, session) => {
      const result = audit.verify();
      db.transaction(() =>
        audit.append({
          staffId: session?.staffId ?? null,
          action: 'audit.verified',
          details: { ok: result.ok, checked: result.checked, firstBrokenSeq: result.firstBrokenSeq },
        }),
      ).immediate();
      return result;
    },
    'audit.export': (request, session) => exportPage(request, session?.staffId ?? null),
  };
}
