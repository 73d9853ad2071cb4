import { roleHasPermission } from '../../shared/auth/permissions';
import type { ResponseData } from '../../shared/ipc/contract';
import type { DomainHandlers } from '../ipc/router';
import type { SettingChange } from '../settings/settings-handlers';
import type { SettingsService } from '../settings/settings';
import type { SyncService } from '../sync/sync-service';

/** What the screen shows about this till: version, store settings, pairing, and whether HQ revoked it. */
export function createAppInfo(deps: {
  version: string;
  settings: SettingsService;
  sync: SyncService;
  revokedAt: string | null;
}): () => ResponseData<'app.getInfo'> {
  const { version, settings, sync, revokedAt } = deps;
  return () => ({
    version,
    ...settings.get(),
    language: settings.shownLanguage(),
    paired: sync.paired(),
    storeName: sync.storeName(),
    revokedAt,
  });
}

/** app.*: the till's info and its screen language. */
export function appHandlers(deps: {
  info: () => ResponseData<'app.getInfo'>;
  settings: SettingsService;
  change: SettingChange;
}): DomainHandlers<'app'> {
  const { info, settings, change } = deps;
  return {
    'app.getInfo': () => info(),
    'app.setLanguage': ({ language }, session) => {
      // The store-wide language is a store setting; without settings.manage (a locked till's lock
      // screen, a cashier, a temporary PIN) only this till's screen switches, and nothing is written.
      if (session && !session.mustChangePin && roleHasPermission(session.role, 'settings.manage')) {
        settings.showLanguage(null);
        return change(session, 'language', () => settings.setLanguage(language));
      }
      settings.showLanguage(language);
      return info();
    },
  };
}
