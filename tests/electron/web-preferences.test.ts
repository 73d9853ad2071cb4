import { describe, expect, it } from 'vitest';
import { secureWebPreferences } from '../../src/main/security/web-preferences';

const preloadPath = '/opt/loyalty/out/preload/index.cjs';

describe('secure web preferences', () => {
  it('is exactly the hardened set for packaged builds (devtools off)', () => {
    expect(secureWebPreferences({ preloadPath, isPackaged: true })).toStrictEqual({
      preload: preloadPath,
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
      devTools: false,
    });
  });

  it('enables devtools only in unpackaged runs and changes nothing else', () => {
    const packaged = secureWebPreferences({ preloadPath, isPackaged: true });
    const dev = secureWebPreferences({ preloadPath, isPackaged: false });
    expect(dev.devTools).toBe(true);
    expect({ ...dev, devTools: false }).toStrictEqual(packaged);
  });

  it('never sets blink features, additional arguments or a partition', () => {
    const prefs = secureWebPreferences({ preloadPath, isPackaged: false }) as unknown as Record<string, unknown>;
    for (const key of ['enableBlinkFeatures', 'additionalArguments', 'partition', 'session', 'enableWebSQL']) {
      expect(prefs).not.toHaveProperty(key);
    }
  });

  it('is frozen, so a caller cannot weaken the shared object', () => {
    const prefs = secureWebPreferences({ preloadPath, isPackaged: true });
    expect(Object.isFrozen(prefs)).toBe(true);
  });

  it('insists on an absolute path to the bundled CommonJS preload', () => {
    expect(() => secureWebPreferences({ preloadPath: 'out/preload/index.cjs', isPackaged: true })).toThrow();
    expect(() =>
      secureWebPreferences({ preloadPath: '/opt/loyalty/out/preload/index.mjs', isPackaged: true }),
    ).toThrow();
  });
});
