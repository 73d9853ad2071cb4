import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app';
import { PINS, login, seedStaff, type Result } from '../support/staff';

/**
 * Who may change the store's language (issue 10, defect 7): the store-wide setting needs
 * settings.manage; anyone else at the till — a locked till's lock screen, a cashier — switches only
 * what this till shows until the app restarts, and nothing is written.
 */
describe('the language of the till and of the store', () => {
  let app: TestApp;
  const settingsRows = () =>
    app.services.database.db.prepare('SELECT key, value FROM settings ORDER BY key').all() as unknown[];

  beforeEach(async () => {
    app = await startTestApp(undefined, { signedIn: null });
    await seedStaff(app);
  });
  afterEach(async () => {
    await app.dispose();
  });

  it('a locked till switches its own screen only: the store-wide language and the audit chain stay', async () => {
    const rows = settingsRows();
    const audit = app.services.audit.head().seq;
    expect(await app.call<Result>('app.setLanguage', { language: 'ru' })).toMatchObject({
      ok: true,
      value: { language: 'ru' },
    });
    expect(await app.call<Result>('app.getInfo', {})).toMatchObject({ ok: true, value: { language: 'ru' } });
    expect(app.services.settings.get().language).toBe('en');
    expect(settingsRows()).toEqual(rows);
    expect(app.services.audit.head().seq).toBe(audit);
    // After a restart the till shows the store's language again.
    app = await app.reopen();
    expect(await app.call<Result>('app.getInfo', {})).toMatchObject({ ok: true, value: { language: 'en' } });
  });

  it('a cashier switches the screen only; a manager changes the store-wide language, audited once', async () => {
    expect(await login(app, 'carl', PINS.carl)).toMatchObject({ ok: true });
    expect(await app.call<Result>('app.setLanguage', { language: 'ru' })).toMatchObject({
      ok: true,
      value: { language: 'ru' },
    });
    expect(app.services.settings.get().language).toBe('en');
    expect(app.services.audit.list({ action: 'settings.changed' }).entries).toEqual([]);

    expect(await login(app, 'mia', PINS.mia)).toMatchObject({ ok: true });
    expect(await app.call<Result>('app.setLanguage', { language: 'ru' })).toMatchObject({
      ok: true,
      value: { language: 'ru' },
    });
    expect(app.services.settings.get().language).toBe('ru');
    const changes = app.services.audit.list({ action: 'settings.changed' }).entries;
    expect(changes.map((e) => [e.staffId, e.details])).toEqual([['mia', { setting: 'language' }]]);
    // The store's language now shows everywhere, also after a restart.
    app = await app.reopen();
    expect(await app.call<Result>('app.getInfo', {})).toMatchObject({ ok: true, value: { language: 'ru' } });
  });
});
