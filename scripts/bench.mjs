#!/usr/bin/env node
// npm run bench — the DESIGN §8 figures: the counter bench (bench/dist/bench.js), the HQ bench
// (bench/dist/hq-bench.js), a till's snapshot pull end to end (bench/dist/snapshot-bench.js), the HQ
// console (bench/dist/console-bench.js), customers' rights at HQ (bench/dist/privacy-bench.js), then the
// till's detection rules (bench/dist/detection-bench.js). Each
// runs in its own Node process.
//
//   npm run bench -- [--only counter|hq|snapshot] [options]
//
// With --only, every other option goes to that bench. Without it, each option goes to the bench that
// knows it (HQ_OPTIONS below; anything else is the counter bench's), and --json FILE writes the counter
// report to FILE and the HQ report to FILE with .hq before its extension.
//   counter: [--sizes 100000,1000000] [--kinds encrypted,plain] [--lookups 2000] [--writes 300] [--snapshot N] [--json FILE]
//   hq:      [--backends postgres,pglite] [--day-end-ops 10000] [--devices 50] [--stores 10] [--batches 20]
//            [--batch-size 50] [--seed-members 20000] [--pg-pool N] [--no-profile] [--json FILE]
//   snapshot: [--members 1000000] [--lookups-every-ms 2] [--json FILE] (only with --only snapshot;
//            without --only it runs with its defaults)
//   console: [--backends postgres,pglite] [--members 100000] [--repeats 200] (only with --only console;
//            without --only it runs with its defaults): the operators' console against its baselines
//   privacy: [--backends postgres,pglite] [--members 50000] [--ops-per-member 10] [--erasures 30] [--inactive 500]
//            (only with --only privacy; without --only it runs with its defaults): erasure, retention,
//            exports and audiences at HQ against their baselines
//   detection: [--days 1000,5000,20000] [--calls 300] (only with --only detection; without --only it runs
//            with its defaults): a member opened at the till with and without the detection rules
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { buildIfNeeded } from './build-if-needed.mjs';

const BENCHES = {
  counter: { file: 'bench/dist/bench.js', node: ['--max-old-space-size=4096'] },
  hq: { file: 'bench/dist/hq-bench.js', node: [] },
  snapshot: { file: 'bench/dist/snapshot-bench.js', node: ['--max-old-space-size=4096'] },
  console: { file: 'bench/dist/console-bench.js', node: [] },
  privacy: { file: 'bench/dist/privacy-bench.js', node: [] },
  detection: { file: 'bench/dist/detection-bench.js', node: [] },
};
/** The HQ bench's options and whether each takes a value. */
const HQ_OPTIONS = new Map([
  ['--backends', true],
  ['--day-end-ops', true],
  ['--devices', true],
  ['--stores', true],
  ['--batches', true],
  ['--batch-size', true],
  ['--seed-members', true],
  ['--pg-pool', true],
  ['--no-profile', false],
]);

/**
 * Splits the arguments into options ([--name, value] or [--name=value] or a lone flag); the HQ bench's
 * flags are known, any other option takes the next argument as its value unless that is an option.
 */
function options(argv) {
  const out = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const name = arg.startsWith('--') ? arg.slice(2).split('=')[0] : null;
    const takesValue =
      name !== null &&
      !arg.includes('=') &&
      (HQ_OPTIONS.get(`--${name}`) ?? true) &&
      i + 1 < argv.length &&
      !argv[i + 1].startsWith('--');
    const value = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : takesValue ? argv[i + 1] : undefined;
    out.push({ name, value, text: takesValue ? [arg, argv[++i]] : [arg] });
  }
  return out;
}

const parsed = options(process.argv.slice(2));
const only = parsed.find((o) => o.name === 'only')?.value;
const json = parsed.find((o) => o.name === 'json')?.value;
if (only !== undefined && !(only in BENCHES)) {
  process.stderr.write(`--only takes ${Object.keys(BENCHES).join(' or ')}, not ${only}\n`);
  process.exit(2);
}

/** Each bench's arguments, as typed. */
const args = { counter: [], hq: [], snapshot: [], console: [], privacy: [], detection: [] };
for (const option of parsed) {
  if (option.name === 'only') continue;
  if (only !== undefined) args[only].push(...option.text);
  else if (option.name === 'json') continue;
  else args[option.name !== null && HQ_OPTIONS.has(`--${option.name}`) ? 'hq' : 'counter'].push(...option.text);
}
if (only === undefined && json !== undefined) {
  args.counter.push('--json', json);
  args.hq.push('--json', json.replace(/(\.json)?$/, '.hq$1'));
}

buildIfNeeded({ quiet: true });
const ROOT = new URL('..', import.meta.url).pathname;
let status = 0;
for (const name of only !== undefined ? [only] : ['counter', 'hq', 'snapshot', 'console', 'privacy', 'detection']) {
  const bench = BENCHES[name];
  const result = spawnSync(process.execPath, [...bench.node, join(ROOT, bench.file), ...args[name]], {
    stdio: 'inherit',
  });
  if (result.status !== 0) {
    process.stderr.write(`bench: the ${name} bench failed (exit ${result.status ?? result.signal})\n`);
    status = result.status || 1;
  }
}
process.exit(status);
