#!/usr/bin/env node
// npm run bench -- [--sizes 100000,1000000] [--lookups 2000] [--writes 300] [--json FILE]
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { buildIfNeeded } from './build-if-needed.mjs';

buildIfNeeded({ quiet: true });
const ROOT = new URL('..', import.meta.url).pathname;
const result = spawnSync(
  process.execPath,
  ['--max-old-space-size=4096', join(ROOT, 'out/main/bench.js'), ...process.argv.slice(2)],
  {
    stdio: 'inherit',
  },
);
process.exit(result.status ?? 1);
