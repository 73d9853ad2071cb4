import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = new URL('..', import.meta.url).pathname;
const OUTPUTS = [
  'out/main/index.js',
  'out/main/harness.js',
  'out/main/bench.js',
  'out/main/hq-bench.js',
  'out/main/snapshot-bench.js',
  'out/main/hq.js',
  'out/main/sync-worker.js',
  'out/preload/index.cjs',
  'out/renderer/index.html',
];
const INPUTS = ['src', 'bench', 'electron.vite.config.ts', 'package.json', 'package-lock.json'];

function newestMtime(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

/** Rebuilds with electron-vite when any output is missing or older than any source. */
export function buildIfNeeded({ quiet = false } = {}) {
  const outputs = OUTPUTS.map((p) => join(ROOT, p));
  const stale =
    outputs.some((p) => !existsSync(p)) ||
    Math.max(
      ...INPUTS.map((p) => join(ROOT, p))
        .filter(existsSync)
        .map(newestMtime),
    ) > Math.min(...outputs.map((p) => statSync(p).mtimeMs));
  if (!stale) return;
  if (!quiet) process.stderr.write('Building Loyalty Desk (electron-vite build)…\n');
  const result = spawnSync(process.execPath, [join(ROOT, 'node_modules/electron-vite/bin/electron-vite.js'), 'build'], {
    cwd: ROOT,
    stdio: quiet ? ['ignore', 'ignore', 'inherit'] : ['ignore', 'inherit', 'inherit'],
  });
  if (result.status !== 0) {
    process.stderr.write('Build failed; see the messages above.\n');
    process.exit(result.status ?? 1);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) buildIfNeeded();
