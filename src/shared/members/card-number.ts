/**
 * Loyalty card numbers: 8 to 19 digits whose last digit is a Luhn (ISO/IEC 7812) check digit, so a
 * mistyped digit or a swapped pair is caught at the till before anything is looked up or written.
 */
export const CARD_MIN_DIGITS = 8;
export const CARD_MAX_DIGITS = 19;

/** Strips the spaces and dashes people and printed cards use to group digits. */
export function compactCardNumber(input: string): string {
  return input.replace(/[\s-]/g, '');
}

export function luhnCheckDigit(payload: string): number {
  let sum = 0;
  // Walk from the right; the digit next to the (missing) check digit is doubled.
  for (let i = payload.length - 1, double = true; i >= 0; i--, double = !double) {
    let d = payload.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return (10 - (sum % 10)) % 10;
}

export type CardNumberProblem = 'not_digits' | 'length' | 'check_digit';

export function checkCardNumber(input: string): CardNumberProblem | null {
  const digits = compactCardNumber(input);
  if (!/^\d+$/.test(digits)) return 'not_digits';
  if (digits.length < CARD_MIN_DIGITS || digits.length > CARD_MAX_DIGITS) return 'length';
  const expected = luhnCheckDigit(digits.slice(0, -1));
  return expected === digits.charCodeAt(digits.length - 1) - 48 ? null : 'check_digit';
}

export function isValidCardNumber(input: string): boolean {
  return checkCardNumber(input) === null;
}

/** Appends the check digit to a payload of digits (used for demo data and number blocks). */
export function withCheckDigit(payload: string): string {
  return payload + String(luhnCheckDigit(payload));
}

/** Groups of four for display: "6004 1234 5678 9". */
export function formatCardNumber(digits: string): string {
  return digits.replace(/(\d{4})(?=\d)/g, '$1 ');
}
