import type { Database } from 'better-sqlite3-multiple-ciphers';
import type { AuditLog } from '../audit/audit-log';
import type { Logger } from '../logging/logger';

export interface TillRetentionResult {
  auditEntriesDeleted: number;
}

/**
 * The till's retention job (DESIGN §6): audit entries older than the chain's policy (pulled from HQ;
 * 6 years on a till that never heard) are deleted from the start of the chain, which keeps its new
 * start so the rest still verifies; the purge is itself an audit entry. The till's other rules run
 * where the data changes: full contacts go once HQ acknowledged them (sync/engine/apply-push.ts),
 * stored write answers after 7 days (requests/request-log.ts).
 */
export function createTillRetention(deps: {
  db: Database;
  audit: AuditLog;
  auditRetentionYears: () => number;
  now: () => Date;
}): () => TillRetentionResult {
  return () =>
    deps.db
      .transaction((): TillRetentionResult => {
        const cutoff = new Date(deps.now());
        cutoff.setUTCFullYear(cutoff.getUTCFullYear() - deps.auditRetentionYears());
        const purged = deps.audit.purgeBefore(cutoff.toISOString());
        if (purged.count > 0 && purged.start) {
          deps.audit.append({
            staffId: null,
            action: 'audit.purged',
            details: { count: purged.count, throughSeq: purged.start.seq, years: deps.auditRetentionYears() },
          });
        }
        return { auditEntriesDeleted: purged.count };
      })
      .immediate();
}

/** Runs the job now and every `intervalMs` (a day) until stopped; a failure is logged and tried again next time. */
export function scheduleTillRetention(
  run: () => TillRetentionResult,
  logger: Logger,
  intervalMs = 24 * 60 * 60 * 1000,
): () => void {
  const tick = () => {
    try {
      const result = run();
      if (result.auditEntriesDeleted > 0) logger.info('retention.purged', { ...result });
    } catch (error) {
      // A background job with no caller to tell: the failure is logged (name only) and the next run tries again.
      logger.error('retention.failed', { name: error instanceof Error ? error.name : 'error' });
    }
  };
  tick();
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
