import i18next from 'i18next';
import { initReactI18next } from 'react-i18next';
import type { ConsoleLanguage } from '../app/format';
import en from './en.json';
import ru from './ru.json';

export const resources = {
  en: { translation: en },
  ru: { translation: ru },
} as const;

const STORAGE_KEY = 'ldhq.console.language';

export function isConsoleLanguage(value: unknown): value is ConsoleLanguage {
  return value === 'en' || value === 'ru';
}

/** The language chosen last time on this browser, else English. */
export function storedLanguage(): ConsoleLanguage {
  try {
    const stored = localStorage.getItem(STORAGE_KEY);
    return isConsoleLanguage(stored) ? stored : 'en';
  } catch (error) {
    // Storage switched off (a SecurityError): English.
    if (!(error instanceof DOMException)) throw error;
    return 'en';
  }
}

export async function initI18n(language: ConsoleLanguage): Promise<void> {
  await i18next.use(initReactI18next).init({
    resources,
    lng: language,
    fallbackLng: 'en',
    supportedLngs: ['en', 'ru'],
    // React escapes text itself.
    interpolation: { escapeValue: false },
    returnNull: false,
  });
  document.documentElement.lang = language;
}

/** Switches every string and <html lang>, and remembers the choice. */
export async function applyLanguage(language: ConsoleLanguage): Promise<void> {
  await i18next.changeLanguage(language);
  document.documentElement.lang = language;
  try {
    localStorage.setItem(STORAGE_KEY, language);
  } catch (error) {
    // Private mode without storage (a DOMException): the choice lasts for this page only.
    if (!(error instanceof DOMException)) throw error;
  }
}
