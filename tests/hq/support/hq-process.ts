// The built HQ (packages/hq/dist/hq.js, what `npm run hq` runs: scripts/hq.mjs) as real child processes: a
// server on a data folder, and one-shot admin commands against the same folder.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CERT_FILE } from '../../../packages/hq/src/tls';
import { buildIfNeeded } from '../../../scripts/build-if-needed.mjs';
import { httpsSend, pinnedTlsOptions, type HqResponse } from './hq';

const HQ_JS = join(__dirname, '../../../packages/hq/dist/hq.js');
// The HQ package builds on its own (a second or two), so these tests need not wait for the till's build.
buildIfNeeded({ quiet: true, only: ['hq'] });

/** Without DATABASE_URL: these runs are about the embedded PGlite default. */
function pgliteEnv(logLevel = 'warn'): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, HQ_LOG_LEVEL: logLevel };
  delete env.DATABASE_URL;
  return env;
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
 * going after `timeoutMs` (a server that started when it should have refused) is killed.
 */
export function runHq(dataDir: string, args: string[], options: { timeoutMs?: number } = {}): Promise<ProcessRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [HQ_JS, '--data-dir', dataDir, ...args], {
      env: pgliteEnv(),
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
  /** Sends JSON to the server, pinned to its certificate. */
  send(path: string, body: unknown, headers?: Record<string, string>): Promise<HqResponse>;
  /** SIGTERM and wait for the exit (a clean stop). */
  stop(): Promise<ProcessRun>;
  /** SIGKILL and wait: nothing of the server's own clean-up runs. */
  kill(): Promise<ProcessRun>;
}

/** Starts `npm run hq -- --data-dir DIR --port 0` and waits for its HQ_URL and HQ_CERT_SHA256 lines. */
export function startHqProcess(dataDir: string): Promise<HqProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [HQ_JS, '--data-dir', dataDir, '--port', '0'], {
      env: pgliteEnv('info'),
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
        send: (path, body, headers = {}) =>
          httpsSend(url, pin, path, JSON.stringify(body), { 'content-type': 'application/json', ...headers }),
        stop: () => stopWith('SIGTERM'),
        kill: () => stopWith('SIGKILL'),
      });
    });
  });
}
