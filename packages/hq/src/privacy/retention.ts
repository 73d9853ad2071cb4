import { randomUUID } from 'node:crypto';
import type { HqDatabase, Queryable } from '../db/database';
import { toInt } from '../db/database';
import type { OperatorAuditLog } from '../operators/operator-audit';
import { RETENTION_ERASURE_REASON } from '../../../../src/shared/privacy/requests';
import { recordErasureRequest } from './erasure';
import { readPrivacyPolicy, type PrivacyPolicy } from './policy';

/**
 * Retention at HQ (GDPR Art. 5(1)(e); DESIGN §6), by the chain's privacy policy:
 * - members with no activity for inactiveMemberMonths are anonymised (an erasure with the reason
 *   'inactivity', so the ledger stays under a token as for any erasure);
 * - operator audit entries older than auditRetentionYears are deleted from the start of the chain;
 *   HQ's copy of the tills' audit chains (till_audit) goes by the same years, as each till purges
 *   its own (the device's last seq and hash stay on devices, so later uploads still chain on);
 * - export documents past exportRetentionDays are deleted (privacy-job.ts).
 * A member on legal hold is kept whatever the rules say. The till keeps full contacts only until HQ
 * acknowledged them (src/main/sync/engine/apply-push.ts): that rule needs no job here.
 */

/** Activity counts from the last op a till sent about the member, else from the enrolment. */
const LAST_ACTIVITY = 'COALESCE(m.last_activity_at, m.enrolled_at)';
const INACTIVE_BEFORE = `$1::timestamptz - make_interval(months => $2::int)`;

/** Members the inactivity rule anonymises at `at` (none when the rule is off), oldest activity first. */
async function inactiveMembers(q: Queryable, policy: PrivacyPolicy, at: Date, limit: number): Promise<string[]> {
  if (policy.inactiveMemberMonths === null) return [];
  const found = await q.query<{ id: string }>(
    `SELECT m.id FROM members m
      WHERE m.erased_at IS NULL AND m.legal_hold_reason IS NULL AND ${LAST_ACTIVITY} < ${INACTIVE_BEFORE}
        AND NOT EXISTS (SELECT 1 FROM erasure_requests r WHERE r.member_id = m.id AND r.status = 'pending')
      ORDER BY ${LAST_ACTIVITY}, m.id LIMIT ${limit}`,
    [at, policy.inactiveMemberMonths],
  );
  return found.rows.map((row) => row.id);
}

export interface RetentionResult {
  /** Members anonymised for inactivity. */
  anonymised: number;
  /** Operator audit entries deleted for age. */
  auditEntriesDeleted: number;
  /** Entries of the tills' audit chains (HQ's copy) deleted for age. */
  tillAuditEntriesDeleted: number;
}

/** Runs the inactivity and audit rules now; each purge is audited by the system (operator null). */
export async function runRetention(deps: {
  db: HqDatabase;
  audit: OperatorAuditLog;
  now: Date;
}): Promise<RetentionResult> {
  const { db, audit, now } = deps;
  const policy = await readPrivacyPolicy(db);
  let anonymised = 0;
  // In batches, one transaction per member: a long run never holds many member locks at once.
  for (;;) {
    const batch = await inactiveMembers(db, policy, now, 200);
    if (batch.length === 0) break;
    for (const memberId of batch) {
      const erased = await db.transaction(async (tx) => {
        const outcome = await recordErasureRequest(
          tx,
          { id: randomUUID(), memberId, source: 'retention', reasonCode: RETENTION_ERASURE_REASON },
          now,
        );
        if (outcome.kind !== 'recorded' || outcome.erasedAt === null) return false;
        await audit.append(tx, {
          operatorId: null,
          action: 'privacy.erasure_completed',
          subjectType: 'member',
          subjectId: memberId,
          details: {
            erasureRequest: outcome.requestId,
            rule: 'inactivity',
            ledgerRows: outcome.counts?.ledgerRows ?? 0,
            opsScrubbed: outcome.counts?.opsScrubbed ?? 0,
          },
        });
        return true;
      });
      if (erased) anonymised += 1;
    }
    // A member held by a recent purchase stays pending (and out of the next batch): no endless loop.
    if (batch.length < 200) break;
  }
  const auditEntriesDeleted = await db.transaction(async (tx) => {
    const cutoff = new Date(now);
    cutoff.setUTCFullYear(cutoff.getUTCFullYear() - policy.auditRetentionYears);
    const purged = await audit.purgeBefore(tx, cutoff);
    if (purged.count > 0 && purged.start) {
      await audit.append(tx, {
        operatorId: null,
        action: 'privacy.retention_purged',
        details: {
          kind: 'operator_audit',
          count: purged.count,
          throughSeq: purged.start.seq,
          throughHash: purged.start.hash,
        },
      });
    }
    return purged.count;
  });
  const tillAuditEntriesDeleted = await db.transaction(async (tx) => {
    const cutoff = new Date(now);
    cutoff.setUTCFullYear(cutoff.getUTCFullYear() - policy.auditRetentionYears);
    const deleted = await tx.query('DELETE FROM till_audit WHERE at < $1 RETURNING seq', [cutoff]);
    if (deleted.rows.length > 0) {
      await audit.append(tx, {
        operatorId: null,
        action: 'privacy.retention_purged',
        details: { kind: 'till_audit', count: deleted.rows.length },
      });
    }
    return deleted.rows.length;
  });
  return { anonymised, auditEntriesDeleted, tillAuditEntriesDeleted };
}

/** What the rules will delete within `days` from `now`, for the console (counts only). */
export interface RetentionPreview {
  horizonDays: number;
  inactiveMembers: number;
  erasuresDue: number;
  exportsExpiring: number;
  auditEntries: number;
  /** Entries of HQ's copy of the tills' audit chains. */
  tillAuditEntries: number;
  legalHolds: number;
}

export async function previewRetention(q: Queryable, now: Date, days: number): Promise<RetentionPreview> {
  const policy = await readPrivacyPolicy(q);
  const horizon = new Date(now.getTime() + days * 24 * 60 * 60 * 1000);
  const count = async (sql: string, params: unknown[]) =>
    toInt((await q.query<{ n: unknown }>(sql, params)).rows[0]?.n);
  const auditCutoff = new Date(horizon);
  auditCutoff.setUTCFullYear(auditCutoff.getUTCFullYear() - policy.auditRetentionYears);
  return {
    horizonDays: days,
    inactiveMembers:
      policy.inactiveMemberMonths === null
        ? 0
        : await count(
            `SELECT count(*) AS n FROM members m WHERE m.erased_at IS NULL AND m.legal_hold_reason IS NULL
               AND ${LAST_ACTIVITY} < ${INACTIVE_BEFORE}`,
            [horizon, policy.inactiveMemberMonths],
          ),
    erasuresDue: await count(
      `SELECT count(*) AS n FROM erasure_requests r JOIN members m ON m.id = r.member_id
        WHERE r.status = 'pending' AND r.due_at <= $1 AND m.legal_hold_reason IS NULL`,
      [horizon],
    ),
    exportsExpiring: await count(
      'SELECT count(*) AS n FROM member_exports WHERE document IS NOT NULL AND expires_at <= $1',
      [horizon],
    ),
    auditEntries: await count(
      'SELECT count(*) AS n FROM operator_audit WHERE at < $1 AND seq < (SELECT max(seq) FROM operator_audit)',
      [auditCutoff],
    ),
    tillAuditEntries: await count('SELECT count(*) AS n FROM till_audit WHERE at < $1', [auditCutoff]),
    legalHolds: await count('SELECT count(*) AS n FROM members WHERE legal_hold_reason IS NOT NULL', []),
  };
}
