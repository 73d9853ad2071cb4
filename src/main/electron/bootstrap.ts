import type { App, Dialog, IpcMain, PowerMonitor, Protocol, Session, Shell } from 'electron';
import type { AppServices, AppServicesOptions } from '../app/create-app-services';
import { DEFAULT_KEYCHAIN_SERVICE, type Keychain } from '../keychain/keychain';
import type { Logger } from '../logging/logger';
import { APP_SCHEME, APP_SCHEME_PRIVILEGES } from '../security/app-origin';
import { createExternalLinkPolicy, EXTERNAL_LINK_HOSTS } from '../security/external-links';
import { isTrustedAppUrl, rendererStartUrl } from '../security/trusted-sender';
import { createAppProtocolHandler } from './app-protocol-handler';
import { guardWebContents } from './guard-web-contents';
import { hardenSession } from './harden-session';
import { bindIpc } from './ipc-binding';
import { describeStartupFailure } from './startup-failure';
import { createMainWindow, type BrowserWindowClass } from './window';

/** The few Electron objects the shell touches; `main.ts` passes the real ones, tests pass fakes. */
export interface ElectronApi {
  app: Pick<
    App,
    | 'enableSandbox'
    | 'requestSingleInstanceLock'
    | 'quit'
    | 'exit'
    | 'on'
    | 'whenReady'
    | 'getPath'
    | 'setPath'
    | 'getVersion'
    | 'isPackaged'
  >;
  protocol: Pick<Protocol, 'registerSchemesAsPrivileged' | 'handle'>;
  session: { readonly defaultSession: Session };
  ipcMain: Pick<IpcMain, 'handle' | 'removeHandler'>;
  dialog: Pick<Dialog, 'showErrorBox'>;
  shell: Pick<Shell, 'openExternal'>;
  BrowserWindow: BrowserWindowClass;
  /** OS lock and suspend lock the staff session (DESIGN §4). Optional only for older test fakes. */
  powerMonitor?: Pick<PowerMonitor, 'on'>;
}

export interface StartOptions {
  /** Absolute paths, computed by the entry module from its own location. */
  rendererRoot: string;
  preloadPath: string;
  env: Readonly<Record<string, string | undefined>>;
  logger: Logger;
  openKeychain: (service: string) => Promise<Keychain>;
  createAppServices: (options: AppServicesOptions) => Promise<AppServices>;
  readFile: (path: string) => Promise<Uint8Array>;
}

/**
 * Development-only switches. A packaged build ignores them all: an environment variable must not
 * be able to load a foreign native module, move the database or pick another renderer.
 */
function devOverrides(isPackaged: boolean, env: StartOptions['env']) {
  if (isPackaged)
    return {
      userDataDir: undefined,
      keychainService: undefined,
      nativeBinding: undefined,
      demo: false,
      autoPair: undefined,
    };
  return {
    userDataDir: env.LOYALTY_USER_DATA_DIR || undefined,
    keychainService: env.LOYALTY_KEYCHAIN_SERVICE || undefined,
    // The start script builds better-sqlite3 for Electron's ABI and passes the .node path here.
    nativeBinding: env.LOYALTY_NATIVE_BINDING || undefined,
    // Synthetic demo members in an empty database; never in a packaged (production) build.
    demo: env.LOYALTY_DEMO === '1',
    // npm start's embedded demo HQ: pair a new till with it on first start.
    autoPair: autoPairFromEnv(env),
  };
}

function autoPairFromEnv(env: StartOptions['env']): AppServicesOptions['autoPair'] {
  const hqUrl = env.LOYALTY_HQ_URL;
  const certSha256 = env.LOYALTY_HQ_CERT_SHA256;
  const pairingCode = env.LOYALTY_PAIRING_CODE;
  if (!hqUrl || !certSha256 || !pairingCode) return undefined;
  return { hqUrl, certSha256, pairingCode, deviceName: 'Demo till' };
}

/**
 * The app lifecycle. Before ready: sandbox everything, register app:// as privileged, take the
 * single-instance lock. When ready: harden the session, serve app://, open the secret store and the
 * encrypted database (or explain and quit: there is no plaintext fallback), bind IPC, open the window.
 */
export function startApp(electron: ElectronApi, options: StartOptions): void {
  const { app, protocol, dialog, shell, ipcMain, BrowserWindow } = electron;
  const { logger } = options;

  app.enableSandbox();
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { ...APP_SCHEME_PRIVILEGES } }]);

  if (!app.requestSingleInstanceLock()) {
    logger.info('app.second_instance_exit');
    app.quit();
    return;
  }

  const isPackaged = app.isPackaged;
  const dev = devOverrides(isPackaged, options.env);
  if (dev.userDataDir) app.setPath('userData', dev.userDataDir);

  const start = rendererStartUrl({ isPackaged, devServerUrl: options.env.ELECTRON_RENDERER_URL });
  const isTrustedUrl = (url: string) => isTrustedAppUrl(url, { devServerOrigin: start.devServerOrigin });
  const externalLinks = createExternalLinkPolicy(EXTERNAL_LINK_HOSTS);

  let services: AppServices | null = null;
  let unbindIpc: (() => void) | null = null;
  let mainWindow: ReturnType<typeof createMainWindow> | null = null;

  app.on('web-contents-created', (_event, contents) =>
    guardWebContents(contents, { isTrustedUrl, externalLinks, shell, logger }),
  );
  app.on('second-instance', () => {
    if (!mainWindow || mainWindow.isDestroyed()) return;
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.focus();
  });
  app.on('window-all-closed', () => app.quit());
  app.on('will-quit', () => {
    unbindIpc?.();
    unbindIpc = null;
    void services?.close();
    services = null;
  });

  const onReady = async () => {
    hardenSession(electron.session.defaultSession, { isTrustedUrl });
    protocol.handle(
      APP_SCHEME,
      createAppProtocolHandler({ rendererRoot: options.rendererRoot, readFile: options.readFile }),
    );

    const dataDir = app.getPath('userData');
    try {
      const keychain = await options.openKeychain(dev.keychainService ?? DEFAULT_KEYCHAIN_SERVICE);
      services = await options.createAppServices({
        dataDir,
        keychain,
        logger,
        version: app.getVersion(),
        isTrustedSenderUrl: isTrustedUrl,
        ...(dev.nativeBinding ? { nativeBinding: dev.nativeBinding } : {}),
        ...(dev.demo ? { demo: true } : {}),
        ...(dev.autoPair ? { autoPair: dev.autoPair } : {}),
      });
    } catch (error) {
      const failure = describeStartupFailure(error, { dataDir });
      logger.error('app.startup_failed', { code: failure.code });
      dialog.showErrorBox(failure.title, failure.message);
      app.exit(1);
      return;
    }

    unbindIpc = bindIpc(ipcMain, services.router);
    const lockForOs = () => services?.sessions.lock('os');
    electron.powerMonitor?.on('lock-screen', lockForOs);
    electron.powerMonitor?.on('suspend', lockForOs);
    mainWindow = createMainWindow({
      BrowserWindow,
      preloadPath: options.preloadPath,
      isPackaged,
      url: start.url,
      logger,
    });
    mainWindow.on('closed', () => {
      mainWindow = null;
    });
    logger.info('app.started', { code: isPackaged ? 'packaged' : 'development' });
  };

  app
    .whenReady()
    .then(onReady)
    .catch(() => {
      logger.error('app.startup_failed', { code: 'internal_error' });
      dialog.showErrorBox('Loyalty Desk cannot start', 'An unexpected error stopped Loyalty Desk from starting.');
      app.exit(1);
    });
}
