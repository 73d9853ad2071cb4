/**
 * npm run bench -- --only hq — the HQ push figures of DESIGN §8, measured on this machine against the
 * real HQ server (buildHqServer, Fastify over HTTPS on 127.0.0.1, its self-signed certificate from
 * loadOrCreateTls, pinned by SHA-256 fingerprint) on a PostgreSQL server this bench starts itself
 * (tests/support/postgres.ts, with PostgreSQL's durability defaults: fsync, synchronous_commit and
 * full_page_writes on) and on file-backed PGlite (HQ's zero-setup default) for comparison.
 *
 *   node bench/dist/hq-bench.js [--backends postgres,pglite] [--day-end-ops 10000] [--devices 50] [--stores 10]
 *     [--batches 10] [--batch-size 50] [--seed-members 20000] [--pg-pool N] [--json FILE]
 *
 * (a) day end: one paired till pushes a day of ops (enrolments with their three consents, consent
 *     changes, earns, redeems; payloads valid per src/shared/sync/ops.ts) in batches of MAX_PUSH_OPS,
 *     one request after the other, as the sync worker sends them. Target ≤ 10 s for 10,000 ops on
 *     PostgreSQL.
 * (b) fleet: `--devices` tills (each paired with its own pairing code over POST /v1/pair, `--stores`
 *     stores) push at once, each `--batches` batches of `--batch-size` ops, one request at a time
 *     per till. Total ops/s and per-request latency percentiles.
 *
 * The tills run in a child process (this same file, forked with --devices-process) so the client's
 * TLS and JSON work does not share HQ's event loop; HQ and the database run here. The HQ database is
 * seeded first with `--seed-members` members (not timed) so earns, redeems and consent changes land
 * on members HQ already holds, as they mostly do in a store.
 *
 * Where the time goes: HQ's database handle is wrapped (a few clock reads per statement) to split
 * each op's transaction into waiting for a connection + BEGIN, statements, JavaScript between them,
 * and COMMIT (which includes the WAL flush); on PostgreSQL, pg_stat_wal (with track_wal_io_timing on)
 * counts the WAL fsyncs and their time. `--no-profile` leaves the handle unwrapped.
 *
 * Prints a table, the profile, the §8 target with PASS/FAIL and, last, one JSON line.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request as httpsRequest } from 'node:https';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkServerIdentity, type PeerCertificate } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import demoCatalog from '../resources/demo/hq-catalog.json';
import { createStore, issuePairingCode, loadCatalog } from '../packages/hq/src/admin';
import type { HqDatabase, Queryable } from '../packages/hq/src/db/database';
import { migrate } from '../packages/hq/src/db/migrations';
import { openPostgresDatabase } from '../packages/hq/src/db/postgres';
import { openHqDatabase } from '../packages/hq/src/open-database';
import { buildHqServer, type HqServer } from '../packages/hq/src/server';
import { loadOrCreateTls } from '../packages/hq/src/tls';
import { FAMILY_STEMS, GIVEN, cardAt, memberIdAt } from '../src/main/demo/synthetic-members';
import { uuidv7 } from '../src/main/ids/uuidv7';
import { CURRENT_NOTICE_VERSION } from '../src/main/privacy/notices';
import { withCheckDigit } from '../src/shared/members/card-number';
import {
  HQ_ROUTES,
  MAX_PUSH_OPS,
  PairResponse,
  PushOp,
  PushResponse,
  type CardBlock,
  type PushRequest,
} from '../src/shared/sync/protocol';
import type { OpType } from '../src/shared/sync/ops';
import { startPostgres, type PostgresServer } from '../tests/support/postgres';
import { percentile } from './timing';

type Backend = 'postgres' | 'pglite';
type WireOp = PushRequest['ops'][number];

const DAY_END_TARGET_SECONDS = 10;
const DEVICES_FLAG = '--devices-process';

// ---------------------------------------------------------------------------------------------
// Shared by both processes

const round = (x: number, digits = 2) => Number(x.toFixed(digits));

function rng(seed: number) {
  let s = seed >>> 0;
  return () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}

/** What the HQ process asks the tills process to do. */
interface Job {
  label: string;
  url: string;
  cert: string;
  fingerprint256: string;
  devices: { index: number; name: string; pairingCode: string }[];
  opsPerDevice: number;
  batchSize: number;
  /** Members HQ was seeded with (memberIdAt(0 … n-1)). */
  seedMembers: number;
}

interface JobResult {
  label: string;
  devices: number;
  ops: number;
  requests: number;
  seconds: number;
  opsPerSecond: number;
  /** Client-side, request written → response read, every push request of the job. */
  requestMs: { p50: number; p95: number; p99: number; max: number; mean: number };
  requestBodyKiB: number;
  outcomes: { applied: number; duplicate: number; rejected: number };
  rejectReasons: Record<string, number>;
  opTypes: Partial<Record<OpType, number>>;
  pairing: { devices: number; seconds: number };
  /** CPU time (user + system) of the tills process while it pushed. */
  tillsCpuSeconds: number;
}

type ToDevices = { type: 'job'; job: Job } | { type: 'go' };
type FromDevices = { type: 'ready' } | { type: 'done'; result: JobResult } | { type: 'error'; message: string };

// ---------------------------------------------------------------------------------------------
// The tills (child process): pairing, a day of ops per till, pushes over one keep-alive agent

const REWARDS = [
  { id: 'coffee', cost: 150 },
  { id: 'voucher-5', cost: 500 },
  { id: 'tote-bag', cost: 800 },
  { id: 'voucher-20', cost: 2000 },
] as const;

/**
 * A till's day: `count` ops in seq order from 08:00 to 18:00 (UTC). Per counter event: 6 %
 * enrolments (member.enrolled and the three consent.changed answers the app records with it), 4 %
 * marketing consent changes, 12 % redemptions, 78 % earns — by op count about 5 % enrolments, 20 %
 * consents, 65 % earns and 10 % redeems. Most events are for members HQ already holds (the seed);
 * a fifth of earns are for members this till enrolled earlier in the day.
 */
function dayOfOps(device: { index: number; cardBlock: CardBlock }, count: number, seedMembers: number): WireOp[] {
  const random = rng(1000 + device.index);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const ops: WireOp[] = [];
  const enrolled: string[] = [];
  const dayStart = Date.parse('2026-03-02T08:00:00.000Z');
  let card = device.cardBlock.next;
  let receipt = 0;
  const staffId = `staff-${device.index % 7}`;
  const seedMember = () => memberIdAt(Math.floor(random() * seedMembers));
  const push = (type: OpType, payload: Record<string, unknown>, atMs: number) => {
    const at = new Date(atMs).toISOString();
    const op = { seq: ops.length + 1, opId: uuidv7(atMs), type, staffId, deviceTime: at, payload };
    ops.push(PushOp.parse(op) as WireOp); // every op the bench sends is valid for its type
  };
  const ledger = (memberId: string, at: string, fields: Record<string, unknown>) => ({
    memberId,
    at,
    reference: null,
    amountMinor: null,
    currency: null,
    rewardId: null,
    reasonCode: null,
    approvedBy: null,
    approvalId: null,
    reversesOpId: null,
    rulesVersion: null,
    ...fields,
  });
  while (ops.length < count) {
    const atMs = dayStart + Math.floor((ops.length / count) * 10 * 3600 * 1000);
    const at = new Date(atMs).toISOString();
    const roll = random();
    if (roll < 0.06 && count - ops.length >= 4 && card <= device.cardBlock.last) {
      const memberId = uuidv7(atMs);
      const n = device.index * 1_000_000 + card;
      const cardNumber = withCheckDigit(
        `${device.cardBlock.prefix}${String(card++).padStart(device.cardBlock.width, '0')}`,
      );
      push(
        'member.enrolled',
        {
          memberId,
          cardNumber,
          givenName: pick(GIVEN),
          familyName: pick(FAMILY_STEMS),
          phone: random() < 0.7 ? `+4474${String(n % 1e8).padStart(8, '0')}` : null,
          email: random() < 0.5 ? `bench${n}@example.com` : null,
          birthDate: random() < 0.3 ? '1990-05-17' : null,
          enrolledAt: at,
        },
        atMs,
      );
      for (const purpose of ['terms', 'marketing_email', 'marketing_sms'] as const) {
        push(
          'consent.changed',
          {
            memberId,
            purpose,
            granted: purpose === 'terms' || random() < 0.3,
            noticeVersion: CURRENT_NOTICE_VERSION,
            noticeLanguage: 'en',
            channel: 'counter',
            at,
          },
          atMs,
        );
      }
      enrolled.push(memberId);
    } else if (roll < 0.1) {
      push(
        'consent.changed',
        {
          memberId: seedMember(),
          purpose: random() < 0.5 ? 'marketing_email' : 'marketing_sms',
          granted: random() < 0.5,
          noticeVersion: CURRENT_NOTICE_VERSION,
          noticeLanguage: 'en',
          channel: 'counter',
          at,
        },
        atMs,
      );
    } else if (roll < 0.22) {
      const reward = pick(REWARDS);
      push(
        'points.redeemed',
        ledger(seedMember(), at, { kind: 'redeem', points: -reward.cost, rewardId: reward.id }),
        atMs,
      );
    } else {
      const amountMinor = 100 + Math.floor(random() * 12_000);
      const memberId = enrolled.length > 0 && random() < 0.2 ? pick(enrolled) : seedMember();
      push(
        'points.earned',
        ledger(memberId, at, {
          kind: 'earn',
          points: Math.max(1, Math.floor(amountMinor / 100)),
          reference: `R${device.index}-${++receipt}`,
          amountMinor,
          currency: 'GBP',
          rulesVersion: 1,
        }),
        atMs,
      );
    }
  }
  return ops;
}

function pinnedAgent(job: Job, sockets: number): Agent {
  return new Agent({
    keepAlive: true,
    maxSockets: sockets,
    maxFreeSockets: sockets,
    ca: job.cert,
    // Normal chain and name checks against HQ's own certificate, and its fingerprint pinned on top.
    checkServerIdentity: (host: string, cert: PeerCertificate) =>
      checkServerIdentity(host, cert) ??
      (cert.fingerprint256 === job.fingerprint256 ? undefined : new Error('HQ certificate fingerprint mismatch')),
  });
}

function post(
  agent: Agent,
  url: string,
  path: string,
  body: string,
  token?: string,
): Promise<{ status: number; text: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(body)),
    };
    if (token !== undefined) headers.authorization = `Bearer ${token}`;
    const start = process.hrtime.bigint();
    const req = httpsRequest(new URL(path, url), { method: 'POST', agent, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          text: Buffer.concat(chunks).toString('utf8'),
          ms: Number(process.hrtime.bigint() - start) / 1e6,
        }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function runJob(job: Job, go: Promise<void>, ready: () => void): Promise<JobResult> {
  const agent = pinnedAgent(job, Math.max(1, job.devices.length));
  try {
    // Pairing (not part of the push figures): each till with its own one-time code.
    const pairStart = process.hrtime.bigint();
    const paired = await Promise.all(
      job.devices.map(async (device) => {
        const response = await post(
          agent,
          job.url,
          HQ_ROUTES.pair,
          JSON.stringify({ pairingCode: device.pairingCode, deviceName: device.name }),
        );
        if (response.status !== 200) throw new Error(`pairing ${device.name}: ${response.status} ${response.text}`);
        return { ...device, pair: PairResponse.parse(JSON.parse(response.text)) };
      }),
    );
    const pairSeconds = Number(process.hrtime.bigint() - pairStart) / 1e9;

    // Each till's outbox, already serialized as its batches (the till reads them from its database).
    const opTypes: Partial<Record<OpType, number>> = {};
    let bodyBytes = 0;
    const tills = paired.map((device) => {
      const ops = dayOfOps(
        { index: device.index, cardBlock: device.pair.cardBlock },
        job.opsPerDevice,
        job.seedMembers,
      );
      for (const op of ops) opTypes[op.type] = (opTypes[op.type] ?? 0) + 1;
      const batches: { body: string; lastSeq: number; size: number }[] = [];
      for (let i = 0; i < ops.length; i += job.batchSize) {
        const batch = ops.slice(i, i + job.batchSize);
        const body = JSON.stringify({ ops: batch });
        bodyBytes += Buffer.byteLength(body);
        batches.push({ body, lastSeq: batch.at(-1)!.seq, size: batch.length });
      }
      return { token: device.pair.deviceToken, batches };
    });

    ready();
    await go;

    const latencies: number[] = [];
    const outcomes = { applied: 0, duplicate: 0, rejected: 0 };
    const rejectReasons: Record<string, number> = {};
    const cpu = process.cpuUsage();
    const start = process.hrtime.bigint();
    await Promise.all(
      tills.map(async (till) => {
        for (const batch of till.batches) {
          const response = await post(agent, job.url, HQ_ROUTES.push, batch.body, till.token);
          latencies.push(response.ms);
          if (response.status !== 200) throw new Error(`push: ${response.status} ${response.text.slice(0, 300)}`);
          const result = PushResponse.parse(JSON.parse(response.text));
          if (result.gapAt !== undefined || result.lastSeq !== batch.lastSeq || result.outcomes.length !== batch.size)
            throw new Error(`push: HQ settled up to ${result.lastSeq}, expected ${batch.lastSeq}`);
          for (const outcome of result.outcomes) {
            outcomes[outcome.outcome] += 1;
            if (outcome.reason) rejectReasons[outcome.reason] = (rejectReasons[outcome.reason] ?? 0) + 1;
          }
        }
      }),
    );
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const cpuUsed = process.cpuUsage(cpu);
    const ops = tills.reduce((n, till) => n + till.batches.reduce((m, b) => m + b.size, 0), 0);
    const sorted = [...latencies].sort((a, b) => a - b);
    return {
      label: job.label,
      devices: job.devices.length,
      ops,
      requests: latencies.length,
      seconds: round(seconds, 3),
      opsPerSecond: Math.round(ops / seconds),
      requestMs: {
        p50: round(percentile(sorted, 50)),
        p95: round(percentile(sorted, 95)),
        p99: round(percentile(sorted, 99)),
        max: round(sorted.at(-1) ?? NaN),
        mean: round(latencies.reduce((a, b) => a + b, 0) / latencies.length),
      },
      requestBodyKiB: round(bodyBytes / latencies.length / 1024, 1),
      outcomes,
      rejectReasons,
      opTypes,
      pairing: { devices: paired.length, seconds: round(pairSeconds, 3) },
      tillsCpuSeconds: round((cpuUsed.user + cpuUsed.system) / 1e6),
    };
  } finally {
    agent.destroy();
  }
}

function devicesProcess() {
  const send = (message: FromDevices) => process.send?.(message);
  let releaseGo: () => void = () => undefined;
  const go = new Promise<void>((resolve) => (releaseGo = resolve));
  process.on('message', (message: ToDevices) => {
    if (message.type === 'go') releaseGo();
    else {
      runJob(message.job, go, () => send({ type: 'ready' })).then(
        (result) => {
          send({ type: 'done', result });
          process.disconnect();
        },
        (error: unknown) => {
          send({ type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
          process.disconnect();
        },
      );
    }
  });
}

// ---------------------------------------------------------------------------------------------
// HQ (this process): the server, its database and the profile

interface StatementStats {
  count: number;
  ms: number;
}

/** Accumulated timings of HQ's database use; reset between phases. */
class Profile {
  transactions = 0;
  txMs = 0;
  /** transaction() called → its first statement starts: a pooled connection (or PGlite's lock) and BEGIN. */
  acquireMs = 0;
  statementsMs = 0;
  /** Between statements inside transactions: HQ's own JavaScript (and the event loop's other work). */
  betweenMs = 0;
  /** Last statement done → transaction() resolved: COMMIT, with its WAL flush, and the release. */
  commitMs = 0;
  statementsInTx = 0;
  outsideTx = { count: 0, ms: 0 };
  byStatement = new Map<string, StatementStats>();
  requests = 0;
  serverRequestMs = 0;

  record(text: string, ms: number) {
    const key = text.replace(/\s+/g, ' ').trim().slice(0, 72);
    const s = this.byStatement.get(key) ?? { count: 0, ms: 0 };
    s.count += 1;
    s.ms += ms;
    this.byStatement.set(key, s);
  }
}

const nowMs = () => performance.now();

/** HQ's database handle with every statement and transaction timed (a few clock reads each). */
function profiled(db: HqDatabase, profile: () => Profile): HqDatabase {
  return {
    kind: db.kind,
    async query<R extends object>(text: string, params?: readonly unknown[]) {
      const start = nowMs();
      try {
        return await db.query<R>(text, params);
      } finally {
        const ms = nowMs() - start;
        const p = profile();
        p.outsideTx.count += 1;
        p.outsideTx.ms += ms;
        p.record(text, ms);
      }
    },
    async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      const p = profile();
      const start = nowMs();
      let first: number | undefined;
      let lastEnd: number | undefined;
      let inner = 0;
      let count = 0;
      try {
        return await db.transaction((tx) =>
          fn({
            async query<R extends object>(text: string, params?: readonly unknown[]) {
              const s = nowMs();
              first ??= s;
              try {
                return await tx.query<R>(text, params);
              } finally {
                const e = nowMs();
                inner += e - s;
                lastEnd = e;
                count += 1;
                p.record(text, e - s);
              }
            },
          }),
        );
      } finally {
        const end = nowMs();
        p.transactions += 1;
        p.txMs += end - start;
        p.statementsInTx += count;
        p.statementsMs += inner;
        if (first !== undefined && lastEnd !== undefined) {
          p.acquireMs += first - start;
          p.betweenMs += lastEnd - first - inner;
          p.commitMs += end - lastEnd;
        }
      }
    },
    close: () => db.close(),
  };
}

interface WalStats {
  walRecords: number;
  walBytes: number;
  walWrite: number;
  walSync: number;
  walSyncMs: number;
  xactCommit: number;
}

interface Hq {
  backend: Backend;
  db: HqDatabase;
  app: HqServer;
  url: string;
  cert: string;
  fingerprint256: string;
  pg: PostgresServer | null;
  settings: Record<string, string>;
  connections(): Promise<number | null>;
  wal(): Promise<WalStats | null>;
  close(): Promise<void>;
}

async function startHq(backend: Backend, options: { pgPool?: number; profile: boolean }, profile: () => Profile) {
  const dir = mkdtempSync(join(tmpdir(), 'loyalty-hq-bench-'));
  let pg: PostgresServer | null = null;
  let raw: HqDatabase | null = null;
  let app: HqServer | null = null;
  try {
    if (backend === 'postgres') {
      // Durable: PostgreSQL's defaults (fsync, synchronous_commit, full_page_writes on), as production.
      pg = await startPostgres({
        database: 'loyalty_hq_bench',
        durable: true,
        settings: { track_wal_io_timing: 'on' },
      });
      if (options.pgPool !== undefined) {
        raw = await openPostgresDatabase(pg.url, { max: options.pgPool });
        await migrate(raw);
      } else {
        // HQ's own path (npm run hq with DATABASE_URL), with its default pool.
        raw = await openHqDatabase({ dataDir: dir, databaseUrl: pg.url });
      }
    } else {
      // HQ's zero-setup default: PGlite in <data-dir>/pgdata.
      raw = await openHqDatabase({ dataDir: dir });
    }
    const db = options.profile ? profiled(raw, profile) : raw;
    const settings: Record<string, string> = {};
    for (const name of ['server_version', 'fsync', 'synchronous_commit', 'full_page_writes', 'wal_sync_method']) {
      const row = (await raw.query<Record<string, string>>(`SHOW ${name}`)).rows[0];
      settings[name] = row ? String(Object.values(row)[0]) : '?';
    }
    const tls = await loadOrCreateTls({ dataDir: dir });
    // Every till pairs from 127.0.0.1: more than HQ's per-address pairing limit (10 per 10 minutes) allows.
    app = buildHqServer({ db, tls, pairRateLimit: { max: 10_000, windowMs: 60_000 } });
    // Server-side time of each request: received → response sent (the client adds the wire and TLS).
    const started = new WeakMap<object, number>();
    app.addHook('onRequest', async (request) => {
      started.set(request, nowMs());
    });
    app.addHook('onResponse', async (request) => {
      const start = started.get(request);
      if (start === undefined) return;
      const p = profile();
      p.requests += 1;
      p.serverRequestMs += nowMs() - start;
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    const running = app;
    const rawDb = raw;
    const server = pg;
    const hq: Hq = {
      backend,
      db,
      app,
      url: `https://127.0.0.1:${port}`,
      cert: tls.cert,
      fingerprint256: tls.fingerprint256,
      pg,
      settings,
      async connections() {
        if (!server) return null;
        const out = await server.psql(
          "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND backend_type = 'client backend' AND pid <> pg_backend_pid()",
        );
        return Number(out.trim());
      },
      async wal() {
        if (!server) return null;
        // Backends report their WAL counters when idle, at most once a second unless told: make every
        // connection of HQ's pool (busy together, so each is a different one) flush its counters now.
        const open = (await hq.connections()) ?? 1;
        await Promise.all(
          Array.from({ length: Math.max(1, open) }, () =>
            rawDb.transaction(async (tx) => {
              await tx.query('SELECT pg_stat_force_next_flush()');
              await new Promise((resolve) => setTimeout(resolve, 50));
            }),
          ),
        );
        await new Promise((resolve) => setTimeout(resolve, 200));
        const out = await server.psql(
          `SELECT w.wal_records, w.wal_bytes, w.wal_write, w.wal_sync, w.wal_sync_time, d.xact_commit
             FROM pg_stat_wal w, pg_stat_database d WHERE d.datname = current_database()`,
        );
        const [walRecords, walBytes, walWrite, walSync, walSyncMs, xactCommit] = out.trim().split('|').map(Number);
        return {
          walRecords: walRecords ?? NaN,
          walBytes: walBytes ?? NaN,
          walWrite: walWrite ?? NaN,
          walSync: walSync ?? NaN,
          walSyncMs: walSyncMs ?? NaN,
          xactCommit: xactCommit ?? NaN,
        };
      },
      async close() {
        await running.close();
        await rawDb.close();
        await server?.stop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
    return hq;
  } catch (error) {
    await app?.close();
    await raw?.close();
    await pg?.stop();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

/** HQ's members before the day starts (not timed): memberIdAt(i), cardAt(i), some points. */
async function seedMembers(hq: Hq, count: number) {
  const { storeId } = await createStore({ db: hq.db }, 'Seed store');
  const at = new Date('2026-01-15T12:00:00.000Z');
  for (let from = 0; from < count; from += 5000) {
    const ids: string[] = [];
    const cards: string[] = [];
    const points: number[] = [];
    for (let i = from; i < Math.min(count, from + 5000); i++) {
      ids.push(memberIdAt(i));
      cards.push(cardAt(i));
      points.push((i * 7919) % 10_000);
    }
    await hq.db.query(
      `INSERT INTO members (id, card_number, given_name, family_name, home_store_id, enrolled_at, updated_at, points,
         terms_version, version)
       SELECT id, card, 'Seed', 'Member', $4, $5, $5, pts, $6, 1
         FROM unnest($1::text[], $2::text[], $3::int[]) AS t(id, card, pts)`,
      [ids, cards, points, storeId, at, CURRENT_NOTICE_VERSION],
    );
  }
  await hq.db.query('ANALYZE');
}

/** Runs one job in a fresh tills process; `between` runs once the tills are paired and ready. */
function runDevices(job: Job, onReady: () => Promise<void>): Promise<JobResult> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = fork(fileURLToPath(import.meta.url), [DEVICES_FLAG], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let settled = false;
    const finish = (error: Error | null, result?: JobResult) => {
      if (settled) return;
      settled = true;
      if (error) {
        child.kill();
        reject(error);
      } else resolve(result!);
    };
    child.on('message', (message: FromDevices) => {
      if (message.type === 'ready') {
        onReady().then(
          () => child.send({ type: 'go' } satisfies ToDevices),
          (error: unknown) => finish(error instanceof Error ? error : new Error(String(error))),
        );
      } else if (message.type === 'done') finish(null, message.result);
      else finish(new Error(`tills process: ${message.message}`));
    });
    child.on('error', (error) => finish(error));
    child.on('exit', (code) => finish(new Error(`tills process exited (${code}) before reporting`)));
    child.send({ type: 'job', job } satisfies ToDevices);
  });
}

/** The machine's CPU counters (Linux /proc/stat, first line): busy and total ticks of all CPUs. */
function machineTicks(): { busy: number; total: number } | null {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1, 9).map(Number);
    const total = fields.reduce((a, b) => a + b, 0);
    const idle = (fields[3] ?? 0) + (fields[4] ?? 0); // idle + iowait
    return { busy: total - idle, total };
  } catch {
    return null;
  }
}

/** CPU seconds over one phase: HQ (this process), the tills process, and the rest of the machine. */
interface CpuSplit {
  wallSeconds: number;
  hqSeconds: number;
  tillsSeconds: number;
  /** All CPUs' busy time less HQ and the tills: PostgreSQL's processes, and anything else running. */
  restSeconds: number | null;
  /** Busy share of all CPUs over the phase (1 = every CPU busy all the time). */
  machineBusy: number | null;
}

interface PhaseProfile {
  transactions: number;
  statementsPerTransaction: number;
  perOpMs: {
    request: number;
    serverRequest: number;
    transaction: number;
    acquireAndBegin: number;
    statements: number;
    between: number;
    commit: number;
    outsideTransactions: number;
  };
  topStatements: { sql: string; count: number; totalMs: number; meanMs: number }[];
  wal: null | {
    commits: number;
    fsyncs: number;
    fsyncMeanMs: number;
    fsyncSeconds: number;
    writes: number;
    bytesPerOp: number;
    recordsPerOp: number;
  };
  connections: number | null;
}

function summarize(
  result: JobResult,
  profile: Profile,
  before: WalStats | null,
  after: WalStats | null,
  connections: number | null,
): PhaseProfile {
  const per = (ms: number) => round(ms / result.ops, 3);
  const top = [...profile.byStatement.entries()]
    .sort((a, b) => b[1].ms - a[1].ms)
    .slice(0, 8)
    .map(([sql, s]) => ({ sql, count: s.count, totalMs: Math.round(s.ms), meanMs: round(s.ms / s.count, 3) }));
  let wal: PhaseProfile['wal'] = null;
  if (before && after) {
    const fsyncs = after.walSync - before.walSync;
    const fsyncMs = after.walSyncMs - before.walSyncMs;
    wal = {
      commits: after.xactCommit - before.xactCommit,
      fsyncs,
      fsyncMeanMs: round(fsyncMs / Math.max(1, fsyncs), 3),
      fsyncSeconds: round(fsyncMs / 1000, 2),
      writes: after.walWrite - before.walWrite,
      bytesPerOp: Math.round((after.walBytes - before.walBytes) / result.ops),
      recordsPerOp: round((after.walRecords - before.walRecords) / result.ops, 1),
    };
  }
  return {
    transactions: profile.transactions,
    statementsPerTransaction: round(profile.statementsInTx / Math.max(1, profile.transactions), 1),
    perOpMs: {
      request: per(result.requestMs.mean * result.requests),
      serverRequest: per(profile.serverRequestMs),
      transaction: per(profile.txMs),
      acquireAndBegin: per(profile.acquireMs),
      statements: per(profile.statementsMs),
      between: per(profile.betweenMs),
      commit: per(profile.commitMs),
      outsideTransactions: per(profile.outsideTx.ms),
    },
    topStatements: top,
    wal,
    connections,
  };
}

type Phase = JobResult & { cpu: CpuSplit; profile: PhaseProfile | null };

interface BackendReport {
  backend: Backend;
  settings: Record<string, string>;
  seedMembers: number;
  dayEnd: Phase;
  fleet: Phase | null;
}

async function measureBackend(
  backend: Backend,
  values: { dayEndOps: number; devices: number; stores: number; batches: number; batchSize: number; seed: number },
  options: { pgPool?: number; profile: boolean },
): Promise<BackendReport> {
  let profile = new Profile();
  const hq = await startHq(backend, options, () => profile);
  try {
    process.stderr.write(`hq-bench: ${backend}: seeding ${values.seed.toLocaleString('en')} members…\n`);
    await seedMembers(hq, values.seed);
    const base = { url: hq.url, cert: hq.cert, fingerprint256: hq.fingerprint256, seedMembers: values.seed };
    const phase = async (job: Job) => {
      let before: WalStats | null = null;
      let cpu0 = process.cpuUsage();
      let ticks0 = machineTicks();
      let t0 = nowMs();
      const result = await runDevices(job, async () => {
        before = await hq.wal();
        profile = new Profile();
        cpu0 = process.cpuUsage();
        ticks0 = machineTicks();
        t0 = nowMs();
      });
      const cpuUsed = process.cpuUsage(cpu0);
      const ticks1 = machineTicks();
      const wallSeconds = (nowMs() - t0) / 1000;
      const measured = profile;
      profile = new Profile();
      const hqSeconds = (cpuUsed.user + cpuUsed.system) / 1e6;
      const busy = ticks0 && ticks1 ? (ticks1.busy - ticks0.busy) / Math.max(1, ticks1.total - ticks0.total) : null;
      const cpu: CpuSplit = {
        wallSeconds: round(wallSeconds),
        hqSeconds: round(hqSeconds),
        tillsSeconds: result.tillsCpuSeconds,
        restSeconds:
          busy === null ? null : round(busy * cpus().length * wallSeconds - hqSeconds - result.tillsCpuSeconds),
        machineBusy: busy === null ? null : round(busy),
      };
      const after = await hq.wal();
      const connections = await hq.connections();
      return {
        ...result,
        cpu,
        profile: options.profile ? summarize(result, measured, before, after, connections) : null,
      };
    };

    // (a) One till's day end.
    const dayEndStore = await createStore({ db: hq.db }, 'Day-end store');
    // HQ recomputes earns and redemptions from the store's rules and catalogue: without them it refuses
    // both, and the bench would measure refusals (not timed).
    await loadCatalog({ db: hq.db }, demoCatalog);
    const dayEndCode = await issuePairingCode({ db: hq.db }, dayEndStore.storeId);
    process.stderr.write(
      `hq-bench: ${backend}: day-end push of ${values.dayEndOps.toLocaleString('en')} ops in batches of ${MAX_PUSH_OPS}…\n`,
    );
    const dayEnd = await phase({
      ...base,
      label: 'day-end',
      devices: [{ index: 0, name: 'Day-end till', pairingCode: dayEndCode.pairingCode }],
      opsPerDevice: values.dayEndOps,
      batchSize: MAX_PUSH_OPS,
    });

    // (b) Many tills at once, each with its own pairing code.
    let fleet: BackendReport['fleet'] = null;
    if (values.devices > 0) {
      const stores: string[] = [];
      for (let s = 0; s < values.stores; s++) stores.push((await createStore({ db: hq.db }, `Store ${s + 1}`)).storeId);
      await loadCatalog({ db: hq.db }, demoCatalog);
      const devices: Job['devices'] = [];
      for (let d = 0; d < values.devices; d++) {
        const { pairingCode } = await issuePairingCode({ db: hq.db }, stores[d % stores.length]!);
        devices.push({ index: d + 1, name: `Till ${d + 1}`, pairingCode });
      }
      process.stderr.write(
        `hq-bench: ${backend}: ${values.devices} tills pushing at once, ${values.batches} × ${values.batchSize} ops each…\n`,
      );
      fleet = await phase({
        ...base,
        label: 'fleet',
        devices,
        opsPerDevice: values.batches * values.batchSize,
        batchSize: values.batchSize,
      });
    }
    return { backend, settings: hq.settings, seedMembers: values.seed, dayEnd, fleet };
  } finally {
    await hq.close();
  }
}

const fmt = (x: number) => (Number.isFinite(x) ? x.toLocaleString('en', { maximumFractionDigits: 2 }) : '–');

function printCpu(backend: Backend, label: string, r: Phase) {
  const c = r.cpu;
  console.log(
    `  ${backend}, ${label}: ${fmt(c.wallSeconds)} s × ${cpus().length} CPUs, busy ${c.machineBusy === null ? '?' : `${Math.round(c.machineBusy * 100)} %`}: HQ process ${fmt(c.hqSeconds)} s · tills process ${fmt(c.tillsSeconds)} s · ${backend === 'postgres' ? 'PostgreSQL and the rest' : 'the rest (PGlite runs inside HQ)'} ${c.restSeconds === null ? '?' : fmt(c.restSeconds)} s`,
  );
}

function printProfile(backend: Backend, label: string, r: JobResult, p: PhaseProfile) {
  const o = p.perOpMs;
  console.log(
    `\n${backend}, ${label}: ${fmt(r.ops / r.requests)} ops per request, ${fmt(p.transactions)} transactions (${fmt(p.statementsPerTransaction)} statements each + BEGIN/COMMIT), HQ's connections open at the end: ${p.connections ?? 'one (PGlite)'}`,
  );
  console.log(
    `  per op, ms: client request ${fmt(o.request)} · HQ handler ${fmt(o.serverRequest)} · sum of op transactions ${fmt(o.transaction)} = wait for connection + BEGIN ${fmt(o.acquireAndBegin)} + statements ${fmt(o.statements)} + JS between ${fmt(o.between)} + COMMIT ${fmt(o.commit)} · token check outside ${fmt(o.outsideTransactions)}`,
  );
  if (r.devices > 1)
    console.log(
      '  (with several tills at once, per-op figures are summed over concurrent requests and exceed wall time per op)',
    );
  if (p.wal) {
    console.log(
      `  WAL: ${fmt(p.wal.commits)} commits, ${fmt(p.wal.fsyncs)} fsyncs (${fmt(p.wal.fsyncMeanMs)} ms each, ${fmt(p.wal.fsyncSeconds)} s in all), ${fmt(p.wal.bytesPerOp)} bytes and ${fmt(p.wal.recordsPerOp)} records per op`,
    );
  }
  console.log('  statements by total time (count, mean ms):');
  for (const s of p.topStatements.slice(0, 6))
    console.log(`    ${fmt(s.totalMs)} ms  ${s.count} × ${s.meanMs}  ${s.sql}`);
}

async function main() {
  const { values } = parseArgs({
    options: {
      backends: { type: 'string', default: 'postgres,pglite' },
      'day-end-ops': { type: 'string', default: '10000' },
      devices: { type: 'string', default: '50' },
      stores: { type: 'string', default: '10' },
      batches: { type: 'string', default: '10' },
      'batch-size': { type: 'string', default: '50' },
      'seed-members': { type: 'string', default: '20000' },
      'pg-pool': { type: 'string' },
      'no-profile': { type: 'boolean', default: false },
      json: { type: 'string' },
    },
  });
  const backends = values.backends.split(',') as Backend[];
  for (const b of backends) if (b !== 'postgres' && b !== 'pglite') throw new Error(`unknown backend ${b}`);
  const settings = {
    dayEndOps: Number(values['day-end-ops']),
    devices: Number(values.devices),
    stores: Math.max(1, Math.min(Number(values.stores), Number(values.devices) || 1)),
    batches: Number(values.batches),
    batchSize: Number(values['batch-size']),
    seed: Number(values['seed-members']),
  };
  if (settings.batchSize < 1 || settings.batchSize > MAX_PUSH_OPS) throw new Error(`--batch-size is 1…${MAX_PUSH_OPS}`);
  if (settings.seed < 1) throw new Error('--seed-members must be at least 1');
  const options = {
    profile: !values['no-profile'],
    ...(values['pg-pool'] !== undefined ? { pgPool: Number(values['pg-pool']) } : {}),
  };
  // This bench shares the machine with whatever else runs: say how busy it was before we started.
  const idle0 = machineTicks();
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const idle1 = machineTicks();
  const busyBefore = idle0 && idle1 ? round((idle1.busy - idle0.busy) / Math.max(1, idle1.total - idle0.total)) : null;
  if (busyBefore !== null && busyBefore > 0.1) {
    process.stderr.write(
      `hq-bench: warning: the CPUs were ${Math.round(busyBefore * 100)} % busy before the bench started; figures will be lower\n`,
    );
  }
  const started = Date.now();
  const reports: BackendReport[] = [];
  for (const backend of backends) reports.push(await measureBackend(backend, settings, options));

  const lat = (r: JobResult) => `${fmt(r.requestMs.p50)} / ${fmt(r.requestMs.p95)} / ${fmt(r.requestMs.p99)}`;
  const rows = reports.flatMap((report) => [
    { report, label: `day end, 1 till, ${MAX_PUSH_OPS}-op batches`, r: report.dayEnd },
    ...(report.fleet
      ? [{ report, label: `${report.fleet.devices} tills at once, ${settings.batchSize}-op batches`, r: report.fleet }]
      : []),
  ]);
  console.log(
    `\nHQ push over HTTPS on 127.0.0.1 (pinned self-signed certificate, keep-alive), ${cpus().length} CPUs (${busyBefore === null ? '?' : Math.round(busyBefore * 100)} % busy before the start), Node ${process.version}; tills in a separate process; ${settings.seed.toLocaleString('en')} members seeded`,
  );
  console.log(
    '| backend | scenario | ops | requests | seconds | ops/s | request p50 / p95 / p99 ms | applied / rejected |',
  );
  console.log('|---|---|---|---|---|---|---|---|');
  for (const { report, label, r } of rows) {
    console.log(
      `| ${report.backend} | ${label} | ${r.ops.toLocaleString('en')} | ${r.requests} | ${fmt(r.seconds)} | ${r.opsPerSecond.toLocaleString('en')} | ${lat(r)} | ${r.outcomes.applied.toLocaleString('en')} / ${r.outcomes.rejected} |`,
    );
  }
  for (const report of reports) {
    console.log(
      `\n${report.backend}: ${Object.entries(report.settings)
        .map(([k, v]) => `${k}=${v}`)
        .join(', ')}; ops by type (day end): ${Object.entries(report.dayEnd.opTypes)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}`,
    );
    const reasons = { ...report.dayEnd.rejectReasons, ...(report.fleet?.rejectReasons ?? {}) };
    if (Object.keys(reasons).length > 0) console.log(`  rejections: ${JSON.stringify(reasons)}`);
  }
  for (const { report, label, r } of rows) if (r.profile) printProfile(report.backend, label, r, r.profile);
  console.log('\nCPU time while pushing:');
  for (const { report, label, r } of rows) printCpu(report.backend, label, r);
  const targets = reports
    .filter((r) => r.backend === 'postgres')
    .map((r) => ({
      what: `day-end push of ${r.dayEnd.ops.toLocaleString('en')} ops to HQ on loopback (PostgreSQL)`,
      measured: `${fmt(r.dayEnd.seconds)} s`,
      target: `≤ ${DAY_END_TARGET_SECONDS} s`,
      pass: r.dayEnd.seconds <= DAY_END_TARGET_SECONDS,
    }));
  console.log('\ntargets (DESIGN §8):');
  for (const t of targets) console.log(`  ${t.what}: ${t.measured} (${t.target}) ${t.pass ? 'PASS' : 'FAIL'}`);
  if (targets.length === 0) console.log('  (the target is stated for PostgreSQL, which was not run)');
  const report = {
    machine: { cpus: cpus().length, node: process.version, busyBeforeStart: busyBefore },
    method: {
      transport: 'HTTPS, 127.0.0.1, pinned self-signed certificate, keep-alive agent',
      tills: 'separate process',
      profiled: options.profile,
      pgPool: options.pgPool ?? 'HQ default',
      ...settings,
    },
    results: reports,
    targets,
    benchSeconds: round((Date.now() - started) / 1000, 1),
  };
  if (values.json) writeFileSync(values.json, JSON.stringify(report, null, 2));
  console.log(JSON.stringify(report));
}

if (process.argv.includes(DEVICES_FLAG)) devicesProcess();
else
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
