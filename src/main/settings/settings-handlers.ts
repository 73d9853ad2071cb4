import type { Database } from 'better-sqlite3-multiple-ciphers';
import type { ResponseData } from '../../shared/ipc/contract';
import type { AuditLog } from '../audit/audit-log';
import type { Session } from '../auth/session';
import type { DomainHandlers } from '../ipc/router';
import type { SettingsService } from './settings';

type AppInfo = ResponseData<'app.getInfo'>;

/** Changes one store setting and audits it, in one transaction; answers the app info the screen shows. */
export function createSettingChange(deps: {
  db: Database;
  settings: SettingsService;
  audit: AuditLog;
  info: () => AppInfo;
}) {
  const { db, settings, audit } = deps;
  return (session: Session | null, setting: string, apply: () => void): AppInfo => {
    db.transaction(() => {
      const before = JSON.stringify(settings.get());
      apply();
      // A no-op (e.g. pressing the language already chosen) is not a change worth an audit entry.
      if (JSON.stringify(settings.get()) !== before) {
        audit.append({ staffId: session?.staffId ?? null, action: 'settings.changed', details: { setting } });
      }
    }).immediate();
    return deps.info();
  };
}
export type SettingChange = ReturnType<typeof createSettingChange>;

/** settings.*: the store region and the idle lock (the language is app.setLanguage, app-handlers.ts). */
export function settingsHandlers(deps: {
  settings: SettingsService;
  change: SettingChange;
}): DomainHandlers<'settings'> {
  const { settings, change } = deps;
  return {
    'settings.setStoreRegion': ({ region }, session) =>
      change(session, 'store_region', () => settings.setStoreRegion(region)),
    'settings.setIdleLock': ({ seconds }, session) =>
      change(session, 'idle_lock_seconds', () => settings.setIdleLockSeconds(seconds)),
  };
}
