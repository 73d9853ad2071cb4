import type { HqDatabase } from '../db/database';
import { scheduleJob } from '../jobs/schedule-job';
import type { OperatorAuditLog } from '../operators/operator-audit';
import { eraseDueMembers } from './erasure';
import { runRetention } from './retention';

export interface PrivacyJobDeps {
  db: HqDatabase;
  audit: OperatorAuditLog;
  now: () => Date;
}

export interface PrivacyJobResult {
  /** Erasures whose hold ended and that were carried out. */
  erased: number;
  /** Export documents past the chain's export retention that were deleted. */
  exportsDeleted: number;
  /** Members anonymised for inactivity. */
  anonymised: number;
  /** Operator audit entries deleted for age. */
  auditEntriesDeleted: number;
  /** Entries of the tills' audit chains (HQ's copy) deleted for age. */
  tillAuditEntriesDeleted: number;
}

/**
 * HQ's privacy job (DESIGN §6): carries out erasures whose hold has passed, deletes export
 * documents past their retention and applies the retention rules (retention.ts), each audited by
 * the system (operator null). Safe to run often
 * and from several HQ processes: each erasure re-checks its member under the row lock.
 */
export async function runPrivacyJob(deps: PrivacyJobDeps): Promise<PrivacyJobResult> {
  const now = deps.now();
  const erased = await eraseDueMembers(deps.db, now, async (tx, memberId, requestId, counts) => {
    await deps.audit.append(tx, {
      operatorId: null,
      action: 'privacy.erasure_completed',
      subjectType: 'member',
      subjectId: memberId,
      details: { erasureRequest: requestId, ledgerRows: counts.ledgerRows, opsScrubbed: counts.opsScrubbed },
    });
  });
  const exportsDeleted = await deps.db.transaction(async (tx) => {
    const deleted = await tx.query(
      `UPDATE member_exports SET document = NULL, deleted_at = $1
        WHERE document IS NOT NULL AND expires_at <= $1 RETURNING id`,
      [now],
    );
    if (deleted.rows.length > 0) {
      await deps.audit.append(tx, {
        operatorId: null,
        action: 'privacy.retention_purged',
        details: { kind: 'member_exports', count: deleted.rows.length },
      });
    }
    return deleted.rows.length;
  });
  const retention = await runRetention({ db: deps.db, audit: deps.audit, now });
  return { erased, exportsDeleted, ...retention };
}

/** Runs the job now and then every `intervalMs` (an hour by default) until stopped; failures are reported, not fatal. */
export function schedulePrivacyJob(
  deps: PrivacyJobDeps,
  report: { done(result: PrivacyJobResult): void; failed(error: unknown): void },
  intervalMs = 60 * 60 * 1000,
): { stop(): void } {
  // Leased: several HQ processes on one database run it once an hour between them.
  return scheduleJob(() => runPrivacyJob(deps), report, intervalMs, { db: deps.db, name: 'privacy', now: deps.now });
}
