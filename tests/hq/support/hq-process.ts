// The built HQ (packages/hq/dist/hq.js, what `npm run hq` runs: scripts/hq.mjs) as real child processes: a
// server on a data folder, and one-shot admin commands (clients of its console API) against it; and an
// operator's console session with that server, made through the API as a browser would.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import {
  CONSOLE_API_PREFIX,
  CONSOLE_ENDPOINTS,
  CSRF_HEADER,
  SESSION_COOKIE,
  type ConsoleEndpointName,
} from '../../../packages/hq/src/console/contract';
import { totpCodeAt } from '../../../packages/hq/src/operators/totp';
import { CERT_FILE } from '../../../packages/hq/src/tls';
import { buildIfNeeded } from '../../../scripts/build-if-needed.mjs';
import { endpointRequest, TEST_PASSWORD, type RawResponse } from './console';
import { httpsSend, pinnedTlsOptions, type HqResponse } from './hq';

const HQ_JS = join(__dirname, '../../../packages/hq/dist/hq.js');
// The HQ package builds on its own (a second or two), so these tests need not wait for the till's build.
buildIfNeeded({ quiet: true, only: ['hq'] });

/** Without DATABASE_URL: these runs are about the embedded PGlite default. */
function pgliteEnv(logLevel = 'warn', extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, HQ_LOG_LEVEL: logLevel };
  delete env.DATABASE_URL;
  // Only what a test gives: never a token or address from the environment the tests run in.
  delete env.LOYALTY_HQ_TOKEN;
  delete env.LOYALTY_HQ_URL;
  delete env.LOYALTY_HQ_CERT_SHA256;
  return { ...env, ...extra };
}

export interface ProcessRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string[];
  err: string[];
  /** KEY=value lines of stdout as an object. */
  values: Record<string, string>;
}

function lines(text: string): string[] {
  return text.split('\n').filter((line) => line.length > 0);
}

function keyValues(out: string[]): Record<string, string> {
  const values: Record<string, string> = {};
  for (const line of out) {
    const match = /^([A-Z_0-9]+)=(.*)$/.exec(line);
    if (match?.[1] !== undefined && match[2] !== undefined) values[match[1]] = match[2];
  }
  return values;
}

/**
 * `npm run hq -- --data-dir DIR ARGS…` to the end; never throws for a non-zero exit. A run still
 * going after `timeoutMs` (a server that started when it should have refused) is killed. `env` adds
 * variables (LOYALTY_HQ_TOKEN, LOYALTY_HQ_URL, LOYALTY_HQ_CERT_SHA256).
 */
export function runHq(
  dataDir: string,
  args: string[],
  options: { timeoutMs?: number; env?: Record<string, string> } = {},
): Promise<ProcessRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [HQ_JS, '--data-dir', dataDir, ...args], {
      env: pgliteEnv('warn', options.env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
    child.on('close', () => clearTimeout(timer));
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const out = lines(stdout);
      resolve({ code, signal, out, err: lines(stderr), values: keyValues(out) });
    });
  });
}

export interface HqProcess {
  child: ChildProcess;
  url: string;
  fingerprint: string;
  /** Everything it printed so far (stdout and stderr; requests are logged at info level). */
  output(): string;
  /** Waits until its output holds `text` (the lines after HQ_URL come a moment later); throws after 10 s. */
  waitForOutput(text: string): Promise<void>;
  /** Sends JSON to the server, pinned to its certificate. */
  send(path: string, body: unknown, headers?: Record<string, string>): Promise<HqResponse>;
  /** Any request, pinned, with the answer's headers (a session cookie) and text. */
  request(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<RawResponse>;
  /** SIGTERM and wait for the exit (a clean stop). */
  stop(): Promise<ProcessRun>;
  /** SIGKILL and wait: nothing of the server's own clean-up runs. */
  kill(): Promise<ProcessRun>;
}

/**
 * Starts `npm run hq -- --data-dir DIR --port 0` and waits for its HQ_URL and HQ_CERT_SHA256 lines.
 * `env` adds variables (DATABASE_URL and the pool settings for several processes on one PostgreSQL).
 */
export function startHqProcess(dataDir: string, options: { env?: Record<string, string> } = {}): Promise<HqProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [HQ_JS, '--data-dir', dataDir, '--port', '0'], {
      env: pgliteEnv('info', options.env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let started = false;
    const exited = new Promise<ProcessRun>((done) => {
      child.on('close', (code, signal) => {
        const out = lines(stdout);
        done({ code, signal, out, err: lines(stderr), values: keyValues(out) });
      });
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`HQ did not start: ${stderr}`));
    }, 30_000);
    void exited.then((run) => {
      if (!started) {
        clearTimeout(timer);
        reject(new Error(`HQ exited before it listened (${String(run.code)}): ${run.err.join(' | ')}`));
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      const values = keyValues(lines(stdout));
      if (started || values.HQ_URL === undefined || values.HQ_DATABASE === undefined) return;
      started = true;
      clearTimeout(timer);
      const url = values.HQ_URL;
      const fingerprint = values.HQ_CERT_SHA256 ?? '';
      const pin = pinnedTlsOptions({ cert: readFileSync(join(dataDir, CERT_FILE), 'utf8') }, fingerprint);
      const stopWith = (signal: NodeJS.Signals) => {
        child.kill(signal);
        return exited;
      };
      resolve({
        child,
        url,
        fingerprint,
        output: () => stdout + stderr,
        async waitForOutput(text) {
          for (let waited = 0; !(stdout + stderr).includes(text); waited += 50) {
            if (waited >= 10_000) throw new Error(`HQ did not print ${text}`);
            await new Promise((done) => setTimeout(done, 50));
          }
        },
        send: (path, body, headers = {}) =>
          httpsSend(url, pin, path, JSON.stringify(body), { 'content-type': 'application/json', ...headers }),
        request: (method, path, body, headers = {}) => pinnedRequest(url, pin, method, path, body, headers),
        stop: () => stopWith('SIGTERM'),
        kill: () => stopWith('SIGKILL'),
      });
    });
  });
}

function pinnedRequest(
  url: string,
  pin: ReturnType<typeof pinnedTlsOptions>,
  method: string,
  path: string,
  body: unknown,
  headers: Record<string, string>,
): Promise<RawResponse> {
  const payload = body === undefined ? '' : JSON.stringify(body);
  const all: Record<string, string> = { ...headers, 'content-length': String(Buffer.byteLength(payload)) };
  if (payload !== '') all['content-type'] = 'application/json';
  return new Promise((resolve, reject) => {
    const req = httpsRequest(new URL(path, url), { method, agent: false, headers: all, ...pin }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: unknown = text;
        if ((res.headers['content-type'] ?? '').startsWith('application/json')) parsed = JSON.parse(text);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: parsed, text });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(payload);
  });
}

/** An operator signed in to a server process's console, as their browser would be. */
export interface ProcessOperator {
  operatorId: string;
  email: string;
  /** Calls a console endpoint with the session cookie, the CSRF token and the page's Origin. */
  call(name: ConsoleEndpointName, input?: Record<string, unknown>): Promise<RawResponse>;
  /** A new API token of `roles` for the command line (createApiToken). */
  apiToken(roles: string[]): Promise<string>;
  /** The same console session through another HQ process on the same database (scale-out). */
  via(other: HqProcess): ProcessOperator;
}

/**
 * Opens and completes the enrolment link (a TOTP code of the real clock), then signs in with a
 * recovery code from the enrolment's answer (so no second TOTP code of the same 30 s step is needed).
 */
export async function enrolAndSignIn(hq: HqProcess, enrolmentUrl: string): Promise<ProcessOperator> {
  const token = enrolmentUrl.split('#/enrol/')[1] ?? '';
  const opened = await hq.request('POST', `${CONSOLE_API_PREFIX}/enrolment/open`, { token });
  if (opened.status !== 200) throw new Error(`enrolment open refused: ${opened.text}`);
  const { totpSecret, email } = opened.body as { totpSecret: string; email: string };
  const done = await hq.request('POST', `${CONSOLE_API_PREFIX}/enrolment/complete`, {
    token,
    password: TEST_PASSWORD,
    totpCode: totpCodeAt(totpSecret, new Date()),
  });
  if (done.status !== 200) throw new Error(`enrolment refused: ${done.text}`);
  const { recoveryCodes } = done.body as { recoveryCodes: string[] };
  const signedIn = await hq.request(
    'POST',
    `${CONSOLE_API_PREFIX}/login`,
    { email, password: TEST_PASSWORD, secondFactor: recoveryCodes[0] ?? '' },
    { origin: hq.url },
  );
  if (signedIn.status !== 200) throw new Error(`login refused: ${signedIn.text}`);
  const setCookie = signedIn.headers['set-cookie'] ?? [];
  const cookie = (Array.isArray(setCookie) ? setCookie : [setCookie])
    .map((line) => line.split(';')[0] ?? '')
    .find((pair) => pair.startsWith(`${SESSION_COOKIE}=`));
  if (cookie === undefined) throw new Error('login set no session cookie');
  const session = signedIn.body as { csrfToken: string; operator: { id: string } };
  return sessionOperator(hq, { operatorId: session.operator.id, email, cookie, csrfToken: session.csrfToken });
}

function sessionOperator(
  hq: HqProcess,
  session: { operatorId: string; email: string; cookie: string; csrfToken: string },
): ProcessOperator {
  const { cookie } = session;
  const operator: ProcessOperator = {
    operatorId: session.operatorId,
    email: session.email,
    call(name, input = {}) {
      const endpoint = CONSOLE_ENDPOINTS[name];
      const withId =
        endpoint.method !== 'GET' && 'requestId' in endpoint.input.shape && input.requestId === undefined
          ? { requestId: randomUUID(), ...input }
          : input;
      const request = endpointRequest(name, withId);
      const headers: Record<string, string> = { origin: hq.url, cookie };
      if (request.method !== 'GET') headers[CSRF_HEADER] = session.csrfToken;
      return hq.request(request.method, request.path, request.body, headers);
    },
    async apiToken(roles) {
      const made = await operator.call('createApiToken', { roles, expiresInDays: 30 });
      if (made.status !== 200) throw new Error(`createApiToken refused: ${made.text}`);
      return (made.body as { token: string }).token;
    },
    via: (other) => sessionOperator(other, session),
  };
  return operator;
}
