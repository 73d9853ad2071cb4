import { FuseV1Options, FuseVersion, getCurrentFuseWire } from '@electron/fuses';
import { FuseState, SENTINEL } from '@electron/fuses/dist/constants';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkFuseWire, DEFAULT_STATE_FUSES, FUSES, toFuseConfig } from '../../src/main/security/fuses';

interface AfterPackModule {
  (context: unknown): Promise<void>;
  default: (context: unknown) => Promise<void>;
  applyFuses(binaryPath: string, options?: { source?: string }): Promise<Record<string, unknown>>;
  loadFusesModule(source?: string): Promise<{ FUSES: unknown; toFuseConfig: unknown; checkFuseWire: unknown }>;
  electronBinaryPath(context: unknown): string;
  FUSES_SOURCE: string;
}

const afterPack = createRequire(import.meta.url)('../../scripts/after-pack-fuses.cjs') as AfterPackModule;
const lib = { FuseV1Options, FuseVersion, FuseState } as unknown as Parameters<typeof checkFuseWire>[1];

const ON = FuseState.ENABLE;
const OFF = FuseState.DISABLE;
/** Electron's own defaults for the 9 fuses of the Electron 45 wire (run_as_node … wasm_trap_handlers). */
const ELECTRON_DEFAULT_WIRE = [ON, OFF, ON, ON, OFF, OFF, OFF, ON, ON];

/** A stand-in Electron binary: some bytes, the fuse sentinel, version 1, the wire length, the wire. */
function fakeElectronBinary(wire: number[]): Buffer {
  return Buffer.concat([
    Buffer.from('\x7fELF fake electron binary prologue '),
    Buffer.from(SENTINEL, 'ascii'),
    Buffer.from([1, wire.length, ...wire]),
    Buffer.from(' epilogue'),
  ]);
}

async function wireOf(path: string): Promise<number[]> {
  const bytes = await readFile(path);
  const at = bytes.indexOf(SENTINEL) + SENTINEL.length;
  const length = bytes[at + 1] ?? 0;
  return [...bytes.subarray(at + 2, at + 2 + length)];
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loyalty-fuses-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('fuse decisions (src/main/security/fuses.ts)', () => {
  it('turns off RunAsNode, NODE_OPTIONS and --inspect, turns on asar integrity, asar-only and cookie encryption', () => {
    expect(FUSES).toStrictEqual({
      RunAsNode: false,
      EnableCookieEncryption: true,
      EnableNodeOptionsEnvironmentVariable: false,
      EnableNodeCliInspectArguments: false,
      EnableEmbeddedAsarIntegrityValidation: true,
      OnlyLoadAppFromAsar: true,
      LoadBrowserProcessSpecificV8Snapshot: false,
      GrantFileProtocolExtraPrivileges: false,
    });
    expect(Object.isFrozen(FUSES)).toBe(true);
  });

  it('decides every fuse @electron/fuses can name', () => {
    const names = Object.keys(FuseV1Options).filter((key) => !/^\d+$/.test(key));
    expect(Object.keys(FUSES).sort()).toEqual(names.sort());
  });

  it('explains every fuse it leaves at Electron’s default', () => {
    for (const [index, fuse] of Object.entries(DEFAULT_STATE_FUSES)) {
      expect(Number(index)).toBeGreaterThanOrEqual(Object.keys(FUSES).length);
      expect(fuse.reason.length).toBeGreaterThan(20);
    }
  });

  it('builds the flipFuses config by fuse index', () => {
    const config = toFuseConfig(lib);
    expect(config).toEqual({
      version: FuseVersion.V1,
      resetAdHocDarwinSignature: false,
      [FuseV1Options.RunAsNode]: false,
      [FuseV1Options.EnableCookieEncryption]: true,
      [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: false,
      [FuseV1Options.EnableNodeCliInspectArguments]: false,
      [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: true,
      [FuseV1Options.OnlyLoadAppFromAsar]: true,
      [FuseV1Options.LoadBrowserProcessSpecificV8Snapshot]: false,
      [FuseV1Options.GrantFileProtocolExtraPrivileges]: false,
    });
    expect(toFuseConfig(lib, { resetAdHocDarwinSignature: true }).resetAdHocDarwinSignature).toBe(true);
  });

  it('reports a wire that differs from the decisions', () => {
    const wire = { version: '1', ...Object.fromEntries(ELECTRON_DEFAULT_WIRE.map((state, i) => [String(i), state])) };
    const problems = checkFuseWire(wire, lib);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringContaining('RunAsNode'),
        expect.stringContaining('EnableNodeOptionsEnvironmentVariable'),
        expect.stringContaining('EnableNodeCliInspectArguments'),
        expect.stringContaining('OnlyLoadAppFromAsar'),
      ]),
    );
    // Before flipping only the shape is checked: Electron's defaults are expected there.
    expect(checkFuseWire(wire, lib, { states: false })).toEqual([]);
  });
});

describe('afterPack hook (scripts/after-pack-fuses.cjs)', () => {
  it('loads its decisions from fuses.ts itself: one source of truth', async () => {
    const loaded = await afterPack.loadFusesModule();
    expect(loaded.FUSES).toEqual(FUSES);
    expect(afterPack.FUSES_SOURCE.replaceAll('\\', '/')).toMatch(/src\/main\/security\/fuses\.ts$/);
  });

  it('refuses a fuses module with runtime imports (it is evaluated on its own)', async () => {
    const source = join(dir, 'bad-fuses.ts');
    await writeFile(source, "import { FuseV1Options } from '@electron/fuses';\nexport const X = FuseV1Options;\n");
    await expect(afterPack.loadFusesModule(source)).rejects.toThrow(/must not import anything at runtime/);
  });

  it('flips an Electron 45-style wire to the decided states and leaves WasmTrapHandlers at its default', async () => {
    const binary = join(dir, 'electron-45');
    await writeFile(binary, fakeElectronBinary(ELECTRON_DEFAULT_WIRE));
    await afterPack.applyFuses(binary);
    expect(await wireOf(binary)).toEqual([OFF, ON, OFF, OFF, ON, ON, OFF, OFF, ON]);
    expect(checkFuseWire(await getCurrentFuseWire(binary), lib)).toEqual([]);
  });

  it('fails packaging when the binary has a fuse nobody decided', async () => {
    const binary = join(dir, 'electron-future');
    await writeFile(binary, fakeElectronBinary([...ELECTRON_DEFAULT_WIRE, ON]));
    await expect(afterPack.applyFuses(binary)).rejects.toThrow(/fuse #9, which Loyalty Desk has not decided/);
  });

  it('fails packaging when a decided fuse was removed from Electron', async () => {
    const wire = [...ELECTRON_DEFAULT_WIRE];
    wire[FuseV1Options.RunAsNode] = FuseState.REMOVED;
    const binary = join(dir, 'electron-removed');
    await writeFile(binary, fakeElectronBinary(wire));
    await expect(afterPack.applyFuses(binary)).rejects.toThrow(/RunAsNode .* removed/);
  });

  it('fails packaging when the binary has no fuse wire', async () => {
    const binary = join(dir, 'not-electron');
    await writeFile(binary, Buffer.from('just some bytes'));
    await expect(afterPack.applyFuses(binary)).rejects.toThrow(/sentinel/);
  });

  it('runs as electron-builder calls it, on the packaged Linux executable', async () => {
    const appOutDir = join(dir, 'linux-unpacked');
    await mkdir(appOutDir, { recursive: true });
    await writeFile(join(appOutDir, 'loyalty-desk'), fakeElectronBinary(ELECTRON_DEFAULT_WIRE));
    const context = {
      appOutDir,
      electronPlatformName: 'linux',
      arch: 1,
      packager: { executableName: 'loyalty-desk', appInfo: { productFilename: 'Loyalty Desk' } },
    };
    expect(afterPack.default).toBe(afterPack);
    await afterPack.default(context);
    expect(await wireOf(join(appOutDir, 'loyalty-desk'))).toEqual([OFF, ON, OFF, OFF, ON, ON, OFF, OFF, ON]);
  });

  it('finds the executable on every platform', () => {
    const packager = { executableName: 'loyalty-desk', appInfo: { productFilename: 'Loyalty Desk' } };
    const path = (electronPlatformName: string) =>
      afterPack.electronBinaryPath({ appOutDir: '/out', electronPlatformName, packager });
    expect(path('darwin')).toBe('/out/Loyalty Desk.app');
    expect(path('mas')).toBe('/out/Loyalty Desk.app');
    expect(path('win32')).toBe('/out/Loyalty Desk.exe');
    expect(path('linux')).toBe('/out/loyalty-desk');
    expect(() => path('aix')).toThrow();
  });
});

describe('electron-builder.yml', () => {
  it('runs the fuses hook, packs into asar and never ships the test harness', async () => {
    const yml = await readFile(new URL('../../electron-builder.yml', import.meta.url), 'utf8');
    expect(yml).toMatch(/^afterPack: scripts\/after-pack-fuses\.cjs$/m);
    expect(yml).toMatch(/^asar: true$/m);
    expect(yml).toMatch(/^ {2}- '!out\/main\/harness\.js'$/m);
    expect(yml).toMatch(/^ {2}- '!out\/renderer\/harness\/\*\*'$/m);
    expect(yml).not.toMatch(/^electronFuses:/m);
  });
});
