import type { Server as HttpsServer } from 'node:https';
import rateLimit from '@fastify/rate-limit';
import Fastify, {
  type FastifyInstance,
  type FastifyLoggerOptions,
  type FastifyReply,
  type FastifyRequest,
  type RouteGenericInterface,
} from 'fastify';
import type { z } from 'zod';
import { toFieldIssues } from '../../../src/shared/ipc/validation';
import {
  DEVICE_TOKEN_PATTERN,
  HQ_ROUTES,
  HqError,
  MAX_BODY_BYTES,
  PairRequest,
  PairResponse,
  PushRequest,
  PushResponse,
  PullRequest,
  PullResponse,
  DayEndRequest,
  DayEndReport,
  MemberDataRequest,
  MemberDataResponse,
  AuditUploadRequest,
  AuditUploadResponse,
} from '../../../src/shared/sync/protocol';
import { randomBytes } from 'node:crypto';
import { registerBootstrapRoute } from './admin/bootstrap-route';
import { uploadAuditEntries } from './audit-upload/upload-audit';
import { consoleErrorReply, registerConsoleApi } from './console/console-api';
import { ConsoleHttpError } from './console/console-error';
import { registerConsoleStatic, securityHeaders } from './console/console-static';
import { CONSOLE_HANDLERS } from './console/handlers';
import { DEFAULT_SESSION_TIMEOUTS, type SessionTimeouts } from './console/sessions';
import { deriveKey } from './keys/derived-keys';
import type { DataKeys } from './keys/data-keys';
import { createOperatorAuditLog } from './operators/operator-audit';
import { reconcileDayEnd } from './day-end/reconcile';
import { openRekeyRequest, recordRekeyDone } from './devices/rekey';
import { refusingRolledBack } from './devices/rollback';
import { pullPage } from './pull/pull';
import type { HqDatabase } from './db/database';
import type { ReadReplica } from './db/read-replica';
import { HqHttpError } from './errors';
import { pairDevice } from './pair';
import { answerTillMemberRequest } from './privacy/till-requests';
import { pushOps, type AuthenticatedDevice } from './push/push';
import {
  CONSOLE_PUBLIC_RATE_LIMIT,
  IPV6_SUBNET,
  PAIR_RATE_LIMIT,
  databaseRateLimitStore,
  type RateLimit,
} from './rate-limit';
import { secretHash } from './secrets';

export interface HqServerOptions {
  db: HqDatabase;
  tls: { key: string | Buffer; cert: string | Buffer };
  /**
   * false (default) for silence, true or pino options (level, stream) for Fastify's logger.
   * HQ logs ids, codes and counts; requests are logged as method, path and status only.
   */
  logger?: boolean | FastifyLoggerOptions;
  now?: () => Date;
  /**
   * Attempts at POST /v1/pair per client address (default PAIR_RATE_LIMIT: 10 per 10 minutes), counted
   * in `db`, so every HQ process on one database shares the budget.
   */
  pairRateLimit?: RateLimit;
  /**
   * A streaming replica of `db` (DATABASE_REPLICA_URL) for till pulls (pull/pull.ts says when it may
   * answer); everything else reads and writes `db`, the primary.
   */
  replica?: ReadReplica | undefined;
  /** Serves the operators' console and its API (issue 12); without it, HQ serves tills only. */
  console?: ConsoleOptions;
  /**
   * HQ's data keys, unwrapped once at start (keys/data-keys.ts openDataKeys): members' contacts are
   * sealed at rest and opened only where a route needs them.
   */
  keys: DataKeys;
}

export interface ConsoleOptions {
  /**
   * The root HQ's own keys are derived from (keys/data-keys.ts openDerivationRoot, kept wrapped by the
   * master key): the operator audit, approval, CSRF, confirmation and pseudonym keys.
   */
  keyRoot: Buffer;
  /** SHA-256 fingerprint of HQ's certificate, shown with each pairing code. */
  hqCertSha256: string;
  /** https://host:port for enrolment links (default: the address the server listens on). */
  publicOrigin?: () => string;
  /** The built console (packages/hq/dist/console); without it /console/ says how to build it. */
  staticDir?: string;
  timeouts?: SessionTimeouts;
  /** Requests per client address to login, enrolment and passkey options (default CONSOLE_PUBLIC_RATE_LIMIT). */
  publicRateLimit?: RateLimit;
  random?: (size: number) => Buffer;
  /**
   * The data folder's bootstrap token (admin/admin-endpoint-file.ts): serves POST /v1/admin/bootstrap
   * (loopback peers only) for `create-admin`, while HQ has no operator.
   */
  bootstrapToken?: string;
}

function sendError(reply: FastifyReply<RouteGenericInterface, HttpsServer>, error: HqHttpError): FastifyReply {
  const body: HqError = { code: error.code, message: error.message };
  if (error.issues && error.issues.length > 0) {
    body.issues = error.issues.slice(0, 20).map((issue) => ({
      path: issue.path.slice(0, 200),
      code: issue.code.slice(0, 40),
    }));
  }
  if (error.rollback !== undefined) body.rollback = error.rollback;
  if (error.retryAfterSeconds !== undefined) reply.header('retry-after', String(error.retryAfterSeconds));
  return reply.code(error.statusCode).type('application/json').send(HqError.parse(body));
}

function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const parsed = schema.safeParse(body);
  if (!parsed.success)
    throw new HqHttpError('bad_request', 'The request does not match the v1 schema.', toFieldIssues(parsed.error));
  return parsed.data;
}

/** Fastify's own refusals (body too large, bad JSON, poisoned keys…) as typed HQ errors. */
function fromFastifyError(error: unknown): HqHttpError {
  if (error instanceof HqHttpError) return error;
  const status =
    typeof error === 'object' && error !== null && 'statusCode' in error ? Number(error.statusCode) : undefined;
  if (status === 413) return new HqHttpError('payload_too_large', 'The request body is too large.');
  if (status === 415) return new HqHttpError('unsupported_media_type', 'Send application/json.');
  if (status !== undefined && status >= 400 && status < 500)
    return new HqHttpError('bad_request', 'The request body could not be read as JSON.');
  return new HqHttpError('internal_error', 'HQ could not complete the request.');
}

/**
 * The reference HQ sync server (DESIGN §2, §4, §5): HTTPS only, every body parsed with the v1 zod
 * schemas on the way in and out. Returns the Fastify instance unstarted; call listen().
 */
export type HqServer = FastifyInstance<HttpsServer>;

export function buildHqServer(options: HqServerOptions): HqServer {
  const { db } = options;
  const now = options.now ?? (() => new Date());
  const logger = options.logger ?? false;
  const app: HqServer = Fastify({
    https: { key: options.tls.key, cert: options.tls.cert, minVersion: 'TLSv1.2' },
    bodyLimit: MAX_BODY_BYTES,
    // secure-json-parse refuses bodies that carry these keys, before any handler sees them.
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    requestTimeout: 30_000,
    return503OnClosing: true,
    // Console ids run to 128 characters (console/contract.ts); the router's default stops at 100.
    routerOptions: { maxParamLength: 256 },
    // The router's own refusals (a malformed percent-escape in the path…) in HQ's error shape,
    // without echoing the path back.
    frameworkErrors: (_error, _request, reply) => {
      void (reply as FastifyReply)
        .code(400)
        .type('application/json')
        .send({ code: 'bad_request', message: 'The request path could not be read.' });
    },
    // Node's own refusals before Fastify sees a request (a header or URL over 16 KB…): a typed body too.
    clientErrorHandler: (error: NodeJS.ErrnoException, socket) => {
      if (!socket.writable) return;
      const tooLarge = error.code === 'HPE_HEADER_OVERFLOW';
      const body = JSON.stringify(
        tooLarge
          ? { code: 'payload_too_large', message: 'The request headers are too large.' }
          : { code: 'bad_request', message: 'The request could not be read.' },
      );
      socket.end(
        `HTTP/1.1 ${tooLarge ? '431 Request Header Fields Too Large' : '400 Bad Request'}\r\n` +
          'Content-Type: application/json\r\nConnection: close\r\n' +
          `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
    },
    logger:
      logger === false
        ? false
        : {
            ...(typeof logger === 'object' ? logger : {}),
            // Method and path only: no headers (the token), no query string, no address.
            serializers: {
              req: (req) => ({ method: req.method, path: req.url?.split('?')[0] }),
              res: (res) => ({ statusCode: res.statusCode }),
            },
          },
  });

  app.setErrorHandler((error, request, reply) => {
    const consoleRefusal = consoleErrorReply(error, reply);
    if (consoleRefusal) return consoleRefusal;
    const hqError = fromFastifyError(error);
    if (hqError.code === 'internal_error') {
      // The name and SQLSTATE only: driver messages can quote the values of a row.
      const name = error instanceof Error ? error.name : typeof error;
      const sqlstate = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : undefined;
      request.log.error({ err: { name, code: sqlstate } }, 'hq request failed');
    } else {
      request.log.info({ code: hqError.code }, 'hq request refused');
    }
    return sendError(reply, hqError);
  });
  app.setNotFoundHandler((_request, reply) => sendError(reply, new HqHttpError('not_found', 'No such route.')));

  async function authenticate(
    request: FastifyRequest<RouteGenericInterface, HttpsServer>,
  ): Promise<AuthenticatedDevice> {
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer (\S+)$/.exec(header) : null;
    const token = match?.[1];
    if (!token || !DEVICE_TOKEN_PATTERN.test(token))
      throw new HqHttpError('unauthorized', 'A device token is required.');
    const found = await db.query<{ id: string; store_id: string; revoked_at: Date | null }>(
      'SELECT id, store_id, revoked_at FROM devices WHERE token_hash = $1',
      [secretHash(token)],
    );
    const device = found.rows[0];
    if (!device) throw new HqHttpError('unauthorized', 'The device token is not valid.');
    if (device.revoked_at !== null) throw new HqHttpError('device_revoked', 'This device has been revoked.');
    return { deviceId: device.id, storeId: device.store_id };
  }

  /**
   * After a till's request succeeded: when HQ last heard from it and the version it says it runs
   * (User-Agent LoyaltyDesk/x.y.z; only a plain version is kept), for the console's devices page.
   * Written at most once a minute per till, and never for a refused request (which changes nothing).
   */
  async function noteContact(
    request: FastifyRequest<RouteGenericInterface, HttpsServer>,
    device: AuthenticatedDevice,
  ): Promise<void> {
    const agent = /^LoyaltyDesk\/(\d{1,4}\.\d{1,4}\.\d{1,4}(?:-[0-9A-Za-z.]{1,32})?)$/.exec(
      request.headers['user-agent'] ?? '',
    );
    const at = now();
    await db.query(
      `UPDATE devices SET last_seen_at = GREATEST(last_seen_at, $2), app_version = COALESCE($3, app_version)
        WHERE id = $1
          AND (last_seen_at IS NULL OR last_seen_at < $4 OR app_version IS DISTINCT FROM COALESCE($3, app_version))`,
      [device.deviceId, at, agent?.[1] ?? null, new Date(at.getTime() - 60_000)],
    );
  }

  // Only routes that set config.rateLimit are limited. Each attempt is counted in HQ's database
  // (rate-limit.ts), before the body is read (onRequest): a malformed or oversized attempt counts like
  // a wrong code. The key is the socket address (IPv6 by its /64); no count headers, only Retry-After.
  const pairLimit = options.pairRateLimit ?? PAIR_RATE_LIMIT;
  void app.register(rateLimit, {
    global: false,
    hook: 'onRequest',
    store: databaseRateLimitStore(db, now),
    ipv6Subnet: IPV6_SUBNET,
    addHeadersOnExceeding: { 'x-ratelimit-limit': false, 'x-ratelimit-remaining': false, 'x-ratelimit-reset': false },
    addHeaders: {
      'x-ratelimit-limit': false,
      'x-ratelimit-remaining': false,
      'x-ratelimit-reset': false,
      'retry-after': false,
    },
    errorResponseBuilder: (_request, context) =>
      new HqHttpError('too_many_requests', 'Too many pairing attempts from this address; try again later.', [], {
        retryAfterSeconds: Math.ceil(context.ttl / 1000),
      }),
  });

  // Added once the plugin has loaded (avvio runs registrations in order), so its onRoute hook sees config.rateLimit.
  void app.register(async (scope) => {
    scope.post(
      HQ_ROUTES.pair,
      { config: { rateLimit: { max: pairLimit.max, timeWindow: pairLimit.windowMs } } },
      async (request, reply) => {
        const body = parseBody(PairRequest, request.body);
        const result = PairResponse.parse(await pairDevice({ db, now, keys: options.keys }, body));
        request.log.info({ deviceId: result.deviceId, storeId: result.storeId }, 'device paired');
        return reply.code(200).send(result);
      },
    );
  });

  app.post(HQ_ROUTES.push, async (request, reply) => {
    const device = await authenticate(request);
    const body = parseBody(PushRequest, request.body);
    const result = PushResponse.parse(
      await refusingRolledBack({ db, now }, device, 'push', () =>
        pushOps({ db, now, keys: options.keys }, device, body.ops, body.head),
      ),
    );
    await noteContact(request, device);
    const counts = { applied: 0, duplicate: 0, rejected: 0 };
    for (const outcome of result.outcomes) counts[outcome.outcome] += 1;
    request.log.info({ deviceId: device.deviceId, lastSeq: result.lastSeq, gapAt: result.gapAt, ...counts }, 'push');
    return reply.code(200).send(result);
  });

  app.post(HQ_ROUTES.pull, async (request, reply) => {
    const device = await authenticate(request);
    const body = parseBody(PullRequest, request.body);
    const page = await refusingRolledBack({ db, now }, device, 'pull', () =>
      pullPage(
        {
          db,
          keys: options.keys,
          replica: options.replica,
          // Not an error for the till (the primary answered); the error's name and code only.
          onPrimaryFallback: (why) => request.log.warn(why, 'pull answered by the primary, not the replica'),
        },
        device,
        body,
      ),
    );
    // A rekey the till carried out (devices/rekey.ts), recorded once HQ took the till's pull (a till
    // refused as rolled back is not believed) and before the answer, which then no longer asks for it.
    if (body.rekeyed !== undefined) {
      await recordRekeyDone(db, { deviceId: device.deviceId, rekeyId: body.rekeyed, now: now() });
    }
    const rekey = await openRekeyRequest(db, device.deviceId);
    const result = PullResponse.parse(rekey === null ? page : { ...page, rekey });
    await noteContact(request, device);
    request.log.info(
      { deviceId: device.deviceId, changes: result.changes.length, more: result.more, snapshot: result.snapshot },
      'pull',
    );
    return reply.code(200).send(result);
  });

  app.post(HQ_ROUTES.dayEnd, async (request, reply) => {
    const device = await authenticate(request);
    const body = parseBody(DayEndRequest, request.body);
    const result = DayEndReport.parse(
      await refusingRolledBack({ db, now }, device, 'day_end', () => reconcileDayEnd({ db, now }, device, body)),
    );
    await noteContact(request, device);
    request.log.info({ deviceId: device.deviceId, status: result.status, toSeq: result.toSeq }, 'day end');
    return reply.code(200).send(result);
  });

  // A till's audit chain, in order (audit-upload/): stored only where it continues what HQ holds,
  // then read by the detection rules. Logged as counts and seqs, never an entry's contents.
  app.post(HQ_ROUTES.audit, async (request, reply) => {
    const device = await authenticate(request);
    const body = parseBody(AuditUploadRequest, request.body);
    const onDetectionError = (error: unknown) => {
      // The error's name only: a driver message can quote a row's values.
      const name = error instanceof Error ? error.name : typeof error;
      request.log.error({ err: { name }, deviceId: device.deviceId }, 'audit detection failed');
    };
    const result = AuditUploadResponse.parse(
      await refusingRolledBack({ db, now }, device, 'audit', () =>
        uploadAuditEntries({ db, now, onDetectionError }, device, body.entries, body.head),
      ),
    );
    await noteContact(request, device);
    request.log.info(
      result.status === 'accepted'
        ? { deviceId: device.deviceId, ackedSeq: result.ackedSeq, stored: result.stored, duplicates: result.duplicates }
        : { deviceId: device.deviceId, refused: result.reason, atSeq: result.atSeq, ackedSeq: result.ackedSeq },
      'audit upload',
    );
    return reply.code(200).send(result);
  });

  // A till's request for a member's export or contacts (privacy/till-requests.ts). Each one is
  // recorded in the operator audit chain, whose key derives from the key root: an HQ started
  // without it (no console) cannot audit, so it does not serve them (404, and the till says so).
  if (options.console) {
    const memberDataAudit = createOperatorAuditLog({
      db,
      key: deriveKey(options.console.keyRoot, 'operator-audit'),
      now,
    });
    app.post(HQ_ROUTES.memberData, async (request, reply) => {
      const device = await authenticate(request);
      const body = parseBody(MemberDataRequest, request.body);
      const result = MemberDataResponse.parse(
        await refusingRolledBack({ db, now }, device, 'member_data', () =>
          answerTillMemberRequest({ db, now, audit: memberDataAudit, keys: options.keys }, device, body),
        ),
      );
      if (result.kind !== 'refused') await noteContact(request, device);
      // Ids and codes only: never the member, the document or the contacts.
      request.log.info(
        {
          deviceId: device.deviceId,
          requestId: body.requestId,
          kind: body.kind,
          outcome: result.kind === 'refused' ? result.reason : 'answered',
        },
        'member data',
      );
      return reply.code(200).send(result);
    });
  }

  const headers = securityHeaders();
  app.addHook('onSend', async (_request, reply, payload) => {
    for (const [name, value] of Object.entries(headers)) reply.header(name, value);
    return payload;
  });

  const consoleOptions = options.console;
  if (consoleOptions) {
    const audit = createOperatorAuditLog({ db, key: deriveKey(consoleOptions.keyRoot, 'operator-audit'), now });
    const origin =
      consoleOptions.publicOrigin ??
      (() => {
        const address = app.server.address();
        const port = typeof address === 'object' && address !== null ? address.port : 8443;
        return `https://127.0.0.1:${port}`;
      });
    void app.register(async (scope) => {
      // Console answers keep the console's error shape; Fastify's own refusals are mapped onto it.
      scope.setErrorHandler((error, request, reply) => {
        const known = consoleErrorReply(error, reply);
        if (known) return known;
        const mapped = fromFastifyError(error);
        if (mapped.code === 'internal_error') {
          const name = error instanceof Error ? error.name : typeof error;
          const sqlstate =
            typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : undefined;
          request.log.error({ err: { name, code: sqlstate } }, 'console request failed');
        }
        const code =
          mapped.code === 'payload_too_large' || mapped.code === 'unsupported_media_type'
            ? mapped.code
            : mapped.code === 'internal_error'
              ? 'internal_error'
              : 'bad_request';
        return consoleErrorReply(new ConsoleHttpError(code, mapped.message), reply);
      });
      registerConsoleApi(
        scope,
        {
          db,
          now,
          random: consoleOptions.random ?? ((size) => randomBytes(size)),
          audit,
          approvalKey: deriveKey(consoleOptions.keyRoot, 'operator-approvals'),
          csrfKey: deriveKey(consoleOptions.keyRoot, 'console-csrf'),
          confirmationKey: deriveKey(consoleOptions.keyRoot, 'consent-confirmation'),
          pseudonymKey: deriveKey(consoleOptions.keyRoot, 'audience-pseudonyms'),
          keys: options.keys,
          hqCertSha256: consoleOptions.hqCertSha256,
          publicOrigin: origin,
          timeouts: consoleOptions.timeouts ?? DEFAULT_SESSION_TIMEOUTS,
          publicRateLimit: consoleOptions.publicRateLimit ?? CONSOLE_PUBLIC_RATE_LIMIT,
        },
        CONSOLE_HANDLERS,
      );
    });
    registerConsoleStatic(app, consoleOptions.staticDir);
    if (consoleOptions.bootstrapToken !== undefined) {
      registerBootstrapRoute(app, {
        db,
        now,
        random: consoleOptions.random ?? ((size) => randomBytes(size)),
        audit,
        publicOrigin: origin,
        token: consoleOptions.bootstrapToken,
      });
    }
  }

  return app;
}
