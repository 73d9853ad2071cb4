import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  ADMIN_ENDPOINT_FILE,
  AdminEndpoint,
  newAdminToken,
  writeAdminEndpoint,
} from '../../packages/hq/src/admin/admin-endpoint-file';
import { DATA_DIR_LOCK_FILE } from '../../packages/hq/src/db/data-dir-lock';
import { loadOrCreateTls } from '../../packages/hq/src/tls';
import { HQ_ROUTES, PairResponse, PushResponse } from '../../src/shared/sync/protocol';
import { makeTempDir } from '../support/temp-dir';
import {
  enrolAndSignIn,
  startHqProcess,
  runHq,
  type HqProcess,
  type ProcessOperator,
  type ProcessRun,
} from './support/hq-process';
import { enrollOp, newMemberId } from './support/ops';

const DEMO_CATALOG = join(__dirname, '../../resources/demo/hq-catalog.json');

/** Every file of the PGlite folder, hashed: equal before and after means no process wrote to it. */
function folderHash(dir: string): string {
  const hash = createHash('sha256');
  const walk = (at: string): void => {
    for (const entry of readdirSync(at, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(at, entry.name);
      hash.update(relative(dir, path));
      if (entry.isDirectory()) walk(path);
      else hash.update(readFileSync(path));
    }
  };
  walk(dir);
  return hash.digest('hex');
}

/** What the operator sees of a run. */
const seen = (run: ProcessRun) => ({ code: run.code, out: run.out, err: run.err });

const noHqAt = (dir: string) =>
  `error: hq_unreachable: No HQ is running on ${dir}: start it with \`npm run hq\` (or set LOYALTY_HQ_URL and LOYALTY_HQ_CERT_SHA256).`;

/**
 * The command line is a client of the running HQ's console API: every command, run as its own
 * process, takes effect in the server (and survives a restart), acts with the roles of the API token
 * in LOYALTY_HQ_TOKEN, and never opens the database itself.
 */
describe('admin commands against a running HQ on PGlite (real processes)', () => {
  const dir = makeTempDir('loyalty-hq-running-');
  let server: HqProcess | undefined;

  const pair = async (hq: HqProcess, pairingCode: string, deviceName: string): Promise<PairResponse> => {
    const response = await hq.send(HQ_ROUTES.pair, { pairingCode, deviceName });
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    return PairResponse.parse(response.body);
  };
  /** Every page of a pull from `from` (null: a snapshot), as one JSON text (to look for a name in it). */
  const pullText = async (hq: HqProcess, device: PairResponse, ackedSeq: number, from: unknown = null) => {
    const pages: unknown[] = [];
    let cursor: unknown = from;
    for (let page = 0; page < 50; page++) {
      const response = await hq.send(
        HQ_ROUTES.pull,
        { cursor, ackedSeq },
        { authorization: `Bearer ${device.deviceToken}` },
      );
      if (response.status !== 200) return { status: response.status, body: response.body, text: '', cursor };
      const body = response.body as { cursor: unknown; more: boolean };
      pages.push(body);
      cursor = body.cursor;
      if (!body.more) break;
    }
    return { status: 200, body: pages, text: JSON.stringify(pages), cursor };
  };
  /** A command as its own process, as the operator of `token` (none: LOYALTY_HQ_TOKEN unset). */
  const cli = (token: string | undefined, ...args: string[]) =>
    runHq(dir.path, args, token === undefined ? {} : { env: { LOYALTY_HQ_TOKEN: token } });

  const ops: Record<
    'admin' | 'store' | 'store2' | 'privacy' | 'privacy2' | 'auditor' | 'catalog',
    ProcessOperator | undefined
  > = {
    admin: undefined,
    catalog: undefined,
    store: undefined,
    store2: undefined,
    privacy: undefined,
    privacy2: undefined,
    auditor: undefined,
  };
  const tokens = { admin: '', store: '', privacy: '', auditor: '', catalog: '' };
  const op = (name: keyof typeof ops): ProcessOperator => {
    const found = ops[name];
    if (!found) throw new Error(`operator ${name} was not made (an earlier test failed)`);
    return found;
  };

  beforeAll(async () => {
    server = await startHqProcess(dir.path);
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
    dir.remove();
  });

  let storeId = '';
  let revoked: PairResponse;
  let kept: PairResponse;
  let laterCode = '';
  let erasedCursor: unknown = null;
  const member = newMemberId();

  test('create-admin, as its own process, makes the first chain admin once; the link enrols them', async () => {
    const hq = server!;
    await hq.waitForOutput('FIRST_ADMIN=');
    expect(hq.output()).toContain(
      `FIRST_ADMIN=npm run hq -- --data-dir ${dir.path} create-admin --email YOU@EXAMPLE.COM --name "YOUR NAME"`,
    );
    const made = await cli(undefined, 'create-admin', '--email', 'admin@chain.example', '--name', 'Chain Admin');
    expect(made).toMatchObject({ code: 0, err: [] });
    expect(made.out).toEqual([
      expect.stringMatching(/^OPERATOR_ID=\S+$/),
      expect.stringMatching(new RegExp(`^ENROLMENT_URL=${hq.url}/console/#/enrol/[A-Za-z0-9_-]{20,}$`)),
      expect.stringMatching(/^EXPIRES_AT=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    ]);
    const hours = (Date.parse(made.values.EXPIRES_AT!) - Date.now()) / 3_600_000;
    expect(hours).toBeGreaterThan(23.9);
    expect(hours).toBeLessThanOrEqual(24);
    ops.admin = await enrolAndSignIn(hq, made.values.ENROLMENT_URL!);
    expect(ops.admin.operatorId).toBe(made.values.OPERATOR_ID);

    const again = await cli(undefined, 'create-admin', '--email', 'second@chain.example', '--name', 'Second');
    expect(seen(again)).toEqual({
      code: 2,
      out: [],
      err: ['error: forbidden: HQ already has operators: a chain admin adds operators in the console.'],
    });

    // The chain admin adds the others in the console; each makes an API token of their roles.
    const add = async (roles: string[]) => {
      const added = await op('admin').call('createOperator', {
        email: `${roles.join('-').replace(/_/g, '')}-${randomUUID().slice(0, 6)}@chain.example`,
        displayName: `Operator ${roles.join(' ')}`,
        roles,
      });
      expect(added.status, added.text).toBe(200);
      return enrolAndSignIn(hq, (added.body as { enrolmentUrl: string }).enrolmentUrl);
    };
    ops.store = await add(['store_operations']);
    ops.store2 = await add(['store_operations']);
    ops.privacy = await add(['privacy_officer']);
    ops.privacy2 = await add(['privacy_officer']);
    ops.auditor = await add(['auditor']);
    ops.catalog = await add(['chain_admin', 'store_operations']);
    tokens.admin = await op('admin').apiToken(['chain_admin']);
    tokens.store = await op('store').apiToken(['store_operations']);
    tokens.privacy = await op('privacy').apiToken(['privacy_officer']);
    tokens.auditor = await op('auditor').apiToken(['auditor']);
    tokens.catalog = await op('catalog').apiToken(['chain_admin', 'store_operations']);
    expect(Object.values(tokens)).toEqual(Array(5).fill(expect.stringMatching(/^ldhq_[A-Za-z0-9_-]{43}$/)));
  }, 120_000);

  test('issue-pairing-code, revoke-device (with a second operator’s approval) and request-erasure run as separate processes take effect in the running server', async () => {
    const hq = server!;
    const store = await cli(tokens.admin, 'create-store', 'Main Street');
    expect(store).toMatchObject({ code: 0, err: [] });
    expect(store.out).toEqual([expect.stringMatching(/^STORE_ID=[0-9a-f-]{36}$/)]);
    storeId = store.values.STORE_ID!;

    // A code issued from the command line pairs with the running server.
    const first = await cli(tokens.store, 'issue-pairing-code', storeId);
    expect(first).toMatchObject({ code: 0, err: [] });
    expect(first.values.HQ_CERT_SHA256).toBe(hq.fingerprint);
    revoked = await pair(hq, first.values.PAIRING_CODE!, 'Till A');
    kept = await pair(hq, (await cli(tokens.store, 'issue-pairing-code', storeId)).values.PAIRING_CODE!, 'Till B');

    const pushed = await hq.send(
      HQ_ROUTES.push,
      { ops: [enrollOp(1, member)] },
      { authorization: `Bearer ${revoked.deviceToken}` },
    );
    expect(PushResponse.parse(pushed.body).outcomes.map((o) => o.outcome)).toEqual(['applied']);
    const before = await pullText(hq, kept, 0);
    expect(before.text).toContain('Lovelace');

    // Revoking needs a second store operator: asked for (exit 3), approved in the console, then done.
    const asked = await cli(tokens.store, 'revoke-device', revoked.deviceId);
    expect(asked.code).toBe(3);
    const revokeApproval = asked.values.APPROVAL_ID!;
    expect(asked.out).toEqual([`APPROVAL_ID=${revokeApproval}`]);
    expect((await pullText(hq, revoked, 1)).status).toBe(200);
    expect((await op('store2').call('approve', { approvalId: revokeApproval })).status).toBe(200);
    const revoke = await cli(tokens.store, 'revoke-device', revoked.deviceId, '--approval', revokeApproval);
    expect(revoke).toMatchObject({ code: 0, err: [] });
    expect(revoke.out).toEqual([expect.stringMatching(/^REVOKED_AT=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)]);
    const refused = await pullText(hq, revoked, 1);
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ code: 'device_revoked' });

    const eraseAsked = await cli(tokens.privacy, 'request-erasure', member);
    expect(eraseAsked.code).toBe(3);
    const eraseApproval = eraseAsked.values.APPROVAL_ID!;
    expect((await op('privacy2').call('approve', { approvalId: eraseApproval })).status).toBe(200);
    const erased = await cli(tokens.privacy, 'request-erasure', member, '--approval', eraseApproval);
    expect(erased).toMatchObject({ code: 0, err: [] });
    expect(erased.out).toEqual([
      'STATUS=erased',
      expect.stringMatching(/^ERASURE_REQUEST=[0-9a-f-]{36}$/),
      expect.stringMatching(/^DUE_AT=\d{4}-/),
      expect.stringMatching(/^ERASED_AT=\d{4}-/),
      'OPS_SCRUBBED=1',
    ]);
    // A till that held the member hears the tombstone; a fresh snapshot no longer has the name.
    const changes = await pullText(hq, kept, 0, before.cursor);
    expect(changes.text).toContain(JSON.stringify({ kind: 'member_erased', id: member }));
    const snapshot = await pullText(hq, kept, 0);
    expect(snapshot.status).toBe(200);
    expect(snapshot.text).not.toContain('Lovelace');
    erasedCursor = before.cursor;

    // load-catalog reads the file here and sends its contents: the server sees the rewards. The demo
    // file sets store policy too, which store operations alone may not (policies.edit).
    const policyRefused = await cli(tokens.store, 'load-catalog', DEMO_CATALOG);
    expect(seen(policyRefused)).toEqual({
      code: 2,
      out: [],
      err: ['error: forbidden: Setting store policy needs policies.edit.', '  at storePolicy: forbidden'],
    });
    const loaded = await cli(tokens.catalog, 'load-catalog', DEMO_CATALOG);
    expect(seen(loaded)).toEqual({
      code: 0,
      out: [
        'CATALOG_FILE=hq-catalog.json',
        'CATALOG_VERSION=1',
        'REWARDS_ADDED=5',
        'REWARDS_CHANGED=0',
        'REWARDS_DEACTIVATED=0',
        'STORES_CHANGED=1',
      ],
      err: [],
    });
    expect((await pullText(hq, kept, 0)).text).toContain('"id":"voucher-20"');

    const later = await cli(tokens.store, 'issue-pairing-code', storeId);
    expect(later.code).toBe(0);
    laterCode = later.values.PAIRING_CODE!;
  }, 120_000);

  test('after a restart the server still sees every command: the device stays revoked, the member erased, the code valid', async () => {
    const stopped = await server!.stop();
    expect(stopped.code).toBe(0);
    server = await startHqProcess(dir.path);
    const hq = server;
    await hq.waitForOutput('HQ_MASTER_KEY=');
    expect((await pullText(hq, kept, 0)).status).toBe(200);
    expect(hq.output()).not.toContain('FIRST_ADMIN=');
    const refused = await pullText(hq, revoked, 1);
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ code: 'device_revoked' });
    const changes = await pullText(hq, kept, 0, erasedCursor);
    expect(changes.text).toContain(JSON.stringify({ kind: 'member_erased', id: member }));
    const snapshot = await pullText(hq, kept, 0);
    expect(snapshot.status).toBe(200);
    expect(snapshot.text).not.toContain('Lovelace');
    const third = await pair(hq, laterCode, 'Till C');
    expect(third.storeId).toBe(storeId);
  }, 120_000);

  test('a second HQ server on the same data folder refuses to start, and the first keeps serving', async () => {
    const second = await runHq(dir.path, ['--port', '0'], { timeoutMs: 15_000 });
    expect(second.signal).toBeNull();
    expect(second.code).toBe(2);
    expect(second.out).toEqual([]);
    expect(second.err).toEqual([expect.stringMatching(/^error: data_dir_locked: .*pid \d+/)]);
    const store = await cli(tokens.admin, 'create-store', 'Still Served');
    expect(store.code).toBe(0);
    const code = await cli(tokens.store, 'issue-pairing-code', store.values.STORE_ID!);
    await pair(server!, code.values.PAIRING_CODE!, 'Till D');
  }, 60_000);

  test('hq-admin.json is 0600 with the loopback URL, the server’s pin and pid; no token reaches the server’s output', () => {
    const path = join(dir.path, ADMIN_ENDPOINT_FILE);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const endpoint = AdminEndpoint.parse(JSON.parse(readFileSync(path, 'utf8')));
    expect(endpoint.url).toBe(server!.url);
    expect(endpoint.certSha256).toBe(server!.fingerprint);
    expect(endpoint.pid).toBe(server!.child.pid);
    // Requests are logged (info), the commands' among them; their tokens are not.
    expect(server!.output()).toContain('console request');
    expect(server!.output()).not.toContain(endpoint.token);
    for (const token of Object.values(tokens)) expect(server!.output()).not.toContain(token.slice(5));
  });

  test('a missing or wrong token is refused at the command line (token_required / unauthorized) and changes nothing', async () => {
    const missing = await cli(undefined, 'create-store', 'Sneaked In');
    expect(seen(missing)).toEqual({
      code: 2,
      out: [],
      err: [
        'error: token_required: Set LOYALTY_HQ_TOKEN to an operator API token (console → API tokens); commands act with its roles.',
      ],
    });
    const wrongTokens = [
      `${tokens.admin.slice(0, -1)}${tokens.admin.endsWith('A') ? 'B' : 'A'}`,
      `ldhq_${'A'.repeat(43)}`,
      // The bootstrap token is create-admin's only: it is no operator's API token.
      AdminEndpoint.parse(JSON.parse(readFileSync(join(dir.path, ADMIN_ENDPOINT_FILE), 'utf8'))).token,
    ];
    for (const token of wrongTokens) {
      const wrong = await cli(token, 'create-store', 'Sneaked In');
      expect(seen(wrong), token.slice(0, 8)).toEqual({
        code: 2,
        out: [],
        err: ['error: unauthorized: The API token is not valid.'],
      });
    }
    const stores = await cli(tokens.admin, 'list-stores');
    expect(stores).toMatchObject({ code: 0, err: [] });
    const names = stores.out.map((line) => (JSON.parse(line) as { name: string }).name).sort();
    expect(names).toEqual(['Main Street', 'Still Served']);
  }, 60_000);

  test('a token runs only what its roles allow: an auditor’s create-store is refused (forbidden, exit 2) and audited', async () => {
    const refused = await cli(tokens.auditor, 'create-store', 'Auditor Store');
    expect(seen(refused)).toEqual({
      code: 2,
      out: [],
      err: ['error: forbidden: Your role does not allow stores.create.'],
    });
    const exported = await cli(tokens.auditor, 'export-audit');
    expect(exported).toMatchObject({ code: 0, err: [] });
    const entries = exported.out.map(
      (line) => JSON.parse(line) as { operatorId: string | null; action: string; details: unknown },
    );
    expect(
      entries
        .filter((entry) => entry.operatorId === op('auditor').operatorId && entry.action === 'stores.create')
        .map((entry) => ({ action: entry.action, details: entry.details })),
    ).toEqual([{ action: 'stores.create', details: { outcome: 'refused', via: 'api_token' } }]);
    const stores = await cli(tokens.admin, 'list-stores');
    expect(stores.out.join('\n')).not.toContain('Auditor Store');
  }, 60_000);

  test('a command retried with the same --request-id is done once', async () => {
    const requestId = randomUUID();
    const first = await cli(tokens.admin, 'create-store', 'Retried Store', '--request-id', requestId);
    const second = await cli(tokens.admin, 'create-store', 'Retried Store', '--request-id', requestId);
    expect(first).toMatchObject({ code: 0, err: [] });
    expect(seen(second)).toEqual(seen(first));
    const stores = await cli(tokens.admin, 'list-stores');
    expect(stores.out.filter((line) => line.includes('"name":"Retried Store"'))).toHaveLength(1);
  }, 60_000);

  test('unknown commands, missing or extra arguments and foreign options exit 2 and change nothing', async () => {
    const cases: [string[], string][] = [
      [['drop-everything'], expect.stringMatching(/^error: invalid_argument: Unknown command drop-everything\. /)],
      [['create-store'], 'error: invalid_argument: Usage: create-store NAME'],
      [['create-store', 'Main', 'Street'], 'error: invalid_argument: Usage: create-store NAME'],
      [
        ['create-store', 'Main Street', '--role', 'manager'],
        'error: invalid_argument: create-store takes no --role. Usage: create-store NAME',
      ],
      [
        ['create-admin', '--email', 'x@chain.example'],
        'error: invalid_argument: create-admin needs --email EMAIL and --name NAME.',
      ],
      [['revoke-device'], 'error: invalid_argument: Usage: revoke-device DEVICE_ID [--approval APPROVAL_ID]'],
    ];
    for (const [argv, err] of cases) {
      const run = await cli(tokens.admin, ...argv);
      expect(seen(run), argv.join(' ')).toEqual({ code: 2, out: [], err: [err] });
    }
    const stores = await cli(tokens.admin, 'list-stores');
    expect(stores.out.map((line) => (JSON.parse(line) as { name: string }).name).sort()).toEqual([
      'Main Street',
      'Retried Store',
      'Still Served',
    ]);
  }, 120_000);

  test('an option no command knows is refused like a foreign one: exit 2, invalid_argument', async () => {
    const run = await cli(tokens.admin, 'create-store', 'Bogus Store', '--bogus');
    expect(seen(run)).toEqual({ code: 2, out: [], err: ['error: invalid_argument: Unknown or malformed option.'] });
  });

  test('with the server stopped, commands refuse (hq_unreachable, exit 2) and never open the database', async () => {
    await server!.stop();
    server = undefined;
    // A clean stop takes its address away.
    expect(existsSync(join(dir.path, ADMIN_ENDPOINT_FILE))).toBe(false);
    const files = folderHash(join(dir.path, 'pgdata'));
    const lock = existsSync(join(dir.path, DATA_DIR_LOCK_FILE))
      ? readFileSync(join(dir.path, DATA_DIR_LOCK_FILE), 'utf8')
      : null;
    for (const [token, argv] of [
      [tokens.admin, ['create-store', 'While Stopped']],
      [tokens.store, ['revoke-device', kept.deviceId]],
      [tokens.store, ['issue-pairing-code', storeId]],
      [tokens.auditor, ['list-rejected']],
      [undefined, ['create-admin', '--email', 'late@chain.example', '--name', 'Late']],
    ] as const) {
      const run = await cli(token, ...argv);
      expect(seen(run), argv.join(' ')).toEqual({ code: 2, out: [], err: [noHqAt(dir.path)] });
    }
    expect(folderHash(join(dir.path, 'pgdata'))).toBe(files);
    expect(
      existsSync(join(dir.path, DATA_DIR_LOCK_FILE)) ? readFileSync(join(dir.path, DATA_DIR_LOCK_FILE), 'utf8') : null,
    ).toBe(lock);
    server = await startHqProcess(dir.path);
    expect((await pullText(server, kept, 0)).status).toBe(200);
  }, 120_000);

  test('a server killed with SIGKILL leaves its address with a dead pid: commands refuse and write nothing; the next server takes the lock over', async () => {
    const pid = server!.child.pid;
    const killed = await server!.kill();
    server = undefined;
    expect(killed.signal).toBe('SIGKILL');
    const stale = JSON.parse(readFileSync(join(dir.path, DATA_DIR_LOCK_FILE), 'utf8')) as { pid: number };
    expect(stale.pid).toBe(pid);
    expect(AdminEndpoint.parse(JSON.parse(readFileSync(join(dir.path, ADMIN_ENDPOINT_FILE), 'utf8'))).pid).toBe(pid);
    const files = folderHash(join(dir.path, 'pgdata'));
    const crashed = await cli(tokens.admin, 'create-store', 'After The Crash');
    expect(seen(crashed)).toEqual({ code: 2, out: [], err: [noHqAt(dir.path)] });
    expect(folderHash(join(dir.path, 'pgdata'))).toBe(files);

    server = await startHqProcess(dir.path);
    const store = await cli(tokens.admin, 'create-store', 'After The Crash');
    expect(store).toMatchObject({ code: 0, err: [] });
    const code = await cli(tokens.store, 'issue-pairing-code', store.values.STORE_ID!);
    expect(code).toMatchObject({ code: 0, err: [] });
    const paired = await pair(server, code.values.PAIRING_CODE!, 'Till E');
    expect(paired.storeId).toBe(store.values.STORE_ID);
  }, 120_000);
});

describe('the command line refuses, sending nothing, when HQ cannot be reached at its address', () => {
  const dir = makeTempDir('loyalty-hq-unreachable-');
  const otherDir = makeTempDir('loyalty-hq-impostor-');
  const token = `ldhq_${'Q'.repeat(43)}`;
  afterAll(() => {
    dir.remove();
    otherDir.remove();
  });
  /** An address as a server would publish it, with this (live) test process as its pid. */
  const endpointFor = (port: number, certSha256: string, bootstrapToken = newAdminToken()) =>
    writeAdminEndpoint(dir.path, {
      url: `https://127.0.0.1:${port}`,
      certSha256,
      token: bootstrapToken,
      pid: process.pid,
    });

  test('no published address: hq_unreachable, exit 2, and nothing is made in the folder', async () => {
    for (const [env, argv] of [
      [{ LOYALTY_HQ_TOKEN: token }, ['create-store', 'Nobody Home']],
      [{}, ['create-admin', '--email', 'a@chain.example', '--name', 'A']],
    ] as const) {
      const run = await runHq(dir.path, [...argv], { env });
      expect(seen(run), argv[0]).toEqual({ code: 2, out: [], err: [noHqAt(dir.path)] });
    }
    expect(readdirSync(dir.path)).toEqual([]);
  });

  test('an address published by a pid that is gone: hq_unreachable, exit 2', async () => {
    const tls = await loadOrCreateTls({ dataDir: otherDir.path });
    // Above Linux's largest pid_max (2^22): no process has it.
    writeAdminEndpoint(dir.path, {
      url: 'https://127.0.0.1:1',
      certSha256: tls.fingerprint256,
      token: newAdminToken(),
      pid: 2 ** 22 + 1,
    });
    const run = await runHq(dir.path, ['list-stores'], { env: { LOYALTY_HQ_TOKEN: token } });
    expect(seen(run)).toEqual({ code: 2, out: [], err: [noHqAt(dir.path)] });
  });

  test('nothing listens on the published address: hq_unreachable, exit 2', async () => {
    const closed = createNetServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const tls = await loadOrCreateTls({ dataDir: otherDir.path });
    endpointFor(port, tls.fingerprint256);
    const run = await runHq(dir.path, ['revoke-device', 'some-device'], { env: { LOYALTY_HQ_TOKEN: token } });
    expect(seen(run)).toEqual({
      code: 2,
      out: [],
      err: [`error: hq_unreachable: HQ cannot be reached at 127.0.0.1:${port} (ECONNREFUSED); nothing was sent.`],
    });
  });

  test('another certificate at the address: refused before a byte of the command or a token is sent', async () => {
    const hqTls = await loadOrCreateTls({ dataDir: otherDir.path });
    const impostorDir = makeTempDir('loyalty-hq-impostor-cert-');
    const impostorTls = await loadOrCreateTls({ dataDir: impostorDir.path });
    impostorDir.remove();
    const received: Buffer[] = [];
    let connections = 0;
    const impostor = createTlsServer({ key: impostorTls.key, cert: impostorTls.cert }, (socket) => {
      socket.on('data', (chunk: Buffer) => received.push(chunk));
      // The command line hanging up after the handshake is the expected outcome here.
      socket.on('error', () => undefined);
    });
    const closedOnce = () =>
      new Promise<void>((resolve) => impostor.once('connection', (raw: Socket) => raw.once('close', () => resolve())));
    await new Promise<void>((resolve) => impostor.listen(0, '127.0.0.1', resolve));
    impostor.on('connection', () => (connections += 1));
    const port = (impostor.address() as AddressInfo).port;
    const refusal = {
      code: 2,
      out: [],
      err: [
        'error: hq_unreachable: The server at that address presented a certificate other than HQ’s; nothing was sent.',
      ],
    };
    try {
      const bootstrapToken = newAdminToken();
      endpointFor(port, hqTls.fingerprint256, bootstrapToken);
      // From the published file: an API token's command, and create-admin with the bootstrap token.
      for (const [env, argv] of [
        [{ LOYALTY_HQ_TOKEN: token }, ['issue-pairing-code', 'some-store']],
        [{}, ['create-admin', '--email', 'a@chain.example', '--name', 'A']],
        // From the environment: LOYALTY_HQ_URL and the pin of HQ's certificate.
        [
          {
            LOYALTY_HQ_TOKEN: token,
            LOYALTY_HQ_URL: `https://127.0.0.1:${port}`,
            LOYALTY_HQ_CERT_SHA256: hqTls.fingerprint256,
          },
          ['list-stores'],
        ],
      ] as const) {
        const closed = closedOnce();
        const run = await runHq(dir.path, [...argv], { env });
        expect(seen(run), argv[0]).toEqual(refusal);
        await closed;
      }
      expect(connections).toBe(3);
      expect(Buffer.concat(received).toString('utf8')).toBe('');
    } finally {
      await new Promise<void>((resolve) => impostor.close(() => resolve()));
    }
  });
});
