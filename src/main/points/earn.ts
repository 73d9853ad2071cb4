import { AppError } from '../../shared/errors';
import { pointsForPurchase, type EarnRules } from '../../shared/points/rules';
import type { LedgerEntry } from '../../shared/points/schemas';
import type { Balance } from '../../shared/members/schemas';
import { mapSqliteError } from '../db/errors';
import { NO_WRITE_GATE } from '../db/write-gate';
import { uuidv7 } from '../ids/uuidv7';
import type { PointsDeps } from './counter-deps';

export interface EarnInput {
  memberId: string;
  amountMinor: number;
  reference: string;
  expectedPoints?: number | undefined;
}

function rulesOrRefuse(deps: PointsDeps): EarnRules {
  const rules = deps.rules.get();
  if (!rules) {
    throw new AppError('earn_rules_missing', 'This till has no earn rules yet; they arrive with the first sync.');
  }
  return rules;
}

/** Points for a purchase, shown to the cashier before anything is written. */
export function createQuoteEarn(deps: PointsDeps) {
  return ({ memberId, amountMinor }: { memberId: string; amountMinor: number }) => {
    const rules = rulesOrRefuse(deps);
    const member = deps.ledger.pointsOf(memberId);
    const quote = pointsForPurchase(amountMinor, member.tier, rules);
    return { ...quote, tier: member.tier, currency: rules.currency, rulesVersion: rules.version };
  };
}

/**
 * Awards points for a purchase. The receipt reference is unique per store, so a retried or
 * double-scanned receipt is refused instead of paid twice.
 */
export function createEarnPoints(deps: PointsDeps) {
  const { db } = deps;
  const byReference = db.prepare<[string, string], { op_id: string; member_id: string }>(
    "SELECT op_id, member_id FROM ledger WHERE store_id = ? AND reference = ? AND kind = 'earn'",
  );

  const write = db.transaction((input: EarnInput, staffId: string): { entry: LedgerEntry; balance: Balance } => {
    const rules = rulesOrRefuse(deps);
    const member = deps.ledger.pointsOf(input.memberId);
    const { points } = pointsForPurchase(input.amountMinor, member.tier, rules);
    if (input.expectedPoints !== undefined && input.expectedPoints !== points) {
      throw new AppError('earn_quote_changed', 'The earn rules changed since the points were shown; check again.');
    }
    if (points <= 0) throw new AppError('earn_zero_points', 'This purchase earns no points.');
    const { storeId } = deps.identity();
    const used = byReference.get(storeId, input.reference);
    if (used) {
      throw new AppError('reference_used', 'Points were already awarded for this receipt.', {
        details: { opId: used.op_id, memberId: used.member_id },
      });
    }
    const at = deps.now().toISOString();
    const opId = uuidv7(deps.now().getTime());
    const entry = deps.ledger.append({
      opId,
      memberId: member.id,
      kind: 'earn',
      points,
      at,
      staffId,
      storeId,
      reference: input.reference,
      amountMinor: input.amountMinor,
      currency: rules.currency,
      rulesVersion: rules.version,
    });
    deps.audit.append({
      staffId,
      action: 'points.earned',
      subjectType: 'member',
      subjectId: member.id,
      details: { opId, points },
    });
    deps.outbox.append(
      'points.earned',
      opId,
      {
        memberId: member.id,
        kind: 'earn',
        points,
        at,
        reference: input.reference,
        amountMinor: input.amountMinor,
        currency: rules.currency,
        rewardId: null,
        reasonCode: null,
        approvedBy: null,
        approvalId: null,
        reversesOpId: null,
        rulesVersion: rules.version,
      },
      staffId,
    );
    return { entry, balance: deps.ledger.pointsOf(member.id).balance };
  });

  const gate = deps.writeGate ?? NO_WRITE_GATE;
  return (input: EarnInput, staffId: string) => {
    try {
      return gate.hold(() => write.immediate(input, staffId));
    } catch (error) {
      throw mapSqliteError(error);
    }
  };
}
