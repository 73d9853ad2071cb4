/**
 * npm run bench -- --only console — what the operators' console costs (issue 12), on the real HQ
 * server over HTTPS (pinned, keep-alive) on a durable PostgreSQL this bench starts and on PGlite,
 * each figure beside the baseline it is built on, measured in the same run:
 *
 * - login (password + TOTP → session): against one argon2id verification of the same password;
 * - first contact search after N members arrived: HQ hashes every member's phone and e-mail once
 *   (contact lookups), against the same number of rows read with a plain SELECT;
 * - a search by phone through the keyed hashes (masked answer, audited): against the bare indexed
 *   SELECT on the hash column;
 * - a read (listStores: session, role check, transaction) and a write (createStore: CSRF, request id,
 *   audit entry in the same transaction): against a plain SELECT 1 and a plain INSERT.
 *
 *   node bench/dist/console-bench.js [--backends postgres,pglite] [--members 100000] [--repeats 200]
 *
 * Prints a table and, last, one JSON line.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { Agent, request as httpsRequest } from 'node:https';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkServerIdentity, type PeerCertificate } from 'node:tls';
import { parseArgs } from 'node:util';
import { createStore } from '../packages/hq/src/admin';
import { CONSOLE_API_PREFIX, CSRF_HEADER, SESSION_COOKIE } from '../packages/hq/src/console/contract';
import { createChainAdmin } from '../packages/hq/src/console/first-admin';
import type { HqDatabase } from '../packages/hq/src/db/database';
import { deriveKey } from '../packages/hq/src/keys/derived-keys';
import { openHqDatabase } from '../packages/hq/src/open-database';
import { createOperatorAuditLog } from '../packages/hq/src/operators/operator-audit';
import { hashOperatorPassword, verifyOperatorPassword } from '../packages/hq/src/operators/passwords';
import { totpCodeAt } from '../packages/hq/src/operators/totp';
import { sealPlaintextColumns } from '../packages/hq/src/keys/sealed-columns';
import { buildHqServer } from '../packages/hq/src/server';
import { loadOrCreateTls } from '../packages/hq/src/tls';
import { startPostgres, type PostgresServer } from '../tests/support/postgres';
import { ms, timeEach } from './timing';
import { openDataKeys } from '../packages/hq/src/keys/data-keys';
import { masterKeyWrapper } from '../packages/hq/src/keys/key-wrapper';

type Backend = 'postgres' | 'pglite';
const PASSWORD = 'measured carefully on this machine 9';

const { values } = parseArgs({
  options: {
    backends: { type: 'string', default: 'postgres,pglite' },
    members: { type: 'string', default: '100000' },
    repeats: { type: 'string', default: '200' },
  },
});
const MEMBERS = Number(values.members);
const REPEATS = Number(values.repeats);

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

function client(url: string, cert: string, fingerprint: string) {
  const agent = new Agent({
    keepAlive: true,
    ca: cert,
    checkServerIdentity: (host: string, peer: PeerCertificate) =>
      checkServerIdentity(host, peer) ?? (peer.fingerprint256 === fingerprint ? undefined : new Error('pin')),
  });
  return {
    agent,
    send(method: string, path: string, body: unknown, headers: Record<string, string> = {}): Promise<Answer> {
      const payload = body === undefined ? '' : JSON.stringify(body);
      return new Promise((resolve, reject) => {
        const req = httpsRequest(
          new URL(path, url),
          {
            method,
            agent,
            headers: {
              ...headers,
              ...(payload ? { 'content-type': 'application/json' } : {}),
              'content-length': String(Buffer.byteLength(payload)),
            },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => {
              const text = Buffer.concat(chunks).toString('utf8');
              resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text ? JSON.parse(text) : null });
            });
            res.on('error', reject);
          },
        );
        req.on('error', reject);
        req.end(payload);
      });
    },
  };
}

async function seedMembers(db: HqDatabase, storeId: string, count: number): Promise<void> {
  const CHUNK = 50_000;
  for (let from = 0; from < count; from += CHUNK) {
    const to = Math.min(count, from + CHUNK);
    await db.query(
      `INSERT INTO members (id, card_number, given_name, family_name, phone, email, home_store_id, enrolled_at,
         updated_at, version, points)
       SELECT 'bench-' || i, '7000' || lpad(i::text, 9, '0'), 'Given' || i, 'Family' || i,
              '+447911' || lpad(i::text, 6, '0'), 'member' || i || '@example.com', $3, now(), now(), 1, 0
         FROM generate_series($1::int, $2::int - 1) AS i`,
      [from, to, storeId],
    );
  }
}

async function run(backend: Backend) {
  const dir = mkdtempSync(join(tmpdir(), 'loyalty-console-bench-'));
  let pg: PostgresServer | undefined;
  let db: HqDatabase;
  if (backend === 'postgres') {
    pg = await startPostgres({ durable: true });
    db = await openHqDatabase({ dataDir: dir, databaseUrl: pg.url });
  } else {
    db = await openHqDatabase({ dataDir: dir, role: 'server' });
  }
  // Each login spends a TOTP step: the server's clock moves 30 s per login, as a real one would between them.
  const clock = { now: Date.now() };
  const now = () => new Date(clock.now);
  const masterKey = randomBytes(32);
  const tls = await loadOrCreateTls({ dataDir: dir });
  let origin = '';
  const keys = await openDataKeys(db, masterKeyWrapper({ id: 'bench', key: () => Buffer.from(masterKey) }));
  const app = buildHqServer({
    db,
    keys,
    tls,
    now,
    console: {
      // A fresh HQ's key root is its master key (keys/data-keys.ts openDerivationRoot).
      keyRoot: masterKey,
      hqCertSha256: tls.fingerprint256,
      publicOrigin: () => origin,
      // Thirty logins in a row from one address: the per-address limit is not what is measured here.
      publicRateLimit: { max: 1_000_000, windowMs: 1 },
    },
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  origin = `https://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const http = client(origin, tls.cert, tls.fingerprint256);
  try {
    const { storeId } = await createStore({ db, now }, 'Bench Store');
    const seedStart = performance.now();
    await seedMembers(db, storeId, MEMBERS);
    // As HQ's start pass does (main.ts): contacts are kept sealed at rest, never in clear.
    await sealPlaintextColumns(db, keys);
    const seedSeconds = (performance.now() - seedStart) / 1000;

    const audit = createOperatorAuditLog({ db, key: deriveKey(masterKey, 'operator-audit'), now });
    const made = await createChainAdmin(
      { db, now, random: (n) => randomBytes(n), audit, publicOrigin: () => origin },
      { email: 'bench@chain.example', displayName: 'Bench Admin' },
    );
    const token = made.enrolmentUrl.split('#/enrol/')[1] ?? '';
    const opened = await http.send('POST', `${CONSOLE_API_PREFIX}/enrolment/open`, { token });
    const secret = (opened.body as { totpSecret: string }).totpSecret;
    await http.send('POST', `${CONSOLE_API_PREFIX}/enrolment/complete`, {
      token,
      password: PASSWORD,
      totpCode: totpCodeAt(secret, now()),
    });
    await db.query(
      `INSERT INTO operator_roles (operator_id, role) SELECT id, r FROM operators,
         unnest(ARRAY['store_operations', 'privacy_officer']) AS r`,
    );

    let cookie = '';
    let csrf = '';
    const login = await timeEach(Math.min(REPEATS, 30), async () => {
      clock.now += 30_000;
      const answer = await http.send(
        'POST',
        `${CONSOLE_API_PREFIX}/login`,
        { email: 'bench@chain.example', password: PASSWORD, secondFactor: totpCodeAt(secret, now()) },
        { origin },
      );
      if (answer.status !== 200) throw new Error(`login ${answer.status}`);
      const set = String(answer.headers['set-cookie'] ?? '');
      cookie = new RegExp(`${SESSION_COOKIE}=([^;]*)`).exec(set)?.[1] ?? '';
      csrf = (answer.body as { csrfToken: string }).csrfToken;
    });
    const argonHash = await hashOperatorPassword(PASSWORD);
    const argon = await timeEach(Math.min(REPEATS, 30), async () => {
      await verifyOperatorPassword(argonHash, PASSWORD);
    });
    const session = { cookie: `${SESSION_COOKIE}=${cookie}`, origin, [CSRF_HEADER]: csrf };

    // First search: every member's contacts hashed once.
    const firstStart = performance.now();
    const first = await http.send(
      'POST',
      `${CONSOLE_API_PREFIX}/members/search`,
      { by: 'phone', value: '+447911000042' },
      session,
    );
    const firstSeconds = (performance.now() - firstStart) / 1000;
    if (first.status !== 200) throw new Error(`search ${first.status} ${JSON.stringify(first.body)}`);
    const scanStart = performance.now();
    await db.query('SELECT id, phone, email FROM members');
    const scanSeconds = (performance.now() - scanStart) / 1000;

    const search = await timeEach(REPEATS, async (i) => {
      const answer = await http.send(
        'POST',
        `${CONSOLE_API_PREFIX}/members/search`,
        { by: 'phone', value: `+447911${String((i * 7919) % MEMBERS).padStart(6, '0')}` },
        session,
      );
      if (answer.status !== 200 || (answer.body as { members: unknown[] }).members.length !== 1)
        throw new Error(`search ${answer.status}`);
    });
    const hashes = (
      await db.query<{ phone_lookup: string }>(
        `SELECT phone_lookup FROM members WHERE phone_lookup IS NOT NULL ORDER BY id LIMIT ${REPEATS}`,
      )
    ).rows.map((row) => row.phone_lookup);
    const bareSearch = await timeEach(REPEATS, async (i) => {
      await db.query('SELECT id, card_number, phone, email FROM members WHERE phone_lookup = $1', [
        hashes[i % hashes.length],
      ]);
    });

    const read = await timeEach(REPEATS, async () => {
      const answer = await http.send('GET', `${CONSOLE_API_PREFIX}/stores`, undefined, session);
      if (answer.status !== 200) throw new Error(`stores ${answer.status}`);
    });
    const bareRead = await timeEach(REPEATS, async () => {
      await db.query('SELECT 1');
    });
    const write = await timeEach(REPEATS, async (i) => {
      const answer = await http.send(
        'POST',
        `${CONSOLE_API_PREFIX}/stores`,
        { requestId: randomUUID(), name: `Store ${i}` },
        session,
      );
      if (answer.status !== 200) throw new Error(`createStore ${answer.status}`);
    });
    const bareWrite = await timeEach(REPEATS, async (i) => {
      await db.query('INSERT INTO stores (id, name, created_at) VALUES ($1, $2, now())', [randomUUID(), `Plain ${i}`]);
    });
    return {
      backend,
      members: MEMBERS,
      seedSeconds: ms(seedSeconds),
      login,
      argon2Verify: argon,
      firstSearchSeconds: ms(firstSeconds),
      plainScanSeconds: ms(scanSeconds),
      searchByPhone: search,
      bareHashSelect: bareSearch,
      listStores: read,
      selectOne: bareRead,
      createStore: write,
      plainInsert: bareWrite,
    };
  } finally {
    http.agent.destroy();
    await app.close();
    await db.close();
    await pg?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const results = [];
for (const backend of values.backends.split(',') as Backend[]) {
  results.push(await run(backend));
}
const line = (label: string, a: { p50: number; p95: number }, b: { p50: number; p95: number }, base: string) =>
  `  ${label.padEnd(34)} p50 ${String(a.p50).padStart(8)} ms  p95 ${String(a.p95).padStart(8)} ms   | ${base.padEnd(22)} p50 ${String(b.p50).padStart(7)} ms  p95 ${String(b.p95).padStart(7)} ms`;
for (const r of results) {
  console.log(`\nHQ console on ${r.backend}, ${r.members.toLocaleString('en')} members (seeded in ${r.seedSeconds} s)`);
  console.log(line('login (password + TOTP → session)', r.login, r.argon2Verify, 'argon2id verify alone'));
  console.log(
    `  first contact search (hash all)    ${String(r.firstSearchSeconds).padStart(8)} s                    | plain read of the rows  ${r.plainScanSeconds} s`,
  );
  console.log(line('search by phone (masked, audited)', r.searchByPhone, r.bareHashSelect, 'bare SELECT by hash'));
  console.log(line('listStores (session, role, tx)', r.listStores, r.selectOne, 'SELECT 1'));
  console.log(line('createStore (CSRF, id, audit)', r.createStore, r.plainInsert, 'plain INSERT'));
}
console.log(JSON.stringify({ console: results }));
