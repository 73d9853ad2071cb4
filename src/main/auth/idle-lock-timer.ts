import type { Logger } from '../logging/logger';
import type { SessionStore } from './session';

/**
 * Locks an idle till on time (and audits it then), not only when the next call comes in: reading
 * the current session is what notices the idle limit has passed. Returns the stop function.
 */
export function startIdleLockTimer(deps: { sessions: SessionStore; logger: Logger; everyMs?: number }): () => void {
  const timer = setInterval(() => {
    try {
      deps.sessions.current();
    } catch (error) {
      deps.logger.error('session.idle_check_failed', { code: (error as { code?: string }).code ?? 'error' });
    }
  }, deps.everyMs ?? 5_000);
  // The timer alone must not keep the process (a test, the harness) alive.
  timer.unref();
  return () => clearInterval(timer);
}
