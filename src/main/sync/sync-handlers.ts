import { roleHasPermission } from '../../shared/auth/permissions';
import { AppError } from '../../shared/errors';
import type { Session } from '../auth/session';
import { signedIn } from '../auth/signed-in';
import { deferredWrite, type DomainHandlers } from '../ipc/router';
import type { SyncService } from './sync-service';

/** sync.*: status, Sync now, day end, and pairing with HQ. */
export function syncHandlers(deps: { sync: SyncService; staffCount: () => number }): DomainHandlers<'sync'> {
  const { sync } = deps;
  /** The first-run screen may pair before anyone exists; afterwards only a manager may. */
  const mayPair = (session: Session | null) => {
    if (deps.staffCount() === 0) return;
    if (session && roleHasPermission(session.role, 'sync.run')) return;
    throw new AppError('permission_denied', 'Only a manager can pair this till with HQ.');
  };
  return {
    'sync.status': () => sync.status(),
    'sync.runNow': (_request, session) => sync.runNow(signedIn(session).staffId),
    'sync.dayEnd': (_request, session) => sync.dayEnd(signedIn(session).staffId),
    'sync.probeHq': ({ hqUrl }, session) => {
      mayPair(session);
      return sync.probe(hqUrl);
    },
    'sync.pair': deferredWrite(async (request, session, commit) => {
      mayPair(session);
      return sync.pair(request, session?.staffId ?? null, commit);
    }),
  };
}
