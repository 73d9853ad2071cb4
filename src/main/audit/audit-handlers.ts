import type { Database } from 'better-sqlite3-multiple-ciphers';
import type { DomainHandlers } from '../ipc/router';
import type { AuditLog } from './audit-log';

/** audit.*: the log, and a verification of its hash chain (itself audited). */
export function auditHandlers(deps: { db: Database; audit: AuditLog }): DomainHandlers<'audit'> {
  const { db, audit } = deps;
  return {
    'audit.list': (filter) => audit.list(filter),
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
  };
}
