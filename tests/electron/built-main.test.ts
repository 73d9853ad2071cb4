import { spawn, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY } from '../../src/main/security/csp';
import { CHANNELS } from '../../src/shared/ipc/channels';

/**
 * Runs the BUILT main bundle (out/main/index.js) in plain Node, with `electron` swapped for a
 * recording fake (support/fake-electron). This checks what the unit tests cannot: that the bundle
 * starts, that its paths to the renderer and preload are right, that app:// serves the real built
 * renderer (and not the harness), and that it opens the real encrypted database through the real
 * secret store, or explains and exits when there is none.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const REGISTER = fileURLToPath(new URL('./support/fake-electron/register.mjs', import.meta.url));

interface Event {
  type: string;
  [key: string]: unknown;
}

const which = (command: string) => spawnSync('sh', ['-c', `command -v ${command}`]).status === 0;
const canRunPrivateKeyring =
  process.platform === 'linux' &&
  (process.env.LOYALTY_PRIVATE_DBUS === '1' || (which('dbus-run-session') && which('gnome-keyring-daemon')));

let work: string;

beforeAll(async () => {
  // Rebuilds out/ only when a source is newer (npm test has already built it).
  const build = spawnSync(process.execPath, [join(ROOT, 'scripts/build-if-needed.mjs')], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  expect(build.status, 'building out/ failed').toBe(0);
  work = await mkdtemp(join(tmpdir(), 'loyalty-built-main-'));
}, 120_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

async function runBuiltMain(env: Record<string, string>, privateKeyring: boolean): Promise<Event[]> {
  const node = [process.execPath, '--import', REGISTER, join(ROOT, 'out/main/index.js')];
  const keyringEnv: Record<string, string> = {};
  if (privateKeyring && process.env.LOYALTY_PRIVATE_DBUS !== '1') {
    // A throwaway keyring, like scripts/run-tests.mjs: never the developer's own.
    const dataHome = join(work, 'keyring-home', '.local', 'share');
    await mkdir(join(dataHome, 'keyrings'), { recursive: true });
    keyringEnv.XDG_DATA_HOME = dataHome;
  }
  const quoted = node.map((arg) => `'${arg.replaceAll("'", "'\\''")}'`).join(' ');
  const [command, args] =
    privateKeyring && process.env.LOYALTY_PRIVATE_DBUS !== '1'
      ? [
          'dbus-run-session',
          [
            '--',
            'sh',
            '-c',
            `echo -n loyalty-test | gnome-keyring-daemon --unlock --components=secrets >/dev/null && exec ${quoted}`,
          ],
        ]
      : [node[0] as string, node.slice(1)];
  return await new Promise((resolve, reject) => {
    const child = spawn(command, args as string[], {
      cwd: ROOT,
      env: { ...process.env, ELECTRON_RENDERER_URL: '', ...keyringEnv, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', () => {
      clearTimeout(timer);
      const marker = stdout.lastIndexOf('@@EVENTS@@');
      if (marker < 0)
        reject(new Error(`the built main process printed no events.\nstdout:\n${stdout}\nstderr:\n${stderr}`));
      else resolve(JSON.parse(stdout.slice(marker + '@@EVENTS@@'.length).split('\n')[0] as string) as Event[]);
    });
  });
}

const ofType = (events: Event[], type: string) => events.filter((e) => e.type === type);

describe('built main bundle (out/main/index.js) with a fake electron module', () => {
  it.runIf(canRunPrivateKeyring)(
    'starts: serves the built renderer on app://, opens the encrypted database, binds IPC, opens the window, closes on quit',
    async () => {
      const userData = join(work, 'user-data');
      await mkdir(userData, { recursive: true });
      const events = await runBuiltMain(
        {
          LOYALTY_USER_DATA_DIR: userData,
          LOYALTY_KEYCHAIN_SERVICE: `Loyalty Desk (built-main test ${process.pid})`,
          // Must not be taken for the dev server: not loopback.
          ELECTRON_RENDERER_URL: 'https://evil.example/',
        },
        true,
      );
      const types = events.map((e) => e.type);
      expect(types.slice(0, 4)).toEqual([
        'enableSandbox',
        'registerSchemesAsPrivileged',
        'requestSingleInstanceLock',
        'setPath',
      ]);
      expect(types.indexOf('protocol.handle')).toBeGreaterThan(types.indexOf('whenReady'));
      expect(ofType(events, 'showErrorBox')).toEqual([]);

      const responses = Object.fromEntries(ofType(events, 'protocol.response').map((e) => [e.url, e]));
      expect(responses['app://loyalty/index.html']).toMatchObject({
        status: 200,
        contentType: 'text/html; charset=utf-8',
        csp: CONTENT_SECURITY_POLICY,
      });
      expect((responses['app://loyalty/index.html']?.bytes as number) > 100).toBe(true);
      expect(responses['app://loyalty/harness/bridge.js']).toMatchObject({ status: 404 });
      expect(responses['app://loyalty/../package.json']).toMatchObject({ status: 404 });

      expect(ofType(events, 'ipcMain.handle').map((e) => e.channel)).toEqual([...CHANNELS]);
      // OS lock and suspend lock the staff session.
      expect(ofType(events, 'powerMonitor.on').map((e) => e.event)).toEqual(['lock-screen', 'suspend']);
      const [window] = ofType(events, 'BrowserWindow');
      expect((window?.options as { webPreferences: unknown }).webPreferences).toMatchObject({
        preload: join(ROOT, 'out/preload/index.cjs'),
        sandbox: true,
        contextIsolation: true,
        nodeIntegration: false,
      });
      expect(ofType(events, 'loadURL')).toEqual([{ type: 'loadURL', url: 'app://loyalty/index.html' }]);
      expect(ofType(events, 'ipcMain.removeHandler')).toHaveLength(CHANNELS.length);
      expect(events.at(-1)).toEqual({ type: 'exit', code: 0 });
    },
    90_000,
  );

  it.runIf(process.platform === 'linux')(
    'without a secret store: explains, exits with status 1, and opens no database, IPC or window',
    async () => {
      const userData = join(work, 'no-keychain');
      await mkdir(userData, { recursive: true });
      const events = await runBuiltMain(
        {
          LOYALTY_USER_DATA_DIR: userData,
          // No session bus: the Secret Service cannot be reached.
          DBUS_SESSION_BUS_ADDRESS: `unix:path=${join(work, 'no-such-bus')}`,
          LOYALTY_PRIVATE_DBUS: '',
        },
        false,
      );
      const [dialog] = ofType(events, 'showErrorBox');
      expect(dialog?.title).toBe('Loyalty Desk cannot start');
      expect(dialog?.message).toContain('Error code: keychain_unavailable');
      expect(ofType(events, 'app.exit')).toEqual([{ type: 'app.exit', code: 1 }]);
      expect(ofType(events, 'ipcMain.handle')).toEqual([]);
      expect(ofType(events, 'BrowserWindow')).toEqual([]);
      expect(events.at(-1)).toEqual({ type: 'exit', code: 1 });
    },
    90_000,
  );
});
