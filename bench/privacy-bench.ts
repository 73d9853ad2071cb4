/**
 * npm run bench -- --only privacy — what customers' rights cost at HQ (issue 13), on a durable
 * PostgreSQL this bench starts and on PGlite, each figure beside its baseline from the same run:
 *
 * - erasing one member (request, restriction, token, ledger, consents, every stored op about the
 *   member scrubbed) with the ops index on its payload's member id, against a plain UPDATE of the
 *   member row, and against the same erasure without that index (a scan of every op);
 * - what that index costs a push: inserting ops with and without it;
 * - retention anonymising inactive members (members/s);
 * - one member's data export, against a plain SELECT of the member's ledger;
 * - an analytics audience over every member (pseudonyms, disclosure logged), against a plain SELECT.
 *
 *   node bench/dist/privacy-bench.js [--backends postgres,pglite] [--members 50000] [--ops-per-member 10]
 *     [--erasures 30] [--inactive 500]
 *
 * Prints a table and, last, one JSON line.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { HqDatabase } from '../packages/hq/src/db/database';
import { deriveKey } from '../packages/hq/src/keys/derived-keys';
import { openHqDatabase } from '../packages/hq/src/open-database';
import { createOperatorAuditLog } from '../packages/hq/src/operators/operator-audit';
import { exportAudience } from '../packages/hq/src/privacy/audiences';
import { recordErasureRequest } from '../packages/hq/src/privacy/erasure';
import { buildMemberExport } from '../packages/hq/src/privacy/member-export';
import { runRetention } from '../packages/hq/src/privacy/retention';
import { startPostgres, type PostgresServer } from '../tests/support/postgres';
import { timeEach } from './timing';
import { openDataKeys } from '../packages/hq/src/keys/data-keys';
import { masterKeyWrapper } from '../packages/hq/src/keys/key-wrapper';
import { sealPlaintextColumns } from '../packages/hq/src/keys/sealed-columns';

type Backend = 'postgres' | 'pglite';

const { values } = parseArgs({
  options: {
    backends: { type: 'string', default: 'postgres,pglite' },
    members: { type: 'string', default: '50000' },
    'ops-per-member': { type: 'string', default: '10' },
    erasures: { type: 'string', default: '30' },
    inactive: { type: 'string', default: '500' },
  },
});
const MEMBERS = Number(values.members);
const OPS_PER_MEMBER = Number(values['ops-per-member']);
const ERASURES = Number(values.erasures);
const INACTIVE = Number(values.inactive);

const member = (i: number) => `bench-${i}`;

/** Members, a ledger entry and an op per member per `OPS_PER_MEMBER`, one consent each: plain SQL, fast. */
async function seed(db: HqDatabase): Promise<void> {
  await db.query(`INSERT INTO stores (id, name, created_at) VALUES ('bench-store', 'Bench', now())`);
  await db.query(
    `INSERT INTO devices (id, store_id, name, token_hash, created_at) VALUES ('bench-till', 'bench-store', 'Bench', 'x', now())`,
  );
  const CHUNK = 10_000;
  for (let from = 0; from < MEMBERS; from += CHUNK) {
    const to = Math.min(MEMBERS, from + CHUNK);
    await db.query(
      `INSERT INTO members (id, card_number, given_name, family_name, phone, email, home_store_id, enrolled_at,
         updated_at, last_activity_at, version, points, marketing_email)
       SELECT 'bench-' || i, '7000' || lpad(i::text, 9, '0'), 'Given' || i, 'Family' || i,
              '+447911' || lpad(i::text, 6, '0'), 'member' || i || '@example.com', 'bench-store',
              now() - interval '3 years', now(), now() - interval '3 years', 1, 10 * $3::int, true
         FROM generate_series($1::int, $2::int - 1) AS i`,
      [from, to, OPS_PER_MEMBER],
    );
    await db.query(
      `INSERT INTO ledger (op_id, member_id, kind, points, at, store_id, device_id, received_at)
       SELECT gen_random_uuid(), 'bench-' || i, 'earn', 10, now() - interval '3 years', 'bench-store', 'bench-till', now()
         FROM generate_series($1::int, $2::int - 1) AS i, generate_series(1, $3::int) AS k`,
      [from, to, OPS_PER_MEMBER],
    );
    await db.query(
      `INSERT INTO consents (op_id, member_id, purpose, granted, notice_version, notice_language, channel, at, store_id, device_id)
       SELECT gen_random_uuid(), 'bench-' || i, 'marketing_email', true, '2026-01', 'en', 'counter', now(), 'bench-store', 'bench-till'
         FROM generate_series($1::int, $2::int - 1) AS i`,
      [from, to],
    );
  }
  await insertOps(db, 0, MEMBERS, 1);
}

/** `OPS_PER_MEMBER` earn ops per member in [from, to), seqs from `firstSeq` on; returns the next seq. */
async function insertOps(db: HqDatabase, from: number, to: number, firstSeq: number): Promise<number> {
  const CHUNK = 5_000;
  let seq = firstSeq;
  for (let start = from; start < to; start += CHUNK) {
    const end = Math.min(to, start + CHUNK);
    const rows = (end - start) * OPS_PER_MEMBER;
    await db.query(
      `INSERT INTO ops (device_id, seq, op_id, type, staff_id, device_time, payload, outcome, received_at, member_id)
       SELECT 'bench-till', $3::bigint + n, gen_random_uuid(), 'points.earned', 'staff-1', '2026-01-01T00:00:00Z',
              jsonb_build_object('memberId', 'bench-' || ($1::int + n / $4::int), 'kind', 'earn', 'points', 10,
                                 'reference', 'R-' || n),
              'applied', now(), 'bench-' || ($1::int + n / $4::int)
         FROM generate_series(0, $2::int - 1) AS n`,
      [start, rows, seq, OPS_PER_MEMBER],
    );
    seq += rows;
  }
  return seq;
}

interface Report {
  backend: Backend;
  members: number;
  ops: number;
  erasure: { withIndex: { p50: number; p95: number }; withoutIndex: { p50: number; p95: number } };
  plainMemberUpdate: { p50: number; p95: number };
  opsInsert: { withIndexPerSecond: number; withoutIndexPerSecond: number };
  retention: { anonymised: number; seconds: number; perSecond: number };
  memberExport: { p50: number; p95: number };
  plainLedgerSelect: { p50: number; p95: number };
  analyticsAudience: { members: number; seconds: number };
  plainSelectAll: { seconds: number };
}

async function run(backend: Backend): Promise<Report> {
  const dir = mkdtempSync(join(tmpdir(), 'privacy-bench-'));
  let pg: PostgresServer | undefined;
  let db: HqDatabase;
  if (backend === 'postgres') {
    pg = await startPostgres({ durable: true });
    db = await openHqDatabase({ dataDir: dir, databaseUrl: pg.url });
  } else {
    db = await openHqDatabase({ dataDir: dir, role: 'server' });
  }
  try {
    await seed(db);
    // The seed writes contacts in clear, as an HQ before issue 15 did: sealed as HQ's start seals them.
    const benchMaster = randomBytes(32);
    const keys = await openDataKeys(db, masterKeyWrapper({ id: 'bench', key: () => Buffer.from(benchMaster) }));
    await sealPlaintextColumns(db, keys);
    await db.query('ANALYZE');
    const now = new Date();
    let next = 0;
    const erase = async () => {
      const id = member(next++);
      await db.transaction((tx) =>
        recordErasureRequest(
          tx,
          { id: randomUUID(), memberId: id, source: 'console', reasonCode: 'member_request' },
          now,
        ),
      );
    };
    const withIndex = await timeEach(ERASURES, erase);
    const plainMemberUpdate = await timeEach(ERASURES, async () => {
      await db.query(`UPDATE members SET given_name = given_name WHERE id = $1`, [member(next++)]);
    });
    await db.query('DROP INDEX ops_payload_member');
    const withoutIndex = await timeEach(Math.max(3, Math.floor(ERASURES / 5)), erase);

    // Push's cost of the index: the same inserts without it, then with it (members past those erased).
    const insertCount = 2_000;
    const opsBefore = await db.query<{ n: unknown }>('SELECT max(seq) AS n FROM ops');
    let seq = Number(opsBefore.rows[0]?.n ?? 0) + 1;
    const base = MEMBERS - insertCount / OPS_PER_MEMBER;
    let start = performance.now();
    seq = await insertOps(db, base, MEMBERS, seq);
    const withoutIndexPerSecond = Math.round(insertCount / ((performance.now() - start) / 1000));
    await db.query(`CREATE INDEX ops_payload_member ON ops ((payload->>'memberId'))`);
    start = performance.now();
    await insertOps(db, base, MEMBERS, seq);
    const withIndexPerSecond = Math.round(insertCount / ((performance.now() - start) / 1000));

    const exportsAt = next;
    const memberExport = await timeEach(ERASURES, async (i) => {
      await buildMemberExport(db, {
        memberId: member(exportsAt + i),
        exportId: randomUUID(),
        purpose: 'access_request',
        now,
        keys,
      });
    });
    const plainLedgerSelect = await timeEach(ERASURES, async (i) => {
      await db.query('SELECT * FROM ledger WHERE member_id = $1', [member(exportsAt + i)]);
    });

    start = performance.now();
    const audience = await db.transaction((tx) =>
      exportAudience(
        tx,
        { purpose: 'analytics', recipient: 'bench-bi', fields: ['tier', 'points', 'homeStoreId'] },
        { operatorId: 'bench', now, pseudonymKey: randomBytes(32), keys },
      ),
    );
    const audienceSeconds = (performance.now() - start) / 1000;
    start = performance.now();
    await db.query('SELECT id, tier, points, home_store_id FROM members WHERE erased_at IS NULL');
    const plainSeconds = (performance.now() - start) / 1000;

    // Retention: INACTIVE members made inactive (every member's activity is 3 years old; the rule is
    // set so only the oldest INACTIVE by id qualify: their activity is moved further back).
    await db.query(
      `UPDATE members SET last_activity_at = now() - interval '10 years'
        WHERE id IN (SELECT id FROM members WHERE erased_at IS NULL ORDER BY id DESC LIMIT $1)`,
      [INACTIVE],
    );
    await db.query('UPDATE privacy_policy SET inactive_member_months = 60 WHERE id = 1');
    const audit = createOperatorAuditLog({ db, key: deriveKey(randomBytes(32), 'operator-audit'), now: () => now });
    start = performance.now();
    const retention = await runRetention({ db, audit, now });
    const retentionSeconds = (performance.now() - start) / 1000;

    return {
      backend,
      members: MEMBERS,
      ops: MEMBERS * OPS_PER_MEMBER,
      erasure: { withIndex, withoutIndex },
      plainMemberUpdate,
      opsInsert: { withIndexPerSecond, withoutIndexPerSecond },
      retention: {
        anonymised: retention.anonymised,
        seconds: Number(retentionSeconds.toFixed(2)),
        perSecond: Math.round(retention.anonymised / retentionSeconds),
      },
      memberExport,
      plainLedgerSelect,
      analyticsAudience: { members: audience.memberCount, seconds: Number(audienceSeconds.toFixed(3)) },
      plainSelectAll: { seconds: Number(plainSeconds.toFixed(3)) },
    };
  } finally {
    await db.close();
    await pg?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const reports: Report[] = [];
for (const backend of (values.backends ?? '').split(',').filter(Boolean) as Backend[]) {
  reports.push(await run(backend));
}
for (const r of reports) {
  const rows: [string, string, string][] = [
    [
      'erase one member (p50 / p95 ms)',
      `${r.erasure.withIndex.p50} / ${r.erasure.withIndex.p95}`,
      `plain member UPDATE ${r.plainMemberUpdate.p50} / ${r.plainMemberUpdate.p95}`,
    ],
    [
      'erase without the ops index (p50 / p95 ms)',
      `${r.erasure.withoutIndex.p50} / ${r.erasure.withoutIndex.p95}`,
      `scans ${r.ops} ops`,
    ],
    [
      'ops inserted per second (index / none)',
      `${r.opsInsert.withIndexPerSecond}`,
      `${r.opsInsert.withoutIndexPerSecond} without the index`,
    ],
    [
      'retention: inactive members anonymised',
      `${r.retention.anonymised} in ${r.retention.seconds} s (${r.retention.perSecond}/s)`,
      '',
    ],
    [
      'one member export (p50 / p95 ms)',
      `${r.memberExport.p50} / ${r.memberExport.p95}`,
      `plain ledger SELECT ${r.plainLedgerSelect.p50} / ${r.plainLedgerSelect.p95}`,
    ],
    [
      'analytics audience, every member',
      `${r.analyticsAudience.members} in ${r.analyticsAudience.seconds} s`,
      `plain SELECT ${r.plainSelectAll.seconds} s`,
    ],
  ];
  console.log(`\nprivacy at HQ — ${r.backend}, ${r.members} members, ${r.ops} ops`);
  for (const [what, figure, baseline] of rows) console.log(`  ${what.padEnd(46)} ${figure.padEnd(30)} ${baseline}`);
}
console.log(JSON.stringify({ privacy: reports }));
