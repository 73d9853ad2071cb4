import { roleHasPermission } from '../../shared/auth/permissions';
import { AppError, type ErrorShape, type FieldIssue, type IpcResult } from '../../shared/errors';
import { CHANNELS, type Channel } from '../../shared/ipc/channels';
import {
  contract,
  isWriteChannel,
  type RequestData,
  type ResponseData,
  type WriteChannel,
} from '../../shared/ipc/contract';
import { REQUEST_ID_KEY, RequestId } from '../../shared/ipc/request-id';
import { toFieldIssues } from '../../shared/ipc/validation';
import type { Session, SessionStore } from '../auth/session';
import type { Logger } from '../logging/logger';
import { mapSqliteError } from '../db/errors';
import { memberOfAnswer } from '../requests/answer-member';
import type { Commit, RequestLog } from '../requests/request-log';

/** What the transport knows about the caller. Bindings fill it; the router decides. */
export interface CallContext {
  /** The calling frame's URL, or null when the frame is gone (navigated or destroyed). */
  senderUrl: string | null;
  /** False for iframes: only our own top-level page may call. */
  isTopFrame: boolean;
}

type Answer<C extends Channel> = ResponseData<C> | Promise<ResponseData<C>>;

/**
 * A write that must await before it writes (an argon2 PIN check, a call to HQ): it does that work
 * first, then passes its whole write to `commit`, which runs it in the transaction that records the
 * request and returns the answer to give. Writes that need no await are plain functions: the router
 * runs them whole inside that transaction itself.
 */
export interface DeferredWrite<C extends Channel> {
  deferred: (request: RequestData<C>, session: Session | null, commit: Commit) => Promise<ResponseData<C>>;
}
export const deferredWrite = <C extends Channel>(deferred: DeferredWrite<C>['deferred']): DeferredWrite<C> => ({
  deferred,
});

export type Handlers = {
  [C in Channel]: C extends WriteChannel
    ? ((request: RequestData<C>, session: Session | null) => ResponseData<C>) | DeferredWrite<C>
    : (request: RequestData<C>, session: Session | null) => Answer<C>;
};

/**
 * One domain's handlers, for the channels named `<domain>.<action>`: each domain's module
 * (src/main/<domain>/<domain>-handlers.ts) returns its slice, and the composition root joins them.
 */
export type DomainHandlers<D extends string> = Pick<Handlers, Extract<Channel, `${D}.${string}`>>;

export interface RouterDeps {
  handlers: Handlers;
  sessions: SessionStore;
  /** Decides whether a frame URL is our own renderer (app:// in production, the harness in tests). */
  isTrustedSenderUrl: (url: string) => boolean;
  logger: Logger;
  /** Where write channels claim their request ids. Without one (a router tested alone) writes are refused. */
  requests?: RequestLog;
}

export interface Router {
  handle(channel: unknown, payload: unknown, context: CallContext): Promise<IpcResult<unknown>>;
}

const KNOWN_CHANNELS: ReadonlySet<string> = new Set(CHANNELS);

function fail(error: ErrorShape): IpcResult<never> {
  return { ok: false, error };
}

/** A handler's answer broke the contract: its transaction is rolled back, the caller gets internal_error. */
class BadResponse extends Error {}

/**
 * A write's payload is its request plus `requestId`. The id is taken out here, so the channel's own
 * schema, the handler and the approval MACs see the request alone.
 */
function splitRequestId(payload: unknown): { requestId: string | null; rest: unknown; issues: FieldIssue[] } {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    return { requestId: null, rest: payload, issues: [{ path: REQUEST_ID_KEY, code: 'required' }] };
  }
  const { [REQUEST_ID_KEY]: raw, ...rest } = payload as Record<string, unknown>;
  if (raw === undefined) return { requestId: null, rest, issues: [{ path: REQUEST_ID_KEY, code: 'required' }] };
  const parsed = RequestId.safeParse(raw);
  if (!parsed.success) return { requestId: null, rest, issues: [{ path: REQUEST_ID_KEY, code: 'invalid' }] };
  return { requestId: parsed.data, rest, issues: [] };
}

/**
 * The single entry point for every renderer request, whatever the transport. In order: trusted
 * sender, known channel, valid request, permitted session, service call, valid response. Every
 * refusal happens before the service runs, so a refused call has no side effect.
 */
export function createRouter(deps: RouterDeps): Router {
  const { logger } = deps;

  function failWith(channel: Channel, error: unknown): IpcResult<never> {
    if (error instanceof BadResponse) {
      logger.error('ipc.bad_response', { channel });
      return fail({ code: 'internal_error', message: 'Something went wrong. Nothing was changed.' });
    }
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

  /**
   * A write, exactly once per request id: an id already answered gets the stored answer and nothing
   * runs; otherwise the write and its record commit together, and the recorded answer is the reply.
   */
  async function runWrite(name: WriteChannel, requestId: string, request: unknown, session: Session | null) {
    const log = deps.requests;
    if (!log) throw new AppError('internal_error', 'This router keeps no request log, so it takes no writes.');
    // Who asked is part of the request where the channel needs a session. A public write (first-run
    // setup, pairing) may itself open one, and its retry must still be the same request.
    const staffId = contract[name].permission === 'public' ? null : (session?.staffId ?? null);
    const write = { requestId, channel: name, staffId, request };
    const earlier = log.answered(write);
    if (earlier) return earlier.answer;
    const checked = (value: unknown) => {
      const result = contract[name].response.safeParse(value);
      if (!result.success) throw new BadResponse();
      return result.data as unknown;
    };
    const memberOf = (answer: unknown) => memberOfAnswer(name, answer);
    const handler = deps.handlers[name] as
      | ((request: unknown, session: Session | null) => unknown)
      | { deferred: (request: unknown, session: Session | null, commit: Commit) => Promise<unknown> };
    if (typeof handler === 'function') {
      return log.once(write, () => checked(handler(request, session)), memberOf).answer;
    }
    let recorded: { answer: unknown } | undefined;
    const commit: Commit = <T>(effect: () => T): T => {
      recorded = log.once(write, () => checked(effect()), memberOf);
      return recorded.answer as T;
    };
    await handler.deferred(request, session, commit);
    // A deferred write that never committed wrote nothing through here: say so rather than answer.
    if (!recorded) throw new AppError('internal_error', 'The write finished without recording its request.');
    return recorded.answer;
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

      const write = isWriteChannel(name) ? splitRequestId(payload) : null;
      const parsed = spec.request.safeParse(write ? write.rest : payload);
      if (!parsed.success || (write && write.issues.length > 0)) {
        return fail({
          code: 'validation_failed',
          message: 'The request is invalid.',
          issues: [...(write?.issues ?? []), ...(parsed.success ? [] : toFieldIssues(parsed.error))],
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

      if (write?.requestId) {
        try {
          const answer = await runWrite(name as WriteChannel, write.requestId, parsed.data, session);
          return { ok: true, value: answer };
        } catch (error) {
          return failWith(name, error);
        }
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
