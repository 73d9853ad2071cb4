#!/usr/bin/env node
// npm run bench — the DESIGN §8 figures, each bench in its own Node process, then one table of them
// all (bench/dist/summary.js): every figure with its baseline, ratio, target and PASS/FAIL. In order:
//   counter   bench/dist/bench.js: the till's own cache (the app's cipher) next to plain SQLite,
//             SQLCipher v4, AEGIS-256 and ChaCha20-Poly1305: lookups, enrol and earn writes (wall and
//             CPU), ingest; 100,000 and 1,000,000 members
//   snapshot  bench/dist/snapshot-bench.js: a 1,000,000-member first sync end to end (HQ on PostgreSQL,
//             HTTPS, the till's sync worker) with counter lookups and earns meanwhile
//   scale     bench/dist/hq-scale-bench.js: 50/200/500 tills pushing to 1/2/4 real HQ processes on one
//             PostgreSQL, and pgbench (TPC-B-like, simple-update) with the same client counts there
//   hq        bench/dist/hq-bench.js: a day-end push and a fleet, on PostgreSQL and PGlite, profiled
//   console, privacy, detection: the console, customers' rights at HQ, the till's detection rules
// Exit code 0 whenever the benches ran, whatever the verdicts (the bench reports, it does not gate
// CI); 1 when a bench crashed (its figures then read NOT RUN in the table).
//
//   npm run bench -- [--only NAME[,NAME…]] [--json FILE] [options]
//
// --json FILE writes the table (rows, figures and every report read) to FILE. --only runs the named
// benches (counter, snapshot, scale, hq, console, privacy, detection); with exactly one name every
// other option goes to that bench as typed. Otherwise each option goes to the bench(es) that know it
// (ROUTES below); any other option is the counter bench's. Options to shrink a run while developing:
//   counter:  [--sizes 100000,1000000] [--kinds till,plain,aegis-256,chacha20-poly1305,sqlcipher-v4]
//             [--lookups 10000] [--writes 600] [--snapshot N]
//   snapshot: [--members 1000000] [--lookups-every-ms 2]
//   scale:    [--tills 50,200,500] [--processes 1,2,4] [--seconds 10] [--ops-budget 120000]
//             [--pgbench-scale 50] [--pgbench-seconds 10] [--pool N (HQ_DB_POOL_MAX)]; and --batch-size,
//             --seed-members, --stores (shared with hq)
//   hq:       [--backends postgres,pglite] [--day-end-ops 10000] [--devices 50] [--stores 10]
//             [--batches 10] [--batch-size 50] [--seed-members 20000] [--pg-pool N] [--no-profile]
//   console:  [--backends postgres,pglite] [--members 100000] [--repeats 200] (only with --only console)
//   privacy:  [--backends postgres,pglite] [--members 50000] [--ops-per-member 10] [--erasures 30]
//             [--inactive 500] (only with --only privacy)
//   detection: [--days 1000,5000,20000] [--calls 300] (only with --only detection)
// e.g. a small full table: npm run bench -- --only counter,snapshot,scale --sizes 20000 --members 50000
//   --tills 20,50 --processes 1,2 --seconds 5 --pgbench-scale 5 --pgbench-seconds 5
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildIfNeeded } from './build-if-needed.mjs';

const BENCHES = {
  counter: { file: 'bench/dist/bench.js', node: ['--max-old-space-size=4096'] },
  snapshot: { file: 'bench/dist/snapshot-bench.js', node: ['--max-old-space-size=4096'] },
  scale: { file: 'bench/dist/hq-scale-bench.js', node: [] },
  hq: { file: 'bench/dist/hq-bench.js', node: [] },
  console: { file: 'bench/dist/console-bench.js', node: [] },
  privacy: { file: 'bench/dist/privacy-bench.js', node: [] },
  detection: { file: 'bench/dist/detection-bench.js', node: [] },
};
/** The benches whose reports make the table (the others print their own targets). */
const IN_TABLE = new Set(['counter', 'snapshot', 'scale', 'hq']);
/** Options (other than the counter bench's) and the benches that take them; false: a flag without a value. */
const ROUTES = new Map([
  ['--members', { to: ['snapshot'], value: true }],
  ['--lookups-every-ms', { to: ['snapshot'], value: true }],
  ['--tills', { to: ['scale'], value: true }],
  ['--processes', { to: ['scale'], value: true }],
  ['--seconds', { to: ['scale'], value: true }],
  ['--ops-budget', { to: ['scale'], value: true }],
  ['--pgbench-scale', { to: ['scale'], value: true }],
  ['--pgbench-seconds', { to: ['scale'], value: true }],
  ['--pool', { to: ['scale'], value: true }],
  ['--stores', { to: ['hq', 'scale'], value: true }],
  ['--batch-size', { to: ['hq', 'scale'], value: true }],
  ['--seed-members', { to: ['hq', 'scale'], value: true }],
  ['--backends', { to: ['hq'], value: true }],
  ['--day-end-ops', { to: ['hq'], value: true }],
  ['--devices', { to: ['hq'], value: true }],
  ['--batches', { to: ['hq'], value: true }],
  ['--pg-pool', { to: ['hq'], value: true }],
  ['--no-profile', { to: ['hq'], value: false }],
]);

/**
 * Splits the arguments into options ([--name, value] or [--name=value] or a lone flag); known
 * flags take no value, any other option takes the next argument as its value unless that is an option.
 */
function options(argv) {
  const out = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const name = arg.startsWith('--') ? arg.slice(2).split('=')[0] : null;
    const takesValue =
      name !== null &&
      !arg.includes('=') &&
      (ROUTES.get(`--${name}`)?.value ?? true) &&
      i + 1 < argv.length &&
      !argv[i + 1].startsWith('--');
    const value = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : takesValue ? argv[i + 1] : undefined;
    out.push({ name, value, text: takesValue ? [arg, argv[++i]] : [arg] });
  }
  return out;
}

const parsed = options(process.argv.slice(2));
const onlyText = parsed.find((o) => o.name === 'only')?.value;
const json = parsed.find((o) => o.name === 'json')?.value;
const only = onlyText === undefined ? Object.keys(BENCHES) : onlyText.split(',');
for (const name of only) {
  if (!(name in BENCHES)) {
    process.stderr.write(`--only takes ${Object.keys(BENCHES).join(', ')} (comma-separated), not ${name}\n`);
    process.exit(2);
  }
}

/** Each bench's arguments, as typed. */
const args = Object.fromEntries(Object.keys(BENCHES).map((name) => [name, []]));
for (const option of parsed) {
  if (option.name === 'only' || option.name === 'json') continue;
  if (only.length === 1 && onlyText !== undefined) args[only[0]].push(...option.text);
  else for (const to of ROUTES.get(`--${option.name}`)?.to ?? ['counter']) args[to].push(...option.text);
}

const started = Date.now();
// The till's own build (out/) is not needed: the benches bundle what they measure.
buildIfNeeded({ quiet: true, only: ['hq', 'bench'] });
const ROOT = new URL('..', import.meta.url).pathname;
const reports = mkdtempSync(join(tmpdir(), 'loyalty-bench-reports-'));
let status = 0;
try {
  const timings = [];
  for (const name of Object.keys(BENCHES).filter((n) => only.includes(n))) {
    const bench = BENCHES[name];
    const own = IN_TABLE.has(name) ? ['--json', join(reports, `${name}.json`)] : [];
    const t0 = Date.now();
    const result = spawnSync(process.execPath, [...bench.node, join(ROOT, bench.file), ...args[name], ...own], {
      stdio: 'inherit',
    });
    timings.push(`${name} ${Math.round((Date.now() - t0) / 1000)} s`);
    if (result.status !== 0) {
      process.stderr.write(`bench: the ${name} bench failed (exit ${result.status ?? result.signal})\n`);
      status = 1;
    }
  }
  const ran = only.filter((name) => IN_TABLE.has(name));
  if (ran.length > 0) {
    const summary = spawnSync(
      process.execPath,
      [
        join(ROOT, 'bench/dist/summary.js'),
        '--dir',
        reports,
        '--ran',
        ran.join(','),
        ...(json ? ['--json', json] : []),
      ],
      { stdio: 'inherit' },
    );
    if (summary.status !== 0) status = 1;
  }
  process.stdout.write(
    `bench: ${Math.round((Date.now() - started) / 1000)} s in all (${timings.join(', ')}, and the builds)\n`,
  );
} finally {
  rmSync(reports, { recursive: true, force: true });
}
process.exit(status);
