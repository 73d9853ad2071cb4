// An operator's browser, minus the browser: real HTTPS to a test HQ with the console, a cookie jar
// of one session cookie, the CSRF header and the Origin a same-origin page would send.
import { randomBytes, randomUUID } from 'node:crypto';
import {
  CONSOLE_API_PREFIX,
  CONSOLE_ENDPOINTS,
  CSRF_HEADER,
  SESSION_COOKIE,
  pathParams,
  type ConsoleEndpointName,
} from '../../../packages/hq/src/console/contract';
import { createChainAdmin } from '../../../packages/hq/src/console/first-admin';
import { deriveKey } from '../../../packages/hq/src/keys/derived-keys';
import { createOperatorAuditLog } from '../../../packages/hq/src/operators/operator-audit';
import type { OperatorRole } from '../../../packages/hq/src/operators/roles';
import { totpCodeAt } from '../../../packages/hq/src/operators/totp';
import { httpsExchange, jsonOrText, pinnedTlsOptions, type TestHq } from './hq';

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  text: string;
}

export async function consoleRequest(
  hq: TestHq,
  method: string,
  path: string,
  options: { body?: unknown; raw?: string; headers?: Record<string, string> } = {},
): Promise<RawResponse> {
  const payload = options.raw ?? (options.body === undefined ? '' : JSON.stringify(options.body));
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  if (payload !== '' && headers['content-type'] === undefined) headers['content-type'] = 'application/json';
  const answer = await httpsExchange(
    hq.url,
    pinnedTlsOptions(hq.tls, hq.tls.fingerprint256),
    path,
    payload,
    headers,
    method,
  );
  return { status: answer.status, headers: answer.headers, body: jsonOrText(answer.text), text: answer.text };
}

/** The URL and body of a call to endpoint `name` with `input` (path params in the path, GET as query). */
export function endpointRequest(
  name: ConsoleEndpointName,
  input: Record<string, unknown>,
): { method: string; path: string; body?: unknown } {
  const endpoint = CONSOLE_ENDPOINTS[name];
  let path = endpoint.path;
  const params = pathParams(endpoint.path);
  for (const param of params) path = path.replace(`:${param}`, encodeURIComponent(String(input[param] ?? '')));
  const rest = Object.fromEntries(Object.entries(input).filter(([key]) => !params.includes(key)));
  if (endpoint.method === 'GET') {
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(rest)) if (value !== undefined) query.set(key, String(value));
    const qs = query.toString();
    return { method: 'GET', path: `${CONSOLE_API_PREFIX}${path}${qs ? `?${qs}` : ''}` };
  }
  return { method: endpoint.method, path: `${CONSOLE_API_PREFIX}${path}`, body: rest };
}

export interface ConsoleClient {
  operatorId: string;
  email: string;
  cookie: string | undefined;
  csrf: string | undefined;
  /** Calls an endpoint as this operator; writes get a fresh request id unless the input has one. */
  call(
    name: ConsoleEndpointName,
    input?: Record<string, unknown>,
    extra?: { headers?: Record<string, string> },
  ): Promise<RawResponse>;
}

export function sessionCookieFrom(response: RawResponse): string | undefined {
  const set = response.headers['set-cookie'];
  const all = Array.isArray(set) ? set : set === undefined ? [] : [set];
  for (const line of all) {
    const match = new RegExp(`^${SESSION_COOKIE.replace(/[-]/g, '\\-')}=([^;]*)`).exec(line);
    if (match) return match[1];
  }
  return undefined;
}

export function clientFor(
  hq: TestHq,
  operatorId: string,
  email: string,
  cookie?: string,
  csrf?: string,
): ConsoleClient {
  const client: ConsoleClient = {
    operatorId,
    email,
    cookie,
    csrf,
    call(name, input = {}, extra = {}) {
      const endpoint = CONSOLE_ENDPOINTS[name];
      const withId =
        endpoint.method !== 'GET' && 'requestId' in endpoint.input.shape && input.requestId === undefined
          ? { requestId: randomUUID(), ...input }
          : input;
      const request = endpointRequest(name, withId);
      const headers: Record<string, string> = { origin: hq.url, ...(extra.headers ?? {}) };
      if (client.cookie !== undefined) headers.cookie = `${SESSION_COOKIE}=${client.cookie}`;
      if (client.csrf !== undefined && request.method !== 'GET') headers[CSRF_HEADER] = client.csrf;
      return consoleRequest(hq, request.method, request.path, {
        ...(request.body !== undefined ? { body: request.body } : {}),
        headers,
      });
    },
  };
  return client;
}

/** The next TOTP step: the clock moves 30 s on, so no code is reused. */
export function nextTotp(hq: TestHq, secret: string): string {
  hq.clock.now = new Date(hq.clock.now.getTime() + 30_000);
  return totpCodeAt(secret, hq.clock.now);
}

export const TEST_PASSWORD = 'correct horse battery staple 42';

export interface EnrolledOperator {
  operatorId: string;
  email: string;
  totpSecret: string;
  recoveryCodes: string[];
}

/** Opens and completes an enrolment link through the API, as the operator would. */
export async function enrolThroughApi(
  hq: TestHq,
  enrolmentUrl: string,
  password = TEST_PASSWORD,
): Promise<EnrolledOperator> {
  const token = enrolmentUrl.split('#/enrol/')[1] ?? '';
  const opened = await consoleRequest(hq, 'POST', `${CONSOLE_API_PREFIX}/enrolment/open`, { body: { token } });
  if (opened.status !== 200) throw new Error(`enrolment open refused: ${opened.text}`);
  const { totpSecret, email } = opened.body as { totpSecret: string; email: string };
  const done = await consoleRequest(hq, 'POST', `${CONSOLE_API_PREFIX}/enrolment/complete`, {
    body: { token, password, totpCode: nextTotp(hq, totpSecret) },
  });
  if (done.status !== 200) throw new Error(`enrolment refused: ${done.text}`);
  const { recoveryCodes } = done.body as { recoveryCodes: string[] };
  const found = await hq.db.query<{ id: string }>('SELECT id FROM operators WHERE email = $1', [email]);
  return { operatorId: found.rows[0]?.id ?? '', email, totpSecret, recoveryCodes };
}

export async function login(hq: TestHq, operator: EnrolledOperator, password = TEST_PASSWORD): Promise<ConsoleClient> {
  const response = await consoleRequest(hq, 'POST', `${CONSOLE_API_PREFIX}/login`, {
    body: { email: operator.email, password, secondFactor: nextTotp(hq, operator.totpSecret) },
    headers: { origin: hq.url },
  });
  if (response.status !== 200) throw new Error(`login refused: ${response.text}`);
  const cookie = sessionCookieFrom(response);
  const { csrfToken } = response.body as { csrfToken: string };
  return clientFor(hq, operator.operatorId, operator.email, cookie, csrfToken);
}

/** The first chain admin, as `create-admin` makes them, enrolled and signed in. */
export async function firstAdmin(
  hq: TestHq,
  email = 'admin@chain.example',
): Promise<{ client: ConsoleClient; enrolled: EnrolledOperator }> {
  if (!hq.masterKey) throw new Error('start the test HQ with { console: true }');
  const audit = createOperatorAuditLog({
    db: hq.db,
    key: deriveKey(hq.masterKey, 'operator-audit'),
    now: () => hq.clock.now,
  });
  const made = await createChainAdmin(
    {
      db: hq.db,
      now: () => hq.clock.now,
      random: (size) => randomBytes(size),
      audit,
      publicOrigin: () => hq.url,
    },
    { email, displayName: 'Chain Admin' },
  );
  const enrolled = await enrolThroughApi(hq, made.enrolmentUrl);
  return { client: await login(hq, enrolled), enrolled };
}

/** A new operator with `roles`, made by `admin` through the console, enrolled and signed in. */
export async function operatorWith(
  hq: TestHq,
  admin: ConsoleClient,
  roles: OperatorRole[],
  email = `${roles.join('-').replace(/_/g, '')}-${randomUUID().slice(0, 6)}@chain.example`,
): Promise<{ client: ConsoleClient; enrolled: EnrolledOperator }> {
  const made = await admin.call('createOperator', { email, displayName: `Operator ${roles.join(' ')}`, roles });
  if (made.status !== 200) throw new Error(`createOperator refused: ${made.text}`);
  const enrolled = await enrolThroughApi(hq, (made.body as { enrolmentUrl: string }).enrolmentUrl);
  return { client: await login(hq, enrolled), enrolled };
}
