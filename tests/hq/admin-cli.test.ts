import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ADMIN_USAGE } from '../../packages/hq/src/admin/cli';
import { HQ_ROUTES, PairResponse } from '../../src/shared/sync/protocol';
import { runCli } from './support/admin-cli';
import { BACKENDS, skipBackend, startTestHq, type TestHq } from './support/hq';

describe.each(BACKENDS)('npm run hq -- <command> on %s', (backend) => {
  describe.skipIf(skipBackend(backend))(backend, () => {
    let hq: TestHq;
    beforeAll(async () => {
      hq = await startTestHq(backend);
    });
    afterAll(async () => {
      await hq?.close();
    });

    const deps = () => ({ db: hq.db, now: () => hq.clock.now });

    test('create-store, issue-pairing-code and revoke-device print KEY=value lines', async () => {
      const store = await runCli(deps(), 'create-store', 'Main Street');
      expect(store).toMatchObject({ code: 0, err: [] });
      const storeId = store.values.STORE_ID!;
      const code = await runCli(deps(), 'issue-pairing-code', storeId);
      expect(code.values).toEqual({
        PAIRING_CODE: expect.stringMatching(/^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/),
        EXPIRES_AT: new Date(hq.clock.now.getTime() + 10 * 60 * 1000).toISOString(),
      });
      const paired = await hq.send(HQ_ROUTES.pair, { pairingCode: code.values.PAIRING_CODE, deviceName: 'Till' });
      const { deviceId } = PairResponse.parse(paired.body);
      const revoked = await runCli(deps(), 'revoke-device', deviceId);
      expect(revoked.values).toEqual({ REVOKED_AT: hq.clock.now.toISOString() });
    });

    test('unknown commands, missing or extra arguments and foreign options exit 2 and change nothing', async () => {
      const before = await hq.snapshot();
      for (const argv of [
        [],
        ['drop-everything'],
        ['__proto__'],
        ['create-store'],
        ['create-store', ''],
        ['create-store', 'Main', 'Street'],
        ['create-store', 'Main Street', '--role', 'manager'],
        ['issue-pairing-code', 'no-such-store'],
        ['revoke-device', 'no-such-device'],
        ['revoke-device', '--store'],
      ]) {
        const run = await runCli(deps(), ...argv);
        expect(run.code, argv.join(' ')).toBe(2);
        expect(run.out).toEqual([]);
        expect(run.err[0]).toMatch(/^error: (invalid_argument|store_not_found|device_not_found): /);
      }
      expect((await runCli(deps(), 'create-store', 'Main', 'Street')).err).toEqual([
        'error: invalid_argument: Usage: create-store NAME',
      ]);
      expect(await hq.snapshot()).toBe(before);
    });

    test('every command has one usage line', () => {
      expect(ADMIN_USAGE.map((line) => line.split(' ')[0])).toEqual([
        'create-store',
        'issue-pairing-code',
        'revoke-device',
        'add-staff',
        'set-staff-status',
        'reset-staff-pin',
        'load-catalog',
        'request-erasure',
        'list-overdrafts',
        'list-rejected',
        'list-flagged',
      ]);
    });
  });
});
