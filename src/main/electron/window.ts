import type { BrowserWindow as ElectronBrowserWindow, BrowserWindowConstructorOptions } from 'electron';
import type { Logger } from '../logging/logger';
import { secureWebPreferences } from '../security/web-preferences';

export type BrowserWindowClass = new (options: BrowserWindowConstructorOptions) => ElectronBrowserWindow;

export interface MainWindowOptions {
  BrowserWindow: BrowserWindowClass;
  preloadPath: string;
  isPackaged: boolean;
  /** From `rendererStartUrl`: app://loyalty/index.html, or the dev server in unpackaged runs. */
  url: string;
  logger: Logger;
}

/** The counter window: secure web preferences, hidden until the first paint is ready. */
export function createMainWindow(options: MainWindowOptions): ElectronBrowserWindow {
  const { BrowserWindow } = options;
  const window = new BrowserWindow({
    width: 1280,
    height: 800,
    minWidth: 1024,
    minHeight: 680,
    show: false,
    title: 'Loyalty Desk',
    backgroundColor: '#ffffff',
    webPreferences: secureWebPreferences({ preloadPath: options.preloadPath, isPackaged: options.isPackaged }),
  });
  window.once('ready-to-show', () => window.show());
  window.loadURL(options.url).catch(() => options.logger.error('window.load_failed', { code: 'load_failed' }));
  return window;
}
