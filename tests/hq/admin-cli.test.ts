// `npm run hq -- COMMAND` in process (packages/hq/src/admin/cli.ts) as a client of a test HQ's console
// API: each command acts as the operator of an API token, with that token's roles, on PGlite and
// PostgreSQL. The real processes (server, create-admin, the environment) are admin-running-server's.
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ADMIN_USAGE } from '../../packages/hq/src/admin/cli';
import type { OperatorRole } from '../../packages/hq/src/operators/roles';
import { HQ_ROUTES, PairResponse } from '../../src/shared/sync/protocol';
import { makeTempDir } from '../support/temp-dir';
import { cliConnection, runCli } from './support/admin-cli';
import { firstAdmin, operatorWith, type ConsoleClient } from './support/console';
import { BACKENDS, skipBackend, startTestHq, type TestHq } from './support/hq';
import { enrollOp, newMemberId } from './support/ops';

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

async function tokenOf(client: ConsoleClient, roles: OperatorRole[]): Promise<string> {
  const made = await client.call('createApiToken', { roles, expiresInDays: 30 });
  if (made.status !== 200) throw new Error(`createApiToken refused: ${made.text}`);
  return (made.body as { token: string }).token;
}

describe.each(BACKENDS)('npm run hq -- <command> as a console API client on %s', (backend) => {
  describe.skipIf(skipBackend(backend))(backend, () => {
    let hq: TestHq;
    const dir = makeTempDir('loyalty-admin-cli-');
    /** Operators, each signed in, and API tokens of their roles. */
    let admin: ConsoleClient;
    let storeOps: ConsoleClient;
    let storeOps2: ConsoleClient;
    let privacy: ConsoleClient;
    let privacy2: ConsoleClient;
    let auditor: ConsoleClient;
    const tokens = { admin: '', store: '', privacy: '', auditor: '' };
    beforeAll(async () => {
      hq = await startTestHq(backend, { console: true });
      admin = (await firstAdmin(hq)).client;
      storeOps = (await operatorWith(hq, admin, ['store_operations'])).client;
      storeOps2 = (await operatorWith(hq, admin, ['store_operations'])).client;
      privacy = (await operatorWith(hq, admin, ['privacy_officer'])).client;
      privacy2 = (await operatorWith(hq, admin, ['privacy_officer'])).client;
      auditor = (await operatorWith(hq, admin, ['auditor'])).client;
      tokens.admin = await tokenOf(admin, ['chain_admin']);
      tokens.store = await tokenOf(storeOps, ['store_operations']);
      tokens.privacy = await tokenOf(privacy, ['privacy_officer']);
      tokens.auditor = await tokenOf(auditor, ['auditor']);
    }, 120_000);
    afterAll(async () => {
      await hq?.close();
      dir.remove();
    });

    const as = (who: keyof typeof tokens) => cliConnection(hq, tokens[who]);
    const count = async (sql: string, params: unknown[] = []) =>
      Number((await hq.db.query<{ n: unknown }>(sql, params)).rows[0]?.n);

    test('create-store, list-stores, issue-pairing-code and list-devices print KEY=value lines and JSON rows', async () => {
      const store = await runCli(as('admin'), 'create-store', 'Main Street');
      expect(store).toMatchObject({ code: 0, err: [] });
      expect(store.out).toEqual([expect.stringMatching(/^STORE_ID=[0-9a-f-]{36}$/)]);
      const storeId = store.values.STORE_ID!;
      const stores = await runCli(as('admin'), 'list-stores');
      expect(stores).toMatchObject({ code: 0, err: [] });
      expect(stores.out.map((line) => JSON.parse(line) as unknown)).toContainEqual({
        storeId,
        name: 'Main Street',
        createdAt: hq.clock.now.toISOString(),
        devices: 0,
        activeDevices: 0,
        lastContactAt: null,
        policy: expect.any(Object),
      });

      const code = await runCli(as('store'), 'issue-pairing-code', storeId);
      expect(code).toMatchObject({ code: 0, err: [] });
      expect(code.values).toEqual({
        PAIRING_CODE: expect.stringMatching(/^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/),
        EXPIRES_AT: new Date(hq.clock.now.getTime() + 10 * 60 * 1000).toISOString(),
        HQ_CERT_SHA256: hq.tls.fingerprint256,
      });
      const paired = await hq.send(HQ_ROUTES.pair, { pairingCode: code.values.PAIRING_CODE, deviceName: 'Till' });
      const { deviceId } = PairResponse.parse(paired.body);
      const devices = await runCli(as('store'), 'list-devices', '--store', storeId);
      expect(devices).toMatchObject({ code: 0, err: [] });
      expect(devices.out.map((line) => JSON.parse(line) as unknown)).toEqual([
        {
          deviceId,
          storeId,
          storeName: 'Main Street',
          name: 'Till',
          pairedAt: hq.clock.now.toISOString(),
          lastContactAt: expect.toSatisfy((at: unknown) => at === null || (typeof at === 'string' && ISO.test(at))),
          lastSeq: 0,
          appVersion: null,
          revokedAt: null,
          rolledBack: null,
          rekey: null,
        },
      ]);
    });

    test('revoke-device prints APPROVAL_ID and exits 3; with --approval, once another operator approved, it revokes', async () => {
      const device = await hq.pairedDevice('Till to revoke');
      const asked = await runCli(as('store'), 'revoke-device', device.deviceId);
      expect(asked.code).toBe(3);
      expect(asked.out).toEqual([expect.stringMatching(/^APPROVAL_ID=\S+$/)]);
      const approvalId = asked.values.APPROVAL_ID!;
      expect(asked.err).toEqual([
        `error: approval_required: A second operator must approve this in the console (Approvals); then run the same command with --approval ${approvalId}.`,
      ]);
      // Not revoked yet: the till still pulls.
      expect((await hq.send(HQ_ROUTES.pull, { cursor: null, ackedSeq: 0 }, { token: device.deviceToken })).status).toBe(
        200,
      );

      // Before anyone approved it: refused, exit 2, still not revoked.
      const early = await runCli(as('store'), 'revoke-device', device.deviceId, '--approval', approvalId);
      expect(early.code).toBe(2);
      expect(early.out).toEqual([]);
      expect(early.err[0]).toMatch(/^error: approval_not_approved: /);
      // The requester cannot approve their own request; another store operator can.
      expect((await storeOps.call('approve', { approvalId })).body).toMatchObject({ code: 'approval_self' });
      expect((await storeOps2.call('approve', { approvalId })).status).toBe(200);

      const done = await runCli(as('store'), 'revoke-device', device.deviceId, '--approval', approvalId);
      expect(done).toEqual({
        code: 0,
        out: [`REVOKED_AT=${hq.clock.now.toISOString()}`],
        err: [],
        values: { REVOKED_AT: hq.clock.now.toISOString() },
      });
      const refused = await hq.send(HQ_ROUTES.pull, { cursor: null, ackedSeq: 0 }, { token: device.deviceToken });
      expect(refused.status).toBe(403);
      expect(refused.body).toMatchObject({ code: 'device_revoked' });
      // An approval is spent once.
      const again = await runCli(as('store'), 'revoke-device', device.deviceId, '--approval', approvalId);
      expect(again.code).toBe(2);
      expect(again.err[0]).toMatch(/^error: approval_used: /);
    });

    test('request-erasure prints APPROVAL_ID and exits 3; with a second privacy officer’s approval it erases', async () => {
      const till = await hq.pairedDevice('Till with a member');
      const member = newMemberId();
      await hq.push(till, [enrollOp(1, member)]);
      const asked = await runCli(as('privacy'), 'request-erasure', member);
      expect(asked.code).toBe(3);
      const approvalId = asked.values.APPROVAL_ID!;
      expect(asked.out).toEqual([`APPROVAL_ID=${approvalId}`]);
      expect(await count('SELECT count(*) AS n FROM members WHERE id = $1 AND erased_at IS NULL', [member])).toBe(1);
      expect((await privacy2.call('approve', { approvalId })).status).toBe(200);
      const erased = await runCli(as('privacy'), 'request-erasure', member, '--approval', approvalId);
      expect(erased).toMatchObject({ code: 0, err: [] });
      expect(erased.out).toEqual([
        'STATUS=erased',
        expect.stringMatching(/^ERASURE_REQUEST=[0-9a-f-]{36}$/),
        `DUE_AT=${hq.clock.now.toISOString()}`,
        `ERASED_AT=${hq.clock.now.toISOString()}`,
        'OPS_SCRUBBED=1',
      ]);
      expect(await count('SELECT count(*) AS n FROM members WHERE id = $1 AND erased_at IS NULL', [member])).toBe(0);
    });

    test('load-catalog sends the file’s contents on top of the current catalogue version', async () => {
      const file = join(dir.path, 'catalog.json');
      const reward = (costPoints: number) => ({
        rewards: [{ id: 'tea', name: { en: 'Tea', ru: 'Чай' }, costPoints }],
      });
      const versionBefore = await count('SELECT count(*) AS n FROM catalog_versions');
      // The test tills' catalogue (support/test-catalog.ts) is in force: the file replaces it.
      const othersActive = await count(`SELECT count(*) AS n FROM rewards WHERE active AND id <> 'tea'`);
      writeFileSync(file, JSON.stringify(reward(100)));
      const first = await runCli(as('store'), 'load-catalog', file);
      expect(first.err).toEqual([]);
      expect(first.code).toBe(0);
      const version = Number(first.values.CATALOG_VERSION);
      expect(first.out).toEqual([
        'CATALOG_FILE=catalog.json',
        `CATALOG_VERSION=${version}`,
        'REWARDS_ADDED=1',
        'REWARDS_CHANGED=0',
        `REWARDS_DEACTIVATED=${othersActive}`,
        'STORES_CHANGED=0',
      ]);
      writeFileSync(file, JSON.stringify(reward(150)));
      const second = await runCli(as('store'), 'load-catalog', file);
      expect(second.out).toEqual([
        'CATALOG_FILE=catalog.json',
        `CATALOG_VERSION=${version + 1}`,
        'REWARDS_ADDED=0',
        'REWARDS_CHANGED=1',
        'REWARDS_DEACTIVATED=0',
        'STORES_CHANGED=0',
      ]);
      expect(await count('SELECT count(*) AS n FROM catalog_versions')).toBe(versionBefore + 2);
    });

    test('a token’s roles bound what it runs: an auditor’s create-store is refused (403 forbidden), exit 2, and audited', async () => {
      const stores = await count('SELECT count(*) AS n FROM stores');
      const refused = await runCli(as('auditor'), 'create-store', 'Auditor Store');
      expect(refused).toEqual({
        code: 2,
        out: [],
        err: ['error: forbidden: Your role does not allow stores.create.'],
        values: {},
      });
      expect(await count('SELECT count(*) AS n FROM stores')).toBe(stores);
      const audited = await hq.db.query<{ action: string; details: unknown }>(
        `SELECT action, details FROM operator_audit WHERE operator_id = $1 ORDER BY seq DESC LIMIT 1`,
        [auditor.operatorId],
      );
      const details = audited.rows[0]?.details;
      expect({
        action: audited.rows[0]?.action,
        details: typeof details === 'string' ? (JSON.parse(details) as unknown) : details,
      }).toEqual({ action: 'stores.create', details: { outcome: 'refused', via: 'api_token' } });
      // Nor may the chain admin's token issue pairing codes (store operations' work).
      const store = (await runCli(as('admin'), 'create-store', 'Admin Only')).values.STORE_ID!;
      expect((await runCli(as('admin'), 'issue-pairing-code', store)).err).toEqual([
        'error: forbidden: Your role does not allow devices.issue_pairing_code.',
      ]);
    });

    test('a missing or wrong token is refused (token_required, unauthorized), exit 2, and changes nothing', async () => {
      const before = await hq.snapshot();
      const missing = await runCli(cliConnection(hq, undefined), 'create-store', 'No Token');
      expect(missing).toEqual({
        code: 2,
        out: [],
        err: ['error: token_required: Set LOYALTY_HQ_TOKEN (test).'],
        values: {},
      });
      for (const token of [
        `ldhq_${'A'.repeat(43)}`,
        `${tokens.admin.slice(0, -1)}${tokens.admin.endsWith('A') ? 'B' : 'A'}`,
        tokens.admin.slice(5),
      ]) {
        const wrong = await runCli(cliConnection(hq, token), 'create-store', 'Wrong Token');
        expect(wrong, token.slice(0, 8)).toEqual({
          code: 2,
          out: [],
          err: ['error: unauthorized: The API token is not valid.'],
          values: {},
        });
      }
      expect(await hq.snapshot()).toBe(before);
    });

    test('a write retried with the same --request-id is done once', async () => {
      const requestId = randomUUID();
      const connection = cliConnection(hq, tokens.admin, { requestId });
      const first = await runCli(connection, 'create-store', 'Retried Store', '--request-id', requestId);
      const second = await runCli(connection, 'create-store', 'Retried Store', '--request-id', requestId);
      expect(first).toMatchObject({ code: 0, err: [] });
      expect(second).toEqual(first);
      expect(await count(`SELECT count(*) AS n FROM stores WHERE name = 'Retried Store'`)).toBe(1);
    });

    test('unknown commands, missing or extra arguments and foreign options exit 2 before reaching HQ', async () => {
      const before = await hq.snapshot();
      for (const argv of [
        [],
        ['drop-everything'],
        ['__proto__'],
        ['create-store'],
        ['create-store', ''],
        ['create-store', 'Main', 'Street'],
        ['create-store', 'Main Street', '--role', 'manager'],
        ['list-stores', 'extra'],
        ['revoke-device', '--store'],
        ['revoke-device', 'some-device', '--bogus'],
        ['add-staff', '--name', 'Ann', '--role', 'cashier'],
        ['create-admin', '--email', 'a@example.org'],
        ['load-catalog', join(dir.path, 'missing.json')],
      ]) {
        // A token that would be refused: nothing here may even get that far.
        const run = await runCli(cliConnection(hq, undefined), ...argv);
        expect(run.code, argv.join(' ')).toBe(2);
        expect(run.out, argv.join(' ')).toEqual([]);
        expect(run.err[0], argv.join(' ')).toMatch(/^error: (invalid_argument|invalid_catalog): /);
      }
      expect((await runCli(cliConnection(hq, undefined), 'create-store', 'Main', 'Street')).err).toEqual([
        'error: invalid_argument: Usage: create-store NAME',
      ]);
      expect((await runCli(cliConnection(hq, undefined), 'list-stores', '--role', 'x')).err).toEqual([
        'error: invalid_argument: list-stores takes no --role. Usage: list-stores',
      ]);
      expect((await runCli(cliConnection(hq, undefined), 'revoke-device', 'd', '--bogus')).err).toEqual([
        'error: invalid_argument: Unknown or malformed option.',
      ]);
      expect(await hq.snapshot()).toBe(before);
    });

    test('refusals of HQ print the code, message and field lines, exit 2, and make no store', async () => {
      const stores = await count('SELECT count(*) AS n FROM stores');
      const codes = await runCli(as('store'), 'issue-pairing-code', 'no-such-store');
      expect(codes.code).toBe(2);
      expect(codes.out).toEqual([]);
      expect(codes.err).toEqual(['error: store_not_found: No store no-such-store.']);
      const tooLong = await runCli(as('admin'), 'create-store', 'x'.repeat(201));
      expect(tooLong.code).toBe(2);
      expect(tooLong.err).toEqual([
        'error: bad_request: The request does not match the schema.',
        '  at name: too_big (maximum 200)',
      ]);
      expect(await count('SELECT count(*) AS n FROM stores')).toBe(stores);
    });

    // A hang (it once deadlocked on PGlite, fixed in 0c35776) fails in 10 s instead of stalling what follows.
    test('verify-audit and export-audit read the operator audit with an auditor’s token', async () => {
      const verified = await runCli(cliConnection(hq, tokens.auditor, { timeoutMs: 10_000 }), 'verify-audit');
      expect(verified).toMatchObject({ code: 0, err: [] });
      expect(verified.out).toEqual([
        'AUDIT_OK=true',
        expect.stringMatching(/^AUDIT_ENTRIES=[1-9]\d*$/),
        expect.stringMatching(/^AUDIT_HEAD=[0-9a-f]{64}$/),
      ]);
      const exported = await runCli(as('auditor'), 'export-audit');
      expect(exported).toMatchObject({ code: 0, err: [] });
      const entries = exported.out.map((line) => JSON.parse(line) as { action: string });
      expect(entries.at(-1)).toMatchObject({ action: 'audit.export' });
      // What was verified, the verification's own entry, and the export's.
      expect(entries.length).toBe(Number(verified.values.AUDIT_ENTRIES) + 2);
      expect(entries.at(-2)).toMatchObject({ action: 'audit.verified' });
    });
  });
});

test('every command has one usage line', () => {
  expect(ADMIN_USAGE.map((line) => line.split(' ')[0])).toEqual([
    'create-admin',
    'create-store',
    'list-stores',
    'issue-pairing-code',
    'list-devices',
    'revoke-device',
    'add-staff',
    'set-staff-status',
    'reset-staff-pin',
    'load-catalog',
    'request-erasure',
    'list-overdrafts',
    'list-rejected',
    'list-flagged',
    'verify-audit',
    'export-audit',
    'mail-relay',
  ]);
});
