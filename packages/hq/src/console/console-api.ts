import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { toFieldIssues } from '../../../../src/shared/ipc/validation';
import { sqlState, type Queryable } from '../db/database';
import { authenticateApiToken } from '../operators/api-tokens';
import { completeEnrolment, openEnrolment } from '../operators/enrolment';
import {
  verifyLogin,
  verifyPasswordAndSecondFactor,
  type LoginResult,
  type SecondFactorKind,
} from '../operators/operator-accounts';
import { checkPasskeyAssertion, passkeyLoginOptions, requireRelyingParty } from '../operators/passkeys';
import { unusedRecoveryCodes } from '../operators/recovery-codes';
import {
  OPERATIONS,
  may,
  needsSecondOperator,
  readOperatorRoles,
  type Operation,
  type OperatorRole,
} from '../operators/roles';
import { ApprovalPayload, requestApproval, useApproval } from '../operators/second-operator';
import {
  CONSOLE_API_PREFIX,
  CONSOLE_ENDPOINTS,
  CSRF_HEADER,
  SESSION_COOKIE,
  SessionInfo,
  pathParams,
  type ConsoleEndpoint,
  type ConsoleEndpointName,
} from './contract';
import {
  transactionAsDatabase,
  type ConsoleActor,
  type ConsoleContext,
  type ConsoleDeps,
  type ConsoleHandlers,
  type IdentityEndpoint,
} from './console-context';
import { ConsoleHttpError, toConsoleError } from './console-error';
import { CONSOLE_PREPARE } from './handlers';
import { confirmConsentLink } from './handlers/mail';
import {
  csrfTokenFor,
  csrfTokenMatches,
  endSession,
  readCookie,
  sessionCookie,
  startSession,
  touchSession,
  type ConsoleSession,
} from './sessions';

type Request = FastifyRequest<{ Params: Record<string, string>; Querystring: Record<string, unknown> }>;
type Reply = FastifyReply;

/** The route of the audit export (JSON lines, not a JSON answer, so it is not in CONSOLE_ENDPOINTS). */
export const AUDIT_EXPORT_PATH = `${CONSOLE_API_PREFIX}/audit/export`;

const IDENTITY: ReadonlySet<string> = new Set<IdentityEndpoint>([
  'login',
  'logout',
  'session',
  'openEnrolment',
  'completeEnrolment',
  'passkeyLoginOptions',
  'loginWithPasskey',
  'confirmConsent',
]);

/** Fields of an answer that hold a secret shown once: blanked in what a retry gets back. */
const SECRET_FIELDS = new Set([
  'temporaryPin',
  'pairingCode',
  'token',
  'enrolmentUrl',
  'recoveryCodes',
  // Personal data handed over once (a member's export, an audience): never kept in console_requests.
  'document',
  'rows',
]);

function redactSecrets(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, field]) => [
      key,
      !SECRET_FIELDS.has(key) ? field : Array.isArray(field) ? [] : typeof field === 'string' ? '' : null,
    ]),
  );
}

function sendConsoleError(reply: Reply, error: ConsoleHttpError): Reply {
  if (error.extra.retryAfterSeconds !== undefined) reply.header('retry-after', String(error.extra.retryAfterSeconds));
  return reply.code(error.statusCode).type('application/json').send(error.body());
}

/** The request's input: path parameters, then the query string (GET) or the JSON body. */
function rawInput(request: Request, endpoint: ConsoleEndpoint): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  for (const name of pathParams(endpoint.path)) params[name] = request.params[name];
  if (endpoint.method === 'GET') {
    const query = request.query ?? {};
    return { ...query, ...params };
  }
  const body = request.body;
  if (body === undefined || body === null) return params;
  if (typeof body !== 'object' || Array.isArray(body))
    throw new ConsoleHttpError('bad_request', 'The body must be a JSON object.');
  for (const name of Object.keys(params)) {
    if (Object.hasOwn(body, name)) throw new ConsoleHttpError('bad_request', `${name} belongs in the path.`);
  }
  return { ...(body as Record<string, unknown>), ...params };
}

function parseInput<S extends z.ZodType>(schema: S, raw: unknown): z.output<S> {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    throw new ConsoleHttpError('bad_request', 'The request does not match the schema.', {
      issues: toFieldIssues(parsed.error, 'detailed').slice(0, 50),
    });
  }
  return parsed.data;
}

/** What each second-operator operation acts on, checked to exist before an approval is asked for. */
const APPROVAL_SUBJECTS: Partial<
  Record<
    Operation,
    {
      table: string;
      noun: string;
      field: string;
      missing: 'device_not_found' | 'member_not_found' | 'operator_not_found';
    }
  >
> = {
  'devices.revoke': { table: 'devices', noun: 'device', field: 'deviceId', missing: 'device_not_found' },
  'member.erase': { table: 'members', noun: 'member', field: 'memberId', missing: 'member_not_found' },
  'roles.change': { table: 'operators', noun: 'operator', field: 'operatorId', missing: 'operator_not_found' },
};

/** The ids an approval binds: the input without its request id and approval id. */
function approvalPayloadOf(input: Record<string, unknown>): ApprovalPayload {
  const payload = Object.fromEntries(
    Object.entries(input).filter(([key]) => key !== 'requestId' && key !== 'approvalId'),
  );
  return ApprovalPayload.parse(payload);
}

/**
 * Registers the console API (issue 12): every endpoint of CONSOLE_ENDPOINTS. For each request, in
 * this order: who (a session cookie, or an API token where the endpoint allows one); for a state
 * change by a session, the CSRF token and the Origin; whether the roles allow the operation
 * (a refusal is audited); the input against the endpoint's schema; then, in ONE transaction, the
 * request id (a retry gets the first answer), the second operator's approval where the operation
 * needs one, the work, and its audit entries. Nothing is changed by a refused request.
 */
export function registerConsoleApi(app: FastifyInstance, deps: ConsoleDeps, handlers: ConsoleHandlers): void {
  const { db } = deps;

  async function sessionInfo(q: Queryable, session: ConsoleSession): Promise<SessionInfo> {
    const found = await q.query<{ email: string; display_name: string }>(
      'SELECT email, display_name FROM operators WHERE id = $1',
      [session.operatorId],
    );
    const row = found.rows[0];
    if (!row) throw new ConsoleHttpError('unauthorized', 'The session has ended.');
    const roles = await readOperatorRoles(q, session.operatorId);
    return SessionInfo.parse({
      operator: { id: session.operatorId, email: row.email, displayName: row.display_name, roles },
      operations: OPERATIONS.filter((operation) => may(roles, operation)),
      csrfToken: csrfTokenFor(deps.csrfKey, session.sessionId),
      idleExpiresAt: session.idleExpiresAt.toISOString(),
      absoluteExpiresAt: session.absoluteExpiresAt.toISOString(),
      recoveryCodesLeft: await unusedRecoveryCodes(q, session.operatorId),
    });
  }

  async function sessionOf(request: Request): Promise<ConsoleSession | null> {
    const id = readCookie(request.headers.cookie, SESSION_COOKIE);
    if (id === undefined) return null;
    return touchSession(db, id, deps.now(), deps.timeouts);
  }

  /** Who is asking, or 401. A bearer token is an API token; otherwise the session cookie. */
  async function authenticate(request: Request, endpoint: ConsoleEndpoint): Promise<ConsoleActor> {
    const header = request.headers.authorization;
    if (header !== undefined) {
      const match = /^Bearer (\S{1,256})$/.exec(header);
      const token = match?.[1] ? await authenticateApiToken(db, deps.now, match[1]) : null;
      if (!token) throw new ConsoleHttpError('unauthorized', 'The API token is not valid.');
      if (endpoint.access === 'session')
        throw new ConsoleHttpError('forbidden', 'This request is made in the console, not with an API token.');
      return { operatorId: token.operatorId, roles: token.roles, via: 'api_token', tokenId: token.tokenId };
    }
    const session = await sessionOf(request);
    if (!session) throw new ConsoleHttpError('unauthorized', 'Sign in: there is no session, or it has ended.');
    const roles = await readOperatorRoles(db, session.operatorId);
    return { operatorId: session.operatorId, roles, via: 'session', sessionId: session.sessionId };
  }

  /**
   * A state change made with a session cookie must carry the session's CSRF token, and must not come
   * from another origin (SameSite=Strict already keeps the cookie off cross-site requests; this is
   * the second lock). API tokens are not cookies: a page elsewhere cannot make a browser send one.
   */
  /**
   * A browser names where a request comes from: one from another origin or site is refused. Also
   * for the public endpoints, so a page elsewhere cannot sign a browser in as someone else (login
   * CSRF). Clients that are not browsers (the command line) send neither header.
   */
  function checkSameOrigin(request: Request): void {
    const origin = request.headers.origin;
    const host = request.headers.host;
    if (origin !== undefined && (host === undefined || origin !== `https://${host}`))
      throw new ConsoleHttpError('csrf_failed', 'The request came from another origin.');
    const site = request.headers['sec-fetch-site'];
    if (site !== undefined && site !== 'same-origin' && site !== 'none')
      throw new ConsoleHttpError('csrf_failed', 'The request came from another site.');
  }

  function checkCsrf(request: Request, sessionId: string): void {
    checkSameOrigin(request);
    if (!csrfTokenMatches(deps.csrfKey, sessionId, request.headers[CSRF_HEADER]))
      throw new ConsoleHttpError('csrf_failed', 'The CSRF token is missing or does not match the session.');
  }

  async function auditRefusal(actor: ConsoleActor, operation: Operation): Promise<void> {
    await db.transaction((tx) =>
      deps.audit.append(tx, {
        operatorId: actor.operatorId,
        action: operation,
        details: { outcome: 'refused', via: actor.via },
      }),
    );
  }

  async function runOperation(
    name: Exclude<ConsoleEndpointName, IdentityEndpoint>,
    endpoint: ConsoleEndpoint,
    actor: ConsoleActor,
    input: Record<string, unknown>,
  ): Promise<{ status: number; body: unknown; replayed: boolean }> {
    const requestId = typeof input.requestId === 'string' ? input.requestId : undefined;
    const operation = endpoint.access === 'public' || endpoint.access === 'session' ? null : endpoint.access;
    const prepare = CONSOLE_PREPARE[name];
    const prepared = prepare ? await prepare(deps) : undefined;
    const attempt = () =>
      db.transaction(async (tx) => {
        if (requestId !== undefined) {
          const stored = await tx.query<{ endpoint: string; response: unknown }>(
            'SELECT endpoint, response FROM console_requests WHERE operator_id = $1 AND request_id = $2',
            [actor.operatorId, requestId],
          );
          const row = stored.rows[0];
          if (row) {
            if (row.endpoint !== name)
              throw new ConsoleHttpError('conflict', 'This request id was used for another request.');
            const response = typeof row.response === 'string' ? (JSON.parse(row.response) as unknown) : row.response;
            return { status: 200, body: response, replayed: true };
          }
        }
        const now = deps.now();
        const ctx: ConsoleContext = {
          deps,
          tx,
          db: transactionAsDatabase(tx, db.kind),
          actor,
          now,
          prepared,
          audit: async (entry) => {
            await deps.audit.append(tx, { ...entry, operatorId: actor.operatorId });
          },
        };
        if (operation !== null && needsSecondOperator(operation)) {
          // Refused before an approval is asked for: no second operator can make it allowed.
          if (operation === 'roles.change' && input.operatorId === actor.operatorId)
            throw new ConsoleHttpError('self_change', 'An operator cannot change their own roles.');
          // Nor is a second operator asked to approve work on something that does not exist.
          const subject = APPROVAL_SUBJECTS[operation];
          if (subject) {
            const found = await tx.query(`SELECT 1 FROM ${subject.table} WHERE id = $1`, [input[subject.field]]);
            if (found.rows.length === 0)
              throw new ConsoleHttpError(subject.missing, `No ${subject.noun} ${String(input[subject.field])}.`);
          }
          const payload = approvalPayloadOf(input);
          const approvalId = typeof input.approvalId === 'string' ? input.approvalId : undefined;
          if (approvalId === undefined) {
            const requested = await requestApproval(
              tx,
              { audit: deps.audit, payloadKey: deps.approvalKey, now: deps.now },
              { operatorId: actor.operatorId, operation, payload },
            );
            return { status: 0, body: requested.approvalId, replayed: false };
          }
          await useApproval(tx, { audit: deps.audit, payloadKey: deps.approvalKey, now: deps.now }, approvalId, {
            operatorId: actor.operatorId,
            operation,
            payload,
          });
        }
        const handler = handlers[name] as (ctx: ConsoleContext, input: unknown) => Promise<unknown>;
        const result = endpoint.output.parse(await handler(ctx, input));
        if (requestId !== undefined) {
          const stored = endpoint.showsSecretOnce ? redactSecrets(result) : result;
          await tx.query(
            `INSERT INTO console_requests (operator_id, request_id, endpoint, response, created_at)
             VALUES ($1, $2, $3, $4::jsonb, $5)`,
            [actor.operatorId, requestId, name, JSON.stringify(stored), now],
          );
        }
        return { status: 200, body: result, replayed: false };
      });
    let outcome;
    try {
      outcome = await attempt();
    } catch (error) {
      // Two copies of one request at once: the second finds the first's answer.
      if (sqlState(error) !== '23505' || requestId === undefined) throw error;
      outcome = await attempt();
    }
    if (outcome.status === 0) {
      throw new ConsoleHttpError('approval_required', 'A second operator must approve this request first.', {
        approvalId: String(outcome.body),
      });
    }
    return outcome;
  }

  /**
   * The end of every login, whatever its second factor: a failure is audited and answered with the
   * one login_failed (or too_many_requests); a success ends the session the browser brought (never
   * promoted: no fixation), starts a new one, audits it and sets the cookie.
   */
  async function startLoginSession(
    request: Request,
    reply: Reply,
    result: LoginResult,
    passkey: boolean,
  ): Promise<SessionInfo> {
    const now = deps.now();
    if (!result.ok) {
      await db.transaction((tx) =>
        deps.audit.append(tx, { operatorId: null, action: 'operator.login_failed', details: {} }),
      );
      throw new ConsoleHttpError(
        result.retryAfterSeconds ? 'too_many_requests' : 'login_failed',
        'The e-mail, password or code is not right.',
        result.retryAfterSeconds ? { retryAfterSeconds: result.retryAfterSeconds } : {},
      );
    }
    // A cookie the browser brought is never kept: a login always makes a new session.
    const previous = readCookie(request.headers.cookie, SESSION_COOKIE);
    const secondFactor: SecondFactorKind = passkey ? 'passkey' : result.usedRecoveryCode ? 'recovery_code' : 'totp';
    const { session, info } = await db.transaction(async (tx) => {
      if (previous !== undefined) await endSession(tx, previous, now);
      const started = await startSession(tx, result.operatorId, now, deps.timeouts);
      await deps.audit.append(tx, {
        operatorId: result.operatorId,
        action: 'operator.login',
        details: { secondFactor },
      });
      if (result.usedRecoveryCode) {
        await deps.audit.append(tx, { operatorId: result.operatorId, action: 'operator.recovery_code_used' });
      }
      return { session: started, info: await sessionInfo(tx, started) };
    });
    reply.header('set-cookie', sessionCookie(SESSION_COOKIE, session.sessionId, deps.timeouts.absoluteMs / 1000));
    return info;
  }

  async function identity(
    name: IdentityEndpoint,
    request: Request,
    reply: Reply,
    input: Record<string, unknown>,
  ): Promise<unknown> {
    const now = deps.now();
    switch (name) {
      case 'login': {
        const body = parseInput(CONSOLE_ENDPOINTS.login.input, input);
        const result = await verifyLogin(
          { db, now: deps.now, random: deps.random, keys: deps.keys },
          {
            email: body.email,
            password: body.password,
            secondFactor: body.secondFactor.replace(/\s+/g, ''),
            clientAddress: request.socket.remoteAddress ?? 'unknown',
          },
        );
        return startLoginSession(request, reply, result, false);
      }
      case 'passkeyLoginOptions': {
        parseInput(CONSOLE_ENDPOINTS.passkeyLoginOptions.input, input);
        const rp = requireRelyingParty(deps.publicOrigin());
        return { options: { ...(await passkeyLoginOptions(db, rp, now)) } };
      }
      case 'loginWithPasskey': {
        const body = parseInput(CONSOLE_ENDPOINTS.loginWithPasskey.input, input);
        const rp = requireRelyingParty(deps.publicOrigin());
        const assertion = body.assertion as AuthenticationResponseJSON;
        const result = await verifyPasswordAndSecondFactor(
          { db, now: deps.now, random: deps.random, keys: deps.keys },
          { email: body.email, password: body.password, clientAddress: request.socket.remoteAddress ?? 'unknown' },
          async (operator, usable, at) =>
            (await checkPasskeyAssertion(db, rp, operator?.id ?? null, assertion, { now: at, consume: usable }))
              ? 'passkey'
              : null,
        );
        return startLoginSession(request, reply, result, true);
      }
      case 'session': {
        const session = await sessionOf(request);
        if (!session) throw new ConsoleHttpError('unauthorized', 'Sign in: there is no session, or it has ended.');
        return sessionInfo(db, session);
      }
      case 'logout': {
        const session = await sessionOf(request);
        if (session) {
          checkCsrf(request, session.sessionId);
          await db.transaction(async (tx) => {
            await endSession(tx, session.sessionId, now);
            await deps.audit.append(tx, { operatorId: session.operatorId, action: 'operator.logout' });
          });
        }
        reply.header('set-cookie', sessionCookie(SESSION_COOKIE, null, 0));
        return { ok: true };
      }
      case 'openEnrolment': {
        const body = parseInput(CONSOLE_ENDPOINTS.openEnrolment.input, input);
        const opened = await openEnrolment({ db, now: deps.now, random: deps.random, keys: deps.keys }, body.token);
        return {
          email: opened.email,
          displayName: opened.displayName,
          totpSecret: opened.totpSecret,
          totpUri: opened.totpUri,
          expiresAt: opened.expiresAt.toISOString(),
        };
      }
      case 'completeEnrolment': {
        const body = parseInput(CONSOLE_ENDPOINTS.completeEnrolment.input, input);
        // The enrolment's own transaction, with its audit entry in it.
        const auditing = {
          ...db,
          kind: db.kind,
          query: db.query.bind(db),
          close: db.close.bind(db),
          transaction: <T>(fn: (tx: Queryable) => Promise<T>) =>
            db.transaction(async (tx) => {
              const done = await fn(tx);
              const operatorId = (done as { operatorId?: unknown }).operatorId;
              if (typeof operatorId === 'string') {
                await deps.audit.append(tx, { operatorId, action: 'operator.enrolled' });
              }
              return done;
            }),
        };
        const done = await completeEnrolment(
          { db: auditing, now: deps.now, random: deps.random, keys: deps.keys },
          body.token,
          body.password,
          body.totpCode,
        );
        return { recoveryCodes: done.recoveryCodes };
      }
      case 'confirmConsent': {
        const body = parseInput(CONSOLE_ENDPOINTS.confirmConsent.input, input);
        return confirmConsentLink(deps, body.token);
      }
    }
  }

  for (const [key, endpoint] of Object.entries(CONSOLE_ENDPOINTS) as [ConsoleEndpointName, ConsoleEndpoint][]) {
    app.route({
      method: endpoint.method,
      url: CONSOLE_API_PREFIX + endpoint.path,
      // Counted before the body is read (server.ts registers @fastify/rate-limit with HQ's database store).
      ...(endpoint.access === 'public'
        ? {
            config: {
              rateLimit: {
                max: deps.publicRateLimit.max,
                timeWindow: deps.publicRateLimit.windowMs,
                errorResponseBuilder: (_request: unknown, context: { ttl: number }) =>
                  new ConsoleHttpError('too_many_requests', 'Too many requests from this address; try again later.', {
                    retryAfterSeconds: Math.ceil(context.ttl / 1000),
                  }),
              },
            },
          }
        : {}),
      handler: async (request, reply) => {
        const req = request as unknown as Request;
        reply.header('cache-control', 'no-store');
        const input = rawInput(req, endpoint);
        if (IDENTITY.has(key)) {
          if (endpoint.method !== 'GET') checkSameOrigin(req);
          const body = await identity(key as IdentityEndpoint, req, reply, input);
          return reply.code(200).send(endpoint.output.parse(body));
        }
        const actor = await authenticate(req, endpoint);
        if (actor.via === 'session' && endpoint.method !== 'GET') checkCsrf(req, actor.sessionId ?? '');
        if (endpoint.access !== 'public' && endpoint.access !== 'session' && !may(actor.roles, endpoint.access)) {
          await auditRefusal(actor, endpoint.access);
          throw new ConsoleHttpError('forbidden', `Your role does not allow ${endpoint.access}.`);
        }
        const parsed = parseInput(endpoint.input, input) as Record<string, unknown>;
        const outcome = await runOperation(
          key as Exclude<ConsoleEndpointName, IdentityEndpoint>,
          endpoint,
          actor,
          parsed,
        );
        if (outcome.replayed) reply.header('idempotent-replay', 'true');
        req.log.info({ endpoint: key, operatorId: actor.operatorId, via: actor.via }, 'console request');
        return reply.code(outcome.status).send(outcome.body);
      },
    });
  }

  app.get(AUDIT_EXPORT_PATH, async (request, reply) => {
    const req = request as unknown as Request;
    const exportEndpoint: ConsoleEndpoint = { ...CONSOLE_ENDPOINTS.listAudit, access: 'audit.export' };
    const actor = await authenticate(req, exportEndpoint);
    if (!may(actor.roles, 'audit.export')) {
      await auditRefusal(actor, 'audit.export');
      throw new ConsoleHttpError('forbidden', 'Your role does not allow audit.export.');
    }
    // The export is itself recorded, then read: the line recording it is in the file.
    await db.transaction((tx) =>
      deps.audit.append(tx, { operatorId: actor.operatorId, action: 'audit.export', details: { via: actor.via } }),
    );
    const lines: string[] = [];
    for await (const line of deps.audit.exportJsonLines()) lines.push(line);
    return reply
      .code(200)
      .header('cache-control', 'no-store')
      .header('content-disposition', 'attachment; filename="hq-operator-audit.jsonl"')
      .type('application/x-ndjson; charset=utf-8')
      .send(lines.map((line) => `${line}\n`).join(''));
  });
}

/** Console errors answered in the console's shape; other errors fall through to the server's handler. */
export function consoleErrorReply(error: unknown, reply: Reply): Reply | null {
  const known = toConsoleError(error);
  return known ? sendConsoleError(reply, known) : null;
}

export type { OperatorRole };
