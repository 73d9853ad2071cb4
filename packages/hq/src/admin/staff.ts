import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { ROLES, type Role } from '../../../../src/shared/auth/permissions';
import { staffName } from '../../../../src/shared/staff/schemas';
import { toFieldIssues } from '../../../../src/shared/ipc/validation';
import { logChange } from '../change-log';
import { toInt } from '../db/database';
import { HqAdminError } from '../errors';
import { newTemporaryPin } from '../staff/pin-hash';
import { hashRosterPin, readPinPepperRing } from '../staff/pin-peppers';
import { clock, type AdminDeps } from './deps';
import type { DataKeys } from '../keys/data-keys';

export const STAFF_STATUSES = ['active', 'inactive'] as const;

/** A temporary PIN is hashed under a pepper derived from the sealed root: HQ's data keys open it. */
export type PinAdminDeps = AdminDeps & { keys?: DataKeys | undefined };
export type StaffStatus = (typeof STAFF_STATUSES)[number];

const AddStaffInput = z.strictObject({
  /** null: chain-wide staff, who can sign in at every store's tills. */
  storeId: z.string().min(1).max(64).nullable(),
  displayName: staffName,
  role: z.enum(ROLES, { error: 'invalid_choice' }),
});
export type AddStaffInput = z.input<typeof AddStaffInput>;

/** What an operator hands to the new staff member once: HQ keeps only the PIN's argon2id hash. */
export interface TemporaryPinIssued {
  staffId: string;
  temporaryPin: string;
  version: number;
}

/**
 * A new staff member of one store (or chain-wide) with a random temporary PIN they must change at
 * their first login. The row and its change-log entry commit together; tills get it at their next pull.
 */
export async function addStaff(deps: PinAdminDeps, input: AddStaffInput): Promise<TemporaryPinIssued> {
  const parsed = AddStaffInput.safeParse(input);
  if (!parsed.success) {
    throw new HqAdminError(
      'invalid_argument',
      'A staff member needs a name (letters, 1 to 60) and a role (cashier or manager).',
      toFieldIssues(parsed.error),
    );
  }
  const { storeId, displayName, role } = parsed.data;
  const temporaryPin = newTemporaryPin();
  // argon2 takes ~60 ms and 64 MiB: done before the transaction, which then only writes.
  // Under the store's pepper (chain-staff pepper for chain-wide staff): v2, staff/pin-peppers.ts.
  const pinHash = await hashRosterPin(await readPinPepperRing(deps.db, deps.keys), storeId, temporaryPin);
  const staffId = randomUUID();
  const now = clock(deps);
  await deps.db.transaction(async (tx) => {
    if (storeId !== null) {
      const store = await tx.query('SELECT 1 FROM stores WHERE id = $1 FOR SHARE', [storeId]);
      if (store.rows.length === 0) throw new HqAdminError('store_not_found', `No store ${storeId}.`);
    }
    await tx.query(
      `INSERT INTO staff (id, store_id, display_name, role, status, pin_hash, must_change_pin, version, updated_at)
       VALUES ($1, $2, $3, $4, 'active', $5, true, 1, $6)`,
      [staffId, storeId, displayName, role satisfies Role, pinHash, now],
    );
    await logChange(tx, 'staff', staffId, storeId, now);
  });
  return { staffId, temporaryPin, version: 1 };
}

/**
 * Activates or deactivates a staff member (an inactive one cannot sign in on any till once it has
 * pulled). Setting the status it already has changes nothing.
 */
export async function setStaffStatus(
  deps: AdminDeps,
  staffId: string,
  status: string,
): Promise<{ staffId: string; status: StaffStatus; version: number; changed: boolean }> {
  const parsed = z.enum(STAFF_STATUSES).safeParse(status);
  if (!parsed.success) {
    throw new HqAdminError('invalid_argument', 'The status is active or inactive.', [
      { path: 'status', code: 'invalid_choice' },
    ]);
  }
  const now = clock(deps);
  return deps.db.transaction(async (tx) => {
    const found = await tx.query<{ store_id: string | null; status: StaffStatus; version: unknown }>(
      'SELECT store_id, status, version FROM staff WHERE id = $1 FOR UPDATE',
      [staffId],
    );
    const row = found.rows[0];
    if (!row) throw new HqAdminError('staff_not_found', `No staff ${staffId}.`);
    if (row.status === parsed.data) {
      return { staffId, status: parsed.data, version: toInt(row.version), changed: false };
    }
    const updated = await tx.query<{ version: unknown }>(
      'UPDATE staff SET status = $2, version = version + 1, updated_at = $3 WHERE id = $1 RETURNING version',
      [staffId, parsed.data, now],
    );
    await logChange(tx, 'staff', staffId, row.store_id, now);
    return { staffId, status: parsed.data, version: toInt(updated.rows[0]?.version), changed: true };
  });
}

/**
 * A new random temporary PIN for a staff member (forgotten, or locked out at a till): the old PIN
 * stops working at each till's next pull, and the new one must be changed at the next login.
 */
export async function resetStaffPin(deps: PinAdminDeps, staffId: string): Promise<TemporaryPinIssued> {
  const exists = await deps.db.query<{ store_id: string | null }>('SELECT store_id FROM staff WHERE id = $1', [
    staffId,
  ]);
  const found = exists.rows[0];
  if (!found) throw new HqAdminError('staff_not_found', `No staff ${staffId}.`);
  const temporaryPin = newTemporaryPin();
  const pinHash = await hashRosterPin(await readPinPepperRing(deps.db, deps.keys), found.store_id, temporaryPin);
  const now = clock(deps);
  return deps.db.transaction(async (tx) => {
    const updated = await tx.query<{ store_id: string | null; version: unknown }>(
      `UPDATE staff SET pin_hash = $2, must_change_pin = true, version = version + 1, updated_at = $3
        WHERE id = $1 RETURNING store_id, version`,
      [staffId, pinHash, now],
    );
    const row = updated.rows[0];
    if (!row) throw new HqAdminError('staff_not_found', `No staff ${staffId}.`);
    await logChange(tx, 'staff', staffId, row.store_id, now);
    return { staffId, temporaryPin, version: toInt(row.version) };
  });
}
