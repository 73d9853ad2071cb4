// The catalogue every test store gets when tests/hq/support/hq.ts pairs a till in a new store: HQ
// recomputes earns from the amount and these rules, and charges redemptions what these rewards cost,
// so the ops of tests/hq/support/ops.ts (earnOp: 1 point per £1; redeemOp: the reward costing
// exactly the points asked) are applied with the figures they claim.
import { loadCatalog, type CatalogFile } from '../../../packages/hq/src/admin/catalog';
import type { HqDatabase } from '../../../packages/hq/src/db/database';
import type { EarnRules } from '../../../src/shared/points/rules';

export const TEST_RULES: EarnRules = {
  version: 1,
  currency: 'GBP',
  minorPerUnit: 100,
  pointsPerUnit: 1,
  rounding: 'down',
  tierMultipliersPermille: { standard: 1000, silver: 1250, gold: 1500 },
  offlineRedeemCapPoints: null,
};

/** The point costs HQ tests redeem; redeemOp(seq, member, cost) names the reward `reward-<cost>`. */
export const TEST_REWARD_COSTS = [10, 30, 50, 80, 100, 150, 400, 500] as const;

export const testRewardId = (cost: number): string => `reward-${cost}`;

export const TEST_REWARDS: CatalogFile['rewards'] = TEST_REWARD_COSTS.map((cost) => ({
  id: testRewardId(cost),
  name: { en: `Reward ${cost}`, ru: `Награда ${cost}` },
  costPoints: cost,
}));

/** Gives `storeId` TEST_RULES and makes sure TEST_REWARDS are offered (other rewards are withdrawn). */
export async function giveTestCatalog(db: HqDatabase, now: () => Date, storeId: string): Promise<void> {
  await loadCatalog({ db, now }, { rewards: TEST_REWARDS, earnRules: { stores: { [storeId]: TEST_RULES } } });
}
