import type { RestrictedActionHandler, RestrictedActionHandlers } from '../approvals/restricted-actions';
import type { Session } from '../auth/session';
import type { Channel } from '../../shared/ipc/channels';
import type { Handlers, Router } from '../ipc/router';
import type { Logger } from '../logging/logger';
import type { Commit } from '../requests/request-log';
import type { DetectionRun } from './run-detection';
import type { StaffHolds } from './staff-holds';

/**
 * The sensitive actions a held staff member may not take until a store manager clears the hold:
 * searching, opening a member, revealing contacts, exporting, corrections.
 */
export const HELD_CHANNELS = [
  'members.find',
  'members.get',
  'members.revealContacts',
  'members.exportData',
  'points.adjust',
  'points.reverse',
] as const satisfies readonly Channel[];

type PlainHandler = (request: unknown, session: Session | null) => unknown;
type DeferredHandler = { deferred: (request: unknown, session: Session | null, commit: Commit) => Promise<unknown> };

/**
 * The hold, checked in the main process before the handler of each channel in HELD_CHANNELS runs
 * (the router has already checked the session and its permission). One wrapper, not a check in
 * every handler.
 */
export function refuseHeldStaff(handlers: Handlers, holds: Pick<StaffHolds, 'assertNotHeld'>): Handlers {
  const wrapped: Record<string, unknown> = { ...handlers };
  const check = (session: Session | null) => {
    if (session) holds.assertNotHeld(session.staffId);
  };
  for (const channel of HELD_CHANNELS) {
    const handler = handlers[channel] as PlainHandler | DeferredHandler;
    wrapped[channel] =
      typeof handler === 'function'
        ? (request: unknown, session: Session | null) => {
            check(session);
            return handler(request, session);
          }
        : {
            deferred: (request: unknown, session: Session | null, commit: Commit) => {
              check(session);
              return handler.deferred(request, session, commit);
            },
          };
  }
  return wrapped as Handlers;
}

/**
 * The rules run after every call, once its transaction has committed, for whoever's sensitive
 * action it audited (a search, an open, a reveal, an export, a correction, a wrong PIN typed as
 * someone): the audit chain says what happened, whichever handler wrote it, so no handler has to
 * remember to ask. A failure of the rules is logged and never changes the call's answer.
 */
export function evaluateAfterEachCall(router: Router, run: DetectionRun, logger: Logger): Router {
  return {
    async handle(channel, payload, context) {
      const failed = (error: unknown) =>
        logger.error('detection.failed', { name: error instanceof Error ? error.name : 'error' });
      // Read before the call; a database that cannot be read here fails the call itself, in the router.
      let before: number | null = null;
      try {
        before = run.head();
      } catch (error) {
        failed(error);
      }
      try {
        return await router.handle(channel, payload, context);
      } finally {
        if (before !== null) {
          try {
            run.afterAudit(before);
          } catch (error) {
            failed(error);
          }
        }
      }
    },
  };
}

/** A manager's unlock or PIN reset of a staff member also lifts a detection lock (in the same transaction). */
export function releaseLockOnUnlock(
  actions: Pick<RestrictedActionHandlers, 'staff.resetPin' | 'staff.unlock'>,
  holds: Pick<StaffHolds, 'releaseLock'>,
): Pick<RestrictedActionHandlers, 'staff.resetPin' | 'staff.unlock'> {
  function wrap<P extends { staffId: string }, R>(
    action: RestrictedActionHandler<P, R>,
  ): RestrictedActionHandler<P, R> {
    return {
      ...action,
      prepare: async (payload) => {
        const apply = await action.prepare(payload);
        return (context) => {
          const answer = apply(context);
          holds.releaseLock(payload.staffId, context.actor);
          return answer;
        };
      },
    };
  }
  return { 'staff.resetPin': wrap(actions['staff.resetPin']), 'staff.unlock': wrap(actions['staff.unlock']) };
}

/** The follow-up run (lookups without sale are decided FOLLOW_UP_MINUTES after an open), once a minute. */
export function scheduleDetectionFollowUp(run: DetectionRun, logger: Logger, intervalMs = 60_000): () => void {
  const timer = setInterval(() => {
    try {
      run.followUp();
    } catch (error) {
      // A background job with no caller to tell: logged (name only), the next minute tries again.
      logger.error('detection.failed', { name: error instanceof Error ? error.name : 'error' });
    }
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
