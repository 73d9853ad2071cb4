import type { Database } from 'better-sqlite3-multiple-ciphers';
import type { Role } from '../../shared/auth/permissions';
import { AppError } from '../../shared/errors';
import type { AuditLog } from '../audit/audit-log';
import type { StaffRow } from '../auth/authenticator';
import { uuidv7 } from '../ids/uuidv7';
import type { Commit } from '../requests/request-log';
import type { PinHasher } from './pin-hasher';

export interface NewStaff {
  id?: string;
  displayName: string;
  role: Role;
  pin: string;
  mustChangePin: boolean;
}

/**
 * Adds one staff member: the PIN hashed with the till's peppered argon2id, the row and its audit
 * entry in one transaction. The first-run manager, a manager's addition and the demo roster
 * (demo/seed-demo-staff.ts) all go through here, so none of them stores a staff member differently.
 */
export function createStaffInsert(deps: { db: Database; hasher: PinHasher; audit: AuditLog; now: () => Date }) {
  const { db, audit } = deps;
  const count = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM staff');
  const byId = db.prepare<[string], StaffRow>('SELECT * FROM staff WHERE id = ?');
  const insert = db.prepare(
    `INSERT INTO staff (id, display_name, role, pin_hash, must_change_pin, created_at, updated_at)
     VALUES (@id, @displayName, @role, @pinHash, @mustChangePin, @at, @at)`,
  );

  /** `commit` runs the insert (and records its request); `answer` is computed from the saved row inside it. */
  return async function insertStaff<T>(
    staff: NewStaff,
    actor: string | null,
    action: 'staff.bootstrap' | 'staff.added',
    commit: Commit,
    answer: (row: StaffRow) => T,
  ): Promise<T> {
    const pinHash = await deps.hasher.hash(staff.pin);
    const id = staff.id ?? uuidv7(deps.now().getTime());
    return commit(() => {
      if (action === 'staff.bootstrap' && (count.get()?.n ?? 0) > 0) {
        throw new AppError('bootstrap_not_allowed', 'This till already has staff; ask a manager to add you.');
      }
      insert.run({
        id,
        displayName: staff.displayName,
        role: staff.role,
        pinHash,
        mustChangePin: staff.mustChangePin ? 1 : 0,
        at: deps.now().toISOString(),
      });
      audit.append({
        staffId: actor ?? id,
        action,
        subjectType: 'staff',
        subjectId: id,
        details: { role: staff.role },
      });
      const row = byId.get(id);
      if (!row) throw new AppError('internal_error', 'The staff member was not found after saving.');
      return answer(row);
    });
  };
}
