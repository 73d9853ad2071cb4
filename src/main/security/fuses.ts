import type { FuseV1Options } from '@electron/fuses';

/**
 * Electron fuses for packaged builds (DESIGN §4), flipped in the binary by
 * `scripts/after-pack-fuses.cjs` (electron-builder `afterPack`). This file is the single source of
 * truth: the hook transpiles and loads it, and tests check both the values and the hook.
 *
 * It must stay free of runtime imports (only `import type`): the hook evaluates it on its own, and
 * receives the @electron/fuses enums as parameters.
 */
export type FuseName = keyof typeof FuseV1Options;

/**
 * Keyed by name, so that this type lists every fuse @electron/fuses knows: upgrading it with a new
 * fuse fails type-checking until someone decides its value here.
 */
export const FUSES = Object.freeze({
  /** ELECTRON_RUN_AS_NODE would turn the signed app binary into a general-purpose Node.js. */
  RunAsNode: false,
  /** Encrypt the cookie store with an OS-protected key (we keep no cookies, but it costs nothing). */
  EnableCookieEncryption: true,
  /** NODE_OPTIONS could preload arbitrary code into the main process. */
  EnableNodeOptionsEnvironmentVariable: false,
  /** --inspect and friends would let anyone at the till attach a debugger to the main process. */
  EnableNodeCliInspectArguments: false,
  /** Refuse an app.asar whose contents no longer match the hash recorded at packaging (macOS, Windows). */
  EnableEmbeddedAsarIntegrityValidation: true,
  /** Load the app only from app.asar, so a loose `app/` folder next to it cannot replace our code. */
  OnlyLoadAppFromAsar: true,
  /** We ship no separate browser-process V8 snapshot; keep Electron's default single snapshot. */
  LoadBrowserProcessSpecificV8Snapshot: false,
  /** Pages come from app://; file:// gets no extra privileges (fetch, CORS bypass). */
  GrantFileProtocolExtraPrivileges: false,
} as const satisfies Record<FuseName, boolean>);

/**
 * Fuses that Electron 45's binary has but @electron/fuses 1.8.0 cannot name or set (2.x, which can,
 * needs Node 22). They keep Electron's default; each is a decision, not an oversight. A wire with
 * any fuse missing from both lists fails packaging.
 */
export const DEFAULT_STATE_FUSES: Readonly<Record<number, { name: string; reason: string }>> = Object.freeze({
  8: {
    name: 'WasmTrapHandlers',
    reason: 'V8 WebAssembly trap handlers (default on): a performance and robustness feature, not an attack surface.',
  },
});

export interface FuseLibrary {
  FuseV1Options: Readonly<Record<string, string | number>>;
  FuseVersion: { V1: string };
  FuseState: { DISABLE: number; ENABLE: number; REMOVED: number; INHERIT: number };
}

/**
 * The config for `flipFuses`. `strictlyRequireAllFuses` stays off only because @electron/fuses
 * 1.8.0 cannot address fuse 8; `checkFuseWire` enforces the same completeness afterwards.
 */
export function toFuseConfig(
  lib: Pick<FuseLibrary, 'FuseV1Options' | 'FuseVersion'>,
  extra: { resetAdHocDarwinSignature?: boolean } = {},
): Record<string, unknown> {
  const config: Record<string, unknown> = {
    version: lib.FuseVersion.V1,
    resetAdHocDarwinSignature: extra.resetAdHocDarwinSignature ?? false,
  };
  for (const [name, value] of Object.entries(FUSES)) {
    const index = lib.FuseV1Options[name];
    if (typeof index !== 'number') throw new Error(`@electron/fuses does not know the fuse ${name}`);
    config[String(index)] = value;
  }
  return config;
}

/**
 * Checks a wire read from the binary (`getCurrentFuseWire`). Before flipping (`states: false`): the
 * wire format is the one we know, every decided fuse exists and was not removed from Electron, and
 * every other fuse is listed in DEFAULT_STATE_FUSES. After flipping (`states: true`), additionally:
 * every decided fuse has the state decided above. Returns the problems found.
 */
export function checkFuseWire(
  wire: Readonly<Record<string, unknown>>,
  lib: Pick<FuseLibrary, 'FuseV1Options' | 'FuseVersion' | 'FuseState'>,
  options: { states?: boolean } = {},
): string[] {
  const checkStates = options.states ?? true;
  const problems: string[] = [];
  if (String(wire.version) !== String(lib.FuseVersion.V1)) {
    problems.push(`unexpected fuse wire version ${String(wire.version)}`);
  }
  const decided = new Set<number>();
  for (const [name, value] of Object.entries(FUSES)) {
    const index = lib.FuseV1Options[name];
    if (typeof index !== 'number') {
      problems.push(`@electron/fuses does not know the fuse ${name}`);
      continue;
    }
    decided.add(index);
    const expected = value ? lib.FuseState.ENABLE : lib.FuseState.DISABLE;
    const actual = wire[String(index)];
    if (actual === undefined) problems.push(`fuse ${name} (#${index}) is missing from the binary`);
    else if (actual === lib.FuseState.REMOVED) problems.push(`fuse ${name} (#${index}) was removed from Electron`);
    else if (checkStates && actual !== expected) {
      problems.push(`fuse ${name} (#${index}) is ${String(actual)}, expected ${expected}`);
    }
  }
  for (const key of Object.keys(wire)) {
    if (!/^\d+$/.test(key)) continue;
    const index = Number(key);
    if (!decided.has(index) && !Object.hasOwn(DEFAULT_STATE_FUSES, index)) {
      problems.push(
        `the Electron binary has fuse #${index}, which Loyalty Desk has not decided (src/main/security/fuses.ts)`,
      );
    }
  }
  return problems;
}
