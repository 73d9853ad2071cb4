import type { DomainHandlers } from '../ipc/router';
import type { StaffService } from '../staff/staff-service';
import type { SessionStore } from './session';

/** session.*: who is signed in, PIN login, and the lock. */
export function sessionHandlers(deps: { staff: StaffService; sessions: SessionStore }): DomainHandlers<'session'> {
  const { staff, sessions } = deps;
  return {
    'session.current': (_request, session) => staff.sessionInfo(session),
    'session.login': (request) => staff.login(request),
    'session.lock': () => {
      sessions.lock('manual');
      return { session: null };
    },
    // The router has pushed the idle lock back already (every authenticated call does).
    'session.touch': (_request, session) => staff.sessionInfo(session),
  };
}
