// A real HQ on 127.0.0.1 over HTTPS with its self-signed certificate, for one database backend, and
// a client that pins the certificate's SHA-256 fingerprint. Tests run on PGlite and on a throwaway
// PostgreSQL server (tests/support/postgres.ts); LOYALTY_SKIP_POSTGRES=1 skips the latter on purpose.
import type { IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { checkServerIdentity, type PeerCertificate } from 'node:tls';
import { randomBytes, randomUUID } from 'node:crypto';
import type { HqDatabase, Queryable } from '../../../packages/hq/src/db/database';
import { migrate } from '../../../packages/hq/src/db/migrations';
import { openPgliteDatabase } from '../../../packages/hq/src/db/pglite';
import { openPostgresDatabase } from '../../../packages/hq/src/db/postgres';
import { buildHqServer, type HqServer } from '../../../packages/hq/src/server';
import { openDataKeys, openDerivationRoot, type DataKeys } from '../../../packages/hq/src/keys/data-keys';
import { masterKeyWrapper, type KeyWrapper } from '../../../packages/hq/src/keys/key-wrapper';
import type { SessionTimeouts } from '../../../packages/hq/src/console/sessions';
import { loadOrCreateTls, type HqTls } from '../../../packages/hq/src/tls';
import { createStore, issuePairingCode } from '../../../packages/hq/src/admin';
import { RATE_LIMIT_TABLE, type RateLimit } from '../../../packages/hq/src/rate-limit';
import { HQ_ROUTES, PushResponse, type PairResponse, type PushRequest } from '../../../src/shared/sync/protocol';
import { makeTempDir } from '../../support/temp-dir';
import { giveTestCatalog } from './test-catalog';
import { skipPostgres, startPostgres, type PostgresServer } from '../../support/postgres';

export const BACKENDS = ['pglite', 'postgres'] as const;
export type Backend = (typeof BACKENDS)[number];

/** describe.skipIf(skipBackend(b)): PostgreSQL is skipped only when switched off on purpose. */
export const skipBackend = (backend: Backend): boolean => backend === 'postgres' && skipPostgres;

export interface HqResponse {
  status: number;
  body: unknown;
}

export interface TestHq {
  db: HqDatabase;
  url: string;
  tls: HqTls;
  /** A mutable clock: tests move it to expire pairing codes. */
  clock: { now: Date };
  /** Sends a request through the pinned client. `raw` sends those exact bytes instead of JSON. */
  send(
    path: string,
    body: unknown,
    options?: { token?: string; raw?: string | Buffer; contentType?: string; authorization?: string; method?: string },
  ): Promise<HqResponse>;
  /** A new till; in a new store unless `storeId` names one (two tills of one store). */
  pairedDevice(name?: string, storeId?: string): Promise<PairResponse>;
  /** Pushes as `device`; anything but 200 throws with HQ's answer. */
  push(device: PairResponse, ops: PushRequest['ops']): Promise<PushResponse>;
  /** Every HQ table, as JSON text: equal snapshots mean nothing changed. */
  snapshot(): Promise<string>;
  /** Its PostgreSQL database's URL (another HQ process can connect to it); undefined on PGlite. */
  databaseUrl: string | undefined;
  /** The master key the console was started with (undefined without the console). */
  masterKey: Buffer | undefined;
  /** HQ's data keys (members' contacts are stored sealed): tests open and seal values with them. */
  keys: DataKeys;
  /** The master key the data keys are wrapped with (the console's when it has one). */
  dataMasterKey: Buffer;
  close(): Promise<void>;
}

/**
 * Every table of HQ's schema, read from the catalog: a table a later migration adds is covered by
 * "changes nothing" checks without anyone remembering to list it.
 */
export async function hqTables(db: Queryable): Promise<string[]> {
  const found = await db.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables
      WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`,
  );
  return found.rows.map((row) => row.table_name);
}

/**
 * Every row of every HQ table as JSON text (rows in a fixed order): equal texts mean nothing changed.
 * All but the rate limiter's attempt log: counting an attempt (a refused one too, when it is within
 * the limit) is that table's whole purpose; tests/hq/pair-rate-limit.test.ts checks it on its own.
 */
export async function snapshotTables(db: Queryable): Promise<string> {
  const parts: Record<string, unknown[]> = {};
  for (const table of await hqTables(db)) {
    if (table === RATE_LIMIT_TABLE) continue;
    const quoted = `"${table.replaceAll('"', '""')}"`;
    parts[table] = (await db.query(`SELECT * FROM ${quoted} AS t ORDER BY t::text`)).rows;
  }
  return JSON.stringify(parts);
}

/** Opens a fresh, migrated database on `backend`; `stop` closes it (and its PostgreSQL server). */
export async function openTestDatabase(
  backend: Backend,
): Promise<{ db: HqDatabase; url?: string; stop(): Promise<void> }> {
  if (backend === 'pglite') {
    const db = await openPgliteDatabase();
    await migrate(db);
    return { db, stop: () => db.close() };
  }
  const server: PostgresServer = await startPostgres();
  try {
    const db = await openPostgresDatabase(server.url);
    await migrate(db);
    return {
      db,
      url: server.url,
      stop: async () => {
        await db.close();
        await server.stop();
      },
    };
  } catch (error) {
    await server.stop();
    throw error;
  }
}

/** The local key wrapper (HQ's master key) for a test's own master key. */
export function testKeyWrapper(masterKey: Buffer): KeyWrapper {
  return masterKeyWrapper({ id: 'test', key: () => Buffer.from(masterKey) });
}

/** Opens (makes on first use) the data keys of `db` under `masterKey` (random when not given). */
export function openTestDataKeys(db: Queryable, masterKey: Buffer = randomBytes(32)): Promise<DataKeys> {
  return openDataKeys(db, testKeyWrapper(masterKey));
}

/** Pins `fingerprint256` on top of normal chain and name checks against the HQ's own certificate. */
export function pinnedTlsOptions(tls: { cert: string }, fingerprint256: string) {
  return {
    ca: tls.cert,
    checkServerIdentity: (host: string, cert: PeerCertificate) =>
      checkServerIdentity(host, cert) ??
      (cert.fingerprint256 === fingerprint256
        ? undefined
        : new Error('HQ certificate fingerprint does not match the pin')),
  };
}

/** One HTTPS request over `tlsOptions`: status, headers and the body as text. */
export function httpsExchange(
  url: string,
  tlsOptions: ReturnType<typeof pinnedTlsOptions>,
  path: string,
  payload: string | Buffer,
  headers: Record<string, string>,
  method = 'POST',
): Promise<{ status: number; headers: IncomingHttpHeaders; text: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      new URL(path, url),
      {
        method,
        agent: false,
        headers: { ...headers, 'content-length': String(Buffer.byteLength(payload)) },
        ...tlsOptions,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** The body as JSON when it is JSON, else as text. */
export function jsonOrText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    return text;
  }
}

export async function httpsSend(
  url: string,
  tlsOptions: ReturnType<typeof pinnedTlsOptions>,
  path: string,
  payload: string | Buffer,
  headers: Record<string, string>,
  method = 'POST',
): Promise<HqResponse> {
  const { status, text } = await httpsExchange(url, tlsOptions, path, payload, headers, method);
  return { status, body: jsonOrText(text) };
}

/**
 * Tests pair many tills from 127.0.0.1 on a clock that stands still, so the pairing rate limit is
 * lifted unless a test asks for one (tests/hq/pair-rate-limit.test.ts passes the real one).
 */
const TEST_PAIR_RATE_LIMIT: RateLimit = { max: 1_000_000, windowMs: 1 };

/**
 * A second HQ on the database of `of`, as another HQ process behind the same balancer would be: on
 * PostgreSQL through its own connection pool, on PGlite (one process only) through the same instance.
 * It keeps `of`'s clock; closing it leaves the database to `of`.
 */
async function sharedDatabase(of: TestHq): Promise<{ db: HqDatabase; url?: string; stop(): Promise<void> }> {
  if (of.databaseUrl === undefined) return { db: of.db, stop: async () => undefined };
  const db = await openPostgresDatabase(of.databaseUrl);
  return { db, url: of.databaseUrl, stop: () => db.close() };
}

export async function startTestHq(
  backend: Backend,
  options: {
    pairRateLimit?: RateLimit;
    sharedWith?: TestHq;
    /** Where HQ's own log lines go (Fastify's logger at info); silent otherwise. */
    logLines?: string[];
    /** Serves the operators' console API with this master key (random when true). */
    console?:
      | boolean
      | {
          masterKey?: Buffer;
          timeouts?: SessionTimeouts;
          staticDir?: string;
          /** The console's public host name (its origin is https://publicHost:port); 127.0.0.1 otherwise. */
          publicHost?: string;
          /** Lifted unless a test asks for one (tests log in many times from 127.0.0.1). */
          publicRateLimit?: RateLimit;
        };
  } = {},
): Promise<TestHq> {
  const dir = makeTempDir('loyalty-hq-');
  const {
    db,
    url: databaseUrl,
    stop,
  } = options.sharedWith ? await sharedDatabase(options.sharedWith) : await openTestDatabase(backend);
  const clock = options.sharedWith?.clock ?? { now: new Date('2026-03-02T09:00:00.000Z') };
  let app: HqServer | undefined;
  try {
    const tls = await loadOrCreateTls({ dataDir: dir.path });
    const consoleWanted = options.console === undefined || options.console === false ? undefined : options.console;
    const consoleConfig = consoleWanted === true ? {} : consoleWanted;
    const masterKey = consoleConfig ? (consoleConfig.masterKey ?? randomBytes(32)) : undefined;
    // A second HQ on the same database holds the same data keys, as another process would after
    // unwrapping them with the same master key.
    const dataMasterKey = options.sharedWith?.dataMasterKey ?? masterKey ?? randomBytes(32);
    const keys = options.sharedWith?.keys ?? (await openTestDataKeys(db, dataMasterKey));
    // As main.ts: the root HQ's own keys derive from, made once from the first master key.
    const keyRoot = masterKey
      ? await openDerivationRoot(db, testKeyWrapper(dataMasterKey), masterKey, clock.now)
      : undefined;
    let origin = 'https://127.0.0.1';
    app = buildHqServer({
      db,
      keys,
      tls,
      now: () => clock.now,
      pairRateLimit: options.pairRateLimit ?? TEST_PAIR_RATE_LIMIT,
      ...(options.logLines
        ? { logger: { level: 'info', stream: { write: (line: string) => options.logLines?.push(line) } } }
        : {}),
      ...(consoleConfig && keyRoot
        ? {
            console: {
              keyRoot,
              hqCertSha256: tls.fingerprint256,
              publicOrigin: () => origin,
              ...(consoleConfig.timeouts ? { timeouts: consoleConfig.timeouts } : {}),
              publicRateLimit: consoleConfig.publicRateLimit ?? TEST_PAIR_RATE_LIMIT,
              ...(consoleConfig.staticDir ? { staticDir: consoleConfig.staticDir } : {}),
            },
          }
        : {}),
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    const url = `https://127.0.0.1:${port}`;
    origin = consoleConfig?.publicHost ? `https://${consoleConfig.publicHost}:${port}` : url;
    const pin = pinnedTlsOptions(tls, tls.fingerprint256);
    const running = app;
    const hq: TestHq = {
      db,
      url,
      tls,
      clock,
      send(path, body, options = {}) {
        const headers: Record<string, string> = { 'content-type': options.contentType ?? 'application/json' };
        if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
        if (options.authorization !== undefined) headers.authorization = options.authorization;
        return httpsSend(url, pin, path, options.raw ?? JSON.stringify(body), headers, options.method);
      },
      async push(device, ops) {
        const response = await hq.send(HQ_ROUTES.push, { ops }, { token: device.deviceToken });
        if (response.status !== 200) throw new Error(`push refused: ${JSON.stringify(response.body)}`);
        return PushResponse.parse(response.body);
      },
      async pairedDevice(name = 'Till 1', existingStore?: string) {
        let storeId = existingStore;
        if (storeId === undefined) {
          storeId = (await createStore({ db, now: () => clock.now }, `Store ${randomUUID().slice(0, 8)}`)).storeId;
          await giveTestCatalog(db, () => clock.now, storeId);
        }
        const { pairingCode } = await issuePairingCode({ db, now: () => clock.now }, storeId);
        const response = await hq.send(HQ_ROUTES.pair, { pairingCode, deviceName: name });
        if (response.status !== 200) throw new Error(`pairing failed: ${JSON.stringify(response.body)}`);
        return response.body as PairResponse;
      },
      snapshot: () => snapshotTables(db),
      databaseUrl,
      masterKey,
      keys,
      dataMasterKey,
      async close() {
        await running.close();
        await stop();
        dir.remove();
      },
    };
    return hq;
  } catch (error) {
    await app?.close();
    await stop();
    dir.remove();
    throw error;
  }
}
