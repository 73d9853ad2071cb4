import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app';
import { PINS, login, seedStaff, type Result } from '../support/staff';

type Roster = { staff: { staffId: string; mustChangePin: boolean | null }[] };

describe('the staff roster', () => {
  let app: TestApp;
  beforeEach(async () => {
    app = await startTestApp(undefined, { signedIn: null });
    await seedStaff(app, [
      { id: 'tess', displayName: 'Tess Temp', role: 'manager', pin: '975318', mustChangePin: true },
    ]);
  });
  afterEach(async () => {
    await app.dispose();
  });

  it('the lock screen roster does not say who holds a temporary PIN; signed in, it does', async () => {
    const locked = await app.call<Result<Roster>>('staff.roster', {});
    expect(locked).toMatchObject({ ok: true });
    const lockedStaff = locked.ok ? locked.value.staff : [];
    expect(lockedStaff.map((s) => s.staffId)).toContain('tess');
    expect(lockedStaff.filter((s) => s.mustChangePin !== null)).toEqual([]);
    await login(app, 'mia', PINS.mia);
    const inside = await app.call<Result<Roster>>('staff.roster', {});
    expect(inside.ok && inside.value.staff.find((s) => s.staffId === 'tess')?.mustChangePin).toBe(true);
    expect(inside.ok && inside.value.staff.find((s) => s.staffId === 'mia')?.mustChangePin).toBe(false);
  });
});
