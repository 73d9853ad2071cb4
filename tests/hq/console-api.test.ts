import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { HQ_ROUTES } from '../../src/shared/sync/protocol';
import { BACKENDS, httpsSend, pinnedTlsOptions, skipBackend, startTestHq, type TestHq } from './support/hq';
import { firstAdmin, operatorWith, type ConsoleClient } from './support/console';

describe.each(BACKENDS)('the HQ console API on %s', (backend) => {
  let hq: TestHq;
  let admin: ConsoleClient;
  let ops: ConsoleClient;
  beforeAll(async () => {
    if (skipBackend(backend)) return;
    hq = await startTestHq(backend, { console: true });
    admin = (await firstAdmin(hq)).client;
    ops = (await operatorWith(hq, admin, ['store_operations'])).client;
  }, 120_000);
  afterAll(async () => {
    await hq?.close();
  });

  test.skipIf(skipBackend(backend))(
    'an admin makes a store, store operations pair a till with it, and the till shows up',
    async () => {
      const store = await admin.call('createStore', { name: 'Riverside' });
      expect(store.status).toBe(200);
      const { storeId } = store.body as { storeId: string };
      const code = await ops.call('issuePairingCode', { storeId });
      expect(code.status).toBe(200);
      const { pairingCode, hqCertSha256 } = code.body as { pairingCode: string; hqCertSha256: string };
      expect(hqCertSha256).toBe(hq.tls.fingerprint256);
      const paired = await hq.send(HQ_ROUTES.pair, { pairingCode, deviceName: 'Till 1' });
      expect(paired.status).toBe(200);
      const devices = await ops.call('listDevices', { storeId });
      expect(devices.status).toBe(200);
      expect((devices.body as { devices: { name: string; revokedAt: null }[] }).devices).toMatchObject([
        { name: 'Till 1', revokedAt: null },
      ]);
    },
  );

  test.skipIf(skipBackend(backend))(
    'store operations may not create stores: 403 forbidden, and the refusal is audited',
    async () => {
      const refused = await ops.call('createStore', { name: 'Nope' });
      expect(refused.status).toBe(403);
      expect(refused.body).toMatchObject({ code: 'forbidden' });
      const last = await hq.db.query<{ action: string; details: unknown; operator_id: string }>(
        'SELECT action, details, operator_id FROM operator_audit ORDER BY seq DESC LIMIT 1',
      );
      expect(last.rows[0]).toMatchObject({ action: 'stores.create', operator_id: ops.operatorId });
    },
  );

  test.skipIf(skipBackend(backend))(
    'a till’s successful pull sets its last contact and the version it says it runs; a refused request sets neither',
    async () => {
      const device = await hq.pairedDevice('Till V');
      const pull = (body: unknown, agent: string) =>
        httpsSend(hq.url, pinnedTlsOptions(hq.tls, hq.tls.fingerprint256), HQ_ROUTES.pull, JSON.stringify(body), {
          'content-type': 'application/json',
          authorization: `Bearer ${device.deviceToken}`,
          'user-agent': agent,
        });
      const row = async () => {
        const devices = await ops.call('listDevices', {});
        return (
          devices.body as { devices: { deviceId: string; lastContactAt: string | null; appVersion: string | null }[] }
        ).devices.find((d) => d.deviceId === device.deviceId);
      };
      expect(await row()).toMatchObject({ lastContactAt: null, appVersion: null });
      expect((await pull({ nonsense: true }, 'LoyaltyDesk/9.8.7')).status).toBe(400);
      expect(await row()).toMatchObject({ lastContactAt: null, appVersion: null });
      expect((await pull({ cursor: null, ackedSeq: 0 }, 'LoyaltyDesk/9.8.7')).status).toBe(200);
      expect(await row()).toMatchObject({ lastContactAt: hq.clock.now.toISOString(), appVersion: '9.8.7' });
      // Anything but a plain version is not kept.
      hq.clock.now = new Date(hq.clock.now.getTime() + 120_000);
      expect((await pull({ cursor: null, ackedSeq: 0 }, 'LoyaltyDesk/<script>')).status).toBe(200);
      expect(await row()).toMatchObject({ lastContactAt: hq.clock.now.toISOString(), appVersion: '9.8.7' });
    },
  );
});
