import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';

/**
 * Phone numbers are stored and compared in E.164, parsed with the store's region as the default,
 * so "020 7946 0018" typed in a London store and "+44 20 7946 0018" are the same member.
 */
export function normalizePhone(input: string, region: string): string | null {
  const parsed = parsePhoneNumberFromString(input, region as CountryCode);
  if (!parsed?.isValid()) return null;
  return parsed.number;
}

/** True when the text could only be meant as a phone number (used to classify a search query). */
export function looksLikePhone(input: string): boolean {
  return /^\+?[\d\s\-().]{6,}$/.test(input.trim());
}
