import { signedIn } from '../auth/signed-in';
import { deferredWrite, type DomainHandlers } from '../ipc/router';
import type { AlertsStore } from './alerts';
import type { StaffHolds } from './staff-holds';

/** alerts.*: the store manager's detection alerts. */
export function alertHandlers(deps: { alerts: AlertsStore }): DomainHandlers<'alerts'> {
  const { alerts } = deps;
  return {
    'alerts.list': ({ limit }) => alerts.list(limit),
    'alerts.openCount': () => ({ openCount: alerts.openCount() }),
    'alerts.acknowledge': ({ alertId }, session) => alerts.acknowledge(alertId, signedIn(session)),
  };
}

/** detection.*: a held staff member's hold cleared by a store manager's PIN. */
export function detectionHandlers(deps: { holds: StaffHolds }): DomainHandlers<'detection'> {
  return {
    // Checks the manager's PIN (argon2) before its one write: deferred.
    'detection.clearHold': deferredWrite((request, session, commit) =>
      deps.holds.clearWithManagerPin(request, signedIn(session), commit),
    ),
  };
}
