/**
 * The locale dates, numbers and money are formatted in: the staff's language in the store's
 * region, so an English-speaking till in a UK store shows "9 March 1985", not "March 9, 1985".
 */
export function formattingLocale(language: string, region: string): string {
  try {
    return Intl.getCanonicalLocales(`${language}-${region}`)[0] ?? language;
  } catch {
    return language;
  }
}
