import { AppError } from '../../shared/errors';
import type { Session } from './session';

/** Handlers of protected channels always get a session (the router checked); this narrows the type. */
export function signedIn(session: Session | null): Session {
  if (!session) throw new AppError('not_authenticated', 'Sign in to continue.');
  return session;
}
