import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildIfNeeded } from '../../scripts/build-if-needed.mjs';
import { makeTempDir } from '../support/temp-dir';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function runHarness(args: string[], env: NodeJS.ProcessEnv, waitMs = 20_000) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, 'out/main/harness.js'), ...args], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
      if (stdout.includes('HARNESS_URL=')) child.kill('SIGTERM');
    });
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), waitMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('the harness process (the app without Electron)', () => {
  beforeAll(() => buildIfNeeded({ quiet: true }), 180_000);

  it('refuses to start without a Secret Service, says why, and writes no file', async () => {
    const dir = makeTempDir();
    try {
      const dataDir = join(dir.path, 'data');
      const result = await runHarness(['--data-dir', dataDir], {
        ...process.env,
        DBUS_SESSION_BUS_ADDRESS: `unix:path=${join(dir.path, 'no-such-bus')}`,
      });
      expect(result.code).toBe(1);
      expect(result.stdout).not.toContain('HARNESS_URL');
      expect(result.stderr).toContain('keychain_unavailable');
      expect(result.stderr).toMatch(/secret store is not available/);
      expect(existsSync(dataDir) ? readdirSync(dataDir) : []).toEqual([]);
    } finally {
      dir.remove();
    }
  });

  it('prints HARNESS_URL with a loopback address and a fragment token once ready', async () => {
    const dir = makeTempDir();
    try {
      const result = await runHarness(['--data-dir', dir.path], process.env);
      expect(result.stdout).toMatch(/^HARNESS_URL=http:\/\/127\.0\.0\.1:\d+\/#token=[A-Za-z0-9_-]{43}$/m);
    } finally {
      dir.remove();
    }
  });

  it('rejects a bad --port with a usage message', async () => {
    const result = await runHarness(['--data-dir', '/tmp/x', '--port', 'abc'], process.env);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--port');
  });
});
