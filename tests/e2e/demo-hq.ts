import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The embedded demo HQ (`npm run hq -- --demo`) as a new user starts it: the built packages/hq/dist/hq.js. */
export interface DemoHq {
  /** Every KEY=value line it printed (HQ_URL, HQ_CERT_SHA256, HQ_CONSOLE, PAIRING_CODE, DEMO_ADMIN_ENROLMENT_URL…). */
  values: Record<string, string>;
  url: string;
  process: ChildProcess;
  dataDir: string;
}

/**
 * Starts it on a port of its own with `members` synthetic members and waits for its last line
 * (EXPIRES_AT). `dataDir` lets a test prepare the folder first (a certificate it trusts); `args`
 * adds options such as --port and --public-url.
 */
export async function startDemoHq(
  options: { members: number; dataDir?: string; args?: readonly string[] } = { members: 50 },
): Promise<DemoHq> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'loyalty-e2e-hq-'));
  const args = options.args ?? ['--port', '0'];
  const child = spawn(
    process.execPath,
    [
      join(ROOT, 'packages/hq/dist/hq.js'),
      '--data-dir',
      dataDir,
      ...args,
      '--demo',
      '--demo-members',
      String(options.members),
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, HQ_LOG_LEVEL: 'warn' } },
  );
  const values = await new Promise<Record<string, string>>((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`HQ did not start: ${err}`)), 60_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (/^EXPIRES_AT=/m.test(out)) {
        clearTimeout(timer);
        resolve(Object.fromEntries([...out.matchAll(/^([A-Z_0-9]+)=(.*)$/gm)].map((m) => [m[1]!, m[2]!])));
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('exit', (code) => reject(new Error(`HQ exited with ${code}: ${err}`)));
  });
  return { values, url: values.HQ_URL!, process: child, dataDir };
}

/** Stops it as an operator would (SIGTERM); an HQ that has not exited 20 s later fails the test, and is killed. */
export async function stopDemoHq(hq: DemoHq): Promise<void> {
  try {
    if (hq.process.exitCode === null && hq.process.signalCode === null) {
      const exited = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), 20_000);
        hq.process.once('exit', () => {
          clearTimeout(timer);
          resolve(true);
        });
        hq.process.kill('SIGTERM');
      });
      if (!exited) {
        hq.process.kill('SIGKILL');
        throw new Error('the demo HQ did not exit within 20 s of SIGTERM');
      }
    }
  } finally {
    rmSync(hq.dataDir, { recursive: true, force: true });
  }
}
