// npm run hq -- [--data-dir DIR] [--port N] [--host H] [--cert FILE --key FILE] [--public-url URL]
//   runs the HQ server and its operators' console at https://HOST:PORT/console/
//   (--data-dir defaults to the OS's app-data folder, never the checkout: Linux $XDG_DATA_HOME/loyalty-desk-hq,
//   macOS ~/Library/Application Support/Loyalty Desk HQ, Windows %APPDATA%\Loyalty Desk HQ)
// npm run hq -- --demo [--demo-members N] [--demo-tills N] …   the same, after seeding a demo store, catalogue,
//   staff (public demo PINs) and N synthetic members (once), with a fresh PAIRING_CODE (and PAIRING_CODE_2… for
//   more tills)
// npm run hq -- [--data-dir DIR] COMMAND …   one admin command, sent to the RUNNING HQ's console API:
//   create-admin --email EMAIL --name NAME     the first chain admin, once (prints ENROLMENT_URL, valid 24 h)
//   every other command acts as the operator whose API token (made in the console) is in LOYALTY_HQ_TOKEN,
//   with that token's roles, audited like the console (admin/cli.ts lists them; --help prints them).
// HQ's address: LOYALTY_HQ_URL and LOYALTY_HQ_CERT_SHA256, or else <data-dir>/hq-admin.json, which the server
// writes (0600) when it listens: its loopback URL, certificate fingerprint and the bootstrap token create-admin uses.
// No command opens the database: nothing is written behind the running server's back.
// A refused command prints `error: CODE: message` (and `  at FIELD: CODE` lines) and exits 2; one that
// needs a second operator prints APPROVAL_ID=… and exits 3.
// DATABASE_URL selects PostgreSQL; without it HQ runs on embedded PGlite in <data-dir>/pgdata, which
// only one process may open (<data-dir>/pgdata.lock). On PostgreSQL any number of HQ processes may serve one
// database (docs/ARCHITECTURE.md, Scale-out): give them the same --data-dir (TLS identity, master key) or the same
// --cert/--key and LOYALTY_HQ_MASTER_KEY. HQ_DB_POOL_MAX (default 10) connections per process,
// HQ_DB_STATEMENT_TIMEOUT_MS (default 30000); DATABASE_REPLICA_URL, a streaming replica, serves till pulls
// (HQ_DB_REPLICA_POOL_MAX connections, default HQ_DB_POOL_MAX).
// The master key (operator audit chain, approvals, CSRF; it wraps the data keys that seal columns at rest) comes from
// LOYALTY_HQ_MASTER_KEY or <data-dir>/hq-master.key. With HQ stopped, `npm run hq -- rotate-master-key` rewraps the
// data keys under LOYALTY_HQ_NEW_MASTER_KEY; HQ then starts with that key.
import { randomBytes } from 'node:crypto';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import demoStaff from '../../../resources/demo/staff.json';
import { newAdminToken, readAdminEndpoint, removeAdminEndpoint, writeAdminEndpoint } from './admin/admin-endpoint-file';
import { AdminClientError, ConsoleApiError, consoleApiClient, pinnedRequest, type HqAddress } from './admin/api-client';
import { BOOTSTRAP_ROUTE, BootstrapResponse } from './admin/bootstrap-route';
import {
  ADMIN_OPTIONS,
  ADMIN_USAGE,
  MALFORMED_OPTION,
  runAdminCommand,
  type AdminConnection,
  type AdminOptionValues,
} from './admin/cli';
import { issuePairingCode } from './admin/devices';
import { ConsoleError } from './console/contract';
import { createChainAdmin } from './console/first-admin';
import type { HqDatabase } from './db/database';
import { deriveKey } from './keys/derived-keys';
import { issueEnrolment } from './operators/enrolment';
import { createOperatorAuditLog } from './operators/operator-audit';
import { schedulePrivacyJob } from './privacy/privacy-job';
import { scheduleBaselineJob } from './detection/baseline-job';
import { DataDirLockedError } from './db/data-dir-lock';
import { seedDemoHq } from './demo/seed-demo-hq';
import { MasterKeyError, loadMasterKey } from './keys/master-key';
import { rotateDataKeysOffline, rotateMasterKey } from './keys/rotate-master-key';
import { DataKeyError, openDataKeys, openDerivationRoot } from './keys/data-keys';
import { masterKeyWrapper } from './keys/key-wrapper';
import { sealPlaintextColumns } from './keys/sealed-columns';
import { sealPinPepperRoot } from './staff/pin-peppers';
import { backfillContactLookups } from './members/contact-lookups';
import { openHqDatabase } from './open-database';
import { openPostgresDatabase } from './db/postgres';
import { HQ_JOBS_APPLICATION_NAME, poolSettingsFromEnv } from './db/pool-settings';
import { readReplica } from './db/read-replica';
import { buildHqServer } from './server';
import { loadOrCreateTls } from './tls';
import { defaultHqDataDir } from './default-data-dir';

/** The console's built files, next to this bundle (packages/hq/dist/console). */
const CONSOLE_DIR = join(dirname(fileURLToPath(import.meta.url)), 'console');

const out = (line: string): void => {
  process.stdout.write(`${line}\n`);
};
const errLine = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

function parseServerArgs() {
  return parseArgs({
    allowPositionals: true,
    options: {
      'data-dir': { type: 'string' },
      port: { type: 'string', default: '8443' },
      host: { type: 'string', default: '127.0.0.1' },
      cert: { type: 'string' },
      key: { type: 'string' },
      'public-url': { type: 'string' },
      demo: { type: 'boolean', default: false },
      'demo-members': { type: 'string', default: '2000' },
      'demo-tills': { type: 'string', default: '1' },
      help: { type: 'boolean', short: 'h', default: false },
      ...ADMIN_OPTIONS,
    },
  });
}

async function main(): Promise<number> {
  let parsed;
  try {
    parsed = parseServerArgs();
  } catch (error) {
    // parseArgs refuses an unknown or malformed option with a TypeError: a refusal like any other.
    if (!(error instanceof TypeError)) throw error;
    errLine(MALFORMED_OPTION);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    out(
      'usage: npm run hq -- [--data-dir DIR] [--port N] [--host H] [--cert FILE --key FILE] [--public-url URL] [--demo [--demo-members N] [--demo-tills N]]',
    );
    out('       npm run hq -- [--data-dir DIR] COMMAND …   (to the running HQ; LOYALTY_HQ_TOKEN=<API token>)');
    for (const line of ADMIN_USAGE) out(`  ${line}`);
    return 0;
  }
  const dataDir = resolve(
    values['data-dir'] ??
      defaultHqDataDir({
        platform: process.platform,
        home: homedir(),
        vars: { XDG_DATA_HOME: process.env.XDG_DATA_HOME, APPDATA: process.env.APPDATA },
      }),
  );
  const databaseUrl = process.env.DATABASE_URL || undefined;
  // The one command that opens the database itself: it must run with no HQ serving (PGlite's folder
  // lock refuses it while a server holds the folder), and the HQ processes restart with the new key.
  if (positionals[0] === 'rotate-master-key' && positionals.length === 1) {
    return rotateMasterKeyCommand(dataDir, databaseUrl);
  }
  if (positionals[0] === 'rotate-data-keys' && positionals.length === 1) {
    return rotateDataKeysCommand(dataDir, databaseUrl);
  }
  if (positionals.length > 0) {
    const { store, chain, name, role, device, reason, email, approval, smtp, from, once } = values;
    return runCommand(dataDir, positionals, {
      store,
      chain,
      name,
      role,
      device,
      reason,
      email,
      approval,
      'request-id': values['request-id'],
      smtp,
      from,
      once,
    });
  }

  const replicaUrl = process.env.DATABASE_REPLICA_URL || undefined;
  if (replicaUrl && !databaseUrl) {
    errLine('error: replica_without_primary: DATABASE_REPLICA_URL needs DATABASE_URL (its primary).');
    return 2;
  }
  const pools = poolSettingsFromEnv(process.env);
  let db;
  try {
    db = await openHqDatabase(
      databaseUrl ? { dataDir, databaseUrl, pool: pools.primary } : { dataDir, role: 'server' },
    );
  } catch (error) {
    if (!(error instanceof DataDirLockedError)) throw error;
    errLine(`error: ${error.code}: ${error.message} A second HQ on the same folder would lose writes.`);
    return 2;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error('--port must be 0..65535');
  const tls = await loadOrCreateTls({
    dataDir,
    ...(values.cert !== undefined ? { certPath: values.cert } : {}),
    ...(values.key !== undefined ? { keyPath: values.key } : {}),
  });
  const masterKey = loadMasterKey({ dataDir, env: process.env });
  // The data keys are unwrapped here, once (a KMS wrapper would be called only here); another
  // master key than the one that wrapped them is refused before anything is served or written.
  let keys;
  let keyRoot: Buffer;
  try {
    keys = await openDataKeys(db, masterKeyWrapper(masterKey));
    // HQ's own keys (the operator audit chain's…) derive from a root kept with the data keys, so a
    // master key rotation changes none of them (keys/data-keys.ts).
    keyRoot = await openDerivationRoot(db, masterKeyWrapper(masterKey), masterKey.key(), new Date());
  } catch (error) {
    if (!(error instanceof DataKeyError)) throw error;
    errLine(`error: ${error.code}: ${error.message}`);
    await db.close();
    return 2;
  }
  // Values an HQ before issue 15 wrote in clear are sealed now (resumable, once per row).
  const sealed = await sealPlaintextColumns(db, keys);
  // The PIN pepper root (migration 16) too: under the chain-secrets data key (staff/pin-peppers.ts).
  await sealPinPepperRoot(db, keys);
  const bootstrapToken = newAdminToken();
  let listeningPort = port;
  const linkHost = values.host === '0.0.0.0' || values.host === '::' ? '127.0.0.1' : values.host;
  const publicOrigin = values['public-url'] ? new URL(values['public-url']).origin : undefined;
  const consoleOrigin = (): string =>
    publicOrigin ?? `https://${linkHost.includes(':') ? `[${linkHost}]` : linkHost}:${listeningPort}`;
  // Opened at the first pull, and again after a failure: HQ starts while the replica is down.
  const replica = replicaUrl ? readReplica(() => openPostgresDatabase(replicaUrl, pools.replica)) : undefined;
  const app = buildHqServer({
    db,
    keys,
    tls,
    logger: { level: process.env.HQ_LOG_LEVEL ?? 'info' },
    console: {
      keyRoot,
      hqCertSha256: tls.fingerprint256,
      publicOrigin: consoleOrigin,
      staticDir: CONSOLE_DIR,
      bootstrapToken,
    },
    replica,
  });
  await app.listen({ host: values.host, port });
  const address = app.server.address();
  listeningPort = typeof address === 'object' && address !== null ? address.port : port;
  const host = values.host.includes(':') ? `[${values.host}]` : values.host;
  writeAdminEndpoint(dataDir, {
    url: `https://${loopbackFor(values.host)}:${listeningPort}`,
    certSha256: tls.fingerprint256,
    token: bootstrapToken,
    pid: process.pid,
  });
  out(`HQ_URL=https://${host}:${listeningPort}`);
  out(`HQ_CERT_SHA256=${tls.fingerprint256}`);
  out(`HQ_DATABASE=${db.kind}`);
  if (db.kind === 'postgres') out(`HQ_DB_POOL_MAX=${pools.primary.max ?? ''}`);
  if (replicaUrl) out('HQ_REPLICA=streaming');
  out(`HQ_CONSOLE=${publicOrigin ?? `https://${host}:${listeningPort}`}/console/`);
  // Before the HQ_MASTER_KEY line, which callers wait for: what this start sealed is told by then, on
  // stdout directly (the logger writes asynchronously, and a stop right after could lose its line).
  const sealedCounts = Object.fromEntries(Object.entries(sealed).filter(([, n]) => n > 0));
  if (Object.keys(sealedCounts).length > 0) out(`HQ_SEALED_AT_REST=${JSON.stringify(sealedCounts)}`);
  out(`HQ_MASTER_KEY=${masterKey.id}`);
  const operators = await db.query('SELECT 1 FROM operators LIMIT 1');
  if (operators.rows.length === 0) {
    out(
      `FIRST_ADMIN=npm run hq -- ${values['data-dir'] !== undefined ? `--data-dir ${values['data-dir']} ` : ''}create-admin --email YOU@EXAMPLE.COM --name "YOUR NAME"`,
    );
  }
  if (values.demo) {
    const count = Number(values['demo-members']);
    if (!Number.isInteger(count) || count < 0) throw new Error('--demo-members must be a whole number');
    const { storeId, created } = await seedDemoHq({ db, now: () => new Date(), keys }, { syntheticMembers: count });
    const tills = Number(values['demo-tills']);
    if (!Number.isInteger(tills) || tills < 1 || tills > 20) throw new Error('--demo-tills must be 1 to 20');
    const { pairingCode, expiresAt } = await issuePairingCode({ db }, storeId);
    // One code per till: a code pairs one till once. The first keeps its name, so one-till scripts work as before.
    const moreCodes: string[] = [];
    for (let till = 2; till <= tills; till += 1) moreCodes.push((await issuePairingCode({ db }, storeId)).pairingCode);
    out(`DEMO_STORE_ID=${storeId}${created ? '' : ' (existing)'}`);
    const admin = await demoAdminEnrolment({ db, keyRoot, publicOrigin: consoleOrigin });
    if (admin !== null) out(`DEMO_ADMIN_ENROLMENT_URL=${admin}`);
    for (const staff of demoStaff.staff) out(`DEMO_STAFF=${staff.displayName} (${staff.role}) PIN ${staff.pin}`);
    out(`PAIRING_CODE=${pairingCode}`);
    moreCodes.forEach((code, index) => out(`PAIRING_CODE_${index + 2}=${code}`));
    out(`EXPIRES_AT=${expiresAt.toISOString()}`);
  }
  // Members that arrived without their contact lookups (a bulk load, an older HQ) are hashed in the
  // background, so an operator's first search does not wait for them.
  void backfillContactLookups(db, keys).then(
    (count) => {
      if (count > 0) app.log.info({ count }, 'contact lookups hashed');
    },
    (error: unknown) => {
      app.log.error({ err: { name: error instanceof Error ? error.name : 'error' } }, 'contact lookup backfill failed');
    },
  );
  // The hourly jobs may outrun a request's statement timeout (retention over a large table): one
  // connection of their own without it (closed while idle). PGlite is one connection anyway.
  const jobsDb = databaseUrl
    ? await openPostgresDatabase(databaseUrl, {
        ...pools.primary,
        max: 1,
        statementTimeoutMs: 0,
        applicationName: HQ_JOBS_APPLICATION_NAME,
      })
    : db;
  // Erasures past their hold and expired exports, at start and every hour (DESIGN §6).
  const privacyJob = schedulePrivacyJob(
    {
      db: jobsDb,
      audit: createOperatorAuditLog({
        db: jobsDb,
        key: deriveKey(keyRoot, 'operator-audit'),
        now: () => new Date(),
      }),
      now: () => new Date(),
    },
    {
      done: (result) => {
        if (Object.values(result).some((n) => n > 0)) app.log.info(result, 'privacy job');
      },
      failed: (error) => {
        app.log.error({ err: { name: error instanceof Error ? error.name : 'error' } }, 'privacy job failed');
      },
    },
  );
  // Each staff member's day against their own baseline (issue 14), hourly like the privacy job.
  const baselineJob = scheduleBaselineJob(
    { db: jobsDb, now: () => new Date() },
    {
      done: (raised) => {
        if (raised > 0) app.log.info({ raised }, 'baseline job');
      },
      failed: (error) => {
        app.log.error({ err: { name: error instanceof Error ? error.name : 'error' } }, 'baseline job failed');
      },
    },
  );
  const stop = async (): Promise<void> => {
    privacyJob.stop();
    baselineJob.stop();
    removeAdminEndpoint(dataDir, bootstrapToken);
    // Requests in flight get 5 s to finish; then every connection is closed, so a browser's socket
    // that never sends a request (a preconnect) cannot hold the shutdown until Node's request timeout.
    setTimeout(() => app.server.closeAllConnections(), 5_000).unref();
    await app.close();
    await replica?.close();
    if (jobsDb !== db) await jobsDb.close();
    await db.close();
    // The logger writes asynchronously: what it holds reaches stdout before the exit.
    // (Fastify's logger is pino, whose flush its base type does not declare.)
    const logger = app.log as typeof app.log & { flush?: (done: () => void) => void };
    if (logger.flush) await new Promise<void>((done) => logger.flush?.(done));
    process.exit(0);
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void stop());
  return -1;
}

/**
 * Runs a key command on HQ's database with HQ stopped (a running HQ holds the data keys in memory, so
 * it would go on using the old ones). A key or argument problem is printed as `error: <code>` and
 * exits 2; anything else is a bug and is thrown.
 */
async function withStoppedHq(
  dataDir: string,
  databaseUrl: string | undefined,
  run: (db: HqDatabase) => Promise<string[]>,
): Promise<number> {
  let db;
  try {
    db = await openHqDatabase(databaseUrl ? { dataDir, databaseUrl } : { dataDir, role: 'command' });
  } catch (error) {
    if (!(error instanceof DataDirLockedError)) throw error;
    errLine(`error: ${error.code}: ${error.message} Stop HQ first: its processes hold the data keys in memory.`);
    return 2;
  }
  try {
    for (const line of await run(db)) out(line);
    return 0;
  } catch (error) {
    if (error instanceof DataKeyError || error instanceof MasterKeyError) {
      errLine(`error: ${error.code}: ${error.message}`);
      return 2;
    }
    if (!(error instanceof TypeError)) throw error;
    errLine(`error: invalid_argument: ${error.message}`);
    return 2;
  } finally {
    await db.close();
  }
}

/**
 * `npm run hq -- rotate-master-key` with the current key where HQ reads it (LOYALTY_HQ_MASTER_KEY or
 * hq-master.key) and the new one in LOYALTY_HQ_NEW_MASTER_KEY: the data keys are rewrapped; then
 * start HQ with the new key. Prints REWRAPPED=n and DATA_KEYS_WRAPPED_BY=<fingerprint>.
 */
function rotateMasterKeyCommand(dataDir: string, databaseUrl: string | undefined): Promise<number> {
  return withStoppedHq(dataDir, databaseUrl, async (db) => {
    const done = await rotateMasterKey(db, loadMasterKey({ dataDir, env: process.env }), process.env, dataDir);
    return [`REWRAPPED=${done.rewrapped}`, `DATA_KEYS_WRAPPED_BY=${done.wrappedBy}`];
  });
}

/**
 * `npm run hq -- rotate-data-keys` with HQ stopped: new data keys for every purpose, and every sealed
 * column re-encrypted under them. Prints ROTATED=<purposes> and RESEALED=<values>.
 */
function rotateDataKeysCommand(dataDir: string, databaseUrl: string | undefined): Promise<number> {
  return withStoppedHq(dataDir, databaseUrl, async (db) => {
    const done = await rotateDataKeysOffline(db, loadMasterKey({ dataDir, env: process.env }), new Date());
    return [
      `ROTATED=${done.rotated.join(',')}`,
      `RESEALED=${Object.values(done.resealed).reduce((sum, n) => sum + n, 0)}`,
    ];
  });
}

const DEMO_ADMIN = { email: 'demo-admin@loyalty-desk.example', displayName: 'Demo Chain Admin' };

/**
 * --demo: a chain admin to try the console with, enrolled by whoever runs the demo (their own
 * authenticator app: no shared password or TOTP secret exists). A new link at each start until
 * they have enrolled; null once they have (or when HQ has other operators).
 */
async function demoAdminEnrolment(deps: {
  db: HqDatabase;
  keyRoot: Buffer;
  publicOrigin: () => string;
}): Promise<string | null> {
  const now = () => new Date();
  const audit = createOperatorAuditLog({ db: deps.db, key: deriveKey(deps.keyRoot, 'operator-audit'), now });
  const random = (size: number) => randomBytes(size);
  const found = await deps.db.query<{ id: string; password_hash: string | null }>(
    'SELECT id, password_hash FROM operators ORDER BY created_at LIMIT 2',
  );
  if (found.rows.length === 0) {
    return (await createChainAdmin({ ...deps, now, random, audit }, DEMO_ADMIN)).enrolmentUrl;
  }
  const only = found.rows[0];
  if (found.rows.length > 1 || !only || only.password_hash !== null) return null;
  const { token } = await deps.db.transaction(async (tx) => {
    const issued = await issueEnrolment(tx, only.id, { now: now(), random });
    await audit.append(tx, {
      operatorId: null,
      action: 'operator.second_factor_changed',
      subjectType: 'operator',
      subjectId: only.id,
      details: { change: 'enrolment_reissued', via: 'demo' },
    });
    return issued;
  });
  return `${deps.publicOrigin()}/console/#/enrol/${token}`;
}

/** The loopback address that reaches a server listening on `host` (the bootstrap route takes loopback peers only). */
function loopbackFor(host: string): string {
  return host === '::' || host === '::1' ? '[::1]' : '127.0.0.1';
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * One admin command, always through the running HQ: the console API with the operator's API token
 * (LOYALTY_HQ_TOKEN), or, for create-admin, the bootstrap route with the data folder's token.
 */
async function runCommand(dataDir: string, positionals: string[], options: AdminOptionValues): Promise<number> {
  const io = { out, err: errLine };
  const published = () => {
    const endpoint = readAdminEndpoint(dataDir);
    // A file left by an earlier server is not this one's: never send a token to whatever took its port.
    if (endpoint === null || !processAlive(endpoint.pid)) {
      throw new AdminClientError(
        'hq_unreachable',
        `No HQ is running on ${dataDir}: start it with \`npm run hq\` (or set LOYALTY_HQ_URL and LOYALTY_HQ_CERT_SHA256).`,
      );
    }
    return endpoint;
  };
  const address = (): HqAddress => {
    const url = process.env.LOYALTY_HQ_URL;
    const certSha256 = process.env.LOYALTY_HQ_CERT_SHA256;
    if (url && certSha256) return { url: new URL(url).origin, certSha256 };
    const endpoint = published();
    return { url: endpoint.url, certSha256: endpoint.certSha256 };
  };
  const connection: AdminConnection = {
    api() {
      const token = process.env.LOYALTY_HQ_TOKEN;
      if (!token) {
        throw new AdminClientError(
          'token_required',
          'Set LOYALTY_HQ_TOKEN to an operator API token (console → API tokens); commands act with its roles.',
        );
      }
      return consoleApiClient(address(), token, {
        ...(options['request-id'] !== undefined ? { requestId: options['request-id'] } : {}),
      });
    },
    async createFirstAdmin(input) {
      const endpoint = published();
      const response = await pinnedRequest(
        { url: endpoint.url, certSha256: endpoint.certSha256 },
        'POST',
        BOOTSTRAP_ROUTE,
        input,
        { authorization: `Bearer ${endpoint.token}` },
      );
      let json: unknown;
      try {
        json = JSON.parse(response.text);
      } catch (error) {
        if (!(error instanceof SyntaxError)) throw error;
      }
      if (response.status === 200) return BootstrapResponse.parse(json);
      const refusal = ConsoleError.safeParse(json);
      if (!refusal.success) throw new AdminClientError('admin_refused', `HQ answered ${response.status}.`);
      throw new ConsoleApiError(response.status, refusal.data);
    },
  };
  try {
    return await runAdminCommand(connection, positionals, options, io);
  } catch (error) {
    if (!(error instanceof AdminClientError)) throw error;
    io.err(`error: ${error.code}: ${error.message}`);
    return 2;
  }
}

main().then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (error: unknown) => {
    process.stderr.write(
      `hq failed: ${error instanceof Error ? error.name : 'error'}: ${error instanceof Error ? error.message : ''}\n`,
    );
    process.exit(1);
  },
);
