/**
 * The codes of an HQ detection alert's life (pure: the console bundle reads them through
 * console/contract.ts). An operator resolves an alert with an action and a reason code, never free
 * text: the operator audit records both, and free text could hold the personal data it must not.
 */
export const ALERT_STATUSES = ['open', 'acknowledged', 'dismissed', 'escalated'] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];

/** acknowledge → acknowledged, dismiss (a false positive) → dismissed, escalate → escalated. */
export const ALERT_ACTIONS = ['acknowledge', 'dismiss', 'escalate'] as const;
export type AlertAction = (typeof ALERT_ACTIONS)[number];

export const ALERT_ACTION_STATUS: Readonly<Record<AlertAction, AlertStatus>> = {
  acknowledge: 'acknowledged',
  dismiss: 'dismissed',
  escalate: 'escalated',
};

export const ALERT_REASONS = [
  /** The activity had a business reason (a promotion day, a card-replacement drive…). */
  'expected_activity',
  /** The store manager spoke to the staff member. */
  'staff_spoken_to',
  /** The rule's threshold is too low for this store: a false positive. */
  'threshold_too_low',
  /** Testing or training on a live till. */
  'test_or_training',
  /** Looks like misuse: for the privacy officer (and the breach register). */
  'suspected_misuse',
  /** Handled elsewhere (an incident, a ticket). */
  'handled_elsewhere',
] as const;
export type AlertReason = (typeof ALERT_REASONS)[number];

/**
 * Which statuses an action may leave: an open alert may take any; an acknowledged one may still be
 * dismissed or escalated; dismissed and escalated alerts are settled.
 */
export function mayResolve(status: AlertStatus, action: AlertAction): boolean {
  if (status === 'open') return true;
  return status === 'acknowledged' && action !== 'acknowledge';
}
