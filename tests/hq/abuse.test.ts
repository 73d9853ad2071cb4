import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createStore, issuePairingCode, revokeDevice } from '../../packages/hq/src/admin';
import { migrate } from '../../packages/hq/src/db/migrations';
import { openPgliteDatabase } from '../../packages/hq/src/db/pglite';
import { buildHqServer } from '../../packages/hq/src/server';
import { loadOrCreateTls } from '../../packages/hq/src/tls';
import { makeTempDir } from '../support/temp-dir';
import {
  HQ_ROUTES,
  HqError,
  MAX_BODY_BYTES,
  MAX_PUSH_OPS,
  PushResponse,
  PullResponse,
  DayEndReport,
  type PairResponse,
} from '../../src/shared/sync/protocol';
import {
  BACKENDS,
  httpsSend,
  openTestDataKeys,
  pinnedTlsOptions,
  skipBackend,
  startTestHq,
  type TestHq,
} from './support/hq';
import { earnOp, enrollOp, newMemberId } from './support/ops';

describe.each(BACKENDS)('HQ refuses bad requests on %s', (backend) => {
  describe.skipIf(skipBackend(backend))(backend, () => {
    let hq: TestHq;
    let device: PairResponse;
    let member: string;
    beforeAll(async () => {
      hq = await startTestHq(backend);
      device = await hq.pairedDevice();
      member = newMemberId();
      const seeded = await hq.send(HQ_ROUTES.push, { ops: [enrollOp(1, member)] }, { token: device.deviceToken });
      expect(seeded.status).toBe(200);
    });
    afterAll(async () => {
      await hq?.close();
    });

    /** Sends, expects `status` and `code`, and checks that no table changed. */
    async function refused(
      status: number,
      code: HqError['code'],
      send: () => Promise<{ status: number; body: unknown }>,
    ): Promise<HqError> {
      const before = await hq.snapshot();
      const response = await send();
      expect(response.status, JSON.stringify(response.body)).toBe(status);
      const body = HqError.parse(response.body);
      expect(body.code).toBe(code);
      expect(await hq.snapshot()).toBe(before);
      return body;
    }

    const nextEarn = () => ({ ops: [earnOp(2, member, 10)] });

    test('a push with no token is 401 unauthorized', async () => {
      await refused(401, 'unauthorized', () => hq.send(HQ_ROUTES.push, nextEarn()));
      await refused(401, 'unauthorized', () => hq.send(HQ_ROUTES.push, nextEarn(), { authorization: 'Basic abc' }));
      await refused(401, 'unauthorized', () => hq.send(HQ_ROUTES.push, nextEarn(), { token: 'x'.repeat(43) }));
    });

    test('a revoked device token is 403 device_revoked and pushes nothing', async () => {
      const revoked = await hq.pairedDevice('Lost till');
      await revokeDevice({ db: hq.db }, revoked.deviceId);
      const other = newMemberId();
      await refused(403, 'device_revoked', () =>
        hq.send(HQ_ROUTES.push, { ops: [enrollOp(1, other)] }, { token: revoked.deviceToken }),
      );
    });

    test("another device's token pushes as that device, never as the device a body names", async () => {
      const deviceB = await hq.pairedDevice('Till B');
      // A's token with B's device id smuggled in the body is refused by the schema…
      await refused(400, 'bad_request', () =>
        hq.send(HQ_ROUTES.push, { ...nextEarn(), deviceId: deviceB.deviceId }, { token: device.deviceToken }),
      );
      // …and a well-formed push with A's token lands on A's queue only; B's seq is untouched.
      const response = await hq.send(HQ_ROUTES.push, nextEarn(), { token: device.deviceToken });
      expect(PushResponse.parse(response.body).lastSeq).toBe(2);
      const seqs = await hq.db.query<{ id: string; last_seq: unknown }>(
        'SELECT id, last_seq FROM devices WHERE id = ANY($1::text[]) ORDER BY id',
        [[device.deviceId, deviceB.deviceId]],
      );
      expect(Object.fromEntries(seqs.rows.map((r) => [r.id, Number(r.last_seq)]))).toEqual({
        [device.deviceId]: 2,
        [deviceB.deviceId]: 0,
      });
    });

    test('an oversized body is 413 payload_too_large', async () => {
      const raw = JSON.stringify({ ops: [earnOp(3, member, 1)], pad: 'x'.repeat(MAX_BODY_BYTES) });
      await refused(413, 'payload_too_large', () => hq.send(HQ_ROUTES.push, null, { token: device.deviceToken, raw }));
      await refused(413, 'payload_too_large', () =>
        hq.send(HQ_ROUTES.pair, null, { raw: JSON.stringify({ pairingCode: 'x'.repeat(MAX_BODY_BYTES) }) }),
      );
      // Too many ops is a schema refusal.
      const many = Array.from({ length: MAX_PUSH_OPS + 1 }, (_, i) => earnOp(3 + i, member, 1));
      await refused(400, 'bad_request', () => hq.send(HQ_ROUTES.push, { ops: many }, { token: device.deviceToken }));
    });

    test('an unknown field is 400 bad_request, at the top and in an op envelope', async () => {
      const op = earnOp(3, member, 1);
      const body = await refused(400, 'bad_request', () =>
        hq.send(HQ_ROUTES.push, { ops: [op], extra: 1 }, { token: device.deviceToken }),
      );
      expect(body.issues).toEqual([{ path: 'extra', code: 'unknown_field' }]);
      await refused(400, 'bad_request', () =>
        hq.send(HQ_ROUTES.push, { ops: [{ ...op, deviceId: 'x' }] }, { token: device.deviceToken }),
      );
      await refused(400, 'bad_request', () =>
        hq.send(HQ_ROUTES.push, { ops: [{ ...op, payload: ['not', 'an', 'object'] }] }, { token: device.deviceToken }),
      );
      await refused(400, 'bad_request', () =>
        hq.send(HQ_ROUTES.pair, { pairingCode: 'ABCD', deviceName: 'x', storeId: 'y' }),
      );
    });

    test('__proto__ and constructor keys are 400 bad_request', async () => {
      const op = JSON.stringify(earnOp(3, member, 1));
      for (const raw of [
        `{"ops":[${op}],"__proto__":{"polluted":true}}`,
        `{"ops":[${op.replace('{"seq"', '{"__proto__":{"x":1},"seq"')}]}`,
        `{"ops":[${op}],"constructor":{"prototype":{"polluted":true}}}`,
      ]) {
        await refused(400, 'bad_request', () => hq.send(HQ_ROUTES.push, null, { token: device.deviceToken, raw }));
      }
      await refused(400, 'bad_request', () =>
        hq.send(HQ_ROUTES.pair, null, { raw: '{"pairingCode":"A","deviceName":"b","__proto__":{"admin":true}}' }),
      );
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });

    test('wrong types, bad JSON and other media types are typed 4xx errors', async () => {
      const op = earnOp(3, member, 1);
      for (const body of [
        { ops: [{ ...op, seq: '3' }] },
        { ops: [{ ...op, seq: 0 }] },
        { ops: [{ ...op, seq: 3.5 }] },
        { ops: [{ ...op, opId: 'not-a-uuid' }] },
        { ops: [{ ...op, type: 'points.stolen' }] },
        { ops: [{ ...op, deviceTime: 'yesterday' }] },
        { ops: [] },
        { ops: {} },
        [],
        null,
        'ops',
      ]) {
        await refused(400, 'bad_request', () => hq.send(HQ_ROUTES.push, body, { token: device.deviceToken }));
      }
      await refused(400, 'bad_request', () =>
        hq.send(HQ_ROUTES.push, null, { token: device.deviceToken, raw: '{"ops":' }),
      );
      await refused(400, 'bad_request', () => hq.send(HQ_ROUTES.pair, { pairingCode: 12, deviceName: 'Till' }));
      await refused(415, 'unsupported_media_type', () =>
        hq.send(HQ_ROUTES.pair, null, { raw: '<pair/>', contentType: 'application/xml' }),
      );
      await refused(404, 'not_found', () => hq.send('/v2/push', nextEarn(), { token: device.deviceToken }));
    });

    test('property: random garbage bodies to /v1/pair and /v1/push never give a 5xx, and a refused one never changes a table', async () => {
      // A live code, so the fuzz also runs against a store that could be paired with.
      const store = await hq.db.query<{ store_id: string }>('SELECT store_id FROM devices WHERE id = $1', [
        device.deviceId,
      ]);
      await issuePairingCode({ db: hq.db, now: () => hq.clock.now }, store.rows[0]!.store_id);
      const nearlyValidOp = fc.record(
        {
          seq: fc.oneof(fc.integer(), fc.constant(3), fc.string()),
          opId: fc.oneof(fc.uuid(), fc.string()),
          type: fc.oneof(fc.constantFrom('points.earned', 'member.enrolled', 'consent.changed'), fc.string()),
          staffId: fc.oneof(fc.constant(null), fc.string()),
          deviceTime: fc.oneof(
            fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
            fc.string(),
          ),
          payload: fc.jsonValue(),
          ['__proto__']: fc.jsonValue(),
        },
        { requiredKeys: [] },
      );
      const body = fc.oneof(
        fc.jsonValue().map((v) => JSON.stringify(v)),
        fc.string(),
        fc.record({ ops: fc.array(nearlyValidOp, { maxLength: 3 }) }).map((v) => JSON.stringify(v)),
        fc
          .record({ pairingCode: fc.string(), deviceName: fc.string() }, { requiredKeys: [] })
          .map((v) => JSON.stringify(v)),
        fc.jsonValue().map((v) => `{"__proto__":${JSON.stringify(v)}}`),
      );
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(HQ_ROUTES.pair, HQ_ROUTES.push),
          body,
          fc.boolean(),
          async (path, raw, withToken) => {
            const ahead = await hq.snapshot();
            const response = await hq.send(path, null, { raw, ...(withToken ? { token: device.deviceToken } : {}) });
            expect(response.status).toBeLessThan(500);
            // A well-formed push may come out of the generator (any JSON object is a payload on the
            // wire; HQ rejects a bad one per op): it is answered 200 with per-op outcomes.
            if (response.status === 200) {
              expect(path).toBe(HQ_ROUTES.push);
              PushResponse.parse(response.body);
              return;
            }
            expect(response.status).toBeGreaterThanOrEqual(400);
            HqError.parse(response.body);
            expect(await hq.snapshot()).toBe(ahead);
          },
        ),
        { numRuns: 150 },
      );
    });

    test('property: random and nearly valid bodies to /v1/pull and /v1/day-end never give a 5xx; a pull never changes a table, a refused day end neither', async () => {
      const cursor = fc.oneof(
        fc.constant(null),
        fc.string(),
        fc
          .tuple(fc.bigInt({ min: 0n, max: 2n ** 70n }), fc.bigInt({ min: 0n, max: 2n ** 70n }))
          .map(([x, n]) => `c.${x}.${n}`),
        fc.tuple(fc.bigInt({ min: 0n, max: 2n ** 70n }), fc.base64String()).map(([x, id]) => `s.${x}.${id}`),
      );
      const pull = fc
        .record(
          {
            cursor,
            ackedSeq: fc.oneof(fc.integer(), fc.constant(0), fc.double(), fc.string()),
            limit: fc.oneof(fc.integer(), fc.constant(1)),
            extra: fc.jsonValue(),
          },
          { requiredKeys: [] },
        )
        .map((v) => JSON.stringify(v));
      const hex = (minLength: number, maxLength: number) =>
        fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength, maxLength });
      const manifest = fc.record(
        {
          fromSeq: fc.oneof(fc.integer(), fc.constant(0)),
          toSeq: fc.oneof(fc.integer(), fc.constant(0)),
          counts: fc.oneof(fc.constant({}), fc.dictionary(fc.string(), fc.integer())),
          opIdsSha256: fc.oneof(hex(64, 64), fc.string()),
          auditHead: fc.record({ seq: fc.integer(), hash: hex(1, 64) }),
          deviceTime: fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
        },
        { requiredKeys: [] },
      );
      const dayEnd = fc
        .record({ dayEndId: fc.oneof(fc.uuid(), fc.string()), manifest }, { requiredKeys: [] })
        .map((v) => JSON.stringify(v));
      const body = fc.oneof(
        pull,
        dayEnd,
        fc.jsonValue().map((v) => JSON.stringify(v)),
        fc.string(),
      );
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(HQ_ROUTES.pull, HQ_ROUTES.dayEnd),
          body,
          fc.boolean(),
          async (path, raw, withToken) => {
            const ahead = await hq.snapshot();
            const response = await hq.send(path, null, { raw, ...(withToken ? { token: device.deviceToken } : {}) });
            expect(response.status).toBeLessThan(500);
            if (response.status === 200 && path === HQ_ROUTES.dayEnd) {
              DayEndReport.parse(response.body);
              return;
            }
            if (response.status === 200) PullResponse.parse(response.body);
            else HqError.parse(response.body);
            expect(await hq.snapshot()).toBe(ahead);
          },
        ),
        { numRuns: 150 },
      );
    });
  });
});

describe('HQ logs', () => {
  test('HQ logs ids, codes and counts: no token, pairing code, name or contact', async () => {
    const lines: string[] = [];
    const dir = makeTempDir('loyalty-hq-log-');
    const db = await openPgliteDatabase();
    await migrate(db);
    const tls = await loadOrCreateTls({ dataDir: dir.path });
    const app = buildHqServer({
      db,
      keys: await openTestDataKeys(db),
      tls,
      logger: { level: 'debug', stream: { write: (line: string) => lines.push(line) } },
    });
    try {
      await app.listen({ host: '127.0.0.1', port: 0 });
      const address = app.server.address();
      const url = `https://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
      const pin = pinnedTlsOptions(tls, tls.fingerprint256);
      const { storeId } = await createStore({ db }, 'Log Street');
      const { pairingCode } = await issuePairingCode({ db }, storeId);
      const json = { 'content-type': 'application/json' };
      const paired = (
        await httpsSend(url, pin, HQ_ROUTES.pair, JSON.stringify({ pairingCode, deviceName: 'Till' }), json)
      ).body as PairResponse;
      const member = newMemberId();
      const enroll = enrollOp(1, member);
      Object.assign(enroll.payload, { givenName: 'Zebedee', phone: '+447700900123', email: 'zeb@example.com' });
      const auth = { ...json, authorization: `Bearer ${paired.deviceToken}` };
      expect((await httpsSend(url, pin, HQ_ROUTES.push, JSON.stringify({ ops: [enroll] }), auth)).status).toBe(200);
      const bad = JSON.stringify({ ops: [{ ...enroll, seq: 'x' }] });
      expect((await httpsSend(url, pin, `${HQ_ROUTES.push}?email=zeb@example.com`, bad, auth)).status).toBe(400);
      const all = lines.join('\n');
      expect(all).toContain(paired.deviceId);
      for (const secret of [paired.deviceToken, pairingCode, 'Zebedee', '+447700900123', 'zeb@example.com', 'Bearer'])
        expect(all).not.toContain(secret);
    } finally {
      await app.close();
      await db.close();
      dir.remove();
    }
  });
});
