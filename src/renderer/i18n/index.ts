import i18next from 'i18next';
import { initReactI18next } from 'react-i18next';
import en from './en.json';
import ru from './ru.json';

export const resources = {
  en: { translation: en },
  ru: { translation: ru },
} as const;

export type UiLanguage = keyof typeof resources;

export function isUiLanguage(value: string): value is UiLanguage {
  return value === 'en' || value === 'ru';
}

/** Starts i18next in English; the language from `app.getInfo` is applied as soon as it arrives. */
export async function initI18n(): Promise<void> {
  await i18next.use(initReactI18next).init({
    resources,
    lng: 'en',
    fallbackLng: 'en',
    supportedLngs: ['en', 'ru'],
    // React escapes text itself; escaping here too would show "&amp;" to staff.
    interpolation: { escapeValue: false },
    returnNull: false,
  });
  document.documentElement.lang = 'en';
}

/** Switches every string and `<html lang>` (screen readers pick their voice from it). */
export async function applyLanguage(language: UiLanguage): Promise<void> {
  await i18next.changeLanguage(language);
  document.documentElement.lang = language;
}
