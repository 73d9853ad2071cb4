import { z } from 'zod';

/** Member tiers, lowest first. HQ decides who is in which; the till only reads it. */
export const TIERS = ['standard', 'silver', 'gold'] as const;
export type Tier = (typeof TIERS)[number];

export const ROUNDING_MODES = ['down', 'nearest', 'up'] as const;
export type Rounding = (typeof ROUNDING_MODES)[number];

/** The largest purchase the till accepts, in minor units (100,000.00 in a two-decimal currency). */
export const MAX_PURCHASE_MINOR = 10_000_000;
/** The largest manual adjustment, either way, in points. */
export const MAX_ADJUST_POINTS = 100_000;

/**
 * How a purchase becomes points (HQ-set; demo data until sync provides it). Multipliers are in
 * per mille so the arithmetic stays in integers: no float ever decides a member's points.
 */
export const EarnRules = z.strictObject({
  version: z.number().int().nonnegative(),
  /** ISO 4217 code of the store currency. */
  currency: z.string().regex(/^[A-Z]{3}$/),
  /** Minor units in one currency unit (100 for GBP, 1 for JPY). */
  // A power of ten: amounts are typed and shown with that many decimals.
  minorPerUnit: z.union([z.literal(1), z.literal(10), z.literal(100), z.literal(1000)]),
  pointsPerUnit: z.number().int().min(1).max(100),
  rounding: z.enum(ROUNDING_MODES),
  tierMultipliersPermille: z.strictObject({
    standard: z.number().int().min(0).max(10_000),
    silver: z.number().int().min(0).max(10_000),
    gold: z.number().int().min(0).max(10_000),
  }),
  /**
   * The most points a member may spend on this till before HQ has confirmed them (DESIGN §5);
   * null for no cap beyond the confirmed balance.
   */
  offlineRedeemCapPoints: z.number().int().positive().nullable(),
});
export type EarnRules = z.infer<typeof EarnRules>;

export interface EarnQuote {
  points: number;
  multiplierPermille: number;
}

/**
 * Points for a purchase: amount × points per unit × tier multiplier, rounded as the rules say.
 * Exact integer arithmetic (all factors are bounded, so the product stays below 2^53).
 */
export function pointsForPurchase(amountMinor: number, tier: Tier, rules: EarnRules): EarnQuote {
  if (!Number.isSafeInteger(amountMinor) || amountMinor < 0) throw new RangeError('amount must be a whole number ≥ 0');
  const multiplierPermille = rules.tierMultipliersPermille[tier];
  const numerator = amountMinor * rules.pointsPerUnit * multiplierPermille;
  const denominator = rules.minorPerUnit * 1000;
  const whole = Math.floor(numerator / denominator);
  const remainder = numerator - whole * denominator;
  let points = whole;
  if (rules.rounding === 'up' && remainder > 0) points += 1;
  else if (rules.rounding === 'nearest' && remainder * 2 >= denominator) points += 1;
  return { points, multiplierPermille };
}

/** Formats minor units in the store currency for the given language ("£12.34", "12,34 £"). */
export function formatMoney(amountMinor: number, currency: string, minorPerUnit: number, language: string): string {
  const digits = Math.round(Math.log10(minorPerUnit));
  return new Intl.NumberFormat(language, {
    style: 'currency',
    currency,
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  }).format(amountMinor / minorPerUnit);
}
