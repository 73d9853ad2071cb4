import { compactCardNumber } from '../../shared/members/card-number';
import { LIMITS, type FIND_KINDS } from '../../shared/members/schemas';
import type { EnrollValues } from '../enroll/form';

/** Pure helpers for the search box (no DOM, no React) so they are unit-tested in Node. */

export const SEARCH_DEBOUNCE_MS = 250;

export type MatchKind = (typeof FIND_KINDS)[number];

/** Digits grouped with spaces or dashes, as printed on cards and as scanners send them. */
function isDigitsOnly(query: string): boolean {
  return /^\d+$/.test(compactCardNumber(query));
}

export function looksLikeEmail(query: string): boolean {
  return query.includes('@');
}

/**
 * Searching while typing is only useful for names: a card number, phone or e-mail address only
 * matches once complete, and a scanner finishes its digits with Enter anyway.
 */
export function shouldSearchAsYouType(query: string): boolean {
  const trimmed = query.trim();
  if (trimmed.length < 2 || trimmed.length > LIMITS.query) return false;
  if (looksLikeEmail(trimmed)) return false;
  return /\p{L}/u.test(trimmed) && !/\d/.test(trimmed);
}

/**
 * What to put in the enrolment form when a search found nobody, using how the main process read
 * the query: the card number that was scanned, the phone or e-mail that was typed, or a name split
 * into given name (first word) and family name (the rest).
 */
export function prefillFromQuery(query: string, matchedAs: readonly MatchKind[]): Partial<EnrollValues> {
  const trimmed = query.trim();
  if (!trimmed || trimmed.length > LIMITS.query) return {};
  if (matchedAs.includes('email')) return { email: trimmed };
  if (matchedAs.includes('card')) return { cardNumber: compactCardNumber(trimmed) };
  if (matchedAs.includes('phone')) return { phone: trimmed };
  if (matchedAs.includes('name')) {
    const [first = '', ...rest] = trimmed.split(/\s+/);
    return rest.length > 0 ? { givenName: first, familyName: rest.join(' ') } : { givenName: first };
  }
  // Not understood: a run of digits is most likely a card with a mistyped digit; let validation say so.
  if (isDigitsOnly(trimmed) && !trimmed.startsWith('+')) return { cardNumber: compactCardNumber(trimmed) };
  if (looksLikeEmail(trimmed)) return { email: trimmed };
  return {};
}
