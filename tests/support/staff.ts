import type { IpcResult } from '../../src/shared/errors';
import type { TestApp } from './app';

export const PINS = { mia: '731946', carl: '582047', nina: '419375', newNina: '864213' } as const;

/** Two managers' worth of staff for approval tests, added through the real service (argon2 and all). */
export async function seedStaff(app: TestApp): Promise<void> {
  await app.services.staff.seed({
    id: 'mia',
    displayName: 'Mia Manager',
    role: 'manager',
    pin: PINS.mia,
    mustChangePin: false,
  });
  await app.services.staff.seed({
    id: 'carl',
    displayName: 'Carl Cashier',
    role: 'cashier',
    pin: PINS.carl,
    mustChangePin: false,
  });
  await app.services.staff.seed({
    id: 'nina',
    displayName: 'Nina Novak',
    role: 'cashier',
    pin: PINS.nina,
    mustChangePin: true,
  });
}

export type Result<T = unknown> = IpcResult<T>;

export async function login(app: TestApp, staffId: string, pin: string): Promise<Result> {
  return app.call('session.login', { staffId, pin });
}

export function errorCode(result: Result): string | null {
  return result.ok ? null : result.error.code;
}
