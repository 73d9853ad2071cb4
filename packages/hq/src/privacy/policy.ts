import type { PrivacyPolicy } from './policy-schema';
import { toInt, type Queryable } from '../db/database';

export { PrivacyPolicy } from './policy-schema';

export interface StoredPrivacyPolicy extends PrivacyPolicy {
  version: number;
  updatedAt: string | null;
}

interface PolicyRow {
  erasure_hold_days: unknown;
  inactive_member_months: unknown;
  audit_retention_years: unknown;
  export_retention_days: unknown;
  confirmation_ttl_hours: unknown;
  version: unknown;
  updated_at: Date | null;
}

export async function readPrivacyPolicy(q: Queryable): Promise<StoredPrivacyPolicy> {
  const row = (
    await q.query<PolicyRow>(
      `SELECT erasure_hold_days, inactive_member_months, audit_retention_years, export_retention_days,
         confirmation_ttl_hours, version, updated_at FROM privacy_policy WHERE id = 1`,
    )
  ).rows[0];
  if (!row) throw new Error('privacy_policy row missing (migration 12)');
  return {
    erasureHoldDays: toInt(row.erasure_hold_days),
    inactiveMemberMonths: row.inactive_member_months === null ? null : toInt(row.inactive_member_months),
    auditRetentionYears: toInt(row.audit_retention_years),
    exportRetentionDays: toInt(row.export_retention_days),
    confirmationTtlHours: toInt(row.confirmation_ttl_hours),
    version: toInt(row.version),
    updatedAt: row.updated_at === null ? null : new Date(row.updated_at).toISOString(),
  };
}

/** Replaces the policy if `baseVersion` is still the current one; returns the new version or null. */
export async function writePrivacyPolicy(
  tx: Queryable,
  policy: PrivacyPolicy,
  baseVersion: number,
  operatorId: string,
  at: Date,
): Promise<number | null> {
  const result = await tx.query<{ version: unknown }>(
    `UPDATE privacy_policy SET erasure_hold_days = $1, inactive_member_months = $2, audit_retention_years = $3,
       export_retention_days = $4, confirmation_ttl_hours = $5, version = version + 1, updated_at = $6, updated_by = $7
     WHERE id = 1 AND version = $8 RETURNING version`,
    [
      policy.erasureHoldDays,
      policy.inactiveMemberMonths,
      policy.auditRetentionYears,
      policy.exportRetentionDays,
      policy.confirmationTtlHours,
      at,
      operatorId,
      baseVersion,
    ],
  );
  const row = result.rows[0];
  return row ? toInt(row.version) : null;
}
