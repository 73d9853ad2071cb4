// Several HQ processes on one PostgreSQL primary (issue 15 item 6): real child processes of the built
// HQ (packages/hq/dist/hq.js) on one data folder (one TLS identity, one master key) and one
// DATABASE_URL. Whatever one process learns, the other must know: pairing codes, the pairing rate
// limit, console sessions, a till's pushed seqs, the periodic jobs' turns; and N processes × their
// pool stay within the server's connections.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { HqDatabase } from '../../packages/hq/src/db/database';
import {
  HQ_APPLICATION_NAME,
  HQ_JOBS_APPLICATION_NAME,
  PoolSettingsError,
  poolSettingsFromEnv,
} from '../../packages/hq/src/db/pool-settings';
import { openPostgresDatabase } from '../../packages/hq/src/db/postgres';
import { claimJobRun } from '../../packages/hq/src/jobs/schedule-job';
import {
  HQ_ROUTES,
  PullResponse,
  PushResponse,
  type PairResponse,
  type PushRequest,
} from '../../src/shared/sync/protocol';
import { skipPostgres, startPostgres, startStreamingReplica, type PostgresServer } from '../support/postgres';
import { makeTempDir } from '../support/temp-dir';
import { enrolAndSignIn, runHq, startHqProcess, type HqProcess, type ProcessOperator } from './support/hq-process';
import { earnOp, enrollOp, newMemberId } from './support/ops';
import { giveTestCatalog } from './support/test-catalog';

/** Connections per HQ process in this test: small, so the bound below is tight. */
const POOL_MAX = 4;

describe.skipIf(skipPostgres)('several HQ processes on one PostgreSQL', () => {
  let pg: PostgresServer;
  let db: HqDatabase;
  let hq1: HqProcess;
  let hq2: HqProcess;
  let operator: ProcessOperator;
  let storeId: string;
  /** Tills paired in the first test; the rate-limit test then spends the address's pairing budget. */
  const devices: PairResponse[] = [];
  /** Every POST /v1/pair this file sent from 127.0.0.1 (the budget is 10 per 10 minutes, shared). */
  let pairAttempts = 0;
  const dir = makeTempDir('loyalty-hq-scale-');

  const env = () => ({ DATABASE_URL: pg.url, HQ_DB_POOL_MAX: String(POOL_MAX) });

  beforeAll(async () => {
    pg = await startPostgres();
    db = await openPostgresDatabase(pg.url, { max: 2 });
    // The first process makes the TLS identity and the master key in the shared folder; the second
    // (started after it, as docs/ARCHITECTURE.md says) reads them.
    hq1 = await startHqProcess(dir.path, { env: env() });
    hq2 = await startHqProcess(dir.path, { env: env() });
  }, 120_000);

  afterAll(async () => {
    await hq1?.stop();
    await hq2?.stop();
    await db?.close();
    await pg?.stop();
    dir.remove();
  });

  const pair = (via: HqProcess, pairingCode: string, deviceName = 'Till') => {
    pairAttempts += 1;
    return via.send(HQ_ROUTES.pair, { pairingCode, deviceName });
  };

  const push = (via: HqProcess, device: PairResponse, ops: PushRequest['ops']) =>
    via.send(HQ_ROUTES.push, { ops }, { authorization: `Bearer ${device.deviceToken}` });

  test('one TLS identity and master key, and each periodic job ran once between the two processes', async () => {
    expect(hq2.fingerprint).toBe(hq1.fingerprint);
    expect(hq1.output()).toContain('HQ_DATABASE=postgres');
    // Printed a moment after the lines startHqProcess waits for.
    await hq2.waitForOutput(`HQ_DB_POOL_MAX=${POOL_MAX}`);
    // Both ran their jobs' first tick at start; the second found the run taken (job_runs).
    for (let waited = 0; waited < 10_000; waited += 100) {
      const rows = await db.query('SELECT name FROM job_runs');
      if (rows.rows.length >= 2) break;
      await new Promise((done) => setTimeout(done, 100));
    }
    const runs = await db.query<{ name: string; runs: string }>(
      'SELECT name, runs::text AS runs FROM job_runs ORDER BY name',
    );
    expect(runs.rows).toEqual([
      { name: 'baseline', runs: '1' },
      { name: 'privacy', runs: '1' },
    ]);
  });

  test('three processes started at once on a new data folder serve one TLS identity', async () => {
    const fresh = makeTempDir('loyalty-hq-scale-fresh-');
    // A database of their own: the shared one's data keys are wrapped by the first folder's master key.
    const databaseUrl = await pg.createDatabase('loyalty_fresh');
    const started = await Promise.allSettled(
      [1, 2, 3].map(() => startHqProcess(fresh.path, { env: { ...env(), DATABASE_URL: databaseUrl } })),
    );
    try {
      const running = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
      expect(started.map((result) => (result.status === 'fulfilled' ? 'started' : String(result.reason)))).toEqual([
        'started',
        'started',
        'started',
      ]);
      expect(new Set(running.map((hq) => hq.fingerprint)).size).toBe(1);
    } finally {
      for (const result of started) if (result.status === 'fulfilled') await result.value.stop();
      fresh.remove();
    }
  });

  test('pool settings come from the environment, and a malformed one is refused; the statement timeout holds', async () => {
    expect(poolSettingsFromEnv({})).toEqual({
      primary: expect.objectContaining({ max: 10, statementTimeoutMs: 30_000, applicationName: HQ_APPLICATION_NAME }),
      replica: expect.objectContaining({ max: 10, statementTimeoutMs: 30_000, connectionTimeoutMs: 2_000 }),
    });
    const set = poolSettingsFromEnv({
      HQ_DB_POOL_MAX: '25',
      HQ_DB_REPLICA_POOL_MAX: '40',
      HQ_DB_STATEMENT_TIMEOUT_MS: '0',
    });
    expect([set.primary.max, set.replica.max, set.primary.statementTimeoutMs]).toEqual([25, 40, 0]);
    expect(() => poolSettingsFromEnv({ HQ_DB_POOL_MAX: 'ten' })).toThrow(PoolSettingsError);
    expect(() => poolSettingsFromEnv({ HQ_DB_POOL_MAX: '0' })).toThrow(/HQ_DB_POOL_MAX/);
    const timed = await openPostgresDatabase(pg.url, { max: 1, statementTimeoutMs: 200 });
    try {
      // 57014 query_canceled: the server ended the statement, and the pool's connection still works.
      await expect(timed.query('SELECT pg_sleep(2)')).rejects.toMatchObject({ code: '57014' });
      expect((await timed.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    } finally {
      await timed.close();
    }
  });

  test('a job is claimed once per interval however many pools race for it', async () => {
    const other = await openPostgresDatabase(pg.url, { max: 5 });
    try {
      const hour = 60 * 60 * 1000;
      const at = (ms: number) => () => new Date(Date.parse('2026-03-02T09:00:00.000Z') + ms);
      const race = async (offset: number) => {
        const claims = await Promise.all(
          Array.from({ length: 10 }, (_, i) =>
            claimJobRun({ db: i % 2 === 0 ? db : other, name: 'race', now: at(offset), holder: `p${i % 2}` }, hour),
          ),
        );
        return claims.filter(Boolean).length;
      };
      expect(await race(0)).toBe(1);
      expect(await race(hour / 2)).toBe(0);
      expect(await race(hour)).toBe(1);
      expect(await race(hour + 1)).toBe(0);
    } finally {
      await other.close();
    }
  });

  test('signed in through process 1, the session works on process 2; a pairing code made on 2 pairs once, on either', async () => {
    const admin = await runHq(dir.path, ['create-admin', '--email', 'admin@example.com', '--name', 'Chain Admin']);
    expect(admin.code, admin.err.join('\n')).toBe(0);
    operator = await enrolAndSignIn(hq1, admin.values.ENROLMENT_URL ?? '');
    // Pairing codes are store operations' (a chain admin's grant of it needs a second operator): given here.
    await db.query(`INSERT INTO operator_roles (operator_id, role) VALUES ($1, 'store_operations')`, [
      operator.operatorId,
    ]);
    const onTwo = operator.via(hq2);
    const made = await onTwo.call('createStore', { name: 'Scale Store' });
    expect(made.status, made.text).toBe(200);
    storeId = (made.body as { storeId: string }).storeId;
    await giveTestCatalog(db, () => new Date(), storeId);

    const issue = async () => {
      const issued = await onTwo.call('issuePairingCode', { storeId });
      expect(issued.status, issued.text).toBe(200);
      return (issued.body as { pairingCode: string }).pairingCode;
    };
    // Made on 2, used on 1; the same code again on 2 is refused.
    const code = await issue();
    const first = await pair(hq1, code);
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    devices.push(first.body as PairResponse);
    const again = await pair(hq2, code);
    expect(again.status).toBe(403);
    // One code sent to both processes at once: exactly one pairs.
    const raced = await issue();
    const both = await Promise.all([pair(hq1, raced, 'Till A'), pair(hq2, raced, 'Till B')]);
    expect(both.map((response) => response.status).sort()).toEqual([200, 403]);
    devices.push(both.find((response) => response.status === 200)?.body as PairResponse);
    for (let i = 0; i < 2; i++) {
      const paired = await pair(i % 2 === 0 ? hq1 : hq2, await issue());
      expect(paired.status).toBe(200);
      devices.push(paired.body as PairResponse);
    }
    const paired = await db.query<{ n: string }>('SELECT count(*)::text AS n FROM devices WHERE store_id = $1', [
      storeId,
    ]);
    expect(paired.rows[0]?.n).toBe('4');
    // Signed out on 2: the session is gone on 1 as well.
    expect((await onTwo.call('logout')).status).toBe(200);
    expect((await operator.call('listStores')).status).toBe(401);
  });

  test('pairing attempts from one address add up across the processes: the 11th is refused on either', async () => {
    const statuses: number[] = [];
    while (pairAttempts < 12) {
      const response = await pair(pairAttempts % 2 === 0 ? hq1 : hq2, 'AAAA-BBBB-CCCC-DDDD');
      statuses.push(response.status);
    }
    // Attempts 1-6 were the previous test's; this one's are 7-12: four more allowed, then refused.
    expect(statuses).toEqual([403, 403, 403, 403, 429, 429]);
    expect((await pair(hq1, 'AAAA-BBBB-CCCC-DDDD')).status).toBe(429);
    expect((await pair(hq2, 'AAAA-BBBB-CCCC-DDDD')).status).toBe(429);
  });

  test(`two processes × a pool of ${POOL_MAX} (+1 for the jobs) stay within their connections under load`, async () => {
    let peak = 0;
    let peakAll = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const found = await db.query<{ serving: string; total: string }>(
          `SELECT count(*) FILTER (WHERE application_name = $1)::text AS serving,
                  count(*) FILTER (WHERE application_name IN ($1, $2))::text AS total
             FROM pg_stat_activity`,
          [HQ_APPLICATION_NAME, HQ_JOBS_APPLICATION_NAME],
        );
        peak = Math.max(peak, Number(found.rows[0]?.serving));
        peakAll = Math.max(peakAll, Number(found.rows[0]?.total));
        await new Promise((done) => setTimeout(done, 10));
      }
    })();
    // Four tills, each pushing 12 batches in turn to the two processes, all at once.
    await Promise.all(
      devices.map(async (device) => {
        const member = newMemberId();
        let seq = 1;
        const first = await push(hq1, device, [enrollOp(seq++, member)]);
        expect(first.status).toBe(200);
        for (let batch = 0; batch < 12; batch++) {
          const ops = [earnOp(seq++, member, 5), earnOp(seq++, member, 5)];
          const response = await push(batch % 2 === 0 ? hq2 : hq1, device, ops);
          expect(response.status, JSON.stringify(response.body)).toBe(200);
        }
      }),
    );
    sampling = false;
    await sampler;
    const max = await db.query<{ max_connections: string }>('SHOW max_connections');
    console.log(
      `scale-out: peak ${peak} serving + ${peakAll - peak} jobs connections (2 processes × ${POOL_MAX} + 1), max_connections ${max.rows[0]?.max_connections}`,
    );
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThanOrEqual(2 * POOL_MAX);
    expect(peakAll).toBeLessThanOrEqual(2 * (POOL_MAX + 1));
  });

  test('a till pushing to both processes in turn, one killed mid-push: every op applied once, in seq order', async () => {
    const device = devices[3] as PairResponse;
    const held = await db.query<{ last_seq: string }>('SELECT last_seq::text AS last_seq FROM devices WHERE id = $1', [
      device.deviceId,
    ]);
    let seq = Number(held.rows[0]?.last_seq) + 1;
    const firstSeq = seq;
    const member = newMemberId();
    const outcomes: string[] = [];
    const batches: PushRequest['ops'][] = [[enrollOp(seq++, member)]];
    for (let i = 0; i < 8; i++) batches.push([earnOp(seq++, member, 3), earnOp(seq++, member, 4)]);
    for (const [i, ops] of batches.entries()) {
      const response = await push(i % 2 === 0 ? hq1 : hq2, device, ops);
      expect(response.status, JSON.stringify(response.body)).toBe(200);
      outcomes.push(...PushResponse.parse(response.body).outcomes.map((o) => o.outcome));
    }
    expect(outcomes.every((outcome) => outcome === 'applied')).toBe(true);
    // A batch sent to both at once (a till retrying on another process): applied once, answered twice.
    const twice = [earnOp(seq++, member, 10)];
    const answers = await Promise.all([push(hq1, device, twice), push(hq2, device, twice)]);
    expect(answers.map((a) => a.status)).toEqual([200, 200]);
    expect(answers.map((a) => PushResponse.parse(a.body).outcomes[0]?.outcome).sort()).toEqual([
      'applied',
      'duplicate',
    ]);
    // Process 1 killed (SIGKILL) with a batch in flight; the till sends it again to process 2.
    const inFlight = [earnOp(seq++, member, 1), earnOp(seq++, member, 1)];
    const lost = push(hq1, device, inFlight).catch(() => null);
    await hq1.kill();
    await lost;
    const retried = await push(hq2, device, inFlight);
    expect(retried.status, JSON.stringify(retried.body)).toBe(200);
    expect(PushResponse.parse(retried.body).lastSeq).toBe(seq - 1);

    const ops = await db.query<{ seq: string; outcome: string }>(
      'SELECT seq::text AS seq, outcome FROM ops WHERE device_id = $1 AND seq >= $2 ORDER BY seq',
      [device.deviceId, firstSeq],
    );
    expect(ops.rows.map((row) => Number(row.seq))).toEqual(
      Array.from({ length: seq - firstSeq }, (_, i) => firstSeq + i),
    );
    expect(ops.rows.every((row) => row.outcome === 'applied')).toBe(true);
    const ledger = await db.query<{ n: string; points: string }>(
      'SELECT count(*)::text AS n, sum(points)::text AS points FROM ledger WHERE member_id = $1',
      [member],
    );
    // 16 earns of 3 or 4, the one sent twice, the two sent to the killed process: each once.
    expect(ledger.rows[0]).toEqual({ n: '19', points: String(8 * 7 + 10 + 2) });
    const state = await db.query<{ points: string }>('SELECT points::text AS points FROM members WHERE id = $1', [
      member,
    ]);
    expect(state.rows[0]?.points).toBe(String(8 * 7 + 10 + 2));
  });

  test('a process given DATABASE_REPLICA_URL reads till pulls on the streaming replica', async () => {
    const standby = await startStreamingReplica(pg);
    let hq3: HqProcess | undefined;
    try {
      hq3 = await startHqProcess(dir.path, { env: { ...env(), DATABASE_REPLICA_URL: standby.url } });
      await hq3.waitForOutput('HQ_REPLICA=streaming');
      const device = devices[0] as PairResponse;
      const held = await db.query<{ last_seq: string }>(
        'SELECT last_seq::text AS last_seq FROM devices WHERE id = $1',
        [device.deviceId],
      );
      await standby.waitForReplay();
      const pulled = await hq3.send(
        HQ_ROUTES.pull,
        { cursor: null, ackedSeq: Number(held.rows[0]?.last_seq) },
        { authorization: `Bearer ${device.deviceToken}` },
      );
      expect(pulled.status, JSON.stringify(pulled.body)).toBe(200);
      expect(PullResponse.parse(pulled.body).snapshotStart).toBe(true);
      // HQ's pool on the replica is open (the page was read there), and no fallback was logged.
      const onReplica = await standby.psql(
        `SELECT count(*) FROM pg_stat_activity WHERE application_name = '${HQ_APPLICATION_NAME}'`,
      );
      expect(Number(onReplica.trim())).toBeGreaterThan(0);
      expect(hq3.output()).not.toContain('pull answered by the primary');
    } finally {
      await hq3?.stop();
      await standby.stop();
    }
  });
});
