// Till pulls served from a real streaming replica (issue 15 item 6): a PostgreSQL primary and a hot
// standby made with pg_basebackup -R, both on loopback (tests/support/postgres.ts), and the real HQ
// server with DATABASE_REPLICA_URL's read path (db/read-replica.ts, pull/pull.ts). The commit-ordered
// cursor must hold on the replica: transactions that commit out of txid order on the primary, pulled
// from the replica in between, still reach the till exactly once (compared with the primary's change
// log). SEED=<n> replays the shuffled case.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createStore, issuePairingCode } from '../../packages/hq/src/admin';
import type { HqDatabase, Queryable } from '../../packages/hq/src/db/database';
import { migrate } from '../../packages/hq/src/db/migrations';
import { openPostgresDatabase } from '../../packages/hq/src/db/postgres';
import { readReplica, type ReadReplica } from '../../packages/hq/src/db/read-replica';
import { changeMember, lockMember } from '../../packages/hq/src/members/member-state';
import { buildHqServer, type HqServer } from '../../packages/hq/src/server';
import { loadOrCreateTls, type HqTls } from '../../packages/hq/src/tls';
import { HQ_ROUTES, PullResponse, PushResponse, type PairResponse } from '../../src/shared/sync/protocol';
import {
  skipPostgres,
  startPostgres,
  startStreamingReplica,
  type PostgresServer,
  type StreamingReplica,
} from '../support/postgres';
import { makeTempDir } from '../support/temp-dir';
import { httpsSend, openTestDataKeys, pinnedTlsOptions } from './support/hq';
import { enrollOp, newMemberId } from './support/ops';
import { giveTestCatalog } from './support/test-catalog';

const SEED = Number(process.env.SEED ?? Math.floor(Math.random() * 2 ** 31));

/** mulberry32: a small seeded generator, so a failing order can be replayed with SEED. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffled<T>(items: readonly T[], next: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/** A transaction held open on the primary, driven step by step (each step in it), committed on demand. */
interface HeldTransaction {
  run(fn: (tx: Queryable) => Promise<unknown>): Promise<void>;
  commit(): Promise<void>;
}

function holdTransaction(db: HqDatabase): HeldTransaction {
  type Command = { fn: ((tx: Queryable) => Promise<unknown>) | null; resolve(): void; reject(error: unknown): void };
  const queue: Command[] = [];
  let waiting: ((command: Command) => void) | null = null;
  const send = (command: Command) => {
    const taker = waiting;
    waiting = null;
    if (taker) taker(command);
    else queue.push(command);
  };
  const take = () =>
    new Promise<Command>((resolve) => {
      const queued = queue.shift();
      if (queued) resolve(queued);
      else waiting = resolve;
    });
  const finished = db.transaction(async (tx) => {
    for (;;) {
      const command = await take();
      if (command.fn === null) {
        command.resolve();
        return;
      }
      try {
        await command.fn(tx);
        command.resolve();
      } catch (error) {
        command.reject(error);
        throw error;
      }
    }
  });
  return {
    run: (fn) => new Promise<void>((resolve, reject) => send({ fn, resolve, reject })),
    async commit() {
      await new Promise<void>((resolve, reject) => send({ fn: null, resolve, reject }));
      await finished;
    },
  };
}

const memberIds = (pages: PullResponse[]): string[] =>
  pages.flatMap((page) => page.changes.flatMap((change) => (change.kind === 'member' ? [change.member.id] : [])));

describe.skipIf(skipPostgres)('till pulls from a streaming replica', () => {
  let pg: PostgresServer;
  let standby: StreamingReplica;
  let db: HqDatabase;
  let writers: HqDatabase;
  let reads: ReadReplica;
  let tls: HqTls;
  let app: HqServer;
  /** The same HQ without a replica: a till that pulled there holds a cursor past a lagging replica. */
  let primaryOnly: HqServer;
  const dir = makeTempDir('loyalty-hq-replica-');
  const logLines: string[] = [];
  const now = () => new Date();
  const urls = new Map<HqServer, string>();

  beforeAll(async () => {
    console.log(`replica-pull SEED=${SEED}`);
    pg = await startPostgres();
    db = await openPostgresDatabase(pg.url);
    await migrate(db);
    writers = await openPostgresDatabase(pg.url, { max: 12 });
    standby = await startStreamingReplica(pg);
    reads = readReplica(() => openPostgresDatabase(standby.url, { max: 4, connectionTimeoutMs: 2_000 }));
    tls = await loadOrCreateTls({ dataDir: dir.path });
    // One set of data keys for both servers, as two HQ processes on one database hold.
    const keys = await openTestDataKeys(db);
    const serve = async (replica: ReadReplica | undefined, lines?: string[]) => {
      const server = buildHqServer({
        db,
        keys,
        tls,
        now,
        replica,
        pairRateLimit: { max: 1_000_000, windowMs: 1 },
        ...(lines ? { logger: { level: 'info', stream: { write: (line: string) => lines.push(line) } } } : {}),
      });
      await server.listen({ host: '127.0.0.1', port: 0 });
      const address = server.server.address();
      urls.set(server, `https://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`);
      return server;
    };
    app = await serve(reads, logLines);
    primaryOnly = await serve(undefined);
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    await primaryOnly?.close();
    await reads?.close();
    await writers?.close();
    await db?.close();
    await standby?.stop();
    await pg?.stop();
    dir.remove();
  });

  const send = (server: HqServer, path: string, body: unknown, token?: string) =>
    httpsSend(
      urls.get(server) ?? '',
      pinnedTlsOptions(tls, tls.fingerprint256),
      path,
      JSON.stringify(body),
      token
        ? { 'content-type': 'application/json', authorization: `Bearer ${token}` }
        : { 'content-type': 'application/json' },
    );

  async function pairedDevice(): Promise<PairResponse> {
    const { storeId } = await createStore({ db, now }, `Store ${randomUUID().slice(0, 8)}`);
    await giveTestCatalog(db, now, storeId);
    const { pairingCode } = await issuePairingCode({ db, now }, storeId);
    const paired = await send(app, HQ_ROUTES.pair, { pairingCode, deviceName: 'Till 1' });
    expect(paired.status, JSON.stringify(paired.body)).toBe(200);
    return paired.body as PairResponse;
  }

  async function enrol(device: PairResponse, firstSeq: number, count: number): Promise<string[]> {
    const ids = Array.from({ length: count }, () => newMemberId());
    const pushed = await send(
      app,
      HQ_ROUTES.push,
      { ops: ids.map((id, i) => enrollOp(firstSeq + i, id)) },
      device.deviceToken,
    );
    expect(pushed.status, JSON.stringify(pushed.body)).toBe(200);
    expect(PushResponse.parse(pushed.body).lastSeq).toBe(firstSeq + count - 1);
    return ids;
  }

  async function pull(server: HqServer, device: PairResponse, cursor: string | null, ackedSeq: number) {
    const response = await send(server, HQ_ROUTES.pull, { cursor, ackedSeq, limit: 7 }, device.deviceToken);
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    return PullResponse.parse(response.body);
  }

  async function pullAll(server: HqServer, device: PairResponse, cursor: string | null, ackedSeq: number) {
    const pages: PullResponse[] = [];
    let next = cursor;
    for (let i = 0; i < 500; i++) {
      const page = await pull(server, device, next, ackedSeq);
      pages.push(page);
      next = page.cursor;
      if (!page.more) return { pages, cursor: next };
    }
    throw new Error('pull never ended');
  }

  /** The primary's member change-log rows after a log cursor, in commit-independent (txid, seq) order. */
  async function primaryChangesAfter(cursor: string): Promise<string[]> {
    const [, txid, seq] = /^c\.(\d+)\.(\d+)$/.exec(cursor) ?? [];
    const rows = await db.query<{ entity_id: string }>(
      `SELECT entity_id FROM change_log
        WHERE entity = 'member' AND (txid > $1::xid8 OR (txid = $1::xid8 AND seq > $2::bigint))
        ORDER BY txid, seq`,
      [txid, seq],
    );
    return rows.rows.map((row) => row.entity_id);
  }

  const stats = () => ({ ...reads.stats });

  test('the snapshot and the log are read on the replica once it has replayed them', async () => {
    const device = await pairedDevice();
    const ids = await enrol(device, 1, 12);
    await standby.waitForReplay();
    const before = stats();
    const snapshot = await pullAll(app, device, null, 12);
    expect(snapshot.pages.length).toBeGreaterThanOrEqual(2);
    expect(memberIds(snapshot.pages)).toEqual(expect.arrayContaining(ids));
    expect(snapshot.cursor).toMatch(/^c\./);
    expect(stats()).toEqual({ ...before, served: before.served + snapshot.pages.length });
    // The standby really is one: it refuses writes.
    await expect(standby.psql('CREATE TABLE t (x int)')).rejects.toThrow(/read-only transaction/);
  });

  test('transactions committing out of txid order on the primary, pulled from the replica in between, reach the till exactly once', async () => {
    const device = await pairedDevice();
    const ids = await enrol(device, 1, 8);
    await standby.waitForReplay();
    const start = await pullAll(app, device, null, 8);
    const next = random(SEED);

    // The plain case first: T1 takes the lower txid, T2 the higher; T2 commits first.
    const [early, late] = ids as [string, string];
    const t1 = holdTransaction(writers);
    await t1.run((tx) => tx.query('SELECT pg_current_xact_id()'));
    const t2 = holdTransaction(writers);
    await t2.run((tx) => tx.query('SELECT pg_current_xact_id()'));
    await t2.run(async (tx) => {
      await lockMember(tx, late);
      await changeMember(tx, late, now(), {}, 5);
    });
    await t1.run(async (tx) => {
      await lockMember(tx, early);
      await changeMember(tx, early, now(), {}, 5);
    });
    await t2.commit();
    await standby.waitForReplay();
    const served = stats().served;
    const during = await pullAll(app, device, start.cursor, 8);
    // T2 is on the replica, but T1 (lower txid) is still open there: the cursor must not pass T1.
    expect(memberIds(during.pages)).not.toContain(late);
    expect(stats().served).toBe(served + during.pages.length);
    await t1.commit();
    await standby.waitForReplay();
    const after = await pullAll(app, device, during.cursor, 8);
    expect(
      memberIds(after.pages)
        .filter((id) => id === early || id === late)
        .sort(),
    ).toEqual([early, late].sort());

    // Then six transactions taking txids in one order, writing in another and committing in a third,
    // with a replica pull after each commit.
    const pulled: PullResponse[] = [...during.pages, ...after.pages];
    const held: HeldTransaction[] = [];
    for (let i = 0; i < 6; i++) {
      const t = holdTransaction(writers);
      await t.run((tx) => tx.query('SELECT pg_current_xact_id()'));
      held.push(t);
    }
    for (const i of shuffled([0, 1, 2, 3, 4, 5], next)) {
      const member = ids[2 + i] as string;
      await held[i]?.run(async (tx) => {
        await lockMember(tx, member);
        await changeMember(tx, member, now(), {}, 1);
      });
    }
    let cursor = after.cursor;
    const behindBefore = stats();
    for (const i of shuffled([0, 1, 2, 3, 4, 5], next)) {
      await held[i]?.commit();
      await standby.waitForReplay();
      const pages = await pullAll(app, device, cursor, 8);
      pulled.push(...pages.pages);
      cursor = pages.cursor;
    }
    // Every pull of the loop came from the replica.
    expect(stats().behind).toBe(behindBefore.behind);
    expect(stats().unavailable).toBe(behindBefore.unavailable);

    // Exactly once, and exactly what the primary's change log holds past the starting cursor.
    const expected = await primaryChangesAfter(start.cursor);
    expect(expected).toHaveLength(8);
    expect(memberIds(pulled).sort()).toEqual([...expected].sort());
    // And with the primary's final state of each member.
    const finalState = await db.query<{ id: string; version: string }>(
      'SELECT id, version::text AS version FROM members WHERE id = ANY($1::text[])',
      [ids],
    );
    const lastSeen = new Map<string, number>();
    for (const page of pulled)
      for (const change of page.changes)
        if (change.kind === 'member') lastSeen.set(change.member.id, change.member.version);
    for (const row of finalState.rows) expect(lastSeen.get(row.id), row.id).toBe(Number(row.version));
  });

  test('a replica that has not replayed a position answers what it has; a cursor past it goes to the primary', async () => {
    const device = await pairedDevice();
    await enrol(device, 1, 2);
    await standby.waitForReplay();
    const start = await pullAll(app, device, null, 2);
    await standby.pauseReplay();
    try {
      // Two transactions: the replica's xmin stays at the first, so a cursor at the second is past it.
      const fresh = [...(await enrol(device, 3, 2)), ...(await enrol(device, 5, 1))];
      // The replica stands before the new enrolments: it answers nothing new and keeps the cursor.
      const before = stats();
      const lagging = await pull(app, device, start.cursor, 5);
      expect(memberIds([lagging])).toEqual([]);
      expect(lagging.cursor).toBe(start.cursor);
      expect(stats().served).toBe(before.served + 1);
      // A till that pulled from the primary holds a cursor the replica has not reached.
      const ahead = await pullAll(primaryOnly, device, start.cursor, 5);
      expect(memberIds(ahead.pages)).toEqual(expect.arrayContaining(fresh));
      const logged = logLines.length;
      const answered = await pull(app, device, ahead.cursor, 5);
      // Answered by the primary: not cursor_expired, and the cursor never goes back.
      expect(answered.cursor).toBe(ahead.cursor);
      expect(stats().behind).toBe(before.behind + 1);
      expect(logLines.slice(logged).join('\n')).toMatch(/"reason":"behind".*pull answered by the primary/);
    } finally {
      await standby.resumeReplay();
    }
    await standby.waitForReplay();
    const served = stats().served;
    const caughtUp = await pull(app, device, (await pullAll(primaryOnly, device, start.cursor, 5)).cursor, 5);
    expect(caughtUp.more).toBe(false);
    expect(stats().served).toBe(served + 1);
  });

  test('a replica that is down: the primary answers, the till gets its page and HQ logs why', async () => {
    const device = await pairedDevice();
    const ids = await enrol(device, 1, 3);
    await standby.stop();
    const before = stats();
    const logged = logLines.length;
    const pages = await pullAll(app, device, null, 3);
    expect(memberIds(pages.pages)).toEqual(expect.arrayContaining(ids));
    expect(stats().unavailable).toBeGreaterThan(before.unavailable);
    expect(stats().served).toBe(before.served);
    const lines = logLines.slice(logged).join('\n');
    expect(lines).toMatch(/"reason":"unavailable".*pull answered by the primary/);
    // The log says why in a code, never the connection string's password.
    expect(lines).not.toContain(pg.password);
  });
});
