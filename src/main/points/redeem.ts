import { AppError } from '../../shared/errors';
import { mapSqliteError } from '../db/errors';
import { NO_WRITE_GATE } from '../db/write-gate';
import { uuidv7 } from '../ids/uuidv7';
import type { RewardsCatalog } from '../rewards/catalog';
import type { PointsDeps } from './counter-deps';

/**
 * Spends points on a reward from the catalogue. Offline-safe by construction: only confirmed
 * points, less this till's unconfirmed spends, within HQ's cap (DESIGN §5), so two offline tills
 * can overdraw a member by at most what HQ allowed each of them.
 */
export function createRedeemPoints(deps: PointsDeps & { rewards: RewardsCatalog }) {
  const { db } = deps;
  const write = db.transaction((input: { memberId: string; rewardId: string }, staffId: string) => {
    const reward = deps.rewards.find(input.rewardId);
    if (!reward) throw new AppError('reward_not_found', 'This reward is not in the catalogue.');
    const member = deps.ledger.pointsOf(input.memberId);
    const spendable = deps.ledger.spendable(member, deps.rules.get());
    if (reward.costPoints > spendable) {
      throw new AppError('balance_short', 'The member does not have enough confirmed points for this reward.', {
        details: { cost: String(reward.costPoints), spendable: String(spendable) },
      });
    }
    const { storeId } = deps.identity();
    const at = deps.now().toISOString();
    const opId = uuidv7(deps.now().getTime());
    const points = -reward.costPoints;
    const entry = deps.ledger.append({
      opId,
      memberId: member.id,
      kind: 'redeem',
      points,
      at,
      staffId,
      storeId,
      rewardId: reward.id,
    });
    deps.audit.append({
      staffId,
      action: 'points.redeemed',
      subjectType: 'member',
      subjectId: member.id,
      details: { opId, points, rewardId: reward.id },
    });
    deps.outbox.append(
      'points.redeemed',
      opId,
      {
        memberId: member.id,
        kind: 'redeem',
        points,
        at,
        reference: null,
        amountMinor: null,
        currency: null,
        rewardId: reward.id,
        reasonCode: null,
        approvedBy: null,
        approvalId: null,
        reversesOpId: null,
        rulesVersion: null,
      },
      staffId,
    );
    return { entry, balance: deps.ledger.pointsOf(member.id).balance };
  });
  return (input: { memberId: string; rewardId: string }, staffId: string) => {
    try {
      return (deps.writeGate ?? NO_WRITE_GATE).hold(() => write.immediate(input, staffId));
    } catch (error) {
      throw mapSqliteError(error);
    }
  };
}
