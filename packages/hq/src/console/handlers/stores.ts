import { toInt } from '../../db/database';
import { logChange } from '../../change-log';
import { createStore } from '../../admin/stores';
import { STORE_POLICY_BOUNDS } from '../../push/store-policy';
import { ConsoleHttpError } from '../console-error';
import type { ConsoleHandler } from '../console-context';

const iso = (value: unknown): string | null =>
  value === null || value === undefined ? null : new Date(value as string).toISOString();

export const listStores: ConsoleHandler<'listStores'> = async (ctx) => {
  const found = await ctx.tx.query<{
    id: string;
    name: string;
    created_at: Date;
    devices: unknown;
    active_devices: unknown;
    last_contact_at: Date | null;
    max_adjust_points: unknown;
    grace_days: unknown;
    second_approver_above_points: unknown;
  }>(
    `SELECT s.id, s.name, s.created_at,
            (SELECT count(*) FROM devices d WHERE d.store_id = s.id) AS devices,
            (SELECT count(*) FROM devices d WHERE d.store_id = s.id AND d.revoked_at IS NULL) AS active_devices,
            (SELECT max(d.last_seen_at) FROM devices d WHERE d.store_id = s.id) AS last_contact_at,
            ss.max_adjust_points, ss.grace_days, ss.second_approver_above_points
       FROM stores s JOIN store_settings ss ON ss.store_id = s.id
      ORDER BY s.name, s.id`,
  );
  return {
    stores: found.rows.map((row) => ({
      storeId: row.id,
      name: row.name,
      createdAt: new Date(row.created_at).toISOString(),
      devices: toInt(row.devices),
      activeDevices: toInt(row.active_devices),
      lastContactAt: iso(row.last_contact_at),
      policy: {
        maxAdjustPoints: toInt(row.max_adjust_points),
        graceDays: toInt(row.grace_days),
        secondApproverAbovePoints: toInt(row.second_approver_above_points),
      },
    })),
  };
};

export const createStoreHandler: ConsoleHandler<'createStore'> = async (ctx, input) => {
  const { storeId } = await createStore({ db: ctx.db, now: () => ctx.now }, input.name);
  await ctx.audit({ action: 'stores.create', subjectType: 'store', subjectId: storeId });
  return { storeId };
};

/** Store policy: each field within the bounds the database CHECKs hold; tills get it at their next pull. */
export const setStorePolicy: ConsoleHandler<'setStorePolicy'> = async (ctx, input) => {
  const issues: { path: string; code: string }[] = [];
  for (const field of ['maxAdjustPoints', 'graceDays', 'secondApproverAbovePoints'] as const) {
    const { min, max } = STORE_POLICY_BOUNDS[field];
    if (input[field] < min) issues.push({ path: field, code: `too_small (min ${min})` });
    if (input[field] > max) issues.push({ path: field, code: `too_big (max ${max})` });
  }
  if (issues.length > 0)
    throw new ConsoleHttpError('invalid_argument', 'The store policy is out of bounds.', { issues });
  const updated = await ctx.tx.query(
    `UPDATE store_settings SET max_adjust_points = $2, grace_days = $3, second_approver_above_points = $4,
       updated_at = $5 WHERE store_id = $1 RETURNING 1 AS updated`,
    [input.storeId, input.maxAdjustPoints, input.graceDays, input.secondApproverAbovePoints, ctx.now],
  );
  if (updated.rows.length === 0) throw new ConsoleHttpError('store_not_found', `No store ${input.storeId}.`);
  await logChange(ctx.tx, 'store_settings', input.storeId, input.storeId, ctx.now);
  await ctx.audit({
    action: 'policies.edit',
    subjectType: 'store',
    subjectId: input.storeId,
    details: {
      maxAdjustPoints: input.maxAdjustPoints,
      graceDays: input.graceDays,
      secondApproverAbovePoints: input.secondApproverAbovePoints,
    },
  });
  return { ok: true };
};
