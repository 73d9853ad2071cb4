import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = new URL('..', import.meta.url).pathname;
const VITE = 'node_modules/vite/bin/vite.js';

/**
 * Three separate builds, so that what ships (the till, out/) never holds HQ or bench code:
 * the till and its test harness (electron-vite, out/), the HQ (packages/hq/dist/hq.js) and the
 * benches (bench/dist/). Each rebuilds when one of its outputs is missing or older than an input.
 */
export const BUILDS = [
  {
    name: 'till',
    label: 'the till and its test harness (electron-vite build → out/)',
    command: ['node_modules/electron-vite/bin/electron-vite.js', 'build'],
    outputs: [
      'out/main/index.js',
      'out/main/harness.js',
      'out/main/sync-worker.js',
      'out/preload/index.cjs',
      'out/renderer/index.html',
    ],
    inputs: [
      'src/main',
      'src/preload',
      'src/renderer',
      'src/shared',
      'src/node-shared',
      'src/harness',
      'electron.vite.config.ts',
      'package.json',
      'package-lock.json',
    ],
  },
  {
    name: 'hq',
    label: 'the HQ and its console (vite build → packages/hq/dist/, then packages/hq/dist/console/)',
    // The console second: the HQ build empties dist/ first.
    commands: [
      [VITE, 'build', '--config', 'packages/hq/vite.config.ts'],
      [VITE, 'build', '--config', 'packages/hq/vite.console.config.ts'],
    ],
    outputs: ['packages/hq/dist/hq.js', 'packages/hq/dist/console/index.html'],
    inputs: ['packages/hq', 'src/shared', 'src/node-shared', 'resources/demo', 'package-lock.json'],
  },
  {
    name: 'bench',
    label: 'the benches (vite build → bench/dist/)',
    command: [VITE, 'build', '--config', 'bench/vite.config.ts'],
    outputs: [
      'bench/dist/bench.js',
      'bench/dist/hq-bench.js',
      'bench/dist/hq-scale-bench.js',
      'bench/dist/summary.js',
      'bench/dist/snapshot-bench.js',
      'bench/dist/console-bench.js',
      'bench/dist/privacy-bench.js',
      'bench/dist/sync-worker.js',
      'bench/dist/ingest-worker.js',
    ],
    inputs: ['bench', 'src', 'packages/hq', 'tests/support', 'resources/demo', 'package-lock.json'],
  },
];

/** Build outputs and installed packages inside an input folder are not sources. */
const NOT_SOURCES = new Set(['dist', 'node_modules']);

function newestMtime(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) {
    if (!NOT_SOURCES.has(entry)) newest = Math.max(newest, newestMtime(join(path, entry)));
  }
  return newest;
}

function isStale(build) {
  const outputs = build.outputs.map((p) => join(ROOT, p));
  if (outputs.some((p) => !existsSync(p))) return true;
  const newestInput = Math.max(
    ...build.inputs
      .map((p) => join(ROOT, p))
      .filter(existsSync)
      .map(newestMtime),
  );
  return newestInput > Math.min(...outputs.map((p) => statSync(p).mtimeMs));
}

/**
 * Runs each stale build (the till with electron-vite, the HQ and the benches with vite), or only the
 * named ones (a test that spawns the HQ need not wait for the till's build).
 */
export function buildIfNeeded({ quiet = false, only } = {}) {
  for (const build of BUILDS) {
    if ((only && !only.includes(build.name)) || !isStale(build)) continue;
    if (!quiet) process.stderr.write(`Building ${build.label}…\n`);
    for (const command of build.commands ?? [build.command]) {
      const result = spawnSync(
        process.execPath,
        command.map((part, i) => (i === 0 ? join(ROOT, part) : part)),
        {
          cwd: ROOT,
          stdio: quiet ? ['ignore', 'ignore', 'inherit'] : ['ignore', 'inherit', 'inherit'],
        },
      );
      if (result.status !== 0) {
        process.stderr.write(`The ${build.name} build failed; see the messages above.\n`);
        process.exit(result.status ?? 1);
      }
    }
  }
}

if (import.meta.url === `file://${process.argv[1]}`) buildIfNeeded();
