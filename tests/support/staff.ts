import { seedDemoStaff } from '../../src/main/demo/seed-demo-staff';
import type { NewStaff } from '../../src/main/staff/insert-staff';
import { createPinHasher } from '../../src/main/staff/pin-hasher';
import type { IpcResult } from '../../src/shared/errors';
import type { TestApp } from './app';

export const PINS = { mia: '731946', carl: '582047', nina: '419375', newNina: '864213' } as const;

/**
 * Two managers' worth of staff for approval tests (and any `extra`), into a till with no staff yet,
 * through the demo roster seeding (the staff service's own insert: argon2id with the till's pepper).
 */
export async function seedStaff(app: TestApp, extra: NewStaff[] = []): Promise<void> {
  const { db, secrets } = app.services.database;
  const deps = { db, hasher: createPinHasher(secrets.pinPepper), audit: app.services.audit, now: () => new Date() };
  const staff: NewStaff[] = [
    { id: 'mia', displayName: 'Mia Manager', role: 'manager', pin: PINS.mia, mustChangePin: false },
    { id: 'carl', displayName: 'Carl Cashier', role: 'cashier', pin: PINS.carl, mustChangePin: false },
    { id: 'nina', displayName: 'Nina Novak', role: 'cashier', pin: PINS.nina, mustChangePin: true },
    ...extra,
  ];
  if ((await seedDemoStaff(deps, staff)) !== staff.length) throw new Error('seedStaff: the till already has staff');
}

export type Result<T = unknown> = IpcResult<T>;

export async function login(app: TestApp, staffId: string, pin: string): Promise<Result> {
  return app.call('session.login', { staffId, pin });
}

export function errorCode(result: Result): string | null {
  return result.ok ? null : result.error.code;
}
