/**
 * npm run bench -- --only snapshot — a till's first snapshot, end to end (issue 5, DESIGN §8):
 * a real HQ over pinned HTTPS on a durable PostgreSQL the bench starts, holding N members; a paired
 * till (encrypted SQLCipher cache, its sync worker thread) pulls them all page by page, each page
 * and its cursor in one local transaction. Meanwhile the counter, on the main thread's own
 * connection, keeps looking members up by card and by phone, and every 25th time records an earn
 * for the member the card found (the app's own counter services: ledger row, audit entry and outbox
 * op in one durable commit): the latency a cashier sees during the pull.
 *
 *   npm run bench -- --only snapshot [--members 1000000] [--lookups-every-ms 2] [--json FILE]
 *
 * The database key is random and in memory (this measures sync and the database, not the secret
 * store). Prints a table and, last, one JSON line.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import counter from '../resources/demo/counter.json';
import catalog from '../resources/demo/hq-catalog.json';
import { createStore, issuePairingCode, loadCatalog } from '../packages/hq/src/admin';
import { migrate } from '../packages/hq/src/db/migrations';
import { openPostgresDatabase } from '../packages/hq/src/db/postgres';
import { insertSyntheticMembers } from '../packages/hq/src/demo/seed-demo-hq';
import { buildHqServer } from '../packages/hq/src/server';
import { loadOrCreateTls } from '../packages/hq/src/tls';
import { createCounterServices } from '../src/main/app/create-counter-services';
import { createAuditLog } from '../src/main/audit/audit-log';
import { openDeviceDatabase } from '../src/main/db/open-device-database';
import { counterWriteGate, createWriteGateBuffer } from '../src/main/db/write-gate';
import { hqTokenAccount } from '../src/main/keychain/device-secrets';
import { createFindMembers } from '../src/main/members/find';
import { pairTill } from '../src/main/sync/pair-till';
import { startSyncWorker } from '../src/main/sync/worker/worker-client';
import { withCheckDigit } from '../src/shared/members/card-number';
import { EarnRules } from '../src/shared/points/rules';
import { startPostgres } from '../tests/support/postgres';
import { makeTempDir } from '../tests/support/temp-dir';
import { memoryKeychain } from './memory-keychain';
import { openDataKeys } from '../packages/hq/src/keys/data-keys';
import { masterKeyWrapper } from '../packages/hq/src/keys/key-wrapper';

/** Bytes this process has had written to storage (Linux): the till's WAL, checkpoints and file; HQ's are PostgreSQL's. */
const writtenBytes = (): number | null => {
  if (!existsSync('/proc/self/io')) return null;
  const line = /^write_bytes: (\d+)$/m.exec(readFileSync('/proc/self/io', 'utf8'));
  return line ? Number(line[1]) : null;
};

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
const ms = (n: number) => (n < 1 ? n.toFixed(3) : n < 10 ? n.toFixed(2) : n.toFixed(1));

async function main() {
  const { values } = parseArgs({
    options: {
      members: { type: 'string', default: '1000000' },
      'lookups-every-ms': { type: 'string', default: '2' },
      json: { type: 'string' },
    },
  });
  const members = Number(values.members);
  const every = Number(values['lookups-every-ms']);
  const dir = makeTempDir('loyalty-snapshot-bench-');
  const pg = await startPostgres({ durable: true });
  const db = await openPostgresDatabase(pg.url);
  let worker: Awaited<ReturnType<typeof startSyncWorker>> | null = null;
  try {
    await migrate(db);
    const now = () => new Date();
    const { storeId } = await createStore({ db, now }, 'Bench Street');
    await loadCatalog({ db, now }, catalog);
    const benchMaster = randomBytes(32);
    const keys = await openDataKeys(db, masterKeyWrapper({ id: 'bench', key: () => Buffer.from(benchMaster) }));
    let t = performance.now();
    await insertSyntheticMembers(db, { storeId, from: 0, count: members, now: now(), batch: 10_000, keys });
    const seedSeconds = (performance.now() - t) / 1000;
    const tls = await loadOrCreateTls({ dataDir: join(dir.path, 'hq') });
    const app = buildHqServer({ db, keys, tls });
    // Where the time goes (per phase): how long HQ takes to answer each pull page, from its request
    // arriving to its answer sent (reading, opening, hashing, validating and serialising the page).
    const hqPullMs: number[] = [];
    app.addHook('onResponse', async (request, reply) => {
      if (request.url === '/v1/pull') hqPullMs.push(reply.elapsedTime);
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    const url = `https://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;

    const keychain = memoryKeychain();
    let device = await openDeviceDatabase({ dataDir: join(dir.path, 'till'), keychain });
    const audit = createAuditLog({ db: device.db, key: device.secrets.auditKey, now });
    const { pairingCode } = await issuePairingCode({ db, now }, storeId);
    await pairTill(
      { db: device.db, keychain, installId: device.installId, audit, now },
      { hqUrl: url, pairingCode, deviceName: 'Bench till', certSha256: tls.fingerprint256 },
      null,
    );
    device.close();
    device = await openDeviceDatabase({ dataDir: join(dir.path, 'till'), keychain });
    const find = createFindMembers({ db: device.db, lookupKey: device.secrets.lookupKey, storeRegion: () => 'GB' });
    // The counter's services over the main connection, as the app composes them (build-app-services.ts):
    // their writes hold the write gate the sync worker shares, so they go before its next part.
    const gate = counterWriteGate(createWriteGateBuffer());
    // An earn's time split: waiting at the gate for the worker's part, then its own transaction.
    const gateWaits: number[] = [];
    const writeGate: typeof gate = {
      buffer: gate.buffer,
      hold(write) {
        const s = performance.now();
        return gate.hold(() => {
          gateWaits.push(performance.now() - s);
          return write();
        });
      },
    };
    const counterServices = createCounterServices({
      writeGate,
      db: device.db,
      audit: createAuditLog({ db: device.db, key: device.secrets.auditKey, now }),
      lookupKey: device.secrets.lookupKey,
      storeRegion: () => 'GB',
      language: () => 'en',
      now,
      adjustLimit: () => null,
    });
    counterServices.rules.set(EarnRules.parse(counter.earnRules));
    const token = (await keychain.get(hqTokenAccount(device.installId))) ?? '';
    const workerPath = fileURLToPath(new URL('./sync-worker.js', import.meta.url));
    worker = await startSyncWorker(workerPath, {
      dbPath: device.path,
      databaseKey: device.secrets.databaseKey,
      cipher: device.cipher,
      ...(writeGate.buffer ? { writeGate: writeGate.buffer } : {}),
    });
    // As sync-service.ts does while its worker runs: the worker checkpoints, not the counter's writes.
    device.db.pragma('wal_autocheckpoint = 0');
    let pulled = 0;
    worker.onEvent((event) => {
      if (event.type === 'sync.progress' && event.phase === 'pull') pulled = event.done;
    });
    worker.send({
      type: 'sync.start',
      endpoint: { url, certSha256: tls.fingerprint256 },
      token,
      lookupKey: device.secrets.lookupKey,
      // One run: the bench asks for it below and measures it.
      intervalMs: 3_600_000,
      baseBackoffMs: 1_000,
      maxBackoffMs: 1_000,
    });
    // The loop's first run starts at once; "Sync now" waits for it and then finds nothing left.
    t = performance.now();
    const writtenBefore = writtenBytes();
    const lookups: number[] = [];
    const phoneLookups: number[] = [];
    const earns: number[] = [];
    let done = false;
    const run = worker.request({ type: 'sync.now', jobId: randomUUID() }).finally(() => (done = true));
    let n = 0;
    let earnDue = false;
    while (!done) {
      const i = (n++ * 7919) % members;
      const card = withCheckDigit(`6006${String(i).padStart(8, '0')}`);
      let s = performance.now();
      const found = find(card).members[0];
      lookups.push(performance.now() - s);
      // HQ's synthetic members: every third has no phone (seed-demo-hq.ts insertSyntheticMembers).
      s = performance.now();
      find(`+4473${String(i).padStart(8, '0')}`);
      phoneLookups.push(performance.now() - s);
      // Every 25th turn an earn, on the next card found (the member may not have arrived yet).
      if (n % 25 === 0) earnDue = true;
      if (earnDue && found) {
        earnDue = false;
        s = performance.now();
        counterServices.earn({ memberId: found.id, amountMinor: 1_234, reference: `SNAP-${n}` }, 'bench');
        earns.push(performance.now() - s);
      }
      await new Promise((resolve) => setTimeout(resolve, every));
    }
    await run;
    const seconds = (performance.now() - t) / 1000;
    const writtenAfter = writtenBytes();
    // The WAL file keeps its largest size until the connections close: how far it grew.
    const walMiB = existsSync(`${device.path}-wal`) ? Math.round(statSync(`${device.path}-wal`).size / 2 ** 20) : 0;
    const count = (device.db.prepare('SELECT count(*) AS n FROM members').get() as { n: number }).n;
    if (count !== members) throw new Error(`snapshot-bench: the till holds ${count} members, HQ ${members}`);
    lookups.sort((a, b) => a - b);
    phoneLookups.sort((a, b) => a - b);
    earns.sort((a, b) => a - b);
    gateWaits.sort((a, b) => a - b);
    hqPullMs.sort((a, b) => a - b);
    const p = (xs: number[]) => ({ p50: percentile(xs, 50), p95: percentile(xs, 95), p99: percentile(xs, 99) });
    const result = {
      members,
      seedSecondsAtHq: Math.round(seedSeconds * 10) / 10,
      pullSeconds: Math.round(seconds * 10) / 10,
      membersPerSecond: Math.round(members / seconds),
      lookupsDuringPull: lookups.length,
      lookupMs: p(lookups),
      phoneLookupMs: p(phoneLookups),
      earnsDuringPull: earns.length,
      earnMs: { ...p(earns), max: earns.at(-1) ?? NaN },
      // Every gated counter write of the run (an earn holds the gate more than once).
      earnGateWaitMs: { ...p(gateWaits), max: gateWaits.at(-1) ?? NaN },
      hqPullPages: hqPullMs.length,
      hqPullPageMs: { ...p(hqPullMs), max: hqPullMs.at(-1) ?? NaN },
      tillWrittenMiB:
        writtenBefore === null || writtenAfter === null ? null : Math.round((writtenAfter - writtenBefore) / 2 ** 20),
      walMiB,
      hqPullSeconds: Math.round(hqPullMs.reduce((a, b) => a + b, 0) / 100) / 10,
      lastProgress: pulled,
      cpus: cpus().length,
    };
    console.log(
      `\nSnapshot pull, end to end: HQ on PostgreSQL (durable) over pinned HTTPS → the till's sync worker → encrypted cache, ${cpus().length} CPUs`,
    );
    const cell = (x: { p50: number; p95: number; p99: number }) => `${ms(x.p50)} / ${ms(x.p95)} / ${ms(x.p99)}`;
    console.log(
      '| members | seconds | members/s | card lookups during the pull | card p50 / p95 / p99 ms | phone p50 / p95 / p99 ms | earns | earn p50 / p95 / p99 ms |',
    );
    console.log('|---|---|---|---|---|---|---|---|');
    console.log(
      `| ${members.toLocaleString('en')} | ${result.pullSeconds} | ${result.membersPerSecond.toLocaleString('en')} | ${lookups.length.toLocaleString('en')} | ${cell(result.lookupMs)} | ${cell(result.phoneLookupMs)} | ${earns.length} | ${cell(result.earnMs)} |`,
    );
    console.log(
      `targets (DESIGN §8): counter earn p95 while a snapshot ingests ≤ 10 ms: ${result.earnMs.p95 <= 10 ? 'PASS' : 'FAIL'}; lookup p95 while a snapshot ingests ≤ 5 ms: ${result.lookupMs.p95 <= 5 ? 'PASS' : 'FAIL'}; snapshot end to end ≥ 25,000 members/s (HQ, HTTPS, JSON and the till's ingest): ${result.membersPerSecond >= 25_000 ? 'PASS' : 'FAIL'}`,
    );
    console.log(
      `phases: HQ answered ${result.hqPullPages} pull pages in ${result.hqPullSeconds} s in all (per page p50 / p95 / p99 ${cell(result.hqPullPageMs)} ms); counter writes waited at the gate p50 / p95 / p99 ${cell(result.earnGateWaitMs)} ms; the till wrote ${result.tillWrittenMiB ?? '?'} MiB to storage, its WAL grew to ${walMiB} MiB`,
    );
    console.log(JSON.stringify({ snapshot: result }));
    if (values.json) writeFileSync(values.json, JSON.stringify(result, null, 2));
    await worker.stop();
    worker = null;
    device.close();
    await app.close();
  } finally {
    await worker?.stop();
    await db.close();
    await pg.stop();
    rmSync(dir.path, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`snapshot-bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
