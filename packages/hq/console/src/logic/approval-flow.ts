import type { ConsoleApiError } from '../api/console-client';

/**
 * Second-operator requests (revoke a till, erase a member, change roles): the first press answers
 * approval_required with an approvalId; once another operator approved it, pressing again sends
 * that approvalId. Kept per target (e.g. "revoke:<deviceId>") so two rows do not share one.
 */
export type ApprovalState = Readonly<Record<string, string>>;

export type ApprovalEvent = { type: 'refused'; key: string; error: ConsoleApiError } | { type: 'done'; key: string };

/** Refusals after which the kept approval can never be used: the next press asks for a new one. */
const SPENT = new Set(['approval_not_found', 'approval_expired', 'approval_used', 'approval_mismatch']);

export function approvalReducer(state: ApprovalState, event: ApprovalEvent): ApprovalState {
  if (event.type === 'done') return without(state, event.key);
  const { error, key } = event;
  if (error.code === 'approval_required' && error.approvalId) return { ...state, [key]: error.approvalId };
  if (SPENT.has(error.code)) return without(state, key);
  return state;
}

function without(state: ApprovalState, key: string): ApprovalState {
  if (!(key in state)) return state;
  return Object.fromEntries(Object.entries(state).filter(([kept]) => kept !== key));
}
