/**
 * The simulated tills of the HQ benches (hq-bench.ts, hq-scale-bench.ts): each pairs with its own
 * one-time code over POST /v1/pair and pushes a realistic day of ops (src/shared/sync/ops.ts) in
 * batches over the real protocol, one request at a time per till, over one keep-alive HTTPS agent
 * that pins HQ's certificate. They run in a child process (the bench's entry file forked with
 * DEVICES_FLAG), so the clients' TLS and JSON work does not share HQ's event loop.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Agent, request as httpsRequest } from 'node:https';
import { checkServerIdentity, type PeerCertificate } from 'node:tls';
import { createStore } from '../packages/hq/src/admin';
import type { HqDatabase } from '../packages/hq/src/db/database';
import { FAMILY_STEMS, GIVEN, cardAt, memberIdAt } from '../src/main/demo/synthetic-members';
import { uuidv7 } from '../src/main/ids/uuidv7';
import { CURRENT_NOTICE_VERSION } from '../src/main/privacy/notices';
import { withCheckDigit } from '../src/shared/members/card-number';
import {
  HQ_ROUTES,
  PairResponse,
  PushOp,
  PushResponse,
  type CardBlock,
  type PushRequest,
} from '../src/shared/sync/protocol';
import type { OpType } from '../src/shared/sync/ops';
import { percentile } from './timing';

export const DEVICES_FLAG = '--devices-process';
export type WireOp = PushRequest['ops'][number];

export const round = (x: number, digits = 2) => Number(x.toFixed(digits));

export function rng(seed: number) {
  let s = seed >>> 0;
  return () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}

/** What the HQ process asks the tills process to do. */
export interface Job {
  label: string;
  /** Where the tills pair, and push when `pushUrls` is not given. */
  url: string;
  /** HQ processes to push to: till i pushes to pushUrls[i % n] (several HQ processes on one database). */
  pushUrls?: string[];
  /** Stop sending new batches after this many seconds (requests in flight finish and count). */
  durationSeconds?: number;
  cert: string;
  fingerprint256: string;
  devices: { index: number; name: string; pairingCode: string }[];
  opsPerDevice: number;
  batchSize: number;
  /** Members HQ was seeded with (memberIdAt(0 … n-1)). */
  seedMembers: number;
}

export interface JobResult {
  label: string;
  devices: number;
  ops: number;
  requests: number;
  /** From the start signal to the last response. */
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

export type ToDevices = { type: 'job'; job: Job } | { type: 'go' };
export type FromDevices = { type: 'ready' } | { type: 'done'; result: JobResult } | { type: 'error'; message: string };

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
export function dayOfOps(
  device: { index: number; cardBlock: CardBlock },
  count: number,
  seedMembers: number,
): WireOp[] {
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
      return { index: device.index, token: device.pair.deviceToken, batches };
    });
    const pushUrls = job.pushUrls ?? [job.url];

    ready();
    await go;

    const latencies: number[] = [];
    const outcomes = { applied: 0, duplicate: 0, rejected: 0 };
    const rejectReasons: Record<string, number> = {};
    let ops = 0;
    const cpu = process.cpuUsage();
    const start = process.hrtime.bigint();
    const deadline = job.durationSeconds === undefined ? Infinity : performance.now() + job.durationSeconds * 1000;
    await Promise.all(
      tills.map(async (till) => {
        const url = pushUrls[till.index % pushUrls.length]!;
        for (const batch of till.batches) {
          if (performance.now() >= deadline) break;
          const response = await post(agent, url, HQ_ROUTES.push, batch.body, till.token);
          latencies.push(response.ms);
          if (response.status !== 200) throw new Error(`push: ${response.status} ${response.text.slice(0, 300)}`);
          const result = PushResponse.parse(JSON.parse(response.text));
          if (result.gapAt !== undefined || result.lastSeq !== batch.lastSeq || result.outcomes.length !== batch.size)
            throw new Error(`push: HQ settled up to ${result.lastSeq}, expected ${batch.lastSeq}`);
          ops += batch.size;
          for (const outcome of result.outcomes) {
            outcomes[outcome.outcome] += 1;
            if (outcome.reason) rejectReasons[outcome.reason] = (rejectReasons[outcome.reason] ?? 0) + 1;
          }
        }
      }),
    );
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const cpuUsed = process.cpuUsage(cpu);
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

export function devicesProcess() {
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

/** HQ's members before the day starts (not timed): memberIdAt(i), cardAt(i), some points. */
export async function seedMembers(db: HqDatabase, count: number) {
  const { storeId } = await createStore({ db }, 'Seed store');
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
    await db.query(
      `INSERT INTO members (id, card_number, given_name, family_name, home_store_id, enrolled_at, updated_at, points,
         terms_version, version)
       SELECT id, card, 'Seed', 'Member', $4, $5, $5, pts, $6, 1
         FROM unnest($1::text[], $2::text[], $3::int[]) AS t(id, card, pts)`,
      [ids, cards, points, storeId, at, CURRENT_NOTICE_VERSION],
    );
  }
  await db.query('ANALYZE');
}

/**
 * Runs one job in a fresh tills process: `script` is the bench's entry file, which calls
 * devicesProcess() when started with DEVICES_FLAG. `onReady` runs once the tills are paired and ready.
 */
export function runDevices(script: string, job: Job, onReady: () => Promise<void>): Promise<JobResult> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = fork(script, [DEVICES_FLAG], {
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
export function machineTicks(): { busy: number; total: number } | null {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1, 9).map(Number);
    const total = fields.reduce((a, b) => a + b, 0);
    const idle = (fields[3] ?? 0) + (fields[4] ?? 0); // idle + iowait
    return { busy: total - idle, total };
  } catch {
    return null;
  }
}
