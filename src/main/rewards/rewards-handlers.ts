import type { DomainHandlers } from '../ipc/router';
import type { RewardsCatalog } from './catalog';

/** rewards.*: the catalogue a member may redeem from. */
export function rewardsHandlers(deps: { rewards: RewardsCatalog }): DomainHandlers<'rewards'> {
  return { 'rewards.list': () => ({ rewards: deps.rewards.list() }) };
}
