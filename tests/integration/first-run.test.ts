import { describe, expect, it } from 'vitest';
import { startTestApp } from '../support/app';
import { PINS, errorCode, type Result } from '../support/staff';

describe('first-run setup', () => {
  it('two simultaneous first-run setups create exactly one manager', async () => {
    const app = await startTestApp(undefined, { signedIn: null });
    try {
      const results = await Promise.all([
        app.call<Result>('staff.bootstrap', { displayName: 'First One', pin: PINS.mia }),
        app.call<Result>('staff.bootstrap', { displayName: 'Second One', pin: PINS.carl }),
      ]);
      expect(results.map(errorCode).sort()).toEqual(['bootstrap_not_allowed', null].sort());
      expect(app.services.staff.count()).toBe(1);
    } finally {
      await app.dispose();
    }
  });
});
