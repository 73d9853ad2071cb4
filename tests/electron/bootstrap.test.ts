import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import type { AppServices, AppServicesOptions } from '../../src/main/app/create-app-services';
import { startApp, type ElectronApi, type StartOptions } from '../../src/main/electron/bootstrap';
import type { Router } from '../../src/main/ipc/router';
import type { Keychain } from '../../src/main/keychain/keychain';
import { AppError } from '../../src/shared/errors';
import { CHANNELS } from '../../src/shared/ipc/channels';
import {
  FakeEmitter,
  FakeIpcMain,
  FakeSession,
  FakeWebContents,
  fakeBrowserWindowClass,
  memoryLogger,
  topFrame,
} from './support/fakes';

const flush = () => new Promise((resolve) => setImmediate(resolve));

interface Setup {
  isPackaged?: boolean;
  lock?: boolean;
  env?: Record<string, string>;
  keychainError?: unknown;
  servicesError?: unknown;
}

function setup(options: Setup = {}) {
  const calls: string[] = [];
  const appEvents = new FakeEmitter();
  let resolveReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => {
    resolveReady = resolve;
  });
  const app = {
    isPackaged: options.isPackaged ?? true,
    enableSandbox: vi.fn(() => calls.push('enableSandbox')),
    requestSingleInstanceLock: vi.fn(() => {
      calls.push('requestSingleInstanceLock');
      return options.lock ?? true;
    }),
    quit: vi.fn(() => calls.push('quit')),
    exit: vi.fn((code: number) => calls.push(`exit(${code})`)),
    on: vi.fn((event: string, listener: (...args: unknown[]) => unknown) => {
      appEvents.on(event, listener);
      return app;
    }),
    whenReady: vi.fn(() => ready),
    getPath: vi.fn((name: string) => (name === 'userData' ? '/home/till/.config/Loyalty Desk' : `/tmp/${name}`)),
    setPath: vi.fn(),
    getVersion: vi.fn(() => '1.2.3'),
  };
  const protocolHandlers = new Map<string, (request: Request) => Promise<Response>>();
  const protocol = {
    registerSchemesAsPrivileged: vi.fn(() => calls.push('registerSchemesAsPrivileged')),
    handle: vi.fn((scheme: string, handler: (request: Request) => Promise<Response>) => {
      calls.push(`protocol.handle(${scheme})`);
      protocolHandlers.set(scheme, handler);
    }),
  };
  const defaultSession = new FakeSession();
  const ipcMain = new FakeIpcMain();
  const dialog = { showErrorBox: vi.fn((title: string, _message: string) => calls.push(`showErrorBox(${title})`)) };
  const shell = { openExternal: vi.fn(() => Promise.resolve()) };
  const windows = fakeBrowserWindowClass();

  const router: Router = { handle: vi.fn(async () => ({ ok: true as const, value: 'served' })) };
  const close = vi.fn();
  const sessions = { lock: vi.fn() };
  const powerEvents = new EventEmitter();
  const powerMonitor = { on: (event: string, listener: () => void) => powerEvents.on(event, listener) };
  const keychain: Keychain = { get: vi.fn(), set: vi.fn(), delete: vi.fn() };
  const openKeychain = vi.fn(async (_service: string) => {
    calls.push('openKeychain');
    if (options.keychainError) throw options.keychainError;
    return keychain;
  });
  const createAppServices = vi.fn(async (_options: AppServicesOptions) => {
    calls.push('createAppServices');
    if (options.servicesError) throw options.servicesError;
    return { router, close, sessions } as unknown as AppServices;
  });
  const logger = memoryLogger();

  const electron = {
    app,
    protocol,
    session: { defaultSession },
    ipcMain,
    dialog,
    shell,
    BrowserWindow: windows.FakeBrowserWindow,
    powerMonitor,
  } as unknown as ElectronApi;
  const startOptions: StartOptions = {
    rendererRoot: '/opt/loyalty/resources/app.asar/out/renderer',
    preloadPath: '/opt/loyalty/resources/app.asar/out/preload/index.cjs',
    env: options.env ?? {},
    logger,
    openKeychain,
    createAppServices,
    readFile: vi.fn(async () => new Uint8Array()),
  };

  startApp(electron, startOptions);
  return {
    calls,
    app,
    appEvents,
    protocol,
    protocolHandlers,
    defaultSession,
    ipcMain,
    dialog,
    shell,
    windows,
    router,
    close,
    sessions,
    powerEvents,
    keychain,
    openKeychain,
    createAppServices,
    logger,
    becomeReady: async () => {
      resolveReady();
      await flush();
      await flush();
    },
  };
}

describe('startApp: before ready', () => {
  it('sandboxes all renderers and registers app:// as privileged before the app is ready', () => {
    const t = setup();
    expect(t.calls).toEqual(['enableSandbox', 'registerSchemesAsPrivileged', 'requestSingleInstanceLock']);
    expect(t.protocol.registerSchemesAsPrivileged).toHaveBeenCalledExactlyOnceWith([
      { scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } },
    ]);
    expect(t.protocol.handle).not.toHaveBeenCalled();
    expect(t.openKeychain).not.toHaveBeenCalled();
  });

  it('quits at once when another instance holds the lock', async () => {
    const t = setup({ lock: false });
    expect(t.app.quit).toHaveBeenCalledOnce();
    expect(t.app.whenReady).not.toHaveBeenCalled();
    await t.becomeReady();
    expect(t.openKeychain).not.toHaveBeenCalled();
    expect(t.windows.instances).toHaveLength(0);
  });

  it('guards every web contents the app creates', () => {
    const t = setup();
    const contents = new FakeWebContents();
    t.appEvents.emit('web-contents-created', {}, contents);
    expect(contents.has('will-navigate')).toBe(true);
    expect(contents.windowOpenHandler?.({ url: 'https://evil.example/' })).toEqual({ action: 'deny' });
    expect(contents.navigate('will-navigate', 'https://evil.example/').preventDefault).toHaveBeenCalled();
  });
});

describe('startApp: when ready (packaged)', () => {
  it('hardens the session, serves app://, opens the encrypted store, binds IPC, then opens the window', async () => {
    const t = setup();
    await t.becomeReady();
    expect(t.calls.slice(3)).toEqual(['protocol.handle(app)', 'openKeychain', 'createAppServices']);
    expect(t.defaultSession.permissionRequestHandler).not.toBeNull();
    expect(t.defaultSession.has('will-download')).toBe(true);

    expect(t.openKeychain).toHaveBeenCalledExactlyOnceWith('Loyalty Desk');
    const options = t.createAppServices.mock.calls[0]?.[0] as AppServicesOptions;
    expect(options).toMatchObject({ dataDir: '/home/till/.config/Loyalty Desk', version: '1.2.3' });
    expect(options.keychain).toBe(t.keychain);
    expect(options).not.toHaveProperty('nativeBinding');
    expect(options.isTrustedSenderUrl('app://loyalty/index.html')).toBe(true);
    expect(options.isTrustedSenderUrl('http://localhost:5173/')).toBe(false);

    expect([...t.ipcMain.handlers.keys()].sort()).toEqual([...CHANNELS].sort());
    expect(t.windows.instances).toHaveLength(1);
    const window = t.windows.instances[0];
    expect(window?.loadedUrls).toEqual(['app://loyalty/index.html']);
    expect(window?.options.webPreferences).toMatchObject({
      preload: '/opt/loyalty/resources/app.asar/out/preload/index.cjs',
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      devTools: false,
    });
    expect(t.dialog.showErrorBox).not.toHaveBeenCalled();
  });

  it('routes IPC from the window to the router with a plain context', async () => {
    const t = setup();
    await t.becomeReady();
    const result = await t.ipcMain.invoke('app.getInfo', { senderFrame: topFrame('app://loyalty/index.html') }, {});
    expect(result).toEqual({ ok: true, value: 'served' });
    expect(t.router.handle).toHaveBeenCalledExactlyOnceWith(
      'app.getInfo',
      {},
      { senderUrl: 'app://loyalty/index.html', isTopFrame: true },
    );
  });

  it('serves the renderer through the registered app:// handler', async () => {
    const t = setup();
    await t.becomeReady();
    const handler = t.protocolHandlers.get('app');
    expect((await handler?.(new Request('app://loyalty/harness/bridge.js')))?.status).toBe(404);
    expect((await handler?.(new Request('app://loyalty/index.html')))?.status).toBe(200);
  });

  it('ignores development switches in a packaged build', async () => {
    const t = setup({
      isPackaged: true,
      env: {
        ELECTRON_RENDERER_URL: 'http://localhost:5173/',
        LOYALTY_NATIVE_BINDING: '/tmp/evil.node',
        LOYALTY_USER_DATA_DIR: '/tmp/elsewhere',
        LOYALTY_KEYCHAIN_SERVICE: 'Other',
        LOYALTY_DEMO: '1',
      },
    });
    await t.becomeReady();
    expect(t.app.setPath).not.toHaveBeenCalled();
    expect(t.openKeychain).toHaveBeenCalledWith('Loyalty Desk');
    expect(t.createAppServices.mock.calls[0]?.[0]).not.toHaveProperty('nativeBinding');
    expect(t.createAppServices.mock.calls[0]?.[0]).not.toHaveProperty('demo');
    expect(t.windows.instances[0]?.loadedUrls).toEqual(['app://loyalty/index.html']);
  });

  it('locks the staff session when the OS locks the screen or suspends', async () => {
    const t = setup();
    await t.becomeReady();
    expect(t.sessions.lock).not.toHaveBeenCalled();
    t.powerEvents.emit('lock-screen');
    expect(t.sessions.lock).toHaveBeenLastCalledWith('os');
    t.powerEvents.emit('suspend');
    expect(t.sessions.lock).toHaveBeenCalledTimes(2);
  });

  it('closes the services once on quit', async () => {
    const t = setup();
    await t.becomeReady();
    t.appEvents.emit('will-quit', {});
    t.appEvents.emit('will-quit', {});
    expect(t.close).toHaveBeenCalledOnce();
    expect(t.ipcMain.handlers.size).toBe(0);
  });

  it('quits when the last window closes', async () => {
    const t = setup();
    await t.becomeReady();
    t.appEvents.emit('window-all-closed');
    expect(t.app.quit).toHaveBeenCalled();
  });

  it('focuses the existing window when a second instance starts', async () => {
    const t = setup();
    await t.becomeReady();
    const window = t.windows.instances[0];
    if (window) window.minimized = true;
    t.appEvents.emit('second-instance', {}, [], '/');
    expect(window?.minimized).toBe(false);
    expect(window?.focused).toBe(true);
  });
});

describe('startApp: development', () => {
  it('honours the dev server, native binding, data folder and keychain service when unpackaged', async () => {
    const t = setup({
      isPackaged: false,
      env: {
        ELECTRON_RENDERER_URL: 'http://localhost:5173/',
        LOYALTY_NATIVE_BINDING: '/repo/.cache/electron/better_sqlite3.node',
        LOYALTY_USER_DATA_DIR: '/tmp/loyalty-dev',
        LOYALTY_KEYCHAIN_SERVICE: 'Loyalty Desk (dev)',
        LOYALTY_DEMO: '1',
      },
    });
    expect(t.app.setPath).toHaveBeenCalledWith('userData', '/tmp/loyalty-dev');
    await t.becomeReady();
    expect(t.openKeychain).toHaveBeenCalledWith('Loyalty Desk (dev)');
    const options = t.createAppServices.mock.calls[0]?.[0] as AppServicesOptions;
    expect(options.nativeBinding).toBe('/repo/.cache/electron/better_sqlite3.node');
    expect(options.demo).toBe(true);
    expect(options.isTrustedSenderUrl('http://localhost:5173/')).toBe(true);
    expect(options.isTrustedSenderUrl('http://localhost:5174/')).toBe(false);
    expect(t.windows.instances[0]?.loadedUrls).toEqual(['http://localhost:5173/']);
    expect(t.windows.instances[0]?.options.webPreferences).toMatchObject({ devTools: true, sandbox: true });
  });

  it('refuses a non-loopback dev server URL', async () => {
    const t = setup({ isPackaged: false, env: { ELECTRON_RENDERER_URL: 'https://evil.example/' } });
    await t.becomeReady();
    expect(t.windows.instances[0]?.loadedUrls).toEqual(['app://loyalty/index.html']);
  });
});

describe('startApp: startup failures', () => {
  it('explains a missing secret store and quits: no database, no window, no IPC', async () => {
    const t = setup({ keychainError: new AppError('keychain_unavailable', 'no secret service') });
    await t.becomeReady();
    expect(t.createAppServices).not.toHaveBeenCalled();
    expect(t.dialog.showErrorBox).toHaveBeenCalledOnce();
    const [title, message] = t.dialog.showErrorBox.mock.calls[0] as [string, string];
    expect(title).toBe('Loyalty Desk cannot start');
    expect(message).toMatch(/secret store is not available/);
    expect(t.app.exit).toHaveBeenCalledExactlyOnceWith(1);
    expect(t.windows.instances).toHaveLength(0);
    expect(t.ipcMain.handlers.size).toBe(0);
  });

  it.each([
    'database_key_missing',
    'database_key_wrong',
    'database_corrupt',
    'database_not_encrypted',
    'disk_full',
  ] as const)('explains %s and quits', async (code) => {
    const t = setup({ servicesError: new AppError(code, 'x') });
    await t.becomeReady();
    expect(t.dialog.showErrorBox).toHaveBeenCalledOnce();
    expect(t.dialog.showErrorBox.mock.calls[0]?.[1]).toContain(`Error code: ${code}`);
    expect(t.app.exit).toHaveBeenCalledExactlyOnceWith(1);
    expect(t.windows.instances).toHaveLength(0);
    expect(t.ipcMain.handlers.size).toBe(0);
    expect(t.logger.lines.join('\n')).toContain(code);
  });

  it('explains an unexpected error without its text', async () => {
    const t = setup({ servicesError: new Error('near "jane@example.com"') });
    await t.becomeReady();
    expect(t.dialog.showErrorBox.mock.calls[0]?.[1]).not.toContain('jane@example.com');
    expect(t.app.exit).toHaveBeenCalledExactlyOnceWith(1);
  });
});
