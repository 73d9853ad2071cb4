/** Dates and numbers in the page's language (not the browser's), so a Russian page reads Russian dates. */
export type ConsoleLanguage = 'en' | 'ru';

const LOCALES: Record<ConsoleLanguage, string> = { en: 'en-GB', ru: 'ru-RU' };

export function localeOf(language: ConsoleLanguage): string {
  return LOCALES[language];
}

export function formatDateTime(iso: string | null | undefined, language: ConsoleLanguage): string {
  if (!iso) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat(localeOf(language), { dateStyle: 'medium', timeStyle: 'short' }).format(date);
}

export function formatNumber(value: number, language: ConsoleLanguage): string {
  return new Intl.NumberFormat(localeOf(language)).format(value);
}

/** A TOTP secret or a code in groups of four, easier to read out and type. */
export function groupInFours(text: string): string {
  return (text.replace(/\s+/g, '').match(/.{1,4}/g) ?? []).join(' ');
}
