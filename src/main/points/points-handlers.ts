import type { ApprovalService } from '../approvals/approval-service';
import type { RestrictedActionHandlers } from '../approvals/restricted-actions';
import type { CounterServices } from '../app/create-counter-services';
import { signedIn } from '../auth/signed-in';
import { deferredWrite, type DomainHandlers } from '../ipc/router';

/** points.*: earn rules, quote, earn, redeem, and the approved adjustment and reversal. */
export function pointsHandlers(deps: {
  counter: CounterServices;
  approvals: ApprovalService;
}): DomainHandlers<'points'> {
  const { counter, approvals } = deps;
  return {
    'points.rules': () => ({ rules: counter.rules.get() }),
    'points.quote': (request) => counter.quoteEarn(request),
    'points.earn': (request, session) => counter.earn(request, signedIn(session).staffId),
    'points.redeem': (request, session) => counter.redeem(request, signedIn(session).staffId),
    'points.adjust': deferredWrite(({ approvalId, ...payload }, session, commit) =>
      approvals.runGranted(approvalId, { action: 'points.adjust', payload }, signedIn(session), commit),
    ),
    'points.reverse': deferredWrite(({ approvalId, ...payload }, session, commit) =>
      approvals.runGranted(approvalId, { action: 'points.reverse', payload }, signedIn(session), commit),
    ),
  };
}

/** The points corrections a manager must approve, as the approval runner runs them (on the spot or queued). */
export function pointsRestrictedActions(
  corrections: CounterServices['corrections'],
): Pick<RestrictedActionHandlers, 'points.adjust' | 'points.reverse'> {
  return {
    'points.adjust': {
      precheck: (payload) => corrections.checkAdjust(payload),
      target: (payload) => ({ staffId: null, memberId: payload.memberId }),
      prepare: async (payload) => (context) => corrections.applyAdjust(payload, context),
      pointsMoved: (payload) => payload.points,
    },
    'points.reverse': {
      precheck: (payload) => corrections.checkReverse(payload),
      target: (payload) => ({ staffId: null, memberId: corrections.memberOfReverse(payload) }),
      prepare: async (payload) => (context) => corrections.applyReverse(payload, context),
      pointsMoved: (payload) => corrections.pointsOfReverse(payload),
    },
  };
}
