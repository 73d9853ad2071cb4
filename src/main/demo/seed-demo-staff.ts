import demo from '../../../resources/demo/staff.json';
import { z } from 'zod';
import { ROLES } from '../../shared/auth/permissions';
import type { NewStaff, StaffService } from '../staff/staff-service';

const DemoStaff = z.array(
  z.strictObject({
    id: z.string(),
    displayName: z.string(),
    role: z.enum(ROLES),
    pin: z.string().regex(/^\d{4,12}$/),
    mustChangePin: z.boolean(),
  }),
);

/** Demo staff with public PINs (README), only into a till that has no staff yet. */
export async function seedDemoStaff(
  staff: Pick<StaffService, 'count' | 'seed'>,
  list: unknown = demo.staff,
): Promise<number> {
  if (staff.count() > 0) return 0;
  const members: NewStaff[] = DemoStaff.parse(list);
  for (const member of members) await staff.seed(member);
  return members.length;
}
