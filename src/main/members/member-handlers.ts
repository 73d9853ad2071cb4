import type { CounterServices } from '../app/create-counter-services';
import { signedIn } from '../auth/signed-in';
import { deferredWrite, type DomainHandlers } from '../ipc/router';
import type { createRequestErasure } from './request-erasure';

/** members.*: enrolment, search, the member view, profile and consent edits, revealing contacts, erasure requests. */
export function memberHandlers(deps: {
  counter: CounterServices;
  requestErasure: ReturnType<typeof createRequestErasure>;
}): DomainHandlers<'members'> {
  const { counter } = deps;
  return {
    'members.enroll': (request, session) => counter.enroll(request, signedIn(session).staffId),
    'members.find': ({ query }) => counter.find(query),
    'members.get': ({ memberId }) => counter.memberView(memberId),
    'members.update': (request, session) => counter.updateProfile(request, signedIn(session).staffId),
    'members.setConsent': (request, session) => {
      counter.setConsent(request, signedIn(session).staffId);
      return counter.memberView(request.memberId);
    },
    'members.revealContacts': (request, session) => counter.revealContacts(request, signedIn(session).staffId),
    // Checks the manager's PIN (argon2) before its one write: deferred.
    'members.requestErasure': deferredWrite((request, session, commit) =>
      deps.requestErasure(request, signedIn(session), commit),
    ),
    'members.nextCardNumber': () => ({ cardNumber: counter.cardBlock.peek() }),
  };
}
