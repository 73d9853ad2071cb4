import { AppError } from '../../shared/errors';
import type { ApprovalService } from '../approvals/approval-service';
import type { RestrictedActionHandlers } from '../approvals/restricted-actions';
import { signedIn } from '../auth/signed-in';
import { deferredWrite, type DomainHandlers } from '../ipc/router';
import type { StaffService } from './staff-service';

/** staff.*: roster, first-run manager, PIN change, additions, and the approved reset and unlock. */
export function staffHandlers(deps: {
  staff: StaffService;
  approvals: ApprovalService;
  paired: () => boolean;
}): DomainHandlers<'staff'> {
  const { staff, approvals, paired } = deps;
  return {
    'staff.roster': (_request, session) => staff.roster(session),
    // Writes that check a PIN (argon2) or call HQ first are deferred: they pass their one write
    // transaction to `commit`, which records the client request in it.
    'staff.bootstrap': deferredWrite(async (request, _session, commit) => {
      // A paired till's staff come from HQ: no local manager, even before the first roster arrives.
      if (paired()) throw new AppError('permission_denied', 'This till is paired: its staff come from HQ.');
      return staff.bootstrap(request, commit);
    }),
    'staff.changeOwnPin': deferredWrite((request, session, commit) =>
      staff.changeOwnPin(request, signedIn(session), commit),
    ),
    'staff.add': deferredWrite(async (request, session, commit) => {
      // HQ keeps a paired till's roster: a local addition would vanish at the next full snapshot.
      if (paired()) throw new AppError('permission_denied', 'This till is paired: staff are added at HQ.');
      return staff.add(request, signedIn(session), commit);
    }),
    'staff.resetPin': deferredWrite(({ approvalId, ...payload }, session, commit) =>
      approvals.runGranted(approvalId, { action: 'staff.resetPin', payload }, signedIn(session), commit),
    ),
    'staff.unlock': deferredWrite(({ approvalId, ...payload }, session, commit) =>
      approvals.runGranted(approvalId, { action: 'staff.unlock', payload }, signedIn(session), commit),
    ),
  };
}

/** The staff actions a manager must approve, as the approval runner runs them (on the spot or queued). */
export function staffRestrictedActions(
  staff: StaffService,
): Pick<RestrictedActionHandlers, 'staff.resetPin' | 'staff.unlock'> {
  return {
    'staff.resetPin': {
      precheck: (payload, session) => staff.checkResetPin(payload, session),
      target: (payload) => ({ staffId: payload.staffId, memberId: null }),
      prepare: async (payload) => {
        const pinHash = await staff.hashForReset(payload.temporaryPin);
        return (context) => {
          staff.applyReset(payload.staffId, pinHash, context.actor, context);
          // The answer is the roster entry, never the temporary PIN: a replay shows no secret.
          return staff.entryOf(payload.staffId);
        };
      },
    },
    'staff.unlock': {
      precheck: (payload) => {
        if (!staff.exists(payload.staffId)) throw new AppError('staff_not_found', 'No such staff member on this till.');
      },
      target: (payload) => ({ staffId: payload.staffId, memberId: null }),
      prepare: async (payload) => (context) => {
        staff.applyUnlock(payload.staffId, context.actor, context.approvalId);
        return staff.entryOf(payload.staffId);
      },
    },
  };
}
