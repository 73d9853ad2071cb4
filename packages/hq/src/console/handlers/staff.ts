import { addStaff, resetStaffPin, setStaffStatus } from '../../admin/staff';
import { toInt } from '../../db/database';
import { ConsoleHttpError } from '../console-error';
import type { ConsoleHandler } from '../console-context';

export const listStaff: ConsoleHandler<'listStaff'> = async (ctx, input) => {
  if (input.storeId !== undefined) {
    const store = await ctx.tx.query('SELECT 1 FROM stores WHERE id = $1', [input.storeId]);
    if (store.rows.length === 0) throw new ConsoleHttpError('store_not_found', `No store ${input.storeId}.`);
  }
  // A store's roster includes the chain-wide staff, who sign in at its tills too.
  const found = await ctx.tx.query<{
    id: string;
    store_id: string | null;
    display_name: string;
    role: 'cashier' | 'manager';
    status: 'active' | 'inactive';
    must_change_pin: boolean;
    version: unknown;
  }>(
    `SELECT id, store_id, display_name, role, status, must_change_pin, version FROM staff
      WHERE $1::text IS NULL OR store_id = $1 OR store_id IS NULL
      ORDER BY display_name, id`,
    [input.storeId ?? null],
  );
  return {
    staff: found.rows.map((row) => ({
      staffId: row.id,
      storeId: row.store_id,
      displayName: row.display_name,
      role: row.role,
      status: row.status,
      mustChangePin: row.must_change_pin,
      version: toInt(row.version),
    })),
  };
};

export const addStaffHandler: ConsoleHandler<'addStaff'> = async (ctx, input) => {
  const added = await addStaff(
    { db: ctx.db, now: () => ctx.now, keys: ctx.deps.keys },
    { storeId: input.storeId, displayName: input.displayName, role: input.role },
  );
  await ctx.audit({
    action: 'staff.add',
    subjectType: 'staff',
    subjectId: added.staffId,
    details: { storeId: input.storeId, role: input.role },
  });
  return { staffId: added.staffId, temporaryPin: added.temporaryPin };
};

export const setStaffStatusHandler: ConsoleHandler<'setStaffStatus'> = async (ctx, input) => {
  const result = await setStaffStatus({ db: ctx.db, now: () => ctx.now }, input.staffId, input.status);
  await ctx.audit({
    action: 'staff.set_status',
    subjectType: 'staff',
    subjectId: input.staffId,
    details: { status: result.status, changed: result.changed },
  });
  return { status: result.status, version: result.version, changed: result.changed };
};

export const resetStaffPinHandler: ConsoleHandler<'resetStaffPin'> = async (ctx, input) => {
  const reset = await resetStaffPin({ db: ctx.db, now: () => ctx.now, keys: ctx.deps.keys }, input.staffId);
  await ctx.audit({ action: 'staff.reset_pin', subjectType: 'staff', subjectId: input.staffId });
  return { staffId: reset.staffId, temporaryPin: reset.temporaryPin };
};
