'use strict';
/**
 * electron-builder `afterPack` hook (see electron-builder.yml): flips the Electron fuses decided in
 * src/main/security/fuses.ts in the packaged binary, before signing, then reads the wire back and
 * fails the build unless every fuse is exactly as decided.
 *
 * fuses.ts is the single source of truth. It has no runtime imports, so this hook transpiles it with
 * the project's TypeScript and evaluates it on its own.
 *
 * CommonJS because electron-builder loads hooks with require(); dependencies come in through
 * import() so this file needs no require() of its own.
 */

const FUSES_SOURCE = `${__dirname}/../src/main/security/fuses.ts`;

/** Loads src/main/security/fuses.ts (or another module with the same contract) as a plain object. */
async function loadFusesModule(source = FUSES_SOURCE) {
  const [{ readFile }, vm, { default: ts }] = await Promise.all([
    import('node:fs/promises'),
    import('node:vm'),
    import('typescript'),
  ]);
  const { outputText } = ts.transpileModule(await readFile(source, 'utf8'), {
    fileName: source,
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
  });
  const wrapper = vm.runInThisContext(`(function (exports, require, module) {${outputText}\n})`, { filename: source });
  const module = { exports: {} };
  const noRequire = (id) => {
    throw new Error(`${source} must not import anything at runtime (it imported ${id})`);
  };
  wrapper(module.exports, noRequire, module);
  return module.exports;
}

/** Where electron-builder put the Electron executable for this platform. */
function electronBinaryPath(context) {
  const platform = context.electronPlatformName;
  const { productFilename } = context.packager.appInfo;
  if (platform === 'darwin' || platform === 'mas') return `${context.appOutDir}/${productFilename}.app`;
  if (platform === 'win32') return `${context.appOutDir}/${productFilename}.exe`;
  if (platform === 'linux') return `${context.appOutDir}/${context.packager.executableName}`;
  throw new Error(`after-pack-fuses: unsupported platform ${platform}`);
}

/** Flips the fuses in one Electron binary and verifies the result; throws on any deviation. */
async function applyFuses(binaryPath, options = {}) {
  const fusesLib = await import('@electron/fuses');
  // FuseState (the byte values of the wire) is not re-exported by the package index in 1.8.0.
  const { FuseState } = await import('@electron/fuses/dist/constants.js');
  const lib = { FuseV1Options: fusesLib.FuseV1Options, FuseVersion: fusesLib.FuseVersion, FuseState };
  const fuses = await loadFusesModule(options.source);
  const config = fuses.toFuseConfig(lib, { resetAdHocDarwinSignature: options.resetAdHocDarwinSignature === true });
  const fail = (problems) => {
    if (problems.length > 0) throw new Error(`after-pack-fuses: ${binaryPath}:\n  - ${problems.join('\n  - ')}`);
  };
  // Before: flipFuses would silently overwrite a removed fuse and ignore one it cannot name.
  fail(fuses.checkFuseWire(await fusesLib.getCurrentFuseWire(binaryPath), lib, { states: false }));
  await fusesLib.flipFuses(binaryPath, config);
  // After: every decided fuse must read back exactly as decided.
  fail(fuses.checkFuseWire(await fusesLib.getCurrentFuseWire(binaryPath), lib));
  return config;
}

async function afterPack(context) {
  const binaryPath = electronBinaryPath(context);
  // An arm64 macOS binary needs a fresh ad-hoc signature after its bytes change (real signing comes later).
  await applyFuses(binaryPath, { resetAdHocDarwinSignature: context.electronPlatformName === 'darwin' });
  console.log(`after-pack-fuses: fuses flipped and verified in ${binaryPath}`);
}

module.exports = afterPack;
module.exports.default = afterPack;
module.exports.afterPack = afterPack;
module.exports.applyFuses = applyFuses;
module.exports.loadFusesModule = loadFusesModule;
module.exports.electronBinaryPath = electronBinaryPath;
module.exports.FUSES_SOURCE = FUSES_SOURCE;
