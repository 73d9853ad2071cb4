/**
 * The 72-hour clock of GDPR Art. 33(1): the supervisory authority is told "without undue delay and,
 * where feasible, not later than 72 hours after having become aware" of a personal data breach.
 * Pure: HQ computes it with its own clock and sends it with every incident, so the console shows
 * HQ's time, not whatever the browser's clock says.
 */

import { INCIDENT_CLOCK_STATES } from '../../../../src/shared/dashboard/chain-dashboard';

export const NOTIFY_WITHIN_MS = 72 * 60 * 60 * 1000;

/**
 * running: still inside the 72 hours, nothing recorded yet. overdue: past them, the regulator not
 * told and no "not notifiable" decision. notified_in_time. notified_late: told after the 72 hours
 * (Art. 33(1) then asks for the reasons for the delay). not_notifiable: decided unlikely to result
 * in a risk (Art. 33(1)): nothing to notify, the decision is the record. One list with the chain
 * dashboard's schema (src/shared/dashboard/chain-dashboard.ts), which shows these states.
 */
export const CLOCK_STATES = INCIDENT_CLOCK_STATES;
export type ClockState = (typeof CLOCK_STATES)[number];

export interface IncidentClock {
  state: ClockState;
  deadlineAt: Date;
  /**
   * running/overdue: milliseconds until the deadline at `now` (negative once overdue);
   * notified_*: the margin the notification left (negative when late); not_notifiable: 0.
   */
  msLeft: number;
}

export function incidentClock(input: {
  awareAt: Date;
  regulatorNotifiedAt: Date | null;
  notNotifiable: boolean;
  now: Date;
}): IncidentClock {
  const deadlineAt = new Date(input.awareAt.getTime() + NOTIFY_WITHIN_MS);
  if (input.regulatorNotifiedAt !== null) {
    const margin = deadlineAt.getTime() - input.regulatorNotifiedAt.getTime();
    // Exactly at the 72nd hour still counts as "not later than 72 hours".
    return { state: margin >= 0 ? 'notified_in_time' : 'notified_late', deadlineAt, msLeft: margin };
  }
  if (input.notNotifiable) return { state: 'not_notifiable', deadlineAt, msLeft: 0 };
  const left = deadlineAt.getTime() - input.now.getTime();
  return { state: left >= 0 ? 'running' : 'overdue', deadlineAt, msLeft: left };
}
