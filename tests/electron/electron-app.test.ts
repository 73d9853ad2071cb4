import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ElectronApplication, Page } from '@playwright/test';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHANNELS } from '../../src/shared/ipc/channels';

/**
 * The real Electron app, driven by Playwright. Needs the Electron binary, which this project's
 * build machines cannot download (DESIGN §7). The binary is looked up WITHOUT require('electron')
 * (that would try to download it); without it, every test here is reported as skipped, never
 * passed. On a machine with the binary it also needs what `npm start` needs: a Secret Service
 * (or the OS keychain) and a display. better-sqlite3-multiple-ciphers 13 is N-API and prebuilt, so Electron
 * loads the same copy as Node (LOYALTY_NATIVE_BINDING still overrides it).
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Mirrors node_modules/electron/index.js, minus its download: path.txt names the executable. */
function findElectronBinary(): string | null {
  const pathFile = join(ROOT, 'node_modules/electron/path.txt');
  const named = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : '';
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  const candidates = override
    ? [named, 'electron', 'electron.exe', 'Electron.app/Contents/MacOS/Electron']
        .filter(Boolean)
        .map((n) => join(override, n))
    : named
      ? [join(ROOT, 'node_modules/electron/dist', named)]
      : [];
  return candidates.find((path) => existsSync(path)) ?? null;
}

const electronBinary = findElectronBinary();

describe.skipIf(!electronBinary)(
  'Electron app with the real binary (skipped: Electron binary not installed — run npm start once on a machine with internet)',
  () => {
    let app: ElectronApplication;
    let page: Page;
    let userData: string;

    beforeAll(async () => {
      const build = spawnSync(
        process.execPath,
        [join(ROOT, 'node_modules/electron-vite/bin/electron-vite.js'), 'build'],
        {
          cwd: ROOT,
          stdio: ['ignore', 'ignore', 'inherit'],
        },
      );
      expect(build.status, 'electron-vite build failed').toBe(0);

      userData = await mkdtemp(join(tmpdir(), 'loyalty-electron-'));
      const { _electron } = await import('@playwright/test');
      app = await _electron.launch({
        executablePath: electronBinary as string,
        args: [ROOT],
        cwd: ROOT,
        env: {
          ...(process.env as Record<string, string>),
          LOYALTY_USER_DATA_DIR: userData,
          LOYALTY_KEYCHAIN_SERVICE: `Loyalty Desk (electron test ${randomUUID()})`,
        },
        timeout: 60_000,
      });
      page = await app.firstWindow();
      await page.waitForLoadState('domcontentloaded');
    }, 180_000);

    afterAll(async () => {
      await app?.close();
      if (userData) await rm(userData, { recursive: true, force: true });
    });

    it('loads the renderer from app://loyalty', () => {
      expect(page.url()).toBe('app://loyalty/index.html');
    });

    it('gives the renderer no Node: process, require, module and Buffer are undefined', async () => {
      const types = await page.evaluate(() => {
        const g = globalThis as Record<string, unknown>;
        return ['process', 'require', 'module', 'Buffer', 'global'].map((name) => typeof g[name]);
      });
      expect(types).toEqual(['undefined', 'undefined', 'undefined', 'undefined', 'undefined']);
    });

    it('exposes window.loyalty with exactly one named function per channel and nothing else', async () => {
      const shape = await page.evaluate(() => {
        const api = (globalThis as Record<string, unknown>).loyalty as Record<string, Record<string, unknown>>;
        const functions: string[] = [];
        const others: string[] = [];
        for (const domain of Object.getOwnPropertyNames(api)) {
          const group = api[domain];
          if (typeof group !== 'object' || group === null) {
            others.push(domain);
            continue;
          }
          for (const name of Object.getOwnPropertyNames(group)) {
            (typeof group[name] === 'function' ? functions : others).push(`${domain}.${name}`);
          }
        }
        return { functions: functions.sort(), others, frozen: Object.isFrozen(api) };
      });
      expect(shape.functions).toEqual([...CHANNELS].sort());
      expect(shape.others).toEqual([]);
      expect(shape.frozen).toBe(true);
    });

    it('answers a call through the preload, the router and the services', async () => {
      const result = await page.evaluate(() => {
        const api = (globalThis as Record<string, unknown>).loyalty as {
          app: { getInfo(request: object): Promise<{ ok: boolean }> };
        };
        return api.app.getInfo({});
      });
      expect(result.ok).toBe(true);
    });

    it('never serves the test-only harness bridge, and sends the CSP header', async () => {
      const responses = await page.evaluate(async () => {
        const bridge = await fetch('app://loyalty/harness/bridge.js');
        const index = await fetch('app://loyalty/index.html');
        return { bridge: bridge.status, csp: index.headers.get('content-security-policy') };
      });
      expect(responses.bridge).toBe(404);
      expect(responses.csp).toContain("script-src 'self'");
    });

    it('refuses to navigate away or open windows', async () => {
      const opened = await page.evaluate(() => {
        const g = globalThis as unknown as { open(url: string): unknown; location: { href: string } };
        const popup = g.open('https://example.com/');
        g.location.href = 'https://example.com/';
        return popup === null;
      });
      expect(opened).toBe(true);
      await page.waitForTimeout(500);
      expect(page.url()).toBe('app://loyalty/index.html');
      expect(app.windows()).toHaveLength(1);
    });
  },
);
