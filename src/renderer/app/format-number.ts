/**
 * Numbers as staff read them: points, counts, multipliers, in the till's formatting locale
 * (see formatting-locale.ts). Every negative number shows the typographic minus sign U+2212
 * ("−482"), never the hyphen some locales use, so a balance, a ledger entry and an adjustment
 * look alike. Screens call these, never toLocaleString or Intl.NumberFormat directly.
 */
const MINUS = '\u2212';

function format(n: number, locale: string, options: Intl.NumberFormatOptions): string {
  // -0 (from negating a zero) is no change, not "−0".
  return new Intl.NumberFormat(locale, options)
    .formatToParts(n === 0 ? 0 : n)
    .map((part) => (part.type === 'minusSign' ? MINUS : part.value))
    .join('');
}

/** A whole number: a balance, a count, points ("1,840", "1 840", "−482"). */
export function formatNumber(n: number, locale: string): string {
  return format(n, locale, { maximumFractionDigits: 0 });
}

/** A change in points, whose sign is the point: "+50", "−50", and "0" for no change. */
export function formatSigned(n: number, locale: string): string {
  return format(n, locale, { maximumFractionDigits: 0, signDisplay: 'exceptZero' });
}

/** A figure in a technical record (audit details): as it is, no grouping, but the same minus sign. */
export function formatPlain(n: number): string {
  return format(n, 'en', { useGrouping: false, maximumFractionDigits: 20 });
}

/** A change in a technical or quoted sentence (an approval): always signed, no grouping: "+50", "−1500". */
export function formatSignedPlain(n: number): string {
  return format(n, 'en', { useGrouping: false, maximumFractionDigits: 0, signDisplay: 'exceptZero' });
}

/** One whole unit of the store currency, as the base earn rate is given: "£1", "1 £". */
export function formatMoneyUnit(currency: string, locale: string): string {
  return new Intl.NumberFormat(locale, { style: 'currency', currency, maximumFractionDigits: 0 }).format(1);
}

/** A tier multiplier given in per mille: 1500 → "1.5" ("1,5" in Russian); at most three decimals. */
export function formatMultiplier(permille: number, locale: string): string {
  return format(permille / 1000, locale, { maximumFractionDigits: 3 });
}
