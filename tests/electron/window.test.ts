import { describe, expect, it } from 'vitest';
import { createMainWindow, type BrowserWindowClass } from '../../src/main/electron/window';
import { secureWebPreferences } from '../../src/main/security/web-preferences';
import { fakeBrowserWindowClass, memoryLogger } from './support/fakes';

const preloadPath = '/opt/loyalty/out/preload/index.cjs';

function open(isPackaged: boolean, url = 'app://loyalty/index.html') {
  const { FakeBrowserWindow, instances } = fakeBrowserWindowClass();
  createMainWindow({
    BrowserWindow: FakeBrowserWindow as unknown as BrowserWindowClass,
    preloadPath,
    isPackaged,
    url,
    logger: memoryLogger(),
  });
  expect(instances).toHaveLength(1);
  return instances[0] as InstanceType<typeof FakeBrowserWindow>;
}

describe('createMainWindow', () => {
  it('builds the window with exactly the secure web preferences', () => {
    const window = open(true);
    expect(window.options.webPreferences).toStrictEqual(secureWebPreferences({ preloadPath, isPackaged: true }));
    expect(window.options.webPreferences).toMatchObject({
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      webSecurity: true,
      webviewTag: false,
      devTools: false,
      preload: preloadPath,
    });
  });

  it('allows devtools only when unpackaged', () => {
    expect(open(false).options.webPreferences).toMatchObject({ devTools: true, sandbox: true });
  });

  it('stays hidden until ready-to-show', () => {
    const window = open(true);
    expect(window.options.show).toBe(false);
    expect(window.shown).toBe(false);
    window.emit('ready-to-show');
    expect(window.shown).toBe(true);
  });

  it('loads the URL it is given (the app:// entry in production)', () => {
    expect(open(true).loadedUrls).toEqual(['app://loyalty/index.html']);
    expect(open(false, 'http://localhost:5173/').loadedUrls).toEqual(['http://localhost:5173/']);
  });

  it('sets nothing that would weaken the window', () => {
    const options = open(true).options;
    for (const key of ['parent', 'modal', 'transparent', 'frame', 'kiosk']) expect(options).not.toHaveProperty(key);
  });
});
