import { parsePhoneNumberFromString, validatePhoneNumberLength, type CountryCode } from 'libphonenumber-js/max';

/**
 * Phone numbers are stored and compared in E.164, parsed with the store's region as the default,
 * so "020 7946 0018" typed in a London store and "+44 20 7946 0018" are the same member.
 */
export function normalizePhone(input: string, region: string): string | null {
  const parsed = parsePhoneNumberFromString(input, region as CountryCode);
  if (!parsed?.isValid()) return null;
  return parsed.number;
}

/**
 * Why a phone number typed at the till is refused, so staff are told what to fix:
 * - phone_invalid: not a whole number — too few digits (an area code left out), a length no number
 *   has there, or not a phone number at all;
 * - phone_too_long: more digits than any number there has;
 * - phone_not_in_use: the right shape, but in a range no line is given (such as 07700 900xxx, kept
 *   for films and TV in the UK): the digits are complete, so the area code is not the problem.
 * null when normalizePhone accepts it.
 */
export type PhoneIssue = 'phone_invalid' | 'phone_too_long' | 'phone_not_in_use';

export function phoneIssue(input: string, region: string): PhoneIssue | null {
  const parsed = parsePhoneNumberFromString(input, region as CountryCode);
  if (parsed?.isValid()) return null;
  if (validatePhoneNumberLength(input, region as CountryCode) === 'TOO_LONG') return 'phone_too_long';
  if (parsed?.isPossible()) return 'phone_not_in_use';
  return 'phone_invalid';
}

/**
 * A stored (E.164) number as staff in the store dial it: national format for a number of the
 * store's own country ("07400 758713"), international otherwise ("+33 6 12 34 56 78"); what does
 * not parse is shown as it is.
 */
export function formatPhoneForStore(e164: string, region: string): string {
  const parsed = parsePhoneNumberFromString(e164);
  if (!parsed) return e164;
  return parsed.country === region ? parsed.formatNational() : parsed.formatInternational();
}

/** True when the text could only be meant as a phone number (used to classify a search query). */
export function looksLikePhone(input: string): boolean {
  return /^\+?[\d\s\-().]{6,}$/.test(input.trim());
}
