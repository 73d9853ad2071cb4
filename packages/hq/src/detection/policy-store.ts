import {
  DEFAULT_DETECTION_POLICY,
  DetectionPolicy,
  type DetectionPolicy as Policy,
} from '../../../../src/shared/detection/policy';
import { logChange } from '../change-log';
import { toInt, type Queryable } from '../db/database';

export interface StoredDetectionPolicy {
  policy: Policy;
  /** 0 while the store runs the default (no row yet). */
  version: number;
  updatedAt: Date | null;
  updatedBy: string | null;
}

/** A store's detection policy: its detection_policies row, or DEFAULT_DETECTION_POLICY (version 0). */
export async function readDetectionPolicy(q: Queryable, storeId: string): Promise<StoredDetectionPolicy> {
  const found = await q.query<{ policy: unknown; version: unknown; updated_at: Date; updated_by: string | null }>(
    'SELECT policy, version, updated_at, updated_by FROM detection_policies WHERE store_id = $1',
    [storeId],
  );
  const row = found.rows[0];
  if (!row) return { policy: DEFAULT_DETECTION_POLICY, version: 0, updatedAt: null, updatedBy: null };
  // A row that no longer parses (a field added since) falls back to the default rather than
  // stopping detection or the store's pulls.
  const parsed = DetectionPolicy.safeParse(row.policy);
  return {
    policy: parsed.success ? parsed.data : DEFAULT_DETECTION_POLICY,
    version: toInt(row.version),
    updatedAt: new Date(row.updated_at),
    updatedBy: row.updated_by,
  };
}

/**
 * Saves a store's policy if `baseVersion` is still the current one (optimistic: null when another
 * operator saved first), and logs a store_settings change so the store's tills pull it.
 */
export async function writeDetectionPolicy(
  tx: Queryable,
  storeId: string,
  policy: Policy,
  baseVersion: number,
  operatorId: string | null,
  now: Date,
): Promise<number | null> {
  const json = JSON.stringify(DetectionPolicy.parse(policy));
  const written =
    baseVersion === 0
      ? await tx.query<{ version: unknown }>(
          `INSERT INTO detection_policies (store_id, policy, version, updated_at, updated_by)
           VALUES ($1, $2::jsonb, 1, $3, $4) ON CONFLICT (store_id) DO NOTHING RETURNING version`,
          [storeId, json, now, operatorId],
        )
      : await tx.query<{ version: unknown }>(
          `UPDATE detection_policies SET policy = $2::jsonb, version = version + 1, updated_at = $3, updated_by = $4
            WHERE store_id = $1 AND version = $5 RETURNING version`,
          [storeId, json, now, operatorId, baseVersion],
        );
  const row = written.rows[0];
  if (!row) return null;
  await logChange(tx, 'store_settings', storeId, storeId, now);
  return toInt(row.version);
}
