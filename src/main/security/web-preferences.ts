import { isAbsolute } from 'node:path';

/**
 * The `webPreferences` of every Loyalty Desk window (DESIGN §4). Plain data, no Electron import, so
 * tests can assert it exactly. Spelled out even where Electron's default is already safe, so that a
 * changed default in a future Electron cannot weaken us silently.
 */
export interface SecureWebPreferences {
  readonly preload: string;
  readonly sandbox: true;
  readonly contextIsolation: true;
  readonly nodeIntegration: false;
  readonly nodeIntegrationInWorker: false;
  readonly nodeIntegrationInSubFrames: false;
  readonly webSecurity: true;
  readonly allowRunningInsecureContent: false;
  readonly webviewTag: false;
  readonly experimentalFeatures: false;
  readonly spellcheck: false;
  readonly navigateOnDragDrop: false;
  readonly safeDialogs: true;
  /** Developer tools only in unpackaged development runs. */
  readonly devTools: boolean;
}

export interface WebPreferencesOptions {
  /** Absolute path of the bundled, sandboxed CommonJS preload (`out/preload/index.cjs`). */
  preloadPath: string;
  isPackaged: boolean;
}

export function secureWebPreferences(options: WebPreferencesOptions): SecureWebPreferences {
  if (!isAbsolute(options.preloadPath) || !options.preloadPath.endsWith('.cjs')) {
    throw new Error(
      'The preload must be the absolute path of the bundled CommonJS file: sandboxed preloads cannot load ESM.',
    );
  }
  return Object.freeze({
    preload: options.preloadPath,
    sandbox: true,
    contextIsolation: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    experimentalFeatures: false,
    spellcheck: false,
    navigateOnDragDrop: false,
    safeDialogs: true,
    devTools: !options.isPackaged,
  });
}
