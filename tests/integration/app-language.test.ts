import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app';
import { PINS, login, seedStaff, type Result } from '../support/staff';

describe('the store language', () => {
  let app: TestApp;
  beforeEach(async () => {
    app = await startTestApp(undefined, { signedIn: null });
    await seedStaff(app);
    await login(app, 'mia', PINS.mia);
  });
  afterEach(async () => {
    await app.dispose();
  });

  it('pressing the language already chosen writes no audit entry; a change writes exactly one', async () => {
    const before = app.services.audit.head().seq;
    expect(await app.call<Result>('app.setLanguage', { language: 'en' })).toMatchObject({
      ok: true,
      value: { language: 'en' },
    });
    expect(app.services.audit.head().seq).toBe(before);
    expect(await app.call<Result>('app.setLanguage', { language: 'ru' })).toMatchObject({
      ok: true,
      value: { language: 'ru' },
    });
    expect(app.services.audit.head().seq).toBe(before + 1);
  });
});
