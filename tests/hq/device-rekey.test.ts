// Rekey on request (issue 15 item 3: a till's database is rekeyed on events). Store operations asks
// HQ to have a till re-encrypt its database under a new key; every pull answer carries the request
// until the till says, in a later pull, that it did; the devices page shows both. Refusals change
// nothing. The till's side is tests/integration/rekey-on-request.test.ts.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { revokeDevice } from '../../packages/hq/src/admin';
import { HQ_ROUTES, PullResponse, type PairResponse } from '../../src/shared/sync/protocol';
import { firstAdmin, operatorWith, type ConsoleClient } from './support/console';
import { BACKENDS, skipBackend, startTestHq, type HqResponse, type TestHq } from './support/hq';

describe.each(BACKENDS)('rekey on request, on %s', (backend) => {
  describe.skipIf(skipBackend(backend))(backend, () => {
    let hq: TestHq;
    let storeOps: ConsoleClient;
    beforeAll(async () => {
      hq = await startTestHq(backend, { console: true });
      const admin = (await firstAdmin(hq)).client;
      storeOps = (await operatorWith(hq, admin, ['store_operations'])).client;
    });
    afterAll(async () => {
      await hq?.close();
    });

    const pull = (device: PairResponse, extra: Record<string, unknown> = {}): Promise<HqResponse> =>
      hq.send(HQ_ROUTES.pull, { cursor: null, ackedSeq: 0, ...extra }, { token: device.deviceToken });

    async function rekeyOf(device: PairResponse): Promise<unknown> {
      const listed = await storeOps.call('listDevices', { storeId: device.storeId });
      expect(listed.status).toBe(200);
      const rows = (listed.body as { devices: { deviceId: string; rekey: unknown }[] }).devices;
      return rows.find((row) => row.deviceId === device.deviceId)?.rekey;
    }

    async function requests(deviceId: string) {
      const found = await hq.db.query<{ id: string; reason: string; requested_by: string; done_at: Date | null }>(
        'SELECT id, reason, requested_by, done_at FROM device_rekeys WHERE device_id = $1 ORDER BY requested_at, id',
        [deviceId],
      );
      return found.rows.map((row) => ({ ...row, done: row.done_at !== null }));
    }

    async function audited(deviceId: string) {
      const found = await hq.db.query<{ operator_id: string; details: unknown }>(
        "SELECT operator_id, details FROM operator_audit WHERE action = 'devices.request_rekey' AND subject_id = $1 ORDER BY seq",
        [deviceId],
      );
      return found.rows;
    }

    test('asked once (audited once), carried on every pull until the till reports it, then shown done', async () => {
      const device = await hq.pairedDevice();
      const other = await hq.pairedDevice();
      expect(await rekeyOf(device)).toBeNull();
      expect(PullResponse.parse((await pull(device)).body).rekey).toBeUndefined();

      const asked = await storeOps.call('requestDeviceRekey', {
        deviceId: device.deviceId,
        reasonCode: 'suspected_compromise',
      });
      expect(asked.status).toBe(200);
      const { rekeyId, requestedAt } = asked.body as { rekeyId: string; requestedAt: string };
      expect(requestedAt).toBe(hq.clock.now.toISOString());
      // Asking again while it is open answers the same request, and is not a second audited request.
      const again = await storeOps.call('requestDeviceRekey', {
        deviceId: device.deviceId,
        reasonCode: 'suspected_compromise',
      });
      expect(again.status).toBe(200);
      expect((again.body as { rekeyId: string }).rekeyId).toBe(rekeyId);
      expect(await audited(device.deviceId)).toEqual([
        { operator_id: storeOps.operatorId, details: { reasonCode: 'suspected_compromise', rekeyId } },
      ]);
      expect(await rekeyOf(device)).toEqual({ reason: 'suspected_compromise', requestedAt, doneAt: null });

      // Every page carries it, to this till only.
      for (let i = 0; i < 2; i++) {
        expect(PullResponse.parse((await pull(device)).body).rekey).toEqual({
          rekeyId,
          reason: 'suspected_compromise',
        });
      }
      expect(PullResponse.parse((await pull(other)).body).rekey).toBeUndefined();
      // Another till naming this request changes nothing.
      expect((await pull(other, { rekeyed: rekeyId })).status).toBe(200);
      expect((await requests(device.deviceId)).map((r) => r.done)).toEqual([false]);

      hq.clock.now = new Date(hq.clock.now.getTime() + 60_000);
      const reported = await pull(device, { rekeyed: rekeyId });
      expect(reported.status).toBe(200);
      // Recorded before the answer was made: the answer no longer asks.
      expect(PullResponse.parse(reported.body).rekey).toBeUndefined();
      expect(await rekeyOf(device)).toEqual({
        reason: 'suspected_compromise',
        requestedAt,
        doneAt: hq.clock.now.toISOString(),
      });
      // Reported twice (an answer lost on the way): nothing changes.
      hq.clock.now = new Date(hq.clock.now.getTime() + 60_000);
      expect((await pull(device, { rekeyed: rekeyId })).status).toBe(200);
      expect(await rekeyOf(device)).toMatchObject({ doneAt: new Date(hq.clock.now.getTime() - 60_000).toISOString() });

      // A new suspicion later is a new request.
      const later = await storeOps.call('requestDeviceRekey', {
        deviceId: device.deviceId,
        reasonCode: 'suspected_compromise',
      });
      expect(later.status).toBe(200);
      expect((later.body as { rekeyId: string }).rekeyId).not.toBe(rekeyId);
      expect((await requests(device.deviceId)).map((r) => [r.reason, r.requested_by, r.done])).toEqual([
        ['suspected_compromise', storeOps.operatorId, true],
        ['suspected_compromise', storeOps.operatorId, false],
      ]);
    });

    test('refused and nothing stored: an unknown till, a revoked till, a till refused as rolled back, a reason not on the list, a malformed report', async () => {
      const device = await hq.pairedDevice();
      const unknown = await storeOps.call('requestDeviceRekey', {
        deviceId: 'no-such-device',
        reasonCode: 'suspected_compromise',
      });
      expect(unknown.status).toBe(404);
      expect((unknown.body as { code: string }).code).toBe('device_not_found');
      const badReason = await storeOps.call('requestDeviceRekey', { deviceId: device.deviceId, reasonCode: 'routine' });
      expect(badReason.status).toBe(400);
      expect((badReason.body as { code: string }).code).toBe('bad_request');
      expect((await pull(device, { rekeyed: 'not-a-uuid' })).status).toBe(400);

      const revoked = await hq.pairedDevice();
      await revokeDevice({ db: hq.db, now: () => hq.clock.now }, revoked.deviceId);
      const refused = await storeOps.call('requestDeviceRekey', {
        deviceId: revoked.deviceId,
        reasonCode: 'suspected_compromise',
      });
      expect(refused.status).toBe(409);
      expect((refused.body as { code: string }).code).toBe('conflict');

      // A till refused as rolled back would never hear it: its pulls are refused.
      const restored = await hq.pairedDevice();
      await hq.db.query('UPDATE devices SET rolled_back_at = $2 WHERE id = $1', [restored.deviceId, hq.clock.now]);
      const refusedRestored = await storeOps.call('requestDeviceRekey', {
        deviceId: restored.deviceId,
        reasonCode: 'suspected_compromise',
      });
      expect(refusedRestored.status).toBe(409);
      expect((refusedRestored.body as { code: string }).code).toBe('conflict');

      for (const id of ['no-such-device', device.deviceId, revoked.deviceId, restored.deviceId]) {
        expect(await requests(id)).toEqual([]);
        expect(await audited(id)).toEqual([]);
      }
    });
  });
});
