import demo from '../../../resources/demo/staff.json';
import { z } from 'zod';
import type { Database } from 'better-sqlite3-multiple-ciphers';
import { ROLES } from '../../shared/auth/permissions';
import type { AuditLog } from '../audit/audit-log';
import { immediately } from '../requests/request-log';
import { createStaffInsert, type NewStaff } from '../staff/insert-staff';
import type { PinHasher } from '../staff/pin-hasher';

const DemoStaff = z.array(
  z.strictObject({
    id: z.string(),
    displayName: z.string(),
    role: z.enum(ROLES),
    pin: z.string().regex(/^\d{4,12}$/),
    mustChangePin: z.boolean(),
  }),
);

export interface DemoStaffDeps {
  db: Database;
  hasher: PinHasher;
  audit: AuditLog;
  now: () => Date;
}

/**
 * Demo staff with public PINs (README; tests pass a list of their own), only into a till that has
 * no staff yet. Written by the staff service's own insert (argon2id with the till's pepper, audit
 * entry), with fixed ids and chosen PINs that no session could set: hence here, not on the service.
 */
export async function seedDemoStaff(deps: DemoStaffDeps, list: unknown = demo.staff): Promise<number> {
  const members: NewStaff[] = DemoStaff.parse(list);
  const { n } = deps.db.prepare<[], { n: number }>('SELECT count(*) AS n FROM staff').get() ?? { n: 0 };
  if (n > 0) return 0;
  const insertStaff = createStaffInsert(deps);
  for (const member of members) await insertStaff(member, null, 'staff.added', immediately(deps.db), () => undefined);
  return members.length;
}
