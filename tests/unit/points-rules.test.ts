import { describe, expect, it } from 'vitest';
import counter from '../../resources/demo/counter.json';
import {
  EarnRules,
  MAX_PURCHASE_MINOR,
  formatMoney,
  pointsForPurchase,
  type Tier,
} from '../../src/shared/points/rules';

/** The demo store: GBP, 1 point per pound, ×1 / ×1.25 / ×1.5 by tier, rounded down. */
const DEMO = EarnRules.parse(counter.earnRules);
const rules = (overrides: Partial<EarnRules>): EarnRules => EarnRules.parse({ ...DEMO, ...overrides });
const points = (amountMinor: number, tier: Tier, r: EarnRules = DEMO) => pointsForPurchase(amountMinor, tier, r).points;

describe('pointsForPurchase', () => {
  it('demo rules: whole pounds times the tier multiplier, fractions dropped', () => {
    // £12.34: 12.34 × 1 = 12.34 → 12; × 1.25 = 15.425 → 15; × 1.5 = 18.51 → 18.
    expect(pointsForPurchase(1234, 'standard', DEMO)).toEqual({ points: 12, multiplierPermille: 1000 });
    expect(pointsForPurchase(1234, 'silver', DEMO)).toEqual({ points: 15, multiplierPermille: 1250 });
    expect(pointsForPurchase(1234, 'gold', DEMO)).toEqual({ points: 18, multiplierPermille: 1500 });
    // £0.99 earns nothing at standard (0.99), 1 at gold (1.485).
    expect(points(99, 'standard')).toBe(0);
    expect(points(99, 'silver')).toBe(1); // 1.2375
    expect(points(99, 'gold')).toBe(1);
    // £100.00 exactly: 100 / 125 / 150.
    expect(points(10_000, 'standard')).toBe(100);
    expect(points(10_000, 'silver')).toBe(125);
    expect(points(10_000, 'gold')).toBe(150);
    // £1.60 silver = 2.0 exactly; gold = 2.4.
    expect(points(160, 'silver')).toBe(2);
    expect(points(160, 'gold')).toBe(2);
    // The largest purchase: £100,000.00 → 100,000 / 125,000 / 150,000.
    expect(points(MAX_PURCHASE_MINOR, 'standard')).toBe(100_000);
    expect(points(MAX_PURCHASE_MINOR, 'gold')).toBe(150_000);
    expect(points(0, 'gold')).toBe(0);
  });

  it.each([
    // amount, tier, down, nearest, up — worked by hand with minorPerUnit 100, 1 point per unit.
    [1234, 'standard', 12, 12, 13], // 12.34
    [1234, 'silver', 15, 15, 16], // 15.425
    [1234, 'gold', 18, 19, 19], // 18.51
    [40, 'silver', 0, 1, 1], // 0.5 exactly: a tie rounds up under "nearest"
    [120, 'silver', 1, 2, 2], // 1.5 exactly
    [99, 'gold', 1, 1, 2], // 1.485
    [500, 'standard', 5, 5, 5], // 5.0: no remainder, "up" adds nothing
    [1, 'standard', 0, 0, 1], // 0.01
    [49, 'standard', 0, 0, 1], // 0.49
    [50, 'standard', 0, 1, 1], // 0.50
  ] as const)('%i minor units at %s: down %i, nearest %i, up %i', (amount, tier, down, nearest, up) => {
    expect(points(amount, tier, rules({ rounding: 'down' }))).toBe(down);
    expect(points(amount, tier, rules({ rounding: 'nearest' }))).toBe(nearest);
    expect(points(amount, tier, rules({ rounding: 'up' }))).toBe(up);
  });

  it('uses the minor units and points per unit of the rules', () => {
    // Three-decimal currency, 3 points per unit, silver ×1.25: 2.345 × 3 × 1.25 = 8.79375.
    const kwd = rules({ currency: 'KWD', minorPerUnit: 1000, pointsPerUnit: 3 });
    expect(points(2345, 'silver', kwd)).toBe(8);
    expect(points(2345, 'silver', { ...kwd, rounding: 'nearest' })).toBe(9);
    expect(points(2345, 'silver', { ...kwd, rounding: 'up' })).toBe(9);
    // No minor units (yen), 1 point per yen: 1,234 yen at gold = 1,851.
    const jpy = rules({ currency: 'JPY', minorPerUnit: 1 });
    expect(points(1234, 'gold', jpy)).toBe(1851);
    expect(points(1234, 'standard', jpy)).toBe(1234);
  });

  it('stays exact at the largest factors (integer arithmetic, no float drift)', () => {
    // 9,999,999 × 7 × 1333 = 93,309,990,669; ÷ 100,000 = 933,099 remainder 90,669.
    const odd = rules({ pointsPerUnit: 7, tierMultipliersPermille: { standard: 1333, silver: 1333, gold: 1333 } });
    expect(points(9_999_999, 'gold', odd)).toBe(933_099);
    expect(points(9_999_999, 'gold', { ...odd, rounding: 'nearest' })).toBe(933_100);
    expect(points(9_999_999, 'gold', { ...odd, rounding: 'up' })).toBe(933_100);
    // Every bound at once: 10,000,000 × 100 × 10,000 = 10^13 (below 2^53); ÷ 100,000 = 100,000,000.
    const max = rules({
      pointsPerUnit: 100,
      tierMultipliersPermille: { standard: 10_000, silver: 10_000, gold: 10_000 },
    });
    expect(points(MAX_PURCHASE_MINOR, 'gold', max)).toBe(100_000_000);
    // 0.1 + 0.2 style traps: 1.10 × 3 at ×1.1 = 3.63 (floats give 3.6300000000000003).
    const eleven = rules({ pointsPerUnit: 3, tierMultipliersPermille: { standard: 1100, silver: 1100, gold: 1100 } });
    expect(points(110, 'standard', eleven)).toBe(3);
    expect(points(110, 'standard', { ...eleven, rounding: 'up' })).toBe(4);
    // 2.00 × 1 × 1.1 = 2.2000000000000002 in floats; "up" must still give 3, "down" 2.
    expect(points(200, 'standard', { ...eleven, pointsPerUnit: 1, rounding: 'up' })).toBe(3);
    // 10.00 × 1.1 = 11 exactly (floats: 11.000000000000002); "up" must not make it 12.
    expect(points(1000, 'standard', { ...eleven, pointsPerUnit: 1, rounding: 'up' })).toBe(11);
  });

  it('a zero multiplier earns nothing', () => {
    const none = rules({ tierMultipliersPermille: { standard: 0, silver: 1250, gold: 1500 }, rounding: 'up' });
    expect(pointsForPurchase(12_345, 'standard', none)).toEqual({ points: 0, multiplierPermille: 0 });
  });

  it.each([-1, 12.5, Number.NaN, Number.POSITIVE_INFINITY, Number.MAX_SAFE_INTEGER + 1])(
    'refuses amount %s',
    (amount) => {
      expect(() => pointsForPurchase(amount, 'standard', DEMO)).toThrow(RangeError);
    },
  );
});

describe('EarnRules', () => {
  it('accepts the demo rules', () => {
    expect(DEMO).toMatchObject({ currency: 'GBP', minorPerUnit: 100, offlineRedeemCapPoints: 2000 });
  });

  it.each([
    ['a lower-case currency', { currency: 'gbp' }],
    ['zero minor units per unit', { minorPerUnit: 0 }],
    ['a fractional points per unit', { pointsPerUnit: 1.5 }],
    ['an unknown rounding', { rounding: 'bankers' }],
    ['a multiplier above ×10', { tierMultipliersPermille: { standard: 1000, silver: 1250, gold: 10_001 } }],
    ['a missing tier', { tierMultipliersPermille: { standard: 1000, silver: 1250 } }],
    ['a zero offline cap', { offlineRedeemCapPoints: 0 }],
    ['an unknown field', { bonus: 5 }],
  ])('refuses %s', (_label, overrides) => {
    expect(EarnRules.safeParse({ ...DEMO, ...overrides }).success).toBe(false);
  });

  it('allows no offline cap', () => {
    expect(EarnRules.parse({ ...DEMO, offlineRedeemCapPoints: null }).offlineRedeemCapPoints).toBeNull();
  });
});

describe('formatMoney', () => {
  it('formats minor units in the store currency and language', () => {
    expect(formatMoney(1234, 'GBP', 100, 'en')).toBe('£12.34');
    expect(formatMoney(1234, 'GBP', 100, 'ru').replace(/\s/g, ' ')).toBe('12,34 £');
    expect(formatMoney(1234, 'JPY', 1, 'en')).toBe('¥1,234');
  });
});
