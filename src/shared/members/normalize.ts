/**
 * Normalization that makes search case- and accent-insensitive in Latin and Cyrillic: "Zoë",
 * "ZOE" and "zoe" find each other, and so do "Алёна" and "Алена". The same function runs when a
 * member is written and when staff search, so both sides always agree.
 */
export function foldForSearch(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[’'`]/g, '');
}

/** Search tokens of a name: folded words, split on spaces and hyphens ("Smith-Jones" -> smith, jones). */
export function nameTokens(...parts: string[]): string[] {
  const tokens = new Set<string>();
  for (const part of parts) {
    for (const word of foldForSearch(part).split(/[\s\-.]+/)) {
      if (word) tokens.add(word);
    }
  }
  return [...tokens];
}

/** Collapses inner runs of white space and trims; what staff typed otherwise stays as typed. */
export function tidyName(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** E-mail addresses are compared lower-cased and trimmed. */
export function normalizeEmail(text: string): string {
  return text.trim().toLowerCase();
}
