import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ADMIN_COMMAND_ROUTE, adminTokenAccess, isLoopbackAddress } from '../../packages/hq/src/admin/admin-route';
import { newAdminToken } from '../../packages/hq/src/admin/admin-endpoint-file';
import type { HqDatabase } from '../../packages/hq/src/db/database';
import { buildHqServer, type HqServer } from '../../packages/hq/src/server';
import { loadOrCreateTls } from '../../packages/hq/src/tls';
import { MAX_BODY_BYTES } from '../../src/shared/sync/protocol';
import { makeTempDir } from '../support/temp-dir';
import { openTestDatabase, snapshotTables } from './support/hq';

/** POST /v1/admin/command in process (Fastify's inject sets the peer address, which a real socket cannot). */
describe('the admin endpoint', () => {
  const dir = makeTempDir('loyalty-admin-route-');
  const token = newAdminToken();
  let db: HqDatabase;
  let stop: () => Promise<void>;
  let app: HqServer;
  let plain: HqServer;
  beforeAll(async () => {
    ({ db, stop } = await openTestDatabase('pglite'));
    const tls = await loadOrCreateTls({ dataDir: dir.path });
    const now = () => new Date('2026-03-02T09:00:00.000Z');
    app = buildHqServer({ db, tls, now, admin: { access: adminTokenAccess(token) } });
    plain = buildHqServer({ db, tls, now });
  });
  afterAll(async () => {
    await app?.close();
    await plain?.close();
    await stop?.();
    dir.remove();
  });

  const post = (
    server: HqServer,
    body: unknown,
    options: { remoteAddress?: string; authorization?: string; raw?: string } = {},
  ) =>
    server.inject({
      method: 'POST',
      url: ADMIN_COMMAND_ROUTE,
      remoteAddress: options.remoteAddress ?? '127.0.0.1',
      headers: {
        'content-type': 'application/json',
        ...(options.authorization !== null ? { authorization: options.authorization ?? `Bearer ${token}` } : {}),
      },
      payload: options.raw ?? JSON.stringify(body),
    });

  test('a loopback peer with the token runs the command and gets back exactly its output and exit code', async () => {
    const created = await post(app, { command: 'create-store', args: ['Main Street'], options: {} });
    expect(created.statusCode).toBe(200);
    const body = created.json<{ exitCode: number; out: string[]; err: string[] }>();
    expect(body).toEqual({ exitCode: 0, out: [expect.stringMatching(/^STORE_ID=[0-9a-f-]{36}$/)], err: [] });
    const refused = await post(app, { command: 'revoke-device', args: ['no-such-device'], options: {} });
    expect(refused.json()).toEqual({
      exitCode: 2,
      out: [],
      err: ['error: device_not_found: No device no-such-device.'],
    });
  });

  test('a peer that is not on loopback is told there is no such route, even with the token, and nothing changes', async () => {
    const before = await snapshotTables(db);
    for (const remoteAddress of ['192.0.2.7', '10.0.0.1', '::ffff:192.0.2.7', '2001:db8::1']) {
      const response = await post(
        app,
        { command: 'create-store', args: ['From Afar'], options: {} },
        { remoteAddress },
      );
      expect(response.statusCode, remoteAddress).toBe(404);
      expect(response.json()).toEqual({ code: 'not_found', message: 'No such route.' });
    }
    expect(await snapshotTables(db)).toBe(before);
  });

  test('a server built without admin access has no admin route at all', async () => {
    const response = await post(plain, { command: 'create-store', args: ['No Admin'], options: {} });
    expect(response.statusCode).toBe(404);
  });

  test('a bad, unknown or oversized command is refused with a typed error and changes nothing', async () => {
    const before = await snapshotTables(db);
    const cases: [unknown, number, string][] = [
      [{ command: 'drop-everything', args: [], options: {} }, 400, 'bad_request'],
      [{ command: 'create-store', args: ['x'], options: {}, extra: 1 }, 400, 'bad_request'],
      [{ command: 'create-store', args: ['x'], options: { bogus: 'y' } }, 400, 'bad_request'],
      [{ command: 'create-store', args: 'x', options: {} }, 400, 'bad_request'],
      [{ command: 'create-store', args: ['x'.repeat(4097)], options: {} }, 400, 'bad_request'],
      [
        { command: 'create-store', args: ['x'], options: {}, catalog: 'y'.repeat(MAX_BODY_BYTES) },
        413,
        'payload_too_large',
      ],
    ];
    for (const [body, status, code] of cases) {
      const response = await post(app, body);
      expect(response.statusCode, JSON.stringify(body).slice(0, 80)).toBe(status);
      expect(response.json<{ code: string }>().code).toBe(code);
    }
    const poisoned = await post(app, null, {
      raw: '{"command":"create-store","args":["x"],"options":{},"__proto__":{}}',
    });
    expect(poisoned.statusCode).toBe(400);
    expect(await snapshotTables(db)).toBe(before);
  });

  test('load-catalog at the server uses the contents sent, never a path on the server', async () => {
    const missing = await post(app, { command: 'load-catalog', args: ['/etc/passwd'], options: {} });
    expect(missing.json()).toEqual({
      exitCode: 2,
      out: [],
      err: ['error: invalid_catalog: No catalog contents were sent.'],
    });
    const loaded = await post(app, {
      command: 'load-catalog',
      args: ['/does/not/matter.json'],
      options: {},
      catalog: { rewards: [{ id: 'tea', name: { en: 'Tea', ru: 'Чай' }, costPoints: 100 }] },
    });
    expect(loaded.json()).toEqual({
      exitCode: 0,
      out: ['REWARDS_ADDED=1', 'REWARDS_CHANGED=0', 'REWARDS_DEACTIVATED=0', 'STORES_CHANGED=0'],
      err: [],
    });
  });

  test('the token is compared as a whole: a prefix, a longer one or another scheme is refused', async () => {
    const before = await snapshotTables(db);
    for (const authorization of [
      `Bearer ${token.slice(0, 42)}`,
      `Bearer ${token}A`,
      `Basic ${token}`,
      `Bearer ${newAdminToken()}`,
      '',
    ]) {
      const response = await post(app, { command: 'create-store', args: ['Guess'], options: {} }, { authorization });
      expect(response.statusCode, authorization.slice(0, 8)).toBe(401);
      expect(response.json()).toEqual({ code: 'unauthorized', message: 'A valid admin token is required.' });
    }
    expect(await snapshotTables(db)).toBe(before);
  });

  test('loopback means 127.0.0.0/8 and ::1 (also IPv4-mapped), nothing else', () => {
    expect(
      ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1', '128.0.0.1', '::ffff:10.0.0.1', '::2', '', undefined].map(
        isLoopbackAddress,
      ),
    ).toEqual([true, true, true, true, false, false, false, false, false]);
  });
});
