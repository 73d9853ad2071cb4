import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import {
  ADMIN_ENDPOINT_FILE,
  AdminEndpoint,
  newAdminToken,
  writeAdminEndpoint,
} from '../../packages/hq/src/admin/admin-endpoint-file';
import { ADMIN_COMMAND_ROUTE } from '../../packages/hq/src/admin/admin-route';
import { DATA_DIR_LOCK_FILE, acquireDataDirLock, type DataDirLock } from '../../packages/hq/src/db/data-dir-lock';
import { loadOrCreateTls } from '../../packages/hq/src/tls';
import { openHqDatabase } from '../../packages/hq/src/open-database';
import { HQ_ROUTES, PairResponse, PushResponse } from '../../src/shared/sync/protocol';
import { makeTempDir } from '../support/temp-dir';
import { snapshotTables } from './support/hq';
import { startHqProcess, runHq, type HqProcess, type ProcessRun } from './support/hq-process';
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

/**
 * Issue 10, defect 1: on the embedded PGlite default, an admin command run while HQ runs on the same
 * data folder must take effect in the running server (it goes through the server's admin endpoint),
 * or refuse; it must never print success for work the server does not see.
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
  const cli = (...args: string[]) => runHq(dir.path, args);

  beforeAll(async () => {
    server = await startHqProcess(dir.path);
  });
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

  test('issue-pairing-code, revoke-device and request-erasure run as separate processes take effect in the running server', async () => {
    const hq = server!;
    const store = await cli('create-store', 'Main Street');
    expect(store).toMatchObject({ code: 0, err: [] });
    expect(store.out).toEqual([expect.stringMatching(/^STORE_ID=[0-9a-f-]{36}$/)]);
    storeId = store.values.STORE_ID!;

    // A code issued from the command line pairs with the running server.
    const first = await cli('issue-pairing-code', storeId);
    expect(first).toMatchObject({ code: 0, err: [] });
    revoked = await pair(hq, first.values.PAIRING_CODE!, 'Till A');
    kept = await pair(hq, (await cli('issue-pairing-code', storeId)).values.PAIRING_CODE!, 'Till B');

    const pushed = await hq.send(
      HQ_ROUTES.push,
      { ops: [enrollOp(1, member)] },
      { authorization: `Bearer ${revoked.deviceToken}` },
    );
    expect(PushResponse.parse(pushed.body).outcomes.map((o) => o.outcome)).toEqual(['applied']);
    const before = await pullText(hq, kept, 0);
    expect(before.text).toContain('Lovelace');

    const revoke = await cli('revoke-device', revoked.deviceId);
    expect(revoke).toMatchObject({ code: 0, err: [] });
    expect(revoke.out).toEqual([expect.stringMatching(/^REVOKED_AT=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)]);
    const refused = await pullText(hq, revoked, 1);
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ code: 'device_revoked' });

    const erased = await cli('request-erasure', member);
    expect(erased).toMatchObject({ code: 0, err: [] });
    expect(erased.out).toEqual([expect.stringMatching(/^ERASED_AT=\d{4}-/), 'ALREADY_ERASED=false', 'OPS_SCRUBBED=1']);
    // A till that held the member hears the tombstone; a fresh snapshot no longer has the name.
    const changes = await pullText(hq, kept, 0, before.cursor);
    expect(changes.text).toContain(JSON.stringify({ kind: 'member_erased', id: member }));
    const snapshot = await pullText(hq, kept, 0);
    expect(snapshot.status).toBe(200);
    expect(snapshot.text).not.toContain('Lovelace');
    erasedCursor = before.cursor;

    // load-catalog reads the file here and sends its contents: the server sees the rewards.
    const loaded = await cli('load-catalog', DEMO_CATALOG);
    expect(seen(loaded)).toEqual({
      code: 0,
      out: ['REWARDS_ADDED=5', 'REWARDS_CHANGED=0', 'REWARDS_DEACTIVATED=0', 'STORES_CHANGED=1'],
      err: [],
    });
    expect((await pullText(hq, kept, 0)).text).toContain('"id":"voucher-20"');

    const later = await cli('issue-pairing-code', storeId);
    expect(later.code).toBe(0);
    laterCode = later.values.PAIRING_CODE!;
  }, 120_000);

  test('after a restart the server still sees every command: the device stays revoked, the member erased, the code valid', async () => {
    const stopped = await server!.stop();
    expect(stopped.code).toBe(0);
    server = await startHqProcess(dir.path);
    const hq = server;
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
    const store = await cli('create-store', 'Still Served');
    expect(store.code).toBe(0);
    const code = await cli('issue-pairing-code', store.values.STORE_ID!);
    await pair(server!, code.values.PAIRING_CODE!, 'Till D');
  }, 60_000);

  test('the admin endpoint file is 0600, names a loopback URL and the server’s pin, and the token never reaches the server’s output', async () => {
    const path = join(dir.path, ADMIN_ENDPOINT_FILE);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const endpoint = AdminEndpoint.parse(JSON.parse(readFileSync(path, 'utf8')));
    expect(endpoint.url).toBe(server!.url);
    expect(endpoint.certSha256).toBe(server!.fingerprint);
    expect(endpoint.pid).toBe(server!.child.pid);
    expect(server!.output()).toContain('admin command');
    expect(server!.output()).not.toContain(endpoint.token);
  });

  test('a missing or wrong admin token is refused, by the endpoint and at the command line, and changes nothing', async () => {
    const path = join(dir.path, ADMIN_ENDPOINT_FILE);
    const original = readFileSync(path, 'utf8');
    const endpoint = AdminEndpoint.parse(JSON.parse(original));
    const wrong = `${endpoint.token.slice(0, 42)}${endpoint.token.endsWith('A') ? 'B' : 'A'}`;
    const command = { command: 'create-store', args: ['Sneaked In'], options: {} };
    for (const headers of [{}, { authorization: `Bearer ${wrong}` }, { authorization: endpoint.token }]) {
      const refused = await server!.send(ADMIN_COMMAND_ROUTE, command, headers);
      expect(refused.status).toBe(401);
      expect(refused.body).toEqual({ code: 'unauthorized', message: 'A valid admin token is required.' });
    }
    writeFileSync(path, JSON.stringify({ ...endpoint, token: wrong }), { mode: 0o600 });
    try {
      const run = await cli('create-store', 'Sneaked In');
      expect(seen(run)).toEqual({
        code: 2,
        out: [],
        err: ['error: admin_refused: The running HQ refused the admin command (401 unauthorized).'],
      });
    } finally {
      writeFileSync(path, original, { mode: 0o600 });
    }
    const stores = await cli('list-rejected');
    expect(seen(stores)).toEqual({ code: 0, out: [], err: [] });
    await server!.stop();
    server = undefined;
    const db = await openHqDatabase({ dataDir: dir.path });
    try {
      const sneaked = await db.query("SELECT id FROM stores WHERE name = 'Sneaked In'");
      expect(sneaked.rows).toEqual([]);
    } finally {
      await db.close();
    }
    server = await startHqProcess(dir.path);
  }, 60_000);

  test('a command prints through the running server exactly what it prints when run directly, refusals included', async () => {
    const direct = makeTempDir('loyalty-hq-direct-');
    const badCatalog = join(direct.path, 'bad-catalog.json');
    writeFileSync(badCatalog, JSON.stringify({ rewards: [{ id: 'x', name: { en: 'X' }, costPoints: 0 }], extra: 1 }));
    const notJson = join(direct.path, 'not-json.json');
    writeFileSync(notJson, '{ rewards: ');
    try {
      for (const argv of [
        ['create-store'],
        ['create-store', 'Main Street', '--role', 'manager'],
        ['drop-everything'],
        ['revoke-device', 'no-such-device'],
        ['request-erasure', 'no-such-member'],
        ['load-catalog', join(direct.path, 'missing.json')],
        ['load-catalog', notJson],
        ['load-catalog', badCatalog],
        ['list-rejected', '--device', 'no-such-device'],
        ['list-rejected'],
      ]) {
        const through = await cli(...argv);
        const alone = await runHq(direct.path, argv);
        expect(seen(through), argv.join(' ')).toEqual(seen(alone));
        expect(through.code, argv.join(' ')).toBe(argv.length === 1 && argv[0] === 'list-rejected' ? 0 : 2);
      }
      // The direct runs really ran directly: no server ever held that folder.
      expect(readdirSync(direct.path)).not.toContain(ADMIN_ENDPOINT_FILE);
    } finally {
      direct.remove();
    }
  }, 240_000);

  test('a command while another command holds the data folder refuses with exit 2 and writes nothing; a server started meanwhile waits', async () => {
    await server!.stop();
    let starting: Promise<HqProcess> | undefined;
    server = undefined;
    // This test process is the other command: it holds the folder for as long as its database is open.
    const db = await openHqDatabase({ dataDir: dir.path, role: 'command' });
    try {
      const tables = await snapshotTables(db);
      const files = folderHash(join(dir.path, 'pgdata'));
      for (const argv of [
        ['create-store', 'While Busy'],
        ['revoke-device', kept.deviceId],
        ['issue-pairing-code', storeId],
      ]) {
        const run = await cli(...argv);
        expect(seen(run), argv.join(' ')).toEqual({
          code: 2,
          out: [],
          err: [`error: data_dir_locked: The HQ data folder is in use by another HQ command (pid ${process.pid}).`],
        });
      }
      expect(folderHash(join(dir.path, 'pgdata'))).toBe(files);
      expect(await snapshotTables(db)).toBe(tables);
      // A server (re)started meanwhile waits for the command instead of refusing to start.
      starting = startHqProcess(dir.path);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    } finally {
      await db.close();
    }
    server = await starting;
    const pulled = await pullText(server, kept, 0);
    expect(pulled.status).toBe(200);
  }, 60_000);

  test('a server killed with SIGKILL leaves a lock of a dead pid, which the next opener takes over', async () => {
    const pid = server!.child.pid;
    const killed = await server!.kill();
    server = undefined;
    expect(killed.signal).toBe('SIGKILL');
    const stale = JSON.parse(readFileSync(join(dir.path, DATA_DIR_LOCK_FILE), 'utf8')) as { pid: number };
    expect(stale.pid).toBe(pid);
    const store = await cli('create-store', 'After The Crash');
    expect(store).toMatchObject({ code: 0, err: [] });
    server = await startHqProcess(dir.path);
    const code = await cli('issue-pairing-code', store.values.STORE_ID!);
    expect(code).toMatchObject({ code: 0, err: [] });
    const paired = await pair(server, code.values.PAIRING_CODE!, 'Till E');
    expect(paired.storeId).toBe(store.values.STORE_ID);
  }, 60_000);
});

describe('the command line refuses, sending nothing, when the server holding the folder cannot be reached', () => {
  const dir = makeTempDir('loyalty-hq-unreachable-');
  const otherDir = makeTempDir('loyalty-hq-impostor-');
  // This test process plays the server: it holds the folder as one, so a command must go through it.
  let lock: DataDirLock;
  beforeAll(async () => {
    lock = await acquireDataDirLock(dir.path, 'server');
  });
  afterAll(() => {
    lock?.release();
    dir.remove();
    otherDir.remove();
  });
  const endpointFor = (port: number, certSha256: string) =>
    writeAdminEndpoint(dir.path, {
      url: `https://127.0.0.1:${port}`,
      certSha256,
      token: newAdminToken(),
      pid: process.pid,
    });

  test('no published admin address yet: hq_unreachable, exit 2', async () => {
    const run = await runHq(dir.path, ['create-store', 'Nobody Home']);
    expect(seen(run)).toEqual({
      code: 2,
      out: [],
      err: [
        `error: hq_unreachable: HQ (pid ${process.pid}) holds the data folder but has not published its admin address yet; try again in a moment.`,
      ],
    });
    expect(readdirSync(dir.path)).not.toContain('pgdata');
  });

  test('nothing listens on the published address: hq_unreachable, exit 2', async () => {
    const closed = createNetServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const tls = await loadOrCreateTls({ dataDir: dir.path });
    endpointFor(port, tls.fingerprint256);
    const run = await runHq(dir.path, ['revoke-device', 'some-device']);
    expect(seen(run)).toEqual({
      code: 2,
      out: [],
      err: [
        `error: hq_unreachable: The running HQ (pid ${process.pid}) cannot be reached on its admin address (ECONNREFUSED); nothing was sent.`,
      ],
    });
  });

  test('another certificate on the published address: refused before a byte of the command or token is sent', async () => {
    const hqTls = await loadOrCreateTls({ dataDir: dir.path });
    const impostorTls = await loadOrCreateTls({ dataDir: otherDir.path });
    const received: Buffer[] = [];
    const impostor = createTlsServer({ key: impostorTls.key, cert: impostorTls.cert }, (socket) => {
      socket.on('data', (chunk: Buffer) => received.push(chunk));
      // The command line hanging up after the handshake is the expected outcome here.
      socket.on('error', () => undefined);
    });
    const closed = new Promise<void>((resolve) =>
      impostor.once('connection', (raw: Socket) => raw.once('close', () => resolve())),
    );
    await new Promise<void>((resolve) => impostor.listen(0, '127.0.0.1', resolve));
    try {
      endpointFor((impostor.address() as AddressInfo).port, hqTls.fingerprint256);
      const run = await runHq(dir.path, ['issue-pairing-code', 'some-store']);
      expect(seen(run)).toEqual({
        code: 2,
        out: [],
        err: [
          'error: hq_unreachable: The server on the admin address presented a certificate other than HQ’s; nothing was sent.',
        ],
      });
      await closed;
      expect(Buffer.concat(received).toString('utf8')).toBe('');
    } finally {
      await new Promise<void>((resolve) => impostor.close(() => resolve()));
    }
  });
});
