import type { Database } from 'better-sqlite3-multiple-ciphers';
import { LANGUAGES, type Language } from '../../shared/ipc/contract';

export interface StoreSettings {
  language: Language;
  /** ISO 3166 region used to read phone numbers typed without a country code. */
  storeRegion: string;
}

export const DEFAULT_SETTINGS: StoreSettings = { language: 'en', storeRegion: 'GB' };

export interface SettingsService {
  get(): StoreSettings;
  setLanguage(language: Language): StoreSettings;
  setStoreRegion(region: string): StoreSettings;
}

export function createSettingsService(db: Database): SettingsService {
  const read = db.prepare<[string], { value: string }>('SELECT value FROM settings WHERE key = ?');
  const write = db.prepare(
    'INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
  );

  function get(): StoreSettings {
    const language = read.get('language')?.value;
    const storeRegion = read.get('store_region')?.value;
    return {
      language: (LANGUAGES as readonly string[]).includes(language ?? '')
        ? (language as Language)
        : DEFAULT_SETTINGS.language,
      storeRegion: storeRegion ?? DEFAULT_SETTINGS.storeRegion,
    };
  }
  return {
    get,
    setLanguage(language) {
      write.run('language', language);
      return get();
    },
    setStoreRegion(region) {
      write.run('store_region', region);
      return get();
    },
  };
}
