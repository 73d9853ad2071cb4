/**
 * The store's region (ISO 3166 code from the till's settings, set by HQ) by name in the page
 * language: phone numbers are read, and dates and money written, as in this region.
 */
export function regionName(region: string, language: string): string {
  try {
    return new Intl.DisplayNames([language], { type: 'region', fallback: 'code' }).of(region) ?? region;
  } catch {
    return region;
  }
}
