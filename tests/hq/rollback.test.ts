// Rollback caught at HQ (issue 15 item 4): a till restored from an old copy of its files comes back
// behind what HQ holds of it (its outbox, its audit head) and is refused
// with 409 device_rolled_back and flagged until an operator clears it; the honest cases (a lost push
// answer, a till that never uploaded its audit chain, a first contact, a till paired anew) are not.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { toInt, type HqDatabase } from '../../packages/hq/src/db/database';
import { refusingRolledBack } from '../../packages/hq/src/devices/rollback';
import { HqHttpError } from '../../packages/hq/src/errors';
import { pushOps } from '../../packages/hq/src/push/push';
import {
  HqError,
  HQ_ROUTES,
  PullResponse,
  PushResponse,
  type DeviceHead,
  type PairResponse,
} from '../../src/shared/sync/protocol';
import { firstAdmin, operatorWith, type ConsoleClient } from './support/console';
import { BACKENDS, skipBackend, startTestHq, type HqResponse, type TestHq } from './support/hq';
import { earnOp, enrollOp, newMemberId, type WireOp } from './support/ops';
import { tillChain, upload, type TestChain } from './support/till-audit-chain';

const head = (ackedSeq: number, lastSeq: number, audit: { seq: number; hash: string | null }): DeviceHead => ({
  ackedSeq,
  lastSeq,
  audit,
});
const NO_AUDIT = { seq: 0, hash: null };

describe.each(BACKENDS)('rollback caught at HQ, on %s', (backend) => {
  describe.skipIf(skipBackend(backend))(backend, () => {
    let hq: TestHq;
    let storeOps: ConsoleClient;
    let chainAdmin: ConsoleClient;
    beforeAll(async () => {
      hq = await startTestHq(backend, { console: true });
      chainAdmin = (await firstAdmin(hq)).client;
      storeOps = (await operatorWith(hq, chainAdmin, ['store_operations'])).client;
    });
    afterAll(async () => {
      await hq?.close();
    });

    const push = (device: PairResponse, ops: WireOp[], claimed?: DeviceHead): Promise<HqResponse> =>
      hq.send(HQ_ROUTES.push, claimed ? { ops, head: claimed } : { ops }, { token: device.deviceToken });
    const pull = (device: PairResponse, ackedSeq: number, claimed?: DeviceHead): Promise<HqResponse> =>
      hq.send(HQ_ROUTES.pull, claimed ? { cursor: null, ackedSeq, head: claimed } : { cursor: null, ackedSeq }, {
        token: device.deviceToken,
      });

    async function deviceRow(deviceId: string) {
      const found = await hq.db.query<{ rolled_back_at: Date | null; last_seq: unknown }>(
        'SELECT rolled_back_at, last_seq FROM devices WHERE id = $1',
        [deviceId],
      );
      const row = found.rows[0];
      if (!row) throw new Error(`no device ${deviceId}`);
      return { rolledBack: row.rolled_back_at !== null, lastSeq: toInt(row.last_seq) };
    }

    async function records(deviceId: string) {
      const found = await hq.db.query<{
        route: string;
        reason: string;
        held: unknown;
        claimed: unknown;
        cleared_at: Date | null;
        clear_reason: string | null;
      }>(
        `SELECT route, reason, held, claimed, cleared_at, clear_reason FROM device_rollbacks
          WHERE device_id = $1 ORDER BY cleared_at IS NULL, detected_at`,
        [deviceId],
      );
      return found.rows;
    }

    /** A refusal as device_rolled_back, its body nothing but the code, a fixed message and HQ's figures. */
    function expectRolledBack(response: HqResponse, reason: string, figures: Record<string, number>) {
      expect(response.status).toBe(409);
      const body = HqError.parse(response.body);
      expect(Object.keys(body).sort()).toEqual(['code', 'message', 'rollback']);
      expect(body.code).toBe('device_rolled_back');
      expect(body.rollback).toEqual({ reason, detectedAt: hq.clock.now.toISOString(), ...figures });
    }

    /** A till that pushed ops 1..3 (one member enrolled, two earns) and heard every answer. */
    async function tillWithThreeOps(): Promise<{ device: PairResponse; memberId: string }> {
      const device = await hq.pairedDevice();
      const memberId = newMemberId();
      const first = await push(
        device,
        [enrollOp(1, memberId), earnOp(2, memberId, 10), earnOp(3, memberId, 20)],
        head(0, 3, NO_AUDIT),
      );
      expect(first.status).toBe(200);
      expect(PushResponse.parse(first.body).lastSeq).toBe(3);
      return { device, memberId };
    }

    /** `n` audit entries uploaded by `device`. */
    async function uploadedChain(device: PairResponse, n: number): Promise<TestChain> {
      const chain = tillChain();
      chain.add(
        ...Array.from({ length: n }, (_, i) => ({
          at: new Date(Date.UTC(2026, 2, 2, 8, i)).toISOString(),
          staffId: 'staff-1',
          action: 'session.login',
        })),
      );
      const answer = await upload(hq, device, chain.entries);
      expect(answer).toMatchObject({ status: 'accepted', ackedSeq: n, stored: n });
      return chain;
    }

    test('behind on seq: a till whose outbox ends before HQ last settled is refused, flagged, and nothing applies', async () => {
      const { device, memberId } = await tillWithThreeOps();
      // The restored copy was taken after op 1: its next op is a new seq 2 HQ already holds.
      const before = await hq.db.query('SELECT count(*) AS n FROM ops WHERE device_id = $1', [device.deviceId]);
      const refused = await push(device, [earnOp(2, memberId, 99)], head(1, 2, NO_AUDIT));
      expectRolledBack(refused, 'seq_behind', { hqLastSeq: 3, hqAuditSeq: 0 });
      const after = await hq.db.query('SELECT count(*) AS n FROM ops WHERE device_id = $1', [device.deviceId]);
      expect(toInt(after.rows[0]?.n)).toBe(toInt(before.rows[0]?.n));
      expect(await deviceRow(device.deviceId)).toEqual({ rolledBack: true, lastSeq: 3 });
      const [record] = await records(device.deviceId);
      expect(record).toMatchObject({
        route: 'push',
        reason: 'seq_behind',
        held: { lastSeq: 3, auditSeq: 0, auditHash: null },
        claimed: { ackedSeq: 1, lastSeq: 2, audit: NO_AUDIT },
        cleared_at: null,
      });
      // Flagged: refused on every route, even with a head that is not behind, with the first record's figures.
      expectRolledBack(await pull(device, 3, head(3, 3, NO_AUDIT)), 'seq_behind', {
        hqLastSeq: 3,
        hqAuditSeq: 0,
      });
      expect(await records(device.deviceId)).toHaveLength(1);
    });

    test('a power cut that took the last acked seq back is not a rollback: the outbox still holds what HQ settled', async () => {
      const { device } = await tillWithThreeOps();
      expect((await pull(device, 3, head(3, 3, NO_AUDIT))).status).toBe(200);
      // The worker's acked seq is committed with synchronous=NORMAL: after a power cut it may say 1.
      const pushFirst = await pull(device, 1, head(1, 3, NO_AUDIT));
      expect(pushFirst.status).toBe(409);
      expect(HqError.parse(pushFirst.body).code).toBe('push_first');
      expect((await deviceRow(device.deviceId)).rolledBack).toBe(false);
    });

    test('behind on the audit head: a chain that ends before the entry HQ holds is refused', async () => {
      const { device } = await tillWithThreeOps();
      const chain = await uploadedChain(device, 5);
      const third = chain.entries[2];
      if (!third) throw new Error('chain too short');
      expectRolledBack(
        await hq.send(
          HQ_ROUTES.audit,
          { entries: [third], head: head(3, 3, { seq: 3, hash: third.hash }) },
          { token: device.deviceToken },
        ),
        'audit_behind',
        { hqLastSeq: 3, hqAuditSeq: 5 },
      );
      expect((await records(device.deviceId))[0]).toMatchObject({
        route: 'audit',
        reason: 'audit_behind',
        held: { auditSeq: 5, auditHash: chain.entries[4]?.hash },
      });
    });

    test('forked audit head: HQ last seq with another hash is refused', async () => {
      const { device } = await tillWithThreeOps();
      const chain = await uploadedChain(device, 3);
      const forked = tillChain();
      forked.add(
        ...[0, 1, 2].map((i) => ({
          at: new Date(Date.UTC(2026, 2, 2, 9, i)).toISOString(),
          staffId: 's',
          action: 'x',
        })),
      );
      expect(forked.entries[2]?.hash).not.toBe(chain.entries[2]?.hash);
      expectRolledBack(
        await pull(device, 3, head(3, 3, { seq: 3, hash: forked.entries[2]?.hash ?? null })),
        'audit_forked',
        { hqLastSeq: 3, hqAuditSeq: 3 },
      );
      // The very head HQ holds passes on a till not flagged.
      const other = await tillWithThreeOps();
      const itsChain = await uploadedChain(other.device, 3);
      expect(
        (await pull(other.device, 3, head(3, 3, { seq: 3, hash: itsChain.entries[2]?.hash ?? null }))).status,
      ).toBe(200);
    });

    test('a seq HQ holds under another op id, from a till that sends its head, is a rollback', async () => {
      const { device, memberId } = await tillWithThreeOps();
      expectRolledBack(await push(device, [earnOp(3, memberId, 7)], head(2, 3, NO_AUDIT)), 'op_id_mismatch', {
        hqLastSeq: 3,
        hqAuditSeq: 0,
      });
    });

    /**
     * A push whose batch transaction dies of a deadlock with another till's batch (40P01), so it
     * is redone op by op (pushOps' fallback); answered as the route answers it.
     */
    async function pushAfterDeadlock(device: PairResponse, ops: WireOp[], claimed: DeviceHead): Promise<unknown> {
      let deadlocked = false;
      const db: HqDatabase = Object.create(hq.db) as HqDatabase;
      db.transaction = (fn) => {
        if (deadlocked) return hq.db.transaction(fn);
        deadlocked = true;
        return Promise.reject(Object.assign(new Error('deadlock detected'), { code: '40P01' }));
      };
      const now = () => hq.clock.now;
      const till = { deviceId: device.deviceId, storeId: device.storeId };
      try {
        return await refusingRolledBack({ db: hq.db, now }, till, 'push', () =>
          pushOps({ db, now, keys: hq.keys }, till, ops, claimed),
        );
      } catch (error) {
        return error;
      }
    }

    test('op by op after a deadlock: a rolled-back head is refused as in the batch, nothing applied, flagged', async () => {
      const { device, memberId } = await tillWithThreeOps();
      const chain = await uploadedChain(device, 2);
      const count = async () =>
        toInt((await hq.db.query('SELECT count(*) AS n FROM ops WHERE device_id = $1', [device.deviceId])).rows[0]?.n);
      // Restored from a copy taken before the second audit entry, its outbox not behind: a new op 4.
      const before = await count();
      const refused = await pushAfterDeadlock(
        device,
        [earnOp(4, memberId, 50)],
        head(3, 4, { seq: 1, hash: chain.entries[0]?.hash ?? null }),
      );
      expect(refused).toBeInstanceOf(HqHttpError);
      const error = refused as HqHttpError;
      expect({ status: error.statusCode, code: error.code, reason: error.rollback?.reason }).toEqual({
        status: 409,
        code: 'device_rolled_back',
        reason: 'audit_behind',
      });
      expect(await count()).toBe(before);
      expect(await deviceRow(device.deviceId)).toEqual({ rolledBack: true, lastSeq: 3 });
      expect((await records(device.deviceId))[0]).toMatchObject({ route: 'push', reason: 'audit_behind' });

      // A seq HQ holds under another op id is refused op by op too; an honest till's push still applies.
      const forked = await tillWithThreeOps();
      const mismatch = await pushAfterDeadlock(forked.device, [earnOp(3, forked.memberId, 7)], head(2, 3, NO_AUDIT));
      expect(mismatch).toMatchObject({ code: 'device_rolled_back', rollback: { reason: 'op_id_mismatch' } });
      expect(await deviceRow(forked.device.deviceId)).toEqual({ rolledBack: true, lastSeq: 3 });
      const honest = await tillWithThreeOps();
      const applied = PushResponse.parse(
        await pushAfterDeadlock(honest.device, [earnOp(4, honest.memberId, 1)], head(3, 4, NO_AUDIT)),
      );
      expect(applied.outcomes.map((o) => o.outcome)).toEqual(['applied']);
      expect(await deviceRow(honest.device.deviceId)).toEqual({ rolledBack: false, lastSeq: 4 });
    });

    test('honest retry: a lost push answer resent with the older acked seq is answered duplicate, not refused', async () => {
      const device = await hq.pairedDevice();
      const memberId = newMemberId();
      const batch = [enrollOp(1, memberId), earnOp(2, memberId, 5)];
      expect((await push(device, batch, head(0, 2, NO_AUDIT))).status).toBe(200);
      // The answer was lost: the till still believes nothing was acknowledged and sends the batch again.
      const resent = await push(device, batch, head(0, 2, NO_AUDIT));
      expect(resent.status).toBe(200);
      expect(PushResponse.parse(resent.body).outcomes.map((o) => o.outcome)).toEqual(['duplicate', 'duplicate']);
      // Its pull says what it now heard; the next op goes on as usual.
      expect((await pull(device, 2, head(2, 2, NO_AUDIT))).status).toBe(200);
      expect((await push(device, [earnOp(3, memberId, 1)], head(2, 3, NO_AUDIT))).status).toBe(200);
      // The first push, delivered late (or replayed) after seq 3: its head was true when sent, and it
      // holds nothing HQ does not already hold under the same ids, so it is answered, not flagged.
      const late = await push(device, batch, head(0, 2, NO_AUDIT));
      expect(late.status).toBe(200);
      expect(PushResponse.parse(late.body).outcomes.map((o) => o.outcome)).toEqual(['duplicate', 'duplicate']);
      // A pull that still says 0 after HQ settled more is told to push first, as before: not a rollback.
      const lost = await hq.pairedDevice();
      expect((await push(lost, [enrollOp(1, newMemberId())], head(0, 1, NO_AUDIT))).status).toBe(200);
      const pushFirst = await pull(lost, 0, head(0, 1, NO_AUDIT));
      expect(pushFirst.status).toBe(409);
      expect(HqError.parse(pushFirst.body).code).toBe('push_first');
      expect(await deviceRow(device.deviceId)).toEqual({ rolledBack: false, lastSeq: 3 });
      expect(await deviceRow(lost.deviceId)).toEqual({ rolledBack: false, lastSeq: 1 });
    });

    test('honest first contact: a new till, a till that never uploaded its audit chain, a till paired anew', async () => {
      const fresh = await hq.pairedDevice();
      expect((await pull(fresh, 0, head(0, 0, NO_AUDIT))).status).toBe(200);
      // Audit entries written but never uploaded: HQ holds no head to be behind.
      const never = await tillWithThreeOps();
      expect((await pull(never.device, 3, head(3, 3, { seq: 40, hash: 'a'.repeat(64) }))).status).toBe(200);
      // A till paired anew in the same store is a new device: its empty head is checked against its own row.
      const renewed = await hq.pairedDevice('Till renewed', never.device.storeId);
      const page = await pull(renewed, 0, head(0, 0, NO_AUDIT));
      expect(page.status).toBe(200);
      expect(PullResponse.parse(page.body).snapshot).toBe(true);
      // A till older than this HQ sends no head and is not checked.
      expect((await pull(never.device, 3)).status).toBe(200);
      for (const device of [fresh, never.device, renewed])
        expect((await deviceRow(device.deviceId)).rolledBack).toBe(false);
    });

    test('member data: a till flagged as rolled back gets no member data; the request itself flags nothing', async () => {
      const { device, memberId } = await tillWithThreeOps();
      const ask = (): Promise<HqResponse> =>
        hq.send(
          HQ_ROUTES.memberData,
          {
            kind: 'contacts',
            requestId: randomUUID(),
            memberId,
            requestedBy: 'staff-1',
            reasonCode: 'member_request',
          },
          { token: device.deviceToken },
        );
      // Not flagged: the request is looked at (no staff proof, so HQ refuses it as an outcome).
      const honest = await ask();
      expect(honest.status).toBe(200);
      expect(honest.body).toEqual({ kind: 'refused', reason: 'proof_missing' });
      expect((await deviceRow(device.deviceId)).rolledBack).toBe(false);
      // Caught restored at its push: from then on no member's contacts go to it.
      expectRolledBack(await push(device, [earnOp(2, memberId, 1)], head(1, 2, NO_AUDIT)), 'seq_behind', {
        hqLastSeq: 3,
        hqAuditSeq: 0,
      });
      expectRolledBack(await ask(), 'seq_behind', { hqLastSeq: 3, hqAuditSeq: 0 });
      // The device keeps the one record of its push.
      expect((await records(device.deviceId)).map((r) => [r.route, r.reason])).toEqual([['push', 'seq_behind']]);
    });

    test('cleared by an operator: store operations sees it, lifts it with a reason (audited); a till still behind is caught again', async () => {
      const { device, memberId } = await tillWithThreeOps();
      expectRolledBack(await push(device, [earnOp(2, memberId, 1)], head(1, 2, NO_AUDIT)), 'seq_behind', {
        hqLastSeq: 3,
        hqAuditSeq: 0,
      });
      const listed = await storeOps.call('listDevices', { storeId: device.storeId });
      expect(listed.status).toBe(200);
      const row = (listed.body as { devices: { deviceId: string; rolledBack: unknown }[] }).devices.find(
        (d) => d.deviceId === device.deviceId,
      );
      expect(row?.rolledBack).toEqual({
        reason: 'seq_behind',
        detectedAt: hq.clock.now.toISOString(),
        hqLastSeq: 3,
        hqAuditSeq: 0,
      });
      // The chain admin's dashboard lists it among the tills to deal with.
      const dashboard = await chainAdmin.call('getDashboard', { days: '7', storeId: device.storeId });
      expect(dashboard.status).toBe(200);
      expect((dashboard.body as { rolledBackDevices: unknown }).rolledBackDevices).toEqual([
        { deviceId: device.deviceId, storeId: device.storeId, name: 'Till 1', detectedAt: hq.clock.now.toISOString() },
      ]);
      // The chain admin holds no devices.* operation.
      expect(
        (await chainAdmin.call('clearDeviceRollback', { deviceId: device.deviceId, reasonCode: 'false_alarm' })).status,
      ).toBe(403);
      const cleared = await storeOps.call('clearDeviceRollback', {
        deviceId: device.deviceId,
        reasonCode: 'current_files_restored',
      });
      expect(cleared.status).toBe(200);
      expect(cleared.body).toEqual({ clearedAt: hq.clock.now.toISOString() });
      const audited = await hq.db.query<{ operator_id: string; subject_id: string; details: unknown }>(
        "SELECT operator_id, subject_id, details FROM operator_audit WHERE action = 'devices.clear_rollback' ORDER BY seq",
      );
      // The chain admin's refusal is audited too, with no subject.
      expect(audited.rows.map((r) => [r.operator_id, r.subject_id])).toEqual([
        [chainAdmin.operatorId, null],
        [storeOps.operatorId, device.deviceId],
      ]);
      expect(audited.rows[1]?.details).toMatchObject({ reasonCode: 'current_files_restored' });
      // Clearing twice: nothing left to clear.
      const again = await storeOps.call('clearDeviceRollback', {
        deviceId: device.deviceId,
        reasonCode: 'false_alarm',
      });
      expect(again.status).toBe(409);
      // The store's current files are back: its head is HQ's, and it syncs.
      expect((await pull(device, 3, head(3, 3, NO_AUDIT))).status).toBe(200);
      expect((await deviceRow(device.deviceId)).rolledBack).toBe(false);
      // The old copy again: flagged again, a second record; the first one keeps who cleared it and why.
      expectRolledBack(await pull(device, 1, head(1, 2, NO_AUDIT)), 'seq_behind', {
        hqLastSeq: 3,
        hqAuditSeq: 0,
      });
      const all = await records(device.deviceId);
      expect(all.map((r) => [r.reason, r.clear_reason, r.cleared_at === null])).toEqual([
        ['seq_behind', 'current_files_restored', false],
        ['seq_behind', null, true],
      ]);
    });
  });
});
