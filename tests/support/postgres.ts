// A private, throwaway PostgreSQL server for tests (and bench/hq-bench.ts): its own temp data folder, a
// random free port on 127.0.0.1 only, no unix socket, password (SCRAM) auth for a generated user with a
// random password, and one database made for the test. Nothing system-wide is touched: no service is
// started, no /var/run/postgresql, no shared cluster. stop() kills the server and removes the folder.
// Tests run it without fsync; `durable: true` keeps PostgreSQL's durability defaults (the bench).
// startStreamingReplica(server) adds a real hot standby of it (pg_basebackup -R) on another loopback port,
// with waitForReplay, pauseReplay and resumeReplay (tests/hq/replica-pull.test.ts).
//
// Needs the server binaries (initdb, postgres, pg_isready, psql). On Debian/Ubuntu they come from the
// `postgresql` package under /usr/lib/postgresql/<version>/bin (the newest version there is used);
// LOYALTY_PG_BIN names another folder holding them; otherwise they are looked up on PATH.
// When they are missing, startPostgres() throws with how to install them: tests that need PostgreSQL
// FAIL. They skip only when LOYALTY_SKIP_POSTGRES=1 is set on purpose (see `skipPostgres`); CI never
// sets it.
//
// PostgreSQL refuses to run as root, so under root the server runs as the `postgres` system user (made
// by the Debian package; `nobody` otherwise), and the temp folder is handed to that user.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chownSync,
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';

/** True when PostgreSQL tests were explicitly switched off with LOYALTY_SKIP_POSTGRES=1 (never in CI). */
export const skipPostgres = process.env.LOYALTY_SKIP_POSTGRES === '1';

export interface PostgresServer {
  /** postgres://user:password@127.0.0.1:port/database — works with node-postgres (`pg`) and psql. */
  url: string;
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  /** The cluster's data folder (removed by stop()). */
  dataDir: string;
  /** Creates another, empty database in this server and returns its URL. */
  createDatabase(name?: string): Promise<string>;
  /** Runs SQL through psql (-X -A -t, ON_ERROR_STOP) and returns its output; `database` defaults to the test's. */
  psql(sql: string, database?: string): Promise<string>;
  /** Stops the server (immediate shutdown: open connections are cut) and removes its folder. Idempotent. */
  stop(): Promise<void>;
}

export interface StartPostgresOptions {
  /** Name of the database created for the test; default `loyalty_test`. */
  database?: string;
  /** How long to wait for the server to accept connections; default 30 s. */
  readyTimeoutMs?: number;
  /**
   * Keep PostgreSQL's durability defaults (fsync, synchronous_commit, full_page_writes all on), as
   * a production server runs. Default false: tests trade durability for speed. The bench sets it.
   */
  durable?: boolean;
  /** More server settings (`-c name=value`), e.g. track_wal_io_timing=on for the bench's profile. */
  settings?: Readonly<Record<string, string>>;
}

const INSTALL_HINT =
  'Install PostgreSQL: apt-get install postgresql postgresql-client (Debian/Ubuntu; elsewhere put its bin folder ' +
  'on PATH), or set LOYALTY_PG_BIN to ' +
  'the folder holding initdb, postgres, pg_isready and psql. To skip the PostgreSQL tests on purpose set ' +
  'LOYALTY_SKIP_POSTGRES=1 (CI never does).';

const REQUIRED = ['initdb', 'postgres', 'pg_isready', 'psql'] as const;
type Binaries = Record<(typeof REQUIRED)[number], string>;

const NAME = /^[a-z_][a-z0-9_]{0,62}$/;

function binariesIn(dir: string): Binaries | null {
  const exe = process.platform === 'win32' ? '.exe' : '';
  const found = Object.fromEntries(REQUIRED.map((name) => [name, join(dir, name + exe)])) as Binaries;
  return REQUIRED.every((name) => existsSync(found[name])) ? found : null;
}

function findBinaries(): Binaries {
  const override = process.env.LOYALTY_PG_BIN;
  if (override) {
    const found = binariesIn(override);
    if (!found) throw new Error(`LOYALTY_PG_BIN=${override} does not hold ${REQUIRED.join(', ')}. ${INSTALL_HINT}`);
    return found;
  }
  const debianRoot = '/usr/lib/postgresql';
  if (existsSync(debianRoot)) {
    const versions = readdirSync(debianRoot)
      .filter((v) => /^\d+(\.\d+)?$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    for (const version of versions) {
      const found = binariesIn(join(debianRoot, version, 'bin'));
      if (found) return found;
    }
  }
  for (const dir of (process.env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const found = binariesIn(dir);
    if (found) return found;
  }
  throw new Error(
    `PostgreSQL server binaries (${REQUIRED.join(', ')}) not found under /usr/lib/postgresql/<version>/bin or on PATH. ${INSTALL_HINT}`,
  );
}

/** uid/gid to run the server as: ourselves, or an unprivileged system user when we are root. */
function serverAccount(): { uid: number; gid: number } | null {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return null;
  for (const name of ['postgres', 'nobody']) {
    const id = spawnSync('id', ['-u', name], { encoding: 'utf8' });
    const gid = spawnSync('id', ['-g', name], { encoding: 'utf8' });
    if (id.status === 0 && gid.status === 0) return { uid: Number(id.stdout.trim()), gid: Number(gid.stdout.trim()) };
  }
  throw new Error(
    'Running as root, and PostgreSQL refuses to run as root, but there is no `postgres` or `nobody` user to run it as. ' +
      INSTALL_HINT,
  );
}

/** The environment without PG* variables, so a developer's PGHOST/PGDATA/... cannot leak in. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('PG')) env[key] = value;
  return { ...env, LC_ALL: 'C', ...extra };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function run(
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; account?: { uid: number; gid: number } | null; cwd?: string } = {},
): Promise<{ status: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: options.env ?? cleanEnv(),
      cwd: options.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(options.account ?? {}),
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('close', (status) => resolve({ status, output }));
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function tail(path: string, lines = 20): string {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

function waitForExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** max_connections of every test server; a hot standby needs at least its primary's. */
const MAX_CONNECTIONS = 200;

/**
 * Starts `postgres` on `dataDir` on a free loopback port (retrying when another process takes the
 * port first) and waits until it accepts connections; returns the port. The log goes to `logFile`.
 */
async function launchServer(options: {
  bin: Binaries;
  account: { uid: number; gid: number } | null;
  dataDir: string;
  logFile: string;
  cwd: string;
  readyTimeoutMs: number;
  user: string;
  args: string[];
  onSpawn(child: ChildProcess): void;
}): Promise<number> {
  const host = '127.0.0.1';
  // A free port is picked, then bound by postgres; another process could take it in between, so retry.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const serverArgs = [
      '-D',
      options.dataDir,
      '-c',
      `listen_addresses=${host}`,
      '-c',
      `port=${port}`,
      '-c',
      'unix_socket_directories=',
      '-c',
      'logging_collector=off',
      ...options.args,
    ];
    // The server writes its log straight into the file, so it is kept even if this process dies.
    writeFileSync(options.logFile, '');
    const logFd = openSync(options.logFile, 'a');
    let started: ChildProcess;
    try {
      started = spawn(options.bin.postgres, serverArgs, {
        env: cleanEnv(),
        cwd: options.cwd,
        stdio: ['ignore', logFd, logFd],
        ...(options.account ?? {}),
      });
    } finally {
      closeSync(logFd);
    }
    options.onSpawn(started);
    const spawnFailure: { error?: Error } = {};
    started.once('error', (error) => (spawnFailure.error = error));

    const deadline = Date.now() + options.readyTimeoutMs;
    while (Date.now() < deadline) {
      if (spawnFailure.error) throw new Error(`could not start ${options.bin.postgres}: ${spawnFailure.error.message}`);
      if (started.exitCode !== null || started.signalCode !== null) break;
      const probe = await run(options.bin.pg_isready, [
        '-q',
        '-h',
        host,
        '-p',
        String(port),
        '-d',
        'postgres',
        '-U',
        options.user,
      ]);
      if (probe.status === 0) return port;
      await sleep(50);
    }
    const log = tail(options.logFile);
    const exited = started.exitCode !== null || started.signalCode !== null;
    if (exited && /could not bind|Address already in use/i.test(log) && attempt < 5) continue;
    throw new Error(
      exited
        ? `postgres exited during startup (code ${started.exitCode}, signal ${started.signalCode}):\n${log}`
        : `postgres did not accept connections within ${options.readyTimeoutMs} ms:\n${log}`,
    );
  }
}

/** psql -X -A -t -q with ON_ERROR_STOP against one server and database; its output. */
async function runPsql(
  bin: Binaries,
  to: { host: string; port: number; user: string; password: string; database: string },
  sql: string,
): Promise<string> {
  const result = await run(
    bin.psql,
    [
      '-X',
      '-A',
      '-t',
      '-q',
      '-v',
      'ON_ERROR_STOP=1',
      '-h',
      to.host,
      '-p',
      String(to.port),
      '-U',
      to.user,
      '-d',
      to.database,
      '-c',
      sql,
    ],
    { env: cleanEnv({ PGPASSWORD: to.password, PGCONNECT_TIMEOUT: '10' }) },
  );
  if (result.status !== 0) throw new Error(`psql failed (exit ${result.status}) for ${sql}:\n${result.output}`);
  return result.output;
}

export async function startPostgres(options: StartPostgresOptions = {}): Promise<PostgresServer> {
  const bin = findBinaries();
  const account = serverAccount();
  const database = options.database ?? 'loyalty_test';
  if (!NAME.test(database)) throw new Error(`startPostgres: bad database name ${JSON.stringify(database)}`);
  const readyTimeoutMs = options.readyTimeoutMs ?? 30_000;
  const settings = Object.entries(options.settings ?? {});
  for (const [name] of settings) if (!NAME.test(name)) throw new Error(`startPostgres: bad setting ${name}`);

  const base = mkdtempSync(join(tmpdir(), 'loyalty-pg-'));
  const dataDir = join(base, 'data');
  const logFile = join(base, 'postgres.log');
  const user = 'loyalty';
  const password = randomBytes(18).toString('base64url');
  const host = '127.0.0.1';
  let child: ChildProcess | null = null;

  // Last-resort cleanup if the test process exits without calling stop(): immediate shutdown + remove.
  const onExit = () => {
    try {
      child?.kill('SIGQUIT');
    } catch {
      // already gone
    }
    rmSync(base, { recursive: true, force: true });
  };
  process.once('exit', onExit);

  const cleanup = async () => {
    process.removeListener('exit', onExit);
    if (child && child.exitCode === null && child.signalCode === null) {
      // SIGQUIT = immediate shutdown: no checkpoint (the data is thrown away), clients are cut off.
      child.kill('SIGQUIT');
      if (!(await waitForExit(child, 5_000))) {
        child.kill('SIGKILL');
        await waitForExit(child, 5_000);
      }
    }
    rmSync(base, { recursive: true, force: true });
  };

  try {
    const pwFile = join(base, 'pwfile');
    writeFileSync(pwFile, `${password}\n`, { mode: 0o600 });
    writeFileSync(logFile, '', { mode: 0o600 });
    if (account) for (const path of [base, pwFile, logFile]) chownSync(path, account.uid, account.gid);

    // --no-sync: initdb skips fsync of the new cluster (throwaway data). C locale: deterministic, fast.
    const init = await run(
      bin.initdb,
      [
        '--pgdata',
        dataDir,
        '--username',
        user,
        '--pwfile',
        pwFile,
        '--auth',
        'scram-sha-256',
        '--encoding',
        'UTF8',
        '--locale',
        'C',
        '--no-sync',
        '--no-instructions',
      ],
      { account, cwd: base },
    );
    rmSync(pwFile, { force: true });
    if (init.status !== 0) throw new Error(`initdb failed (exit ${init.status}):\n${init.output}`);

    const port = await launchServer({
      bin,
      account,
      dataDir,
      logFile,
      cwd: base,
      readyTimeoutMs,
      user,
      // Speed over durability, for tests only: this cluster is thrown away, and a crash of the machine
      // mid-test loses nothing we need. Never run production like this (the bench asks for `durable`).
      args: [
        ...(options.durable ? [] : ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off']),
        '-c',
        `max_connections=${MAX_CONNECTIONS}`,
        ...settings.flatMap(([name, value]) => ['-c', `${name}=${value}`]),
      ],
      onSpawn: (spawned) => (child = spawned),
    });

    const urlFor = (db: string) =>
      `postgres://${user}:${encodeURIComponent(password)}@${host}:${port}/${encodeURIComponent(db)}`;

    const psql = (sql: string, db: string = database) =>
      runPsql(bin, { host, port, user, password, database: db }, sql);

    let counter = 0;
    const createDatabase = async (name = `${database}_${++counter}`) => {
      if (!NAME.test(name)) throw new Error(`createDatabase: bad database name ${JSON.stringify(name)}`);
      await psql(`CREATE DATABASE "${name}"`, 'postgres');
      return urlFor(name);
    };

    await createDatabase(database);

    let stopped: Promise<void> | null = null;
    return {
      url: urlFor(database),
      host,
      port,
      user,
      password,
      database,
      dataDir,
      createDatabase,
      psql,
      stop: () => (stopped ??= cleanup()),
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

/** A hot standby streaming from a test server (startStreamingReplica). */
export interface StreamingReplica {
  /** postgres://… of the primary's test database on the replica: read-only. */
  url: string;
  port: number;
  dataDir: string;
  /** Runs SQL through psql on the replica (the primary's test database unless `database` names another). */
  psql(sql: string, database?: string): Promise<string>;
  /** Waits until the replica has replayed everything the primary had written when this was called. */
  waitForReplay(timeoutMs?: number): Promise<void>;
  /** Stops applying WAL (it still arrives): the replica stands at one moment of the primary (pg_wal_replay_pause). */
  pauseReplay(): Promise<void>;
  resumeReplay(): Promise<void>;
  /** Immediate shutdown and removal of its folder; idempotent. */
  stop(): Promise<void>;
}

/**
 * A real streaming replica of `primary` on another loopback port: pg_basebackup -R (the standby
 * settings and the primary's address written into the copy, the WAL streamed alongside), then
 * `postgres` on the copy as a hot standby. Resolves once the standby accepts connections and has
 * replayed what the primary held at the start. The primary's pg_hba (initdb's default) lets its
 * user replicate from 127.0.0.1.
 */
export async function startStreamingReplica(
  primary: PostgresServer,
  options: { readyTimeoutMs?: number } = {},
): Promise<StreamingReplica> {
  const bin = findBinaries();
  const basebackup = join(dirname(bin.psql), process.platform === 'win32' ? 'pg_basebackup.exe' : 'pg_basebackup');
  if (!existsSync(basebackup)) throw new Error(`pg_basebackup not found beside ${bin.psql}. ${INSTALL_HINT}`);
  const account = serverAccount();
  const readyTimeoutMs = options.readyTimeoutMs ?? 30_000;
  const base = mkdtempSync(join(tmpdir(), 'loyalty-pg-replica-'));
  const dataDir = join(base, 'data');
  const logFile = join(base, 'postgres.log');
  let child: ChildProcess | null = null;
  const onExit = () => {
    try {
      child?.kill('SIGQUIT');
    } catch {
      // already gone
    }
    rmSync(base, { recursive: true, force: true });
  };
  process.once('exit', onExit);
  const cleanup = async () => {
    process.removeListener('exit', onExit);
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGQUIT');
      if (!(await waitForExit(child, 5_000))) {
        child.kill('SIGKILL');
        await waitForExit(child, 5_000);
      }
    }
    rmSync(base, { recursive: true, force: true });
  };
  try {
    writeFileSync(logFile, '', { mode: 0o600 });
    if (account) for (const path of [base, logFile]) chownSync(path, account.uid, account.gid);
    const copy = await run(
      basebackup,
      [
        '-h',
        primary.host,
        '-p',
        String(primary.port),
        '-U',
        primary.user,
        '-D',
        dataDir,
        '-R',
        '-X',
        'stream',
        '-c',
        'fast',
        '--no-sync',
      ],
      { env: cleanEnv({ PGPASSWORD: primary.password, PGCONNECT_TIMEOUT: '10' }), account, cwd: base },
    );
    if (copy.status !== 0) throw new Error(`pg_basebackup failed (exit ${copy.status}):\n${copy.output}`);
    const port = await launchServer({
      bin,
      account,
      dataDir,
      logFile,
      cwd: base,
      readyTimeoutMs,
      user: primary.user,
      // A hot standby needs max_connections at least the primary's; fsync off like the primary's tests.
      args: ['-c', 'hot_standby=on', '-c', `max_connections=${MAX_CONNECTIONS}`, '-c', 'fsync=off'],
      onSpawn: (spawned) => (child = spawned),
    });
    const psql = (sql: string, database: string = primary.database) =>
      runPsql(bin, { host: primary.host, port, user: primary.user, password: primary.password, database }, sql);
    const waitForReplay = async (timeoutMs = 30_000) => {
      // The insert position, not the write one: with synchronous_commit off a commit may still sit in
      // the WAL buffers when its client hears it (the WAL writer sends it within wal_writer_delay).
      const target = (await primary.psql('SELECT pg_current_wal_insert_lsn()')).trim();
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const done = (await psql(`SELECT pg_last_wal_replay_lsn() >= '${target}'::pg_lsn`)).trim();
        if (done === 't') return;
        if (Date.now() > deadline) throw new Error(`the replica did not replay up to ${target} within ${timeoutMs} ms`);
        await sleep(20);
      }
    };
    await waitForReplay(readyTimeoutMs);
    let stopped: Promise<void> | null = null;
    return {
      url: `postgres://${primary.user}:${encodeURIComponent(primary.password)}@${primary.host}:${port}/${encodeURIComponent(primary.database)}`,
      port,
      dataDir,
      psql,
      waitForReplay,
      pauseReplay: async () => {
        await psql('SELECT pg_wal_replay_pause()');
      },
      resumeReplay: async () => {
        await psql('SELECT pg_wal_replay_resume()');
      },
      stop: () => (stopped ??= cleanup()),
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}
