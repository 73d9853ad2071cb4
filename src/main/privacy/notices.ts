import type { Language } from '../../shared/i18n/languages';
import en202611 from '../../../resources/privacy-notice/2026-11/en.md?raw';
import ru202611 from '../../../resources/privacy-notice/2026-11/ru.md?raw';

/**
 * Privacy notices by version (DESIGN §6). A published version is never edited: a member's consent
 * records the version they were shown, so its text must stay what it was. New text, new version.
 */
const NOTICES: Readonly<Record<string, Readonly<Record<Language, string>>>> = {
  '2026-11': { en: en202611, ru: ru202611 },
};

export const CURRENT_NOTICE_VERSION = '2026-11';

export function privacyNotice(language: Language, version: string = CURRENT_NOTICE_VERSION) {
  const texts = NOTICES[version];
  if (!texts) throw new Error(`no privacy notice ${version}`);
  return { version, language, text: texts[language] };
}

export function isCurrentNotice(version: string): boolean {
  return version === CURRENT_NOTICE_VERSION;
}
