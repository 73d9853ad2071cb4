// The console's web security (issue 12): sessions (fixation, cookie flags, idle/absolute timeout,
// logout), CSRF, clickjacking headers, redirects, login failures and lockout, recovery codes,
// disabled operators and API tokens, and secrets kept out of the server log.
import { randomBytes } from 'node:crypto';
import { request as httpsRequest } from 'node:https';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { migrate } from '../../packages/hq/src/db/migrations';
import { openPgliteDatabase } from '../../packages/hq/src/db/pglite';
import { buildHqServer } from '../../packages/hq/src/server';
import { loadOrCreateTls } from '../../packages/hq/src/tls';
import { CONSOLE_API_PREFIX, SESSION_COOKIE } from '../../packages/hq/src/console/contract';
import { makeTempDir } from '../support/temp-dir';
import { BACKENDS, openTestDataKeys, pinnedTlsOptions, skipBackend, startTestHq, type TestHq } from './support/hq';
import {
  TEST_PASSWORD,
  clientFor,
  consoleRequest,
  firstAdmin,
  login,
  nextTotp,
  operatorWith,
  sessionCookieFrom,
  type ConsoleClient,
  type EnrolledOperator,
  type RawResponse,
} from './support/console';

const LOGIN = `${CONSOLE_API_PREFIX}/login`;
const SESSION = `${CONSOLE_API_PREFIX}/session`;

/** hq.snapshot() minus the operator audit and the session's idle clock / a token's last use. */
async function stateOf(hq: TestHq): Promise<string> {
  const tables = JSON.parse(await hq.snapshot()) as Record<string, Record<string, unknown>[]>;
  delete tables.operator_audit;
  const strip = (table: string, columns: string[]) => {
    const rows = tables[table];
    if (!rows) throw new Error(`snapshot has no ${table}`);
    tables[table] = rows
      .map((row) => Object.fromEntries(Object.entries(row).filter(([key]) => !columns.includes(key))))
      .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  };
  strip('operator_sessions', ['last_seen_at', 'idle_expires_at']);
  strip('operator_api_tokens', ['last_used_at']);
  return JSON.stringify(tables);
}

const cookieHeader = (value: string) => ({ cookie: `${SESSION_COOKIE}=${value}` });
const sessionWith = (hq: TestHq, value: string) => consoleRequest(hq, 'GET', SESSION, { headers: cookieHeader(value) });

/** Past the login throttle's 15-minute window, so earlier failures from 127.0.0.1 make no wait. */
/** A GET of exactly `path` (no URL resolution: '//evil.example' stays a path), through the pinned client. */
function rawGet(hq: TestHq, path: string): Promise<RawResponse> {
  const { port } = new URL(hq.url);
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'GET',
        agent: false,
        ...pinnedTlsOptions(hq.tls, hq.tls.fingerprint256),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text, text });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

const pastThrottleWindow = (hq: TestHq) => {
  hq.clock.now = new Date(hq.clock.now.getTime() + 16 * 60 * 1000);
};

describe.each(BACKENDS)('console security on %s', (backend) => {
  let hq: TestHq;
  let adminEnrolled: EnrolledOperator;
  const staticDir = makeTempDir('loyalty-console-static-');

  beforeAll(async () => {
    if (skipBackend(backend)) return;
    writeFileSync(join(staticDir.path, 'index.html'), '<!doctype html><title>HQ</title>');
    hq = await startTestHq(backend, { console: { staticDir: staticDir.path } });
    adminEnrolled = (await firstAdmin(hq)).enrolled;
  }, 120_000);
  afterAll(async () => {
    await hq?.close();
    staticDir.remove();
  });

  const admin = () => login(hq, adminEnrolled);

  test.skipIf(skipBackend(backend))(
    'session fixation: a cookie the browser had before login is not the session after, and is refused',
    async () => {
      const planted = randomBytes(32).toString('base64url');
      const response = await consoleRequest(hq, 'POST', LOGIN, {
        body: {
          email: adminEnrolled.email,
          password: TEST_PASSWORD,
          secondFactor: nextTotp(hq, adminEnrolled.totpSecret),
        },
        headers: { origin: hq.url, ...cookieHeader(planted) },
      });
      expect(response.status).toBe(200);
      const issued = sessionCookieFrom(response);
      expect(issued).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(issued).not.toBe(planted);
      expect((await sessionWith(hq, planted)).status).toBe(401);
      expect((await sessionWith(hq, issued ?? '')).status).toBe(200);

      // A real session planted in the victim's browser (the attacker's own) ends at the victim's login.
      const attacker = await admin();
      const again = await consoleRequest(hq, 'POST', LOGIN, {
        body: {
          email: adminEnrolled.email,
          password: TEST_PASSWORD,
          secondFactor: nextTotp(hq, adminEnrolled.totpSecret),
        },
        headers: { origin: hq.url, ...cookieHeader(attacker.cookie ?? '') },
      });
      expect(again.status).toBe(200);
      expect(sessionCookieFrom(again)).not.toBe(attacker.cookie);
      expect((await sessionWith(hq, attacker.cookie ?? '')).status).toBe(401);
    },
  );

  test.skipIf(skipBackend(backend))(
    'the session cookie is __Host-, Secure, HttpOnly, SameSite=Strict, Path=/, without Domain',
    async () => {
      const response = await consoleRequest(hq, 'POST', LOGIN, {
        body: {
          email: adminEnrolled.email,
          password: TEST_PASSWORD,
          secondFactor: nextTotp(hq, adminEnrolled.totpSecret),
        },
        headers: { origin: hq.url },
      });
      expect(response.status).toBe(200);
      const set = response.headers['set-cookie'];
      const lines = Array.isArray(set) ? set : [String(set)];
      expect(lines).toHaveLength(1);
      const [nameValue, ...attributes] = (lines[0] ?? '').split(';').map((part) => part.trim());
      expect(nameValue?.startsWith('__Host-ldhq_session=')).toBe(true);
      const lower = attributes.map((a) => a.toLowerCase());
      expect(lower).toContain('secure');
      expect(lower).toContain('httponly');
      expect(lower).toContain('samesite=strict');
      expect(lower).toContain('path=/');
      expect(lower.some((a) => a.startsWith('domain'))).toBe(false);
    },
  );

  test.skipIf(skipBackend(backend))(
    'CSRF: a state change with the cookie but without the right token, or from another site, is 403 csrf_failed and changes nothing',
    async () => {
      const signedIn = await admin();
      const noToken = clientFor(hq, signedIn.operatorId, signedIn.email, signedIn.cookie, undefined);
      const wrongToken = clientFor(hq, signedIn.operatorId, signedIn.email, signedIn.cookie, 'A'.repeat(43));
      const otherSession = await admin();
      const before = await stateOf(hq);
      const attempts: [string, Promise<RawResponse>][] = [
        ['no token', noToken.call('createStore', { name: 'CSRF no token' })],
        ['wrong token', wrongToken.call('createStore', { name: 'CSRF wrong token' })],
        [
          'token of another session',
          clientFor(hq, signedIn.operatorId, signedIn.email, signedIn.cookie, otherSession.csrf).call('createStore', {
            name: 'CSRF other session',
          }),
        ],
        [
          'Origin of another site',
          signedIn.call('createStore', { name: 'CSRF origin' }, { headers: { origin: 'https://evil.example' } }),
        ],
        [
          'Origin http:// of the same host',
          signedIn.call(
            'createStore',
            { name: 'CSRF http' },
            { headers: { origin: hq.url.replace('https:', 'http:') } },
          ),
        ],
        [
          'Sec-Fetch-Site: cross-site',
          signedIn.call('createStore', { name: 'CSRF cross-site' }, { headers: { 'sec-fetch-site': 'cross-site' } }),
        ],
        [
          'Sec-Fetch-Site: same-site',
          signedIn.call('createStore', { name: 'CSRF same-site' }, { headers: { 'sec-fetch-site': 'same-site' } }),
        ],
        ['logout without token', noToken.call('logout')],
      ];
      for (const [what, pending] of attempts) {
        const response = await pending;
        expect(response.status, what).toBe(403);
        expect(response.body, what).toMatchObject({ code: 'csrf_failed' });
      }
      expect(await stateOf(hq)).toBe(before);
      expect((await sessionWith(hq, signedIn.cookie ?? '')).status).toBe(200);
      const same = await signedIn.call('createStore', { name: 'CSRF same origin' });
      expect(same.status).toBe(200);
    },
  );

  test.skipIf(skipBackend(backend))(
    "clickjacking: every console answer carries CSP frame-ancestors 'none' and X-Frame-Options: DENY",
    async () => {
      const signedIn = await admin();
      const answers: [string, RawResponse][] = [
        ['GET /console/', await consoleRequest(hq, 'GET', '/console/')],
        ['GET /console/missing.js', await consoleRequest(hq, 'GET', '/console/missing.js')],
        ['GET /', await consoleRequest(hq, 'GET', '/')],
        ['session 200', await signedIn.call('session')],
        ['session 401', await consoleRequest(hq, 'GET', SESSION)],
        ['listStores 200', await signedIn.call('listStores')],
        ['listAudit 403', await signedIn.call('listAudit')],
        ['createStore 400', await signedIn.call('createStore', { name: 7 })],
        [
          'login 401',
          await consoleRequest(hq, 'POST', LOGIN, { body: { email: 'x@y.z', password: 'x', secondFactor: '1' } }),
        ],
        ['unknown api route', await consoleRequest(hq, 'GET', `${CONSOLE_API_PREFIX}/no-such-thing`)],
        [
          'bad JSON',
          await consoleRequest(hq, 'POST', LOGIN, { raw: '{', headers: { 'content-type': 'application/json' } }),
        ],
        [
          'audit export 403',
          await consoleRequest(hq, 'GET', `${CONSOLE_API_PREFIX}/audit/export`, {
            headers: cookieHeader(signedIn.cookie ?? ''),
          }),
        ],
      ];
      for (const [what, response] of answers) {
        expect(String(response.headers['content-security-policy']), what).toContain("frame-ancestors 'none'");
        expect(response.headers['x-frame-options'], what).toBe('DENY');
      }
    },
  );

  test.skipIf(skipBackend(backend))('redirects go only to /console/, never to another origin', async () => {
    for (const path of ['/', '/console']) {
      const response = await rawGet(hq, path);
      expect(response.status, path).toBe(302);
      expect(response.headers.location, path).toBe('/console/');
    }
    for (const path of [
      '//evil.example',
      '//evil.example/',
      '/\\evil.example',
      '/console/..%2f..%2f',
      '/console/..%2f..%2fevil.example',
      '/console//evil.example',
      '/console?next=https://evil.example',
      '/?next=https://evil.example',
      '/console/?redirect=//evil.example',
    ]) {
      const response = await rawGet(hq, path);
      if (response.status >= 300 && response.status < 400) expect(response.headers.location, path).toBe('/console/');
      else expect([200, 404], path).toContain(response.status);
      expect(String(response.headers.location ?? ''), path).not.toContain('evil');
    }
  });

  test.skipIf(skipBackend(backend))('a session ends after 15 minutes without a request', async () => {
    const signedIn = await admin();
    hq.clock.now = new Date(hq.clock.now.getTime() + 14 * 60 * 1000);
    expect((await signedIn.call('session')).status).toBe(200);
    hq.clock.now = new Date(hq.clock.now.getTime() + 15 * 60 * 1000 + 1000);
    const expired = await signedIn.call('session');
    expect(expired.status).toBe(401);
    expect(expired.body).toMatchObject({ code: 'unauthorized' });
    expect((await signedIn.call('listStores')).status).toBe(401);
  });

  test.skipIf(skipBackend(backend))(
    'a session ends 8 hours after login, however active',
    async () => {
      const signedIn = await admin();
      const start = hq.clock.now.getTime();
      for (let minutes = 10; minutes < 8 * 60; minutes += 10) {
        hq.clock.now = new Date(start + minutes * 60 * 1000);
        expect((await signedIn.call('session')).status, `after ${minutes} min`).toBe(200);
      }
      hq.clock.now = new Date(start + 8 * 60 * 60 * 1000 + 1000);
      expect((await signedIn.call('session')).status).toBe(401);
    },
    120_000,
  );

  test.skipIf(skipBackend(backend))('logout ends the session on the server: the old cookie is refused', async () => {
    const signedIn = await admin();
    const out = await signedIn.call('logout');
    expect(out.status).toBe(200);
    expect((await sessionWith(hq, signedIn.cookie ?? '')).status).toBe(401);
    expect((await signedIn.call('createStore', { name: 'After logout' })).status).toBe(401);
  });

  test.skipIf(skipBackend(backend))(
    'login failures are indistinguishable: unknown e-mail, wrong password, wrong code',
    async () => {
      const attempts = [
        { email: 'nobody@chain.example', password: TEST_PASSWORD, secondFactor: '123456' },
        {
          email: adminEnrolled.email,
          password: `${TEST_PASSWORD}!`,
          secondFactor: nextTotp(hq, adminEnrolled.totpSecret),
        },
        {
          email: adminEnrolled.email,
          password: TEST_PASSWORD,
          secondFactor: String((Number(nextTotp(hq, adminEnrolled.totpSecret)) + 1) % 1_000_000).padStart(6, '0'),
        },
      ];
      const answers: RawResponse[] = [];
      for (const body of attempts) {
        pastThrottleWindow(hq);
        answers.push(await consoleRequest(hq, 'POST', LOGIN, { body, headers: { origin: hq.url } }));
      }
      for (const answer of answers) {
        expect(answer.status).toBe(401);
        expect(answer.text).toBe(answers[0]?.text);
        expect(answer.headers['set-cookie']).toBeUndefined();
      }
      expect(answers[0]?.body).toMatchObject({ code: 'login_failed' });
      pastThrottleWindow(hq);
    },
  );

  test.skipIf(skipBackend(backend))(
    'a lockout survives a restart: another HQ on the same database refuses the right password until an admin unlocks',
    async () => {
      const signedInAdmin = await admin();
      const victim = await operatorWith(hq, signedInAdmin, ['auditor']);
      for (let i = 0; i < 10; i += 1) {
        pastThrottleWindow(hq);
        const failed = await consoleRequest(hq, 'POST', LOGIN, {
          body: { email: victim.enrolled.email, password: 'wrong password entirely', secondFactor: '000000' },
        });
        expect(failed.status, `failure ${i + 1}`).toBe(401);
      }
      pastThrottleWindow(hq);
      const restarted = await startTestHq(backend, {
        sharedWith: hq,
        console: { masterKey: hq.masterKey ?? randomBytes(32), staticDir: staticDir.path },
      });
      try {
        const refused = await consoleRequest(restarted, 'POST', LOGIN, {
          body: {
            email: victim.enrolled.email,
            password: TEST_PASSWORD,
            secondFactor: nextTotp(restarted, victim.enrolled.totpSecret),
          },
        });
        expect(refused.status).toBe(401);
        expect(refused.body).toMatchObject({ code: 'login_failed' });
        expect(refused.headers['set-cookie']).toBeUndefined();
        pastThrottleWindow(hq);
        const restartedAdmin = await login(restarted, adminEnrolled);
        const unlock = await restartedAdmin.call('unlockOperator', { operatorId: victim.enrolled.operatorId });
        expect(unlock.status).toBe(200);
        await login(restarted, victim.enrolled);
      } finally {
        await restarted.close();
      }
    },
  );

  test.skipIf(skipBackend(backend))('a recovery code signs in once only', async () => {
    const signedInAdmin = await admin();
    const { enrolled } = await operatorWith(hq, signedInAdmin, ['auditor']);
    const code = enrolled.recoveryCodes[0] ?? '';
    expect(code).not.toBe('');
    const body = { email: enrolled.email, password: TEST_PASSWORD, secondFactor: code };
    const first = await consoleRequest(hq, 'POST', LOGIN, { body });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ recoveryCodesLeft: enrolled.recoveryCodes.length - 1 });
    const second = await consoleRequest(hq, 'POST', LOGIN, { body });
    expect(second.status).toBe(401);
    expect(second.body).toMatchObject({ code: 'login_failed' });
    pastThrottleWindow(hq);
  });

  test.skipIf(skipBackend(backend))("a disabled operator's session and API tokens stop working at once", async () => {
    const signedInAdmin = await admin();
    const { client } = await operatorWith(hq, signedInAdmin, ['store_operations']);
    const made = await client.call('createApiToken', { roles: ['store_operations'], expiresInDays: 30 });
    expect(made.status).toBe(200);
    const token = (made.body as { token: string }).token;
    const bearer = { authorization: `Bearer ${token}` };
    expect((await consoleRequest(hq, 'GET', `${CONSOLE_API_PREFIX}/devices`, { headers: bearer })).status).toBe(200);
    expect((await client.call('listDevices')).status).toBe(200);

    const disabled = await signedInAdmin.call('setOperatorStatus', {
      operatorId: client.operatorId,
      status: 'disabled',
    });
    expect(disabled.status).toBe(200);
    expect((await client.call('listDevices')).status).toBe(401);
    expect((await client.call('session')).status).toBe(401);
    const viaToken = await consoleRequest(hq, 'GET', `${CONSOLE_API_PREFIX}/devices`, { headers: bearer });
    expect(viaToken.status).toBe(401);
    expect(viaToken.body).toMatchObject({ code: 'unauthorized' });
  });

  test.skipIf(skipBackend(backend))('a revoked or expired API token is refused', async () => {
    const signedInAdmin = await admin();
    const { client } = await operatorWith(hq, signedInAdmin, ['auditor']);
    const revokedToken = await client.call('createApiToken', { roles: ['auditor'], expiresInDays: 30 });
    const shortToken = await client.call('createApiToken', { roles: ['auditor'], expiresInDays: 1 });
    expect(revokedToken.status).toBe(200);
    expect(shortToken.status).toBe(200);
    const { token: revoked, tokenId } = revokedToken.body as { token: string; tokenId: string };
    const { token: short } = shortToken.body as { token: string };
    const use = (token: string) =>
      consoleRequest(hq, 'GET', `${CONSOLE_API_PREFIX}/audit`, { headers: { authorization: `Bearer ${token}` } });
    expect((await use(revoked)).status).toBe(200);
    expect((await use(short)).status).toBe(200);
    expect((await client.call('revokeApiToken', { tokenId })).status).toBe(200);
    const afterRevoke = await use(revoked);
    expect(afterRevoke.status).toBe(401);
    expect(afterRevoke.body).toMatchObject({ code: 'unauthorized' });
    hq.clock.now = new Date(hq.clock.now.getTime() + 24 * 60 * 60 * 1000 + 60_000);
    const expired = await use(short);
    expect(expired.status).toBe(401);
    expect(expired.body).toMatchObject({ code: 'unauthorized' });
    expect((await use(`ldhq_${randomBytes(32).toString('base64url')}`)).status).toBe(401);
  });

  test.skipIf(skipBackend(backend))(
    'login CSRF: a login posted from another origin or site is refused before any password is checked, and sets no cookie',
    async () => {
      const failures = async () =>
        Number((await hq.db.query<{ n: unknown }>('SELECT count(*) AS n FROM operator_login_failures')).rows[0]?.n);
      const before = await failures();
      for (const headers of [{ origin: 'https://evil.example' }, { 'sec-fetch-site': 'cross-site' }]) {
        const response = await consoleRequest(hq, 'POST', `${CONSOLE_API_PREFIX}/login`, {
          body: { email: 'someone@chain.example', password: 'whatever it is here', secondFactor: '123456' },
          headers,
        });
        expect(response.status).toBe(403);
        expect(response.body).toMatchObject({ code: 'csrf_failed' });
        expect(response.headers['set-cookie']).toBeUndefined();
      }
      expect(await failures()).toBe(before);
    },
  );

  test.skipIf(skipBackend(backend))(
    'the public endpoints are limited per client address: the 4th login in the window is 429 with Retry-After, before any password is checked',
    async () => {
      const limited = await startTestHq(backend, {
        console: { publicRateLimit: { max: 3, windowMs: 60_000 } },
      });
      try {
        const login = () =>
          consoleRequest(limited, 'POST', `${CONSOLE_API_PREFIX}/login`, {
            body: { email: 'nobody@chain.example', password: 'not the password at all', secondFactor: '123456' },
          });
        for (let i = 0; i < 3; i += 1) expect((await login()).status).toBe(401);
        const fourth = await login();
        expect(fourth.status).toBe(429);
        expect(fourth.body).toMatchObject({ code: 'too_many_requests' });
        expect(Number(fourth.headers['retry-after'])).toBeGreaterThan(0);
        // Refused before verifyLogin ran: three failures counted, not four.
        const failures = await limited.db.query<{ n: unknown }>('SELECT count(*) AS n FROM operator_login_failures');
        expect(Number(failures.rows[0]?.n)).toBe(3);
      } finally {
        await limited.close();
      }
    },
  );
});

describe('console logs', () => {
  test('no password, TOTP code, temporary PIN, pairing code, session cookie or CSRF token in the server log', async () => {
    const lines: string[] = [];
    const dir = makeTempDir('loyalty-hq-console-log-');
    const db = await openPgliteDatabase();
    await migrate(db);
    const tls = await loadOrCreateTls({ dataDir: dir.path });
    const clock = { now: new Date('2026-03-02T09:00:00.000Z') };
    const masterKey = randomBytes(32);
    let origin = 'https://127.0.0.1';
    const app = buildHqServer({
      db,
      keys: await openTestDataKeys(db, masterKey),
      tls,
      now: () => clock.now,
      logger: { level: 'trace', stream: { write: (line: string) => lines.push(line) } },
      console: { keyRoot: masterKey, hqCertSha256: tls.fingerprint256, publicOrigin: () => origin },
    });
    try {
      await app.listen({ host: '127.0.0.1', port: 0 });
      const address = app.server.address();
      const url = `https://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
      origin = url;
      // What the console helpers need of a test HQ; snapshot and the till helpers are not used here.
      const logged = { db, url, tls, clock, masterKey } as unknown as TestHq;
      const { enrolled: adminEnrolled } = await firstAdmin(logged);
      const totp = nextTotp(logged, adminEnrolled.totpSecret);
      const password = TEST_PASSWORD;
      const signIn = await consoleRequest(logged, 'POST', LOGIN, {
        body: { email: adminEnrolled.email, password, secondFactor: totp },
        headers: { origin: url },
      });
      expect(signIn.status).toBe(200);
      const cookie = sessionCookieFrom(signIn) ?? '';
      const csrf = (signIn.body as { csrfToken: string }).csrfToken;
      const admin: ConsoleClient = clientFor(logged, adminEnrolled.operatorId, adminEnrolled.email, cookie, csrf);
      const wrong = await consoleRequest(logged, 'POST', LOGIN, {
        body: {
          email: adminEnrolled.email,
          password: `${password}?`,
          secondFactor: nextTotp(logged, adminEnrolled.totpSecret),
        },
      });
      expect(wrong.status).toBe(401);
      const store = await admin.call('createStore', { name: 'Log Street' });
      expect(store.status).toBe(200);
      const { storeId } = store.body as { storeId: string };
      const { client: ops } = await operatorWith(logged, admin, ['store_operations']);
      const staff = await ops.call('addStaff', { storeId, displayName: 'Logged Cashier', role: 'cashier' });
      expect(staff.status).toBe(200);
      const { temporaryPin } = staff.body as { temporaryPin: string };
      const code = await ops.call('issuePairingCode', { storeId });
      expect(code.status).toBe(200);
      const { pairingCode } = code.body as { pairingCode: string };
      const token = await ops.call('createApiToken', { roles: ['store_operations'], expiresInDays: 1 });
      expect(token.status).toBe(200);
      const apiToken = (token.body as { token: string }).token;

      const all = lines.join('\n');
      expect(all).toContain('console request');
      expect(all).toContain(storeId);
      const digitsAlone = (digits: string) => new RegExp(`(?<!\\d)${digits}(?!\\d)`);
      for (const [what, secret] of [
        ['password', password],
        ['session cookie', cookie],
        ['CSRF token', csrf],
        ['pairing code', pairingCode],
        ['API token', apiToken],
        ['TOTP secret', adminEnrolled.totpSecret],
        ['recovery code', adminEnrolled.recoveryCodes[0] ?? ''],
      ] as const) {
        expect(secret.length, what).toBeGreaterThan(5);
        expect(all.includes(secret), `${what} in the log`).toBe(false);
      }
      expect(all, 'TOTP code in the log').not.toMatch(digitsAlone(totp));
      expect(all, 'temporary PIN in the log').not.toMatch(digitsAlone(temporaryPin));
    } finally {
      await app.close();
      await db.close();
      dir.remove();
    }
  }, 60_000);
});
