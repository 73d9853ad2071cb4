import { spawn } from 'node:child_process';
import { request } from 'node:http';
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

  it('refuses a request whose Host is not the harness address (DNS rebinding)', async () => {
    const dir = makeTempDir();
    const child = spawn(process.execPath, [join(ROOT, 'out/main/harness.js'), '--data-dir', dir.path], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const url = await new Promise<string>((resolve) => {
        let out = '';
        child.stdout.on('data', (c: Buffer) => {
          out += c.toString();
          const match = /HARNESS_URL=(\S+)/.exec(out);
          if (match) resolve(match[1]!);
        });
      });
      const { port } = new URL(url);
      const status = await new Promise<number>((resolve, reject) => {
        const req = request(
          { host: '127.0.0.1', port: Number(port), path: '/', headers: { host: `rebound.example:${port}` } },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        req.on('error', reject);
        req.end();
      });
      expect(status).toBe(421);
      expect((await fetch(new URL('/', url))).status).toBe(200);
    } finally {
      child.kill('SIGTERM');
      dir.remove();
    }
  });

  it('rejects a bad --port with a usage message', async () => {
    const result = await runHarness(['--data-dir', '/tmp/x', '--port', 'abc'], process.env);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--port');
  });
});

describe('failed PIN counts survive kill -9 of the running app', () => {
  beforeAll(() => buildIfNeeded({ quiet: true }), 180_000);

  async function start(dataDir: string) {
    const child = spawn(
      process.execPath,
      [join(ROOT, 'out/main/harness.js'), '--data-dir', dataDir, '--demo-staff', '--pin-delay-scale', '0'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        const match = /HARNESS_URL=(\S+)/.exec(out);
        if (match) resolve(match[1]!);
      });
      child.on('exit', (code) => reject(new Error(`harness exited ${code}`)));
    });
    const { origin, hash } = new URL(url);
    const token = new URLSearchParams(hash.slice(1)).get('token')!;
    const call = async (channel: string, payload: unknown) => {
      const res = await fetch(`${origin}/__harness/ipc/${channel}`, {
        method: 'POST',
        headers: { origin, authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(payload),
      });
      return (await res.json()) as { ok: boolean; value?: unknown; error?: { code: string } };
    };
    return { child, call };
  }

  it('counts 9 wrong PINs, survives SIGKILL, and disables the PIN at the 10th', async () => {
    const dir = makeTempDir();
    try {
      let app = await start(dir.path);
      for (let i = 0; i < 9; i++) {
        expect((await app.call('session.login', { staffId: 'demo-carl', pin: '864219' })).error?.code).toBe(
          'login_failed',
        );
      }
      const killed = new Promise((resolve) => app.child.once('exit', resolve));
      app.child.kill('SIGKILL');
      await killed;

      app = await start(dir.path);
      const roster = (await app.call('staff.roster', {})) as {
        value: { staff: { staffId: string; pinLocked: boolean }[] };
      };
      expect(roster.value.staff.find((s) => s.staffId === 'demo-carl')?.pinLocked).toBe(false);
      expect((await app.call('session.login', { staffId: 'demo-carl', pin: '864219' })).error?.code).toBe(
        'login_failed',
      );
      // The 10th failure disabled it: the right PIN no longer opens a session.
      expect((await app.call('session.login', { staffId: 'demo-carl', pin: '582047' })).error?.code).toBe(
        'login_failed',
      );
      const after = (await app.call('staff.roster', {})) as {
        value: { staff: { staffId: string; pinLocked: boolean }[] };
      };
      expect(after.value.staff.find((s) => s.staffId === 'demo-carl')?.pinLocked).toBe(true);
      app.child.kill('SIGTERM');
    } finally {
      dir.remove();
    }
  });
});
