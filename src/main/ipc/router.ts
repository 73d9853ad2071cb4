import { roleHasPermission } from '../../shared/auth/permissions';
import { AppError, type ErrorShape, type IpcResult } from '../../shared/errors';
import { CHANNELS, type Channel } from '../../shared/ipc/channels';
import { contract, type RequestData, type ResponseData } from '../../shared/ipc/contract';
import { toFieldIssues } from '../../shared/ipc/validation';
import type { Session, SessionStore } from '../auth/session';
import type { Logger } from '../logging/logger';
import { mapSqliteError } from '../db/errors';

/** What the transport knows about the caller. Bindings fill it; the router decides. */
export interface CallContext {
  /** The calling frame's URL, or null when the frame is gone (navigated or destroyed). */
  senderUrl: string | null;
  /** False for iframes: only our own top-level page may call. */
  isTopFrame: boolean;
}

export type Handlers = {
  [C in Channel]: (request: RequestData<C>, session: Session | null) => ResponseData<C> | Promise<ResponseData<C>>;
};

export interface RouterDeps {
  handlers: Handlers;
  sessions: SessionStore;
  /** Decides whether a frame URL is our own renderer (app:// in production, the harness in tests). */
  isTrustedSenderUrl: (url: string) => boolean;
  logger: Logger;
}

export interface Router {
  handle(channel: unknown, payload: unknown, context: CallContext): Promise<IpcResult<unknown>>;
}

const KNOWN_CHANNELS: ReadonlySet<string> = new Set(CHANNELS);

function fail(error: ErrorShape): IpcResult<never> {
  return { ok: false, error };
}

/**
 * The single entry point for every renderer request, whatever the transport. In order: trusted
 * sender, known channel, valid request, permitted session, service call, valid response. Every
 * refusal happens before the service runs, so a refused call has no side effect.
 */
export function createRouter(deps: RouterDeps): Router {
  const { logger } = deps;

  function failWith(channel: Channel, error: unknown): IpcResult<never> {
    const typed =
      error instanceof AppError
        ? error
        : /^SQLITE_/.test(String((error as { code?: unknown } | null)?.code ?? ''))
          ? mapSqliteError(error)
          : null;
    if (!typed) {
      logger.error('ipc.failed', { channel, code: 'internal_error', cause: describeCause(error) });
      return fail({ code: 'internal_error', message: 'Something went wrong. Nothing was changed.' });
    }
    if (typed.code === 'internal_error' || typed.code === 'disk_full' || typed.code === 'database_corrupt') {
      logger.error('ipc.failed', { channel, code: typed.code, cause: describeCause(typed.cause ?? error) });
    }
    return fail(typed.toShape());
  }

  return {
    async handle(channel, payload, context) {
      if (!context.isTopFrame || context.senderUrl === null || !deps.isTrustedSenderUrl(context.senderUrl)) {
        logger.warn('ipc.refused', { reason: 'forbidden_sender' });
        return fail({ code: 'forbidden_sender', message: 'The request did not come from the Loyalty Desk window.' });
      }
      if (typeof channel !== 'string' || !KNOWN_CHANNELS.has(channel)) {
        logger.warn('ipc.refused', { reason: 'unknown_channel' });
        return fail({ code: 'unknown_channel', message: 'Unknown request type.' });
      }
      const name = channel as Channel;
      const spec = contract[name];

      const parsed = spec.request.safeParse(payload);
      if (!parsed.success) {
        return fail({
          code: 'validation_failed',
          message: 'The request is invalid.',
          issues: toFieldIssues(parsed.error),
        });
      }

      let session: Session | null;
      try {
        session = deps.sessions.current();
      } catch (error) {
        return failWith(name, error);
      }
      if (spec.permission !== 'public') {
        if (!session) {
          logger.warn('ipc.refused', { channel: name, reason: 'not_authenticated' });
          return fail({ code: 'not_authenticated', message: 'Sign in to continue.' });
        }
        if (!roleHasPermission(session.role, spec.permission)) {
          logger.warn('ipc.refused', { channel: name, reason: 'permission_denied', staffId: session.staffId });
          return fail({ code: 'permission_denied', message: 'Your role does not allow this action.' });
        }
        if (session.mustChangePin && !('duringPinChange' in spec && spec.duringPinChange)) {
          return fail({ code: 'pin_change_required', message: 'Change the temporary PIN first.' });
        }
        // Working at the till counts as activity: it pushes the idle lock back (a poll does not).
        if (!('passive' in spec && spec.passive)) deps.sessions.touch();
      }

      let result: unknown;
      try {
        const handler = deps.handlers[name] as (request: unknown, session: Session | null) => unknown;
        result = await handler(parsed.data, session);
      } catch (error) {
        return failWith(name, error);
      }

      const checked = spec.response.safeParse(result);
      if (!checked.success) {
        logger.error('ipc.bad_response', { channel: name });
        return fail({ code: 'internal_error', message: 'Something went wrong.' });
      }
      return { ok: true, value: checked.data };
    },
  };
}

/** Error class and code only: messages of third-party errors may quote personal data. */
function describeCause(error: unknown): string {
  if (error && typeof error === 'object') {
    const name = (error as { name?: unknown }).name;
    const code = (error as { code?: unknown }).code;
    return [typeof name === 'string' ? name : 'Error', typeof code === 'string' ? code : ''].filter(Boolean).join(':');
  }
  return typeof error;
}

export type { ResponseData };
