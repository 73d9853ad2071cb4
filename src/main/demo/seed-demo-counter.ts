import counter from '../../../resources/demo/counter.json';
import { EarnRules } from '../../shared/points/rules';
import { Reward } from '../../shared/points/schemas';
import type { CardBlockService } from '../members/card-block';
import type { EarnRulesStore } from '../points/earn-rules-store';
import type { RewardsCatalog } from '../rewards/catalog';

/** Demo earn rules, rewards and card block: what HQ sync will provide. Only fills what is missing. */
export function seedDemoCounter(deps: {
  rules: EarnRulesStore;
  rewards: RewardsCatalog;
  cardBlock: CardBlockService;
  hasCardBlock: () => boolean;
}): boolean {
  let changed = false;
  if (!deps.rules.get()) {
    deps.rules.set(EarnRules.parse(counter.earnRules));
    changed = true;
  }
  if (deps.rewards.list().length === 0) {
    deps.rewards.replace(counter.rewards.map((reward) => Reward.parse(reward)));
    changed = true;
  }
  if (!deps.hasCardBlock()) {
    deps.cardBlock.set(counter.cardBlock);
    changed = true;
  }
  return changed;
}
