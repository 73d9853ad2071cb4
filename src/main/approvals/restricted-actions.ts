import { z } from 'zod';
import type { RestrictedAction } from '../../shared/approvals/schemas';
import type { ResponseData } from '../../shared/ipc/contract';
import { AdjustPayload, ReversePayload } from '../../shared/points/schemas';
import { ResetPinPayload, UnlockStaffPayload } from '../../shared/staff/schemas';
import type { StaffProof } from '../../shared/sync/staff-proof';
import type { Session } from '../auth/session';

/** Who asked, who approved and why: what the approved action records with its change. */
export interface ApprovalContext {
  requestedBy: string;
  approvedBy: string;
  approvalId: string;
  reasonCode: string;
  /** Whose session runs the action: the requester on the spot, the deciding manager from the queue. */
  actor: string;
  /** The approving manager's PIN sealed for HQ (null on a standalone till or for an unlock). */
  staffProof: StaffProof | null;
}

/**
 * A restricted action and its payload, correlated: the contract's own payload schema per action
 * (the ones ApprovalSubject carries). Parsing a stored payload with it narrows the payload by action.
 */
export const RestrictedCall = z.discriminatedUnion('action', [
  z.strictObject({ action: z.literal('staff.resetPin'), payload: ResetPinPayload }),
  z.strictObject({ action: z.literal('staff.unlock'), payload: UnlockStaffPayload }),
  z.strictObject({ action: z.literal('points.adjust'), payload: AdjustPayload }),
  z.strictObject({ action: z.literal('points.reverse'), payload: ReversePayload }),
]);
export type RestrictedCall = z.output<typeof RestrictedCall>;
type PayloadMap = { [A in RestrictedAction]: Extract<RestrictedCall, { action: A }>['payload'] };
export type PayloadOf<A extends RestrictedAction> = PayloadMap[A];
/** One action with its own payload type (a whole RestrictedCall union is accepted too). */
export interface CallOf<A extends RestrictedAction> {
  action: A;
  payload: PayloadMap[A];
}

/** How one restricted action runs once approved, without the approval service knowing its domain. */
export interface RestrictedActionHandler<P, R> {
  /** Refuses early (before a manager types a PIN or an approval is spent) when the action could not run. */
  precheck(payload: P, session: Session): void;
  /** Who or what the action is about, for the queue and the audit log (ids only). */
  target(payload: P): { staffId: string | null; memberId: string | null };
  /**
   * Does what must be awaited before the write (a PIN reset hashes its temporary PIN), then returns
   * the write itself, which runs inside the transaction that spends the approval.
   */
  prepare(payload: P): Promise<(context: ApprovalContext) => R>;
  /** The points the action would move (the four-eyes rule); absent when it moves none. */
  pointsMoved?(payload: P): number | null;
}

/** Every restricted action's handler, typed by the contract: its payload in, its channel's answer out. */
export type RestrictedActionHandlers = {
  [A in RestrictedAction]: RestrictedActionHandler<PayloadMap[A], ResponseData<A>>;
};

/**
 * The one way a restricted action runs, whichever way it was approved: on the spot (its own channel,
 * with an approval id) and from the queue (approvals.decide) both call these with the same handler.
 */
export function createRestrictedActionRunner(handlers: RestrictedActionHandlers) {
  return {
    precheck<A extends RestrictedAction>(call: CallOf<A>, session: Session): void {
      handlers[call.action].precheck(call.payload, session);
    },
    target<A extends RestrictedAction>(call: CallOf<A>) {
      return handlers[call.action].target(call.payload);
    },
    prepare<A extends RestrictedAction>(call: CallOf<A>): Promise<(context: ApprovalContext) => ResponseData<A>> {
      return handlers[call.action].prepare(call.payload);
    },
    pointsMoved<A extends RestrictedAction>(call: CallOf<A>): number | null {
      const handler: RestrictedActionHandler<PayloadMap[A], ResponseData<A>> = handlers[call.action];
      return handler.pointsMoved?.(call.payload) ?? null;
    },
  };
}

export type RestrictedActionRunner = ReturnType<typeof createRestrictedActionRunner>;
