import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { newAdminToken } from '../../packages/hq/src/admin/admin-endpoint-file';
import { BOOTSTRAP_ROUTE, isLoopbackAddress } from '../../packages/hq/src/admin/bootstrap-route';
import type { HqDatabase } from '../../packages/hq/src/db/database';
import { buildHqServer, type HqServer } from '../../packages/hq/src/server';
import { loadOrCreateTls } from '../../packages/hq/src/tls';
import { MAX_BODY_BYTES } from '../../src/shared/sync/protocol';
import { makeTempDir } from '../support/temp-dir';
import { openTestDataKeys, openTestDatabase, snapshotTables } from './support/hq';

/**
 * POST /v1/admin/bootstrap (create-admin) in process: Fastify's inject sets the peer address, which a
 * real socket cannot. Only a loopback peer with the data folder's bootstrap token, only while HQ has
 * no operator.
 */
describe('the bootstrap route', () => {
  const dir = makeTempDir('loyalty-bootstrap-route-');
  const token = newAdminToken();
  const now = new Date('2026-03-02T09:00:00.000Z');
  let db: HqDatabase;
  let stop: () => Promise<void>;
  let app: HqServer;
  let noToken: HqServer;
  beforeAll(async () => {
    ({ db, stop } = await openTestDatabase('pglite'));
    const tls = await loadOrCreateTls({ dataDir: dir.path });
    const console = (bootstrapToken?: string) => ({
      keyRoot: randomBytes(32),
      hqCertSha256: tls.fingerprint256,
      publicOrigin: () => 'https://hq.example:8443',
      ...(bootstrapToken !== undefined ? { bootstrapToken } : {}),
    });
    const keys = await openTestDataKeys(db);
    app = buildHqServer({ db, keys, tls, now: () => now, console: console(token) });
    noToken = buildHqServer({ db, keys, tls, now: () => now, console: console() });
  });
  afterAll(async () => {
    await app?.close();
    await noToken?.close();
    await stop?.();
    dir.remove();
  });

  const post = (
    server: HqServer,
    body: unknown,
    options: { remoteAddress?: string; authorization?: string | null; raw?: string } = {},
  ) =>
    server.inject({
      method: 'POST',
      url: BOOTSTRAP_ROUTE,
      remoteAddress: options.remoteAddress ?? '127.0.0.1',
      headers: {
        'content-type': 'application/json',
        ...(options.authorization !== null ? { authorization: options.authorization ?? `Bearer ${token}` } : {}),
      },
      payload: options.raw ?? JSON.stringify(body),
    });
  const admin = { email: 'admin@chain.example', displayName: 'Chain Admin' };
  const operators = async () => (await db.query('SELECT id FROM operators')).rows.length;

  test('a peer that is not on loopback is told there is no such route, even with the token, and nothing changes', async () => {
    const before = await snapshotTables(db);
    for (const remoteAddress of ['192.0.2.7', '10.0.0.1', '::ffff:192.0.2.7', '2001:db8::1']) {
      const response = await post(app, admin, { remoteAddress });
      expect(response.statusCode, remoteAddress).toBe(404);
      expect(response.json()).toEqual({ code: 'not_found', message: 'No such route.' });
    }
    expect(await snapshotTables(db)).toBe(before);
  });

  test('a server started without a bootstrap token has no bootstrap route at all', async () => {
    const before = await snapshotTables(db);
    const response = await post(noToken, admin);
    expect(response.statusCode).toBe(404);
    expect(await snapshotTables(db)).toBe(before);
  });

  test('the token is compared as a whole: a prefix, a longer one, another scheme or none is refused', async () => {
    const before = await snapshotTables(db);
    for (const authorization of [
      `Bearer ${token.slice(0, 42)}`,
      `Bearer ${token}A`,
      `Basic ${token}`,
      `Bearer ${newAdminToken()}`,
      token,
      '',
      null,
    ]) {
      const response = await post(app, admin, { authorization });
      expect(response.statusCode, String(authorization).slice(0, 8)).toBe(401);
      expect(response.json()).toEqual({
        code: 'unauthorized',
        message: 'The bootstrap token of the data folder is required.',
      });
    }
    expect(await snapshotTables(db)).toBe(before);
  });

  test('a bad or oversized body is refused with a typed error and changes nothing', async () => {
    const before = await snapshotTables(db);
    const cases: [unknown, number, string][] = [
      [{ email: 'a@chain.example' }, 400, 'bad_request'],
      [{ ...admin, roles: ['chain_admin'] }, 400, 'bad_request'],
      [{ ...admin, email: 42 }, 400, 'bad_request'],
      [{ ...admin, displayName: 'x'.repeat(201) }, 400, 'bad_request'],
      [{ ...admin, padding: 'y'.repeat(MAX_BODY_BYTES) }, 413, 'payload_too_large'],
    ];
    for (const [body, status, code] of cases) {
      const response = await post(app, body);
      expect(response.statusCode, JSON.stringify(body).slice(0, 80)).toBe(status);
      expect(response.json<{ code: string }>().code).toBe(code);
    }
    const poisoned = await post(app, null, {
      raw: '{"email":"a@chain.example","displayName":"A","__proto__":{}}',
    });
    expect(poisoned.statusCode).toBe(400);
    expect(await snapshotTables(db)).toBe(before);
  });

  test('a loopback peer with the token makes the first chain admin once: operator id, enrolment link, 24 hours', async () => {
    expect(await operators()).toBe(0);
    const made = await post(app, admin, { remoteAddress: '::1' });
    expect(made.statusCode).toBe(200);
    const body = made.json<{ operatorId: string; enrolmentUrl: string; expiresAt: string }>();
    expect(body).toEqual({
      operatorId: expect.stringMatching(/^\S+$/),
      enrolmentUrl: expect.stringMatching(/^https:\/\/hq\.example:8443\/console\/#\/enrol\/[A-Za-z0-9_-]{20,}$/),
      expiresAt: '2026-03-03T09:00:00.000Z',
    });
    const roles = await db.query<{ role: string }>('SELECT role FROM operator_roles WHERE operator_id = $1', [
      body.operatorId,
    ]);
    expect(roles.rows).toEqual([{ role: 'chain_admin' }]);
    const audited = await db.query<{ operator_id: string | null; action: string; subject_id: string }>(
      'SELECT operator_id, action, subject_id FROM operator_audit ORDER BY seq',
    );
    expect(audited.rows).toEqual([{ operator_id: null, action: 'operators.manage', subject_id: body.operatorId }]);

    // Once there is an operator, never again: a chain admin adds operators in the console.
    const before = await snapshotTables(db);
    const again = await post(app, { email: 'second@chain.example', displayName: 'Second' });
    expect(again.statusCode).toBe(403);
    expect(again.json()).toEqual({
      code: 'forbidden',
      message: 'HQ already has operators: a chain admin adds operators in the console.',
    });
    expect(await snapshotTables(db)).toBe(before);
    expect(await operators()).toBe(1);
  });

  test('loopback means 127.0.0.0/8 and ::1 (also IPv4-mapped), nothing else', () => {
    expect(
      ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1', '128.0.0.1', '::ffff:10.0.0.1', '::2', '', undefined].map(
        isLoopbackAddress,
      ),
    ).toEqual([true, true, true, true, false, false, false, false, false]);
  });
});
