import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createStore, issuePairingCode, PAIRING_CODE_TTL_MS, revokeDevice } from '../../packages/hq/src/admin';
import { secretHash } from '../../packages/hq/src/secrets';
import { KEY_FILE, loadOrCreateTls } from '../../packages/hq/src/tls';
import { HQ_ROUTES, HqError, PairResponse } from '../../src/shared/sync/protocol';
import { makeTempDir } from '../support/temp-dir';
import { BACKENDS, httpsSend, pinnedTlsOptions, skipBackend, startTestHq, type TestHq } from './support/hq';

describe.each(BACKENDS)('HQ pairing on %s', (backend) => {
  describe.skipIf(skipBackend(backend))(backend, () => {
    let hq: TestHq;
    beforeAll(async () => {
      hq = await startTestHq(backend);
    });
    afterAll(async () => {
      await hq?.close();
    });

    const deps = () => ({ db: hq.db, now: () => hq.clock.now });

    test('a pairing code works once and returns the device token once', async () => {
      const { storeId } = await createStore(deps(), 'Main Street');
      const { pairingCode, expiresAt } = await issuePairingCode(deps(), storeId);
      expect(pairingCode).toMatch(/^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
      expect(expiresAt.getTime() - hq.clock.now.getTime()).toBe(PAIRING_CODE_TTL_MS);

      // Typed loosely: lower case, no dashes.
      const first = await hq.send(HQ_ROUTES.pair, {
        pairingCode: pairingCode.toLowerCase().replaceAll('-', ''),
        deviceName: 'Till 1',
      });
      expect(first.status).toBe(200);
      const paired = PairResponse.parse(first.body);
      expect(paired.storeId).toBe(storeId);

      const again = await hq.send(HQ_ROUTES.pair, { pairingCode, deviceName: 'Till 2' });
      expect(again.status).toBe(403);
      expect(HqError.parse(again.body).code).toBe('pairing_code_invalid');
      expect(JSON.stringify(again.body)).not.toContain(paired.deviceToken);

      // The token works for push (an empty-looking but valid call is refused by schema, not by auth).
      const push = await hq.send(HQ_ROUTES.push, { ops: [] }, { token: paired.deviceToken });
      expect(push.status).toBe(400);
    });

    test('HQ stores only hashes of pairing codes and device tokens', async () => {
      const { storeId } = await createStore(deps(), 'Hash Street');
      const { pairingCode } = await issuePairingCode(deps(), storeId);
      const paired = PairResponse.parse((await hq.send(HQ_ROUTES.pair, { pairingCode, deviceName: 'Till 1' })).body);
      const everything = await hq.snapshot();
      expect(everything).not.toContain(paired.deviceToken);
      expect(everything).not.toContain(pairingCode);
      expect(everything).not.toContain(pairingCode.replaceAll('-', ''));
      const device = await hq.db.query<{ token_hash: string }>('SELECT token_hash FROM devices WHERE id = $1', [
        paired.deviceId,
      ]);
      expect(device.rows[0]?.token_hash).toBe(secretHash(paired.deviceToken));
    });

    test('an expired pairing code is refused and creates no device', async () => {
      const { storeId } = await createStore(deps(), 'Late Street');
      const { pairingCode } = await issuePairingCode(deps(), storeId);
      const issuedAt = hq.clock.now;
      hq.clock.now = new Date(issuedAt.getTime() + PAIRING_CODE_TTL_MS);
      try {
        const before = await hq.snapshot();
        const response = await hq.send(HQ_ROUTES.pair, { pairingCode, deviceName: 'Till 1' });
        expect(response.status).toBe(403);
        expect(HqError.parse(response.body).code).toBe('pairing_code_invalid');
        expect(await hq.snapshot()).toBe(before);
      } finally {
        hq.clock.now = issuedAt;
      }
    });

    test('a wrong pairing code is refused with the same answer and creates no device', async () => {
      const before = await hq.snapshot();
      const response = await hq.send(HQ_ROUTES.pair, { pairingCode: 'ABCD-EFGH-JKMN', deviceName: 'Till 1' });
      expect(response.status).toBe(403);
      expect(response.body).toEqual({ code: 'pairing_code_invalid', message: expect.any(String) });
      expect(await hq.snapshot()).toBe(before);
    });

    test('issuing a code for an unknown store and revoking an unknown device fail with typed errors', async () => {
      await expect(issuePairingCode(deps(), 'no-such-store')).rejects.toMatchObject({ code: 'store_not_found' });
      await expect(revokeDevice(deps(), 'no-such-device')).rejects.toMatchObject({ code: 'device_not_found' });
      await expect(createStore(deps(), '   ')).rejects.toMatchObject({ code: 'invalid_argument' });
    });

    test('a client pinning another fingerprint refuses the HQ certificate', async () => {
      const wrongPin = pinnedTlsOptions(hq.tls, 'AA:'.repeat(31) + 'AA');
      await expect(
        httpsSend(hq.url, wrongPin, HQ_ROUTES.pair, '{}', { 'content-type': 'application/json' }),
      ).rejects.toThrow(/fingerprint/);
    });
  });
});

describe('HQ TLS identity', () => {
  test('a self-signed certificate is made once, its key file is 0600, and its fingerprint is stable', async () => {
    const dir = makeTempDir('loyalty-hq-tls-');
    try {
      const first = await loadOrCreateTls({ dataDir: dir.path });
      expect(first.selfSigned).toBe(true);
      expect(first.fingerprint256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
      expect(statSync(join(dir.path, KEY_FILE)).mode & 0o777).toBe(0o600);
      const second = await loadOrCreateTls({ dataDir: dir.path });
      expect(second.fingerprint256).toBe(first.fingerprint256);
      expect(second.key).toBe(first.key);
      // A configured certificate is used as given.
      const configured = await loadOrCreateTls({
        dataDir: '/nonexistent',
        certPath: join(dir.path, 'hq-cert.pem'),
        keyPath: join(dir.path, KEY_FILE),
      });
      expect(configured.selfSigned).toBe(false);
      expect(configured.cert).toBe(readFileSync(join(dir.path, 'hq-cert.pem'), 'utf8'));
    } finally {
      dir.remove();
    }
  });
});
