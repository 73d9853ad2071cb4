/**
 * npm run bench -- --only scale — HQ scale-out (issue 15, DESIGN §8): 50, 200 and 500 simulated tills
 * pushing at once to 1, 2 and 4 real HQ processes (packages/hq/dist/hq.js, as `npm run hq` starts
 * it, with DATABASE_URL) on one durable PostgreSQL server this bench starts, next to pgbench's TPS on
 * the same server in the same run as the limit.
 *
 *   node bench/dist/hq-scale-bench.js [--tills 50,200,500] [--processes 1,2,4] [--seconds 10]
 *     [--batch-size 50] [--ops-budget 120000] [--seed-members 20000] [--stores 10]
 *     [--pgbench-scale 50] [--pgbench-seconds 10] [--pool N] [--json FILE]
 *
 * HQ processes: all share one data folder (the TLS identity the bench makes there first with
 * loadOrCreateTls) and one master key (LOYALTY_HQ_MASTER_KEY), so a till's pinned certificate is
 * the same whichever process answers; on PostgreSQL nothing else in the folder is shared state.
 * Their log level is `warn` (HQ_LOG_LEVEL), so logging a line per request is not measured. `--pool N`
 * sets each process's pool (HQ_DB_POOL_MAX; HQ's default otherwise), and max_connections is sized for
 * the most processes' pools and for pgbench's most clients.
 *
 * Tills (push-tills.ts, a separate process): each pairs with its own one-time code through an
 * in-process HQ on the same database (HQ limits pairing to 10 per address per 10 minutes, and every
 * simulated till is 127.0.0.1; pairing is not timed), then pushes a realistic day (enrolments with
 * their consents, consent changes, earns, redemptions) in `--batch-size` batches over keep-alive
 * HTTPS pinned to HQ's certificate, one request at a time per till, till i to process i mod N, for
 * `--seconds` (or until its `--ops-budget` ÷ tills ops are sent). Ops/s counts ops HQ settled.
 *
 * pgbench (the server's own, e.g. /usr/lib/postgresql/15/bin/pgbench): initialised once in a
 * separate database on the same server (scale `--pgbench-scale`, generated server-side), then run
 * with each till count as its client count (-c N -j 2 -T `--pgbench-seconds`), with the built-in
 * TPC-B-like script and with simple-update. The target is HQ's best ops/s for a till count at half
 * or more of pgbench's TPC-B-like TPS at that client count (an HQ push op is one transaction of
 * several statements, as a TPC-B-like transaction is), and ops/s growing with processes.
 *
 * Prints a table and, last, one JSON line.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import demoCatalog from '../resources/demo/hq-catalog.json';
import { createStore, issuePairingCode, loadCatalog } from '../packages/hq/src/admin';
import type { HqDatabase } from '../packages/hq/src/db/database';
import { migrate } from '../packages/hq/src/db/migrations';
import { openPostgresDatabase } from '../packages/hq/src/db/postgres';
import { buildHqServer } from '../packages/hq/src/server';
import { loadOrCreateTls } from '../packages/hq/src/tls';
import { startPostgres, type PostgresServer } from '../tests/support/postgres';
import {
  DEVICES_FLAG,
  devicesProcess,
  machineTicks,
  round,
  runDevices,
  seedMembers,
  type Job,
  type JobResult,
} from './push-tills';
import { openDataKeys } from '../packages/hq/src/keys/data-keys';
import { masterKeyWrapper } from '../packages/hq/src/keys/key-wrapper';

const HQ_SCRIPT = fileURLToPath(new URL('../../packages/hq/dist/hq.js', import.meta.url));
/** HQ's pool per process when --pool is not given (db/pool-settings.ts DEFAULT_POOL_MAX), + 1 for its jobs. */
const DEFAULT_POOL = 10;

// ---------------------------------------------------------------------------------------------
// HQ processes

interface HqProcess {
  child: ChildProcess;
  url: string;
  /** CPU seconds (user + system) the process has used so far, from /proc (null elsewhere). */
  cpuSeconds(): number | null;
  stop(): Promise<void>;
}

/** user + system CPU seconds of a process from /proc/<pid>/stat (fields 14 and 15, in clock ticks of 1/100 s). */
function procCpuSeconds(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

function startHqProcess(dataDir: string, env: NodeJS.ProcessEnv): Promise<HqProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [HQ_SCRIPT, '--data-dir', dataDir, '--port', '0', '--host', '127.0.0.1'], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`hq-scale-bench: an HQ process did not start in 60 s: ${err.slice(-500)}`));
    }, 60_000);
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString();
      if (err.length > 20_000) err = err.slice(-10_000);
    });
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /^HQ_URL=(https:\/\/\S+)$/m.exec(out);
      if (!match) return;
      clearTimeout(timer);
      out = '';
      child.stdout.removeAllListeners('data');
      child.stdout.resume();
      const exited = new Promise<void>((done) => child.once('exit', () => done()));
      resolve({
        child,
        url: match[1]!,
        cpuSeconds: () => procCpuSeconds(child.pid),
        async stop() {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
          const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
          await exited;
          clearTimeout(killer);
        },
      });
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`hq-scale-bench: an HQ process exited (${code}) before listening: ${err.slice(-500)}`));
    });
  });
}

// ---------------------------------------------------------------------------------------------
// pgbench

function findPgbench(): string | null {
  const override = process.env.LOYALTY_PG_BIN;
  if (override) return existsSync(join(override, 'pgbench')) ? join(override, 'pgbench') : null;
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root)
    .filter((v) => /^\d+(\.\d+)?$/.test(v))
    .sort((a, b) => Number(b) - Number(a));
  for (const v of versions) if (existsSync(join(root, v, 'bin', 'pgbench'))) return join(root, v, 'bin', 'pgbench');
  return null;
}

function runCommand(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('close', (status) =>
      status === 0 ? resolve(output) : reject(new Error(`${command} exited ${status}: ${output.slice(-800)}`)),
    );
  });
}

interface PgbenchRun {
  script: 'tpcb-like' | 'simple-update';
  clients: number;
  /** Null when no transaction completed within the run (the clients were still connecting). */
  tps: number | null;
  latencyMeanMs: number | null;
  transactions: number;
}

/** Reads pgbench's summary: "tps = 1234.5 (without initial connection time)" and the mean latency. */
function parsePgbench(output: string): { tps: number | null; latencyMeanMs: number | null; transactions: number } {
  const tps = /^tps = ([\d.]+) \(without initial connection time\)/m.exec(output);
  const latency = /^latency average = ([\d.]+) ms/m.exec(output);
  const processed = /^number of transactions actually processed: (\d+)/m.exec(output);
  // With hundreds of clients on a slow machine, connecting (SCRAM) can outlast a short -T.
  if (!tps && processed?.[1] === '0') return { tps: null, latencyMeanMs: null, transactions: 0 };
  if (!tps) throw new Error(`pgbench: no tps line in ${output.slice(-400)}`);
  return {
    tps: Number(tps[1]),
    latencyMeanMs: latency ? Number(latency[1]) : null,
    transactions: processed ? Number(processed[1]) : 0,
  };
}

async function runPgbench(
  pg: PostgresServer,
  options: { clients: number[]; scale: number; seconds: number },
): Promise<{ binary: string; scale: number; initSeconds: number; runs: PgbenchRun[] } | null> {
  const binary = findPgbench();
  if (!binary) {
    process.stderr.write('hq-scale-bench: pgbench not found (Debian: the postgresql package); no limit measured\n');
    return null;
  }
  const database = 'pgbench_limit';
  await pg.createDatabase(database);
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, LC_ALL: 'C', PGPASSWORD: pg.password };
  const connection = ['-h', pg.host, '-p', String(pg.port), '-U', pg.user];
  process.stderr.write(`hq-scale-bench: pgbench -i -s ${options.scale}…\n`);
  const started = performance.now();
  // Data generated server-side (G): much faster than sending every row from the client.
  await runCommand(binary, ['-i', '-I', 'dtGvp', '-s', String(options.scale), ...connection, database], env);
  const initSeconds = (performance.now() - started) / 1000;
  const runs: PgbenchRun[] = [];
  for (const clients of options.clients) {
    for (const script of ['tpcb-like', 'simple-update'] as const) {
      process.stderr.write(`hq-scale-bench: pgbench -b ${script} -c ${clients} -j 2 -T ${options.seconds}…\n`);
      const output = await runCommand(
        binary,
        ['-b', script, '-c', String(clients), '-j', '2', '-T', String(options.seconds), ...connection, database],
        env,
      );
      runs.push({ script, clients, ...parsePgbench(output) });
    }
  }
  return { binary, scale: options.scale, initSeconds: round(initSeconds, 1), runs };
}

// ---------------------------------------------------------------------------------------------
// The scenarios

interface Scenario {
  processes: number;
  tills: number;
  ops: number;
  requests: number;
  seconds: number;
  opsPerSecond: number;
  requestMs: JobResult['requestMs'];
  outcomes: JobResult['outcomes'];
  rejectReasons: Record<string, number>;
  cpu: { hqProcessesSeconds: number | null; tillsSeconds: number; machineBusy: number | null };
}

async function main() {
  const { values } = parseArgs({
    options: {
      tills: { type: 'string', default: '50,200,500' },
      processes: { type: 'string', default: '1,2,4' },
      seconds: { type: 'string', default: '10' },
      'batch-size': { type: 'string', default: '50' },
      'ops-budget': { type: 'string', default: '120000' },
      'seed-members': { type: 'string', default: '20000' },
      stores: { type: 'string', default: '10' },
      'pgbench-scale': { type: 'string', default: '50' },
      'pgbench-seconds': { type: 'string', default: '10' },
      pool: { type: 'string' },
      json: { type: 'string' },
    },
  });
  const list = (text: string) => text.split(',').map(Number);
  const tillCounts = list(values.tills);
  const processCounts = list(values.processes);
  const seconds = Number(values.seconds);
  const batchSize = Number(values['batch-size']);
  const opsBudget = Number(values['ops-budget']);
  const seed = Number(values['seed-members']);
  for (const n of [...tillCounts, ...processCounts, seconds, batchSize, opsBudget, seed])
    if (!Number.isInteger(n) || n < 1) throw new Error('hq-scale-bench: every count must be a whole number ≥ 1');
  if (!existsSync(HQ_SCRIPT)) throw new Error(`hq-scale-bench: ${HQ_SCRIPT} is missing: npm run build:hq`);

  const dir = mkdtempSync(join(tmpdir(), 'loyalty-hq-scale-'));
  const pool = values.pool === undefined ? null : Number(values.pool);
  if (pool !== null && (!Number.isInteger(pool) || pool < 1)) throw new Error('hq-scale-bench: --pool is ≥ 1');
  // The HQ processes and pgbench never run together; 20 to spare for the bench's own connections.
  const maxConnections =
    Math.max(Math.max(...tillCounts), Math.max(...processCounts) * ((pool ?? DEFAULT_POOL) + 1)) + 20;
  const pg = await startPostgres({
    database: 'loyalty_hq_scale',
    durable: true,
    settings: { max_connections: String(maxConnections) },
  });
  let db: HqDatabase | null = null;
  let pairing: Awaited<ReturnType<typeof buildHqServer>> | null = null;
  const running: HqProcess[] = [];
  const started = Date.now();
  try {
    db = await openPostgresDatabase(pg.url);
    await migrate(db);
    process.stderr.write(`hq-scale-bench: seeding ${seed.toLocaleString('en')} members…\n`);
    await seedMembers(db, seed);
    const stores: string[] = [];
    for (let s = 0; s < Number(values.stores); s++)
      stores.push((await createStore({ db }, `Scale store ${s + 1}`)).storeId);
    // HQ recomputes earns and redemptions from the stores' rules and catalogue: without them it refuses both.
    await loadCatalog({ db }, demoCatalog);

    const hqDir = join(dir, 'hq');
    const tls = await loadOrCreateTls({ dataDir: hqDir });
    const benchMaster = randomBytes(32);
    const keys = await openDataKeys(db, masterKeyWrapper({ id: 'bench', key: () => Buffer.from(benchMaster) }));
    pairing = buildHqServer({ db, keys, tls, pairRateLimit: { max: 1_000_000, windowMs: 60_000 } });
    await pairing.listen({ host: '127.0.0.1', port: 0 });
    const pairAddress = pairing.server.address();
    const pairUrl = `https://127.0.0.1:${typeof pairAddress === 'object' && pairAddress ? pairAddress.port : 0}`;
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DATABASE_URL: pg.url,
      // The same master key as the pairing server above: the data keys are wrapped by it.
      LOYALTY_HQ_MASTER_KEY: benchMaster.toString('hex'),
      HQ_LOG_LEVEL: 'warn',
      ...(pool !== null ? { HQ_DB_POOL_MAX: String(pool) } : {}),
    };

    const scenarios: Scenario[] = [];
    let deviceIndex = 0;
    const script = fileURLToPath(import.meta.url);
    for (const processes of processCounts) {
      process.stderr.write(`hq-scale-bench: starting ${processes} HQ process(es)…\n`);
      // One first (it may create what is missing in the folder), then the others together.
      running.push(await startHqProcess(hqDir, env));
      running.push(...(await Promise.all(Array.from({ length: processes - 1 }, () => startHqProcess(hqDir, env)))));
      for (const tills of tillCounts) {
        const devices: Job['devices'] = [];
        for (let d = 0; d < tills; d++) {
          const { pairingCode } = await issuePairingCode({ db }, stores[d % stores.length]!);
          deviceIndex += 1;
          devices.push({ index: deviceIndex, name: `Scale till ${deviceIndex}`, pairingCode });
        }
        const opsPerDevice = batchSize * Math.max(2, Math.ceil(opsBudget / (tills * batchSize)));
        process.stderr.write(
          `hq-scale-bench: ${tills} tills → ${processes} HQ process(es), ${seconds} s (at most ${opsPerDevice} ops each)…\n`,
        );
        let cpu0: (number | null)[] = [];
        let ticks0 = machineTicks();
        const result = await runDevices(
          script,
          {
            label: `${tills} tills, ${processes} processes`,
            url: pairUrl,
            pushUrls: running.map((hq) => hq.url),
            durationSeconds: seconds,
            cert: tls.cert,
            fingerprint256: tls.fingerprint256,
            devices,
            opsPerDevice,
            batchSize,
            seedMembers: seed,
          },
          async () => {
            cpu0 = running.map((hq) => hq.cpuSeconds());
            ticks0 = machineTicks();
          },
        );
        const cpu1 = running.map((hq) => hq.cpuSeconds());
        const ticks1 = machineTicks();
        const hqCpu = cpu1.every((c, i) => c !== null && cpu0[i] !== null && cpu0[i] !== undefined)
          ? round(cpu1.reduce<number>((sum, c, i) => sum + (c ?? 0) - (cpu0[i] ?? 0), 0))
          : null;
        scenarios.push({
          processes,
          tills,
          ops: result.ops,
          requests: result.requests,
          seconds: result.seconds,
          opsPerSecond: result.opsPerSecond,
          requestMs: result.requestMs,
          outcomes: result.outcomes,
          rejectReasons: result.rejectReasons,
          cpu: {
            hqProcessesSeconds: hqCpu,
            tillsSeconds: result.tillsCpuSeconds,
            machineBusy:
              ticks0 && ticks1 ? round((ticks1.busy - ticks0.busy) / Math.max(1, ticks1.total - ticks0.total)) : null,
          },
        });
      }
      await Promise.all(running.splice(0).map((hq) => hq.stop()));
    }
    await pairing.close();
    pairing = null;
    await db.close();
    db = null;

    // HQ's figures are kept (and the table says NOT RUN for the limit) if pgbench fails.
    const pgbench = await runPgbench(pg, {
      clients: tillCounts,
      scale: Number(values['pgbench-scale']),
      seconds: Number(values['pgbench-seconds']),
    }).catch((error: unknown) => {
      process.stderr.write(
        `hq-scale-bench: pgbench failed: ${error instanceof Error ? error.message : String(error)}\n`,
      );
      return null;
    });

    const fmt = (x: number) => x.toLocaleString('en', { maximumFractionDigits: 2 });
    console.log(
      `\nHQ push scale-out: real HQ processes (packages/hq/dist/hq.js) on one durable PostgreSQL, pinned HTTPS on 127.0.0.1, tills in one separate process, ${cpus().length} CPUs, Node ${process.version}; ${batchSize}-op batches, ${seconds} s per scenario`,
    );
    console.log(
      '| tills | HQ processes | ops | ops/s | request p50 / p95 / p99 ms | applied / rejected | CPU s: HQ · tills · machine busy |',
    );
    console.log('|---|---|---|---|---|---|---|');
    for (const s of scenarios) {
      console.log(
        `| ${s.tills} | ${s.processes} | ${s.ops.toLocaleString('en')} | ${s.opsPerSecond.toLocaleString('en')} | ${fmt(s.requestMs.p50)} / ${fmt(s.requestMs.p95)} / ${fmt(s.requestMs.p99)} | ${s.outcomes.applied.toLocaleString('en')} / ${s.outcomes.rejected} | ${s.cpu.hqProcessesSeconds ?? '?'} · ${s.cpu.tillsSeconds} · ${s.cpu.machineBusy === null ? '?' : `${Math.round(s.cpu.machineBusy * 100)} %`} |`,
      );
    }
    if (pgbench) {
      console.log(
        `\npgbench on the same server (${pgbench.binary}, scale ${pgbench.scale}, initialised in ${pgbench.initSeconds} s; -j 2, ${values['pgbench-seconds']} s each):`,
      );
      console.log('| clients | script | TPS | latency mean ms |');
      console.log('|---|---|---|---|');
      for (const r of pgbench.runs)
        console.log(
          `| ${r.clients} | ${r.script} | ${r.tps === null ? 'none completed (still connecting)' : fmt(Math.round(r.tps))} | ${r.latencyMeanMs ?? '?'} |`,
        );
    }
    console.log('\ntargets (DESIGN §8): HQ push grows with processes and reaches ≥ 50 % of pgbench TPC-B-like TPS:');
    for (const tills of tillCounts) {
      const mine = scenarios.filter((s) => s.tills === tills).sort((a, b) => a.processes - b.processes);
      const growth = mine
        .slice(1)
        .map((s, i) => `${s.processes}÷${mine[i]!.processes} ${(s.opsPerSecond / mine[i]!.opsPerSecond).toFixed(2)}×`);
      const best = Math.max(...mine.map((s) => s.opsPerSecond));
      const limit = pgbench?.runs.find((r) => r.clients === tills && r.script === 'tpcb-like')?.tps ?? undefined;
      const grows = mine.slice(1).every((s, i) => s.opsPerSecond > mine[i]!.opsPerSecond);
      console.log(
        `  ${tills} tills: ${growth.join(', ') || 'one process count only'} ${mine.length > 1 ? (grows ? 'PASS' : 'FAIL') : ''}; best ${best.toLocaleString('en')} ops/s ÷ pgbench ${limit === undefined ? 'not run' : `${Math.round(limit).toLocaleString('en')} TPS = ${(best / limit).toFixed(2)}× (≥ 0.50×) ${best / limit >= 0.5 ? 'PASS' : 'FAIL'}`}`,
      );
    }
    const report = {
      machine: { cpus: cpus().length, node: process.version },
      method: {
        hq: 'packages/hq/dist/hq.js processes, DATABASE_URL, shared data folder and master key, HQ_LOG_LEVEL=warn',
        tills:
          'one separate process, keep-alive pinned HTTPS, till i → process i mod N, one request at a time per till',
        seconds,
        batchSize,
        opsBudget,
        seedMembers: seed,
        maxConnections,
        poolPerProcess: pool ?? `HQ default (${DEFAULT_POOL})`,
      },
      scenarios,
      pgbench,
      benchSeconds: round((Date.now() - started) / 1000, 1),
    };
    if (values.json) writeFileSync(values.json, JSON.stringify(report, null, 2));
    console.log(JSON.stringify(report));
  } finally {
    await Promise.all(running.map((hq) => hq.stop()));
    await pairing?.close();
    await db?.close();
    await pg.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv.includes(DEVICES_FLAG)) devicesProcess();
else
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
