import { signedIn } from '../auth/signed-in';
import { deferredWrite, type DomainHandlers } from '../ipc/router';
import type { ApprovalService } from './approval-service';

/**
 * approvals.*: a manager's approval on the spot (grant), the queue (request, list, decide). The
 * approved actions themselves run on their own channels (staff-handlers, points-handlers).
 */
export function approvalHandlers(deps: { approvals: ApprovalService }): DomainHandlers<'approvals'> {
  const { approvals } = deps;
  return {
    'approvals.grant': deferredWrite((request, session, commit) => approvals.grant(request, signedIn(session), commit)),
    'approvals.request': (subject, session) => approvals.request(subject, signedIn(session)),
    'approvals.list': ({ status }) => approvals.list(status),
    'approvals.decide': deferredWrite((request, session, commit) =>
      approvals.decide(request, signedIn(session), commit),
    ),
  };
}
