// Fuzzing the console API (issue 12): for every endpoint, as an operator holding all four roles (so
// the role check lets every request through to validation and the handlers), arbitrary JSON bodies,
// query strings and path parameters — wrong types, huge strings, prototype-pollution keys, unicode.
// Never a 5xx; a refusal is JSON with a code from CONSOLE_ERROR_CODES; a refused request changes
// nothing. PGlite only: the same code paths run on PostgreSQL in the other console tests, and a
// snapshot of every table after each of ~1000 requests would make this file take minutes there.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  CONSOLE_API_PREFIX,
  CONSOLE_ENDPOINTS,
  CONSOLE_ERROR_CODES,
  CSRF_HEADER,
  SESSION_COOKIE,
  pathParams,
  type ConsoleEndpointName,
} from '../../packages/hq/src/console/contract';
import { startTestHq, type TestHq } from './support/hq';
import { consoleRequest, firstAdmin, operatorWith, type ConsoleClient, type RawResponse } from './support/console';

const RUNS = 25;

/** hq.snapshot() minus the operator audit (refusals are recorded) and the session's idle clock. */
async function stateOf(hq: TestHq, also: string[] = []): Promise<string> {
  const all = JSON.parse(await hq.snapshot()) as Record<string, Record<string, unknown>[]>;
  const tables = Object.fromEntries(
    Object.entries(all).filter(([table]) => table !== 'operator_audit' && !also.includes(table)),
  );
  const rows = tables.operator_sessions;
  if (!rows) throw new Error('snapshot has no operator_sessions');
  tables.operator_sessions = rows
    .map((row) =>
      Object.fromEntries(Object.entries(row).filter(([k]) => k !== 'last_seen_at' && k !== 'idle_expires_at')),
    )
    .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  return JSON.stringify(tables);
}

const WEIRD_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'valueOf',
  '',
  ' ',
  '$where',
];
const WEIRD_STRINGS = [
  '../../etc/passwd',
  '..%2f..%2f',
  '\u0000',
  '\ud800',
  '🙂👩‍👩‍👧',
  'اختبار',
  "'; DROP TABLE operators; --",
  '${7*7}',
  '<script>alert(1)</script>',
  'NaN',
  '-0',
  '1e309',
  'null',
  'true',
  ' ',
];

const weirdString = fc.oneof(
  fc.string({ maxLength: 60 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.constantFrom(...WEIRD_STRINGS),
  fc.constantFrom('x'.repeat(129), 'y'.repeat(5_000), 'z'.repeat(300_000)),
);

/**
 * What goes into the URL: at most 100 characters a path parameter, a few KB a query value. Longer
 * ones never reach the console's routes (Fastify's maxParamLength answers 414, Node's header limit
 * 431, neither in the console's error shape), nor do malformed percent-escapes (Fastify's 400
 * FST_ERR_BAD_URL): the `test.fails` below pin those down until server.ts maps them.
 */
const urlString = fc.oneof(
  fc.string({ maxLength: 60 }),
  fc.string({ unit: 'grapheme', maxLength: 25 }),
  fc.constantFrom(...WEIRD_STRINGS),
  fc.constantFrom('x'.repeat(100), 'y'.repeat(2_000)),
);
const queryValue: fc.Arbitrary<unknown> = fc.oneof(
  urlString,
  fc.integer(),
  fc.constantFrom(-1, 0, 1.5, 2 ** 31, 2 ** 53, -(2 ** 63), 1e300),
  fc.boolean(),
  fc.constant(null),
  fc.array(urlString, { maxLength: 3 }),
);

const value: fc.Arbitrary<unknown> = fc.oneof(
  fc.anything({ maxDepth: 3 }),
  weirdString,
  fc.integer(),
  fc.constantFrom(-1, 0, 1.5, 2 ** 31, 2 ** 53, -(2 ** 63), 1e300),
  fc.boolean(),
  fc.constant(null),
  fc.array(weirdString, { maxLength: 5 }),
  fc.uuid(),
);

const key = fc.oneof(fc.constantFrom(...WEIRD_KEYS), fc.string({ maxLength: 20 }));

/** Raw JSON texts that carry prototype-pollution keys, and bodies that are not JSON objects at all. */
const RAW_BODIES = [
  '{"__proto__": {"polluted": "yes"}}',
  '{"constructor": {"prototype": {"polluted": "yes"}}}',
  '{"a": {"__proto__": {"polluted": "yes"}}}',
  '[]',
  '"text"',
  '12',
  'null',
  '{',
  '{"a": 1,}',
  '\u0000',
  '{"a": "\\ud800"}',
];

function shapeKeys(name: ConsoleEndpointName): string[] {
  const input = CONSOLE_ENDPOINTS[name].input as unknown as { shape: Record<string, unknown> };
  return Object.keys(input.shape);
}

/** A path segment: percent-encoded, lone surrogates as U+FFFD (malformed escapes: the test.fails below). */
function encodePathParam(text: string): string {
  return encodeURIComponent(text.replace(/[\uD800-\uDFFF]/gu, '\uFFFD'));
}

interface FuzzRequest {
  params: Record<string, string>;
  /** POST/PUT: the raw body text ('' for none) and its content type. */
  raw: string;
  contentType: string;
  /** GET: the query string, without '?'. */
  query: string;
}

function requestArb(name: ConsoleEndpointName): fc.Arbitrary<FuzzRequest> {
  const endpoint = CONSOLE_ENDPOINTS[name];
  const params = pathParams(endpoint.path);
  const paramArb = fc.oneof(
    fc.string({ maxLength: 100 }).filter((text) => encodePathParam(text).length <= 100),
    fc.string({ unit: 'grapheme', maxLength: 6 }).filter((text) => encodePathParam(text).length <= 100),
    fc.constantFrom(...WEIRD_STRINGS, 'x'.repeat(100), '..', '.'),
    fc.constant('valid-looking-id'),
    fc.uuid(),
  );
  const paramsArb = fc.record(
    Object.fromEntries(params.map((p) => [p, paramArb])) as Record<string, fc.Arbitrary<string>>,
  );
  // Near-valid objects: the endpoint's own keys with arbitrary values (a requestId often valid), plus extra keys.
  const known = shapeKeys(name).filter((k) => !params.includes(k));
  const nearValid = fc
    .tuple(
      fc.record(
        Object.fromEntries(known.map((k) => [k, k === 'requestId' ? fc.oneof(fc.uuid(), value) : value])) as Record<
          string,
          fc.Arbitrary<unknown>
        >,
        { requiredKeys: [] },
      ),
      fc.dictionary(key, value, { maxKeys: 3 }),
    )
    .map(([own, extra]) => ({ ...extra, ...own }));
  const body = fc.oneof(
    nearValid.map((v) => JSON.stringify(v)),
    fc.anything({ maxDepth: 3 }).map((v) => JSON.stringify(v) ?? ''),
    fc.constantFrom(...RAW_BODIES),
    fc.string({ maxLength: 40 }),
  );
  const nearValidQuery = fc
    .tuple(
      fc.record(Object.fromEntries(known.map((k) => [k, queryValue])) as Record<string, fc.Arbitrary<unknown>>, {
        requiredKeys: [],
      }),
      fc.dictionary(key, queryValue, { maxKeys: 3 }),
    )
    .map(([own, extra]) => ({ ...extra, ...own }));
  const query = fc.oneof(
    nearValidQuery.map((v) => {
      const search = new URLSearchParams();
      for (const [k, val] of Object.entries(v))
        search.append(k, typeof val === 'string' ? val : (JSON.stringify(val) ?? ''));
      return search.toString();
    }),
    fc.string({ maxLength: 60 }).map((text) => encodeURIComponent(text)),
    fc.constantFrom(
      '__proto__[polluted]=yes',
      'constructor[prototype][polluted]=yes',
      'limit=1&limit=2',
      'beforeSeq=-1',
      'limit=1e3',
      '%',
      'a=%zz',
    ),
  );
  return fc.record({
    params: paramsArb,
    raw: endpoint.method === 'GET' ? fc.constant('') : body,
    contentType: fc.constantFrom('application/json', 'application/json', 'application/json', 'text/plain'),
    query: endpoint.method === 'GET' ? query : fc.constant(''),
  });
}

describe('console API fuzz on pglite', () => {
  let hq: TestHq;
  let admin: ConsoleClient;
  let everyRole: ConsoleClient;

  beforeAll(async () => {
    hq = await startTestHq('pglite', { console: true });
    admin = (await firstAdmin(hq)).client;
    everyRole = (await operatorWith(hq, admin, ['chain_admin', 'store_operations', 'privacy_officer', 'auditor']))
      .client;
  }, 60_000);
  afterAll(async () => {
    await hq?.close();
  });

  async function send(name: ConsoleEndpointName, request: FuzzRequest, signedIn: boolean): Promise<RawResponse> {
    const endpoint = CONSOLE_ENDPOINTS[name];
    let path = endpoint.path;
    for (const [param, v] of Object.entries(request.params)) path = path.replace(`:${param}`, encodePathParam(v));
    const url = `${CONSOLE_API_PREFIX}${path}${request.query ? `?${request.query}` : ''}`;
    const headers: Record<string, string> = { origin: hq.url };
    if (signedIn) {
      headers.cookie = `${SESSION_COOKIE}=${everyRole.cookie ?? ''}`;
      if (endpoint.method !== 'GET') headers[CSRF_HEADER] = everyRole.csrf ?? '';
    }
    if (request.raw !== '') headers['content-type'] = request.contentType;
    return consoleRequest(hq, endpoint.method, url, { raw: request.raw, headers });
  }

  const names = Object.keys(CONSOLE_ENDPOINTS) as ConsoleEndpointName[];

  test.each(names)(
    '%s: arbitrary input never gets a 5xx, refusals are console errors, and refused requests change nothing',
    async (name) => {
      // Logging out would end the session every other request uses: it is fuzzed without one.
      const signedIn = name !== 'logout';
      // A refused login is counted by the login throttle: that table's whole purpose.
      const alsoChanges = name === 'login' ? ['operator_login_failures'] : [];
      let before = await stateOf(hq, alsoChanges);
      await fc.assert(
        fc.asyncProperty(requestArb(name), async (request) => {
          const response = await send(name, request, signedIn);
          const where = `${name} ${JSON.stringify(request).slice(0, 300)} → ${response.status} ${response.text.slice(0, 300)}`;
          expect(response.status, where).toBeLessThan(500);
          expect(response.status, where).toBeGreaterThanOrEqual(200);
          const after = await stateOf(hq, alsoChanges);
          if (response.status >= 300) {
            expect(typeof response.body, where).toBe('object');
            const code = (response.body as { code?: unknown }).code;
            expect(CONSOLE_ERROR_CODES as readonly unknown[], where).toContain(code);
            expect(typeof (response.body as { message?: unknown }).message, where).toBe('string');
            // approval_required is the one refusal that records something: the approval request.
            if (code === 'approval_required') {
              expect(await stateOf(hq, [...alsoChanges, 'operator_approvals']), where).toBe(
                JSON.stringify(
                  Object.fromEntries(
                    Object.entries(JSON.parse(before) as Record<string, unknown>).filter(
                      ([t]) => t !== 'operator_approvals',
                    ),
                  ),
                ),
              );
            } else {
              expect(after, `${where}: state changed`).toBe(before);
            }
          }
          before = after;
          expect(({} as Record<string, unknown>).polluted, 'Object.prototype polluted').toBeUndefined();
        }),
        { numRuns: RUNS },
      );
      // The session still works: nothing the fuzz sent ended or broke it.
      if (signedIn) expect((await everyRole.call('session')).status).toBe(200);
    },
    60_000,
  );

  /** The console's error shape: a code from CONSOLE_ERROR_CODES and a message. */
  function expectConsoleError(response: RawResponse): void {
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
    expect(CONSOLE_ERROR_CODES as readonly unknown[]).toContain((response.body as { code?: unknown }).code);
  }

  // What the router and Node refuse before a console route runs (server.ts: frameworkErrors,
  // routerOptions.maxParamLength, clientErrorHandler) is answered in the console's shape too.
  test('a malformed percent-escape in a path parameter is a typed bad_request, without the path echoed', async () => {
    const response = await consoleRequest(hq, 'POST', `${CONSOLE_API_PREFIX}/staff/%FF/status`, {
      body: {},
      headers: {
        origin: hq.url,
        cookie: `${SESSION_COOKIE}=${everyRole.cookie ?? ''}`,
        [CSRF_HEADER]: everyRole.csrf ?? '',
      },
    });
    expectConsoleError(response);
    expect(response.text).not.toContain('%FF');
  });

  test('an id of 101–128 characters, valid by the contract, reaches the handler (404 staff_not_found, not the router’s 414)', async () => {
    const response = await everyRole.call('setStaffStatus', { staffId: 's'.repeat(120), status: 'inactive' });
    expect(response.status).toBe(404);
    expect(response.body).toMatchObject({ code: 'staff_not_found' });
  });

  test('a URL beyond Node’s 16 KB header limit gets 431 with a typed body, not Node’s bare answer', async () => {
    const response = await consoleRequest(hq, 'GET', `${CONSOLE_API_PREFIX}/stores?q=${'q'.repeat(20_000)}`, {
      headers: { cookie: `${SESSION_COOKIE}=${everyRole.cookie ?? ''}` },
    });
    expect(response.status).toBe(431);
    expect(response.body).toEqual({ code: 'payload_too_large', message: 'The request headers are too large.' });
  });
});
