import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { app, BrowserWindow, dialog, ipcMain, powerMonitor, protocol, session, shell } from 'electron';
import { createAppServices } from '../app/create-app-services';
import { openOsKeychain } from '../keychain/keychain';
import { createConsoleLogger } from '../logging/logger';
import { startApp } from './bootstrap';

/**
 * Electron main-process entry (built to out/main/index.js). Paths are computed here, in the entry
 * chunk, so they stay right however the bundler splits shared code.
 */
startApp(
  { app, protocol, session, ipcMain, dialog, shell, BrowserWindow, powerMonitor },
  {
    rendererRoot: fileURLToPath(new URL('../renderer', import.meta.url)),
    preloadPath: fileURLToPath(new URL('../preload/index.cjs', import.meta.url)),
    env: process.env,
    logger: createConsoleLogger(),
    openKeychain: openOsKeychain,
    // The sync worker thread sits next to this file in out/main (DESIGN §2: the engine is off the main thread).
    createAppServices: (servicesOptions) =>
      createAppServices({
        ...servicesOptions,
        syncWorkerPath: fileURLToPath(new URL('./sync-worker.js', import.meta.url)),
      }),
    readFile: (path) => readFile(path),
  },
);
