import type { CounterServices } from '../app/create-counter-services';
import type { AccessAudit } from '../detection/access-audit';
import { signedIn } from '../auth/signed-in';
import { deferredWrite, type DomainHandlers } from '../ipc/router';
import type { createExportMemberData } from '../privacy/member-data';
import type { createRequestErasure } from './request-erasure';
import type { createRevealContactsAnywhere } from './reveal-contacts';

/**
 * members.*: enrolment, search, the member view, profile and consent edits, revealing contacts,
 * erasure requests, data exports.
 */
export function memberHandlers(deps: {
  counter: CounterServices;
  requestErasure: ReturnType<typeof createRequestErasure>;
  revealContacts: ReturnType<typeof createRevealContactsAnywhere>;
  exportData: ReturnType<typeof createExportMemberData>;
  /** Searches and opened records are audited too: the detection rules read them. */
  access: AccessAudit;
}): DomainHandlers<'members'> {
  const { counter } = deps;
  return {
    'members.enroll': (request, session) => counter.enroll(request, signedIn(session).staffId),
    'members.find': ({ query }, session) => {
      const found = counter.find(query);
      deps.access.searched(signedIn(session).staffId, found);
      return found;
    },
    'members.get': ({ memberId }, session) => {
      const view = counter.memberView(memberId);
      deps.access.viewed(signedIn(session).staffId, memberId);
      return view;
    },
    'members.update': (request, session) => counter.updateProfile(request, signedIn(session).staffId),
    'members.setConsent': (request, session) => {
      counter.setConsent(request, signedIn(session).staffId);
      return counter.memberView(request.memberId);
    },
    'members.revealContacts': (request, session) => deps.revealContacts(request, signedIn(session)),
    // Checks the manager's PIN (argon2) before its one write: deferred.
    'members.requestErasure': deferredWrite((request, session, commit) =>
      deps.requestErasure(request, signedIn(session), commit),
    ),
    'members.exportData': (request, session) => deps.exportData(request, signedIn(session)),
    'members.nextCardNumber': () => ({ cardNumber: counter.cardBlock.peek() }),
  };
}
