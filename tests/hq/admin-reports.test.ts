import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { listOverdrafts, listRejectedOps, type OverdraftRow, type RejectedOpRow } from '../../packages/hq/src/admin';
import { listFlaggedOps, type FlaggedOpRow } from '../../packages/hq/src/admin/reports';
import { HQ_ROUTES, PushResponse, type PairResponse } from '../../src/shared/sync/protocol';
import { cliConnection, runCli } from './support/admin-cli';
import { firstAdmin, operatorWith } from './support/console';
import { BACKENDS, skipBackend, startTestHq, type TestHq } from './support/hq';
import { earnClaimOp, earnOp, enrollOp, newMemberId, redeemClaimOp, redeemOp, type WireOp } from './support/ops';

const NAME = 'Wilhelmina';
const PHONE = '+447700900999';

function rowsOf<T = object>(run: { out: string[] }): T[] {
  return run.out.map((line) => JSON.parse(line) as T);
}

async function all<T>(rows: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const row of rows) out.push(row);
  return out;
}

describe.each(BACKENDS)('HQ review lists on %s', (backend) => {
  describe.skipIf(skipBackend(backend))(backend, () => {
    let hq: TestHq;
    let tillA: PairResponse;
    let tillA2: PairResponse;
    let tillB: PairResponse;
    const seqs = new Map<string, number>();
    const memberA = newMemberId();
    const memberB = newMemberId();
    const memberC = newMemberId();
    /** Op ids HQ applied with its own figure, in the order HQ received them. */
    const flagged: string[] = [];
    /** Op ids of what each list must show, in the order HQ received them. */
    const overdrafts: string[] = [];
    const rejected: string[] = [];
    /** An auditor's API token: the list commands act as them. */
    let auditorToken: string;

    beforeAll(async () => {
      hq = await startTestHq(backend, { console: true });
      tillA = await hq.pairedDevice('Till A1');
      tillA2 = await hq.pairedDevice('Till A2', tillA.storeId);
      tillB = await hq.pairedDevice('Till B1');
      const enrolA = enrollOp(next(tillA), memberA);
      Object.assign(enrolA.payload, { givenName: NAME, phone: PHONE });
      await push(tillA, [enrolA, earnOp(next(tillA), memberA, 100)]);
      await push(tillB, [enrollOp(next(tillB), memberB)]);
      // Offline redemptions HQ accepts though the balance does not cover them: flagged.
      overdrafts.push((await push(tillA2, [redeemOp(next(tillA2), memberA, 150)]))[0]!);
      overdrafts.push((await push(tillA, [redeemOp(next(tillA), memberA, 10)]))[0]!);
      overdrafts.push((await push(tillB, [redeemOp(next(tillB), memberB, 500)]))[0]!);
      // Rejections: an unknown member, a payload HQ cannot read (holding personal data), a used receipt.
      rejected.push((await push(tillA, [earnOp(next(tillA), newMemberId(), 10)]))[0]!);
      const unreadable: WireOp = {
        seq: next(tillB),
        opId: randomUUID(),
        type: 'member.updated',
        staffId: 'staff-9',
        deviceTime: '2026-03-02T10:00:00.000Z',
        payload: { memberId: memberB, givenName: NAME, phone: PHONE },
      } as WireOp;
      rejected.push((await push(tillB, [unreadable]))[0]!);
      const receipt = earnOp(next(tillA), memberA, 5);
      await push(tillA, [receipt]);
      const again = earnOp(next(tillA2), memberA, 5);
      again.payload = { ...again.payload, reference: (receipt.payload as { reference: string }).reference };
      rejected.push((await push(tillA2, [again]))[0]!);
      // Applied with HQ's figure and flagged: an earn claiming 1000 points for £600, and a
      // redemption of a 500-point reward claiming 1 point.
      await push(tillA2, [enrollOp(next(tillA2), memberC)]);
      const earnC = earnClaimOp(next(tillA2), memberC, { points: 1000, amountMinor: 60_000, rulesVersion: 1 });
      flagged.push((await push(tillA2, [earnC]))[0]!);
      flagged.push((await push(tillB, [redeemClaimOp(next(tillB), memberC, 'reward-500', -1)]))[0]!);
      // After the pushes: signing in moves the clock, and the lists' received times are asserted.
      const admin = (await firstAdmin(hq)).client;
      const auditor = (await operatorWith(hq, admin, ['auditor'])).client;
      const made = await auditor.call('createApiToken', { roles: ['auditor'], expiresInDays: 30 });
      if (made.status !== 200) throw new Error(`createApiToken refused: ${made.text}`);
      auditorToken = (made.body as { token: string }).token;
    }, 120_000);
    afterAll(async () => {
      await hq?.close();
    });

    function next(device: PairResponse): number {
      const seq = (seqs.get(device.deviceId) ?? 0) + 1;
      seqs.set(device.deviceId, seq);
      return seq;
    }

    /** Pushes one batch a minute after the last, so HQ's received times order the lists. */
    async function push(device: PairResponse, ops: WireOp[]): Promise<string[]> {
      hq.clock.now = new Date(hq.clock.now.getTime() + 60_000);
      const response = await hq.send(HQ_ROUTES.push, { ops }, { token: device.deviceToken });
      expect(response.status).toBe(200);
      expect(PushResponse.parse(response.body).outcomes).toHaveLength(ops.length);
      return ops.map((op) => op.opId);
    }

    test('list-overdrafts: every flagged redemption with ids, points and times; --store narrows it', async () => {
      const rows = await all(listOverdrafts(hq.db));
      expect(rows.map((r) => r.opId)).toEqual(overdrafts);
      expect(rows).toHaveLength(3);
      const flagged = await hq.db.query('SELECT 1 FROM ledger WHERE flagged_overdraft');
      expect(flagged.rows).toHaveLength(3);
      expect(rows[0]).toEqual({
        opId: overdrafts[0]!,
        kind: 'redeem',
        memberId: memberA,
        storeId: tillA.storeId,
        deviceId: tillA2.deviceId,
        staffId: 'staff-1',
        points: -150,
        rewardId: 'reward-150',
        reasonCode: null,
        memberPoints: -55,
        at: '2026-03-02T09:30:00.000Z',
        receivedAt: expect.stringMatching(/^2026-03-02T09:0\d:00\.000Z$/),
      } satisfies OverdraftRow);
      expect(rows[1]).toMatchObject({ deviceId: tillA.deviceId, points: -10 });
      expect(rows[2]).toMatchObject({ storeId: tillB.storeId, memberId: memberB, points: -500, memberPoints: -500 });

      expect((await all(listOverdrafts(hq.db, { storeId: tillA.storeId }))).map((r) => r.opId)).toEqual(
        overdrafts.slice(0, 2),
      );
      expect((await all(listOverdrafts(hq.db, { storeId: tillB.storeId }))).map((r) => r.opId)).toEqual(
        overdrafts.slice(2),
      );
      // Page by page gives the same list.
      expect(await all(listOverdrafts(hq.db, { pageSize: 1 }))).toEqual(rows);
      await expect(all(listOverdrafts(hq.db, { storeId: 'no-such-store' }))).rejects.toMatchObject({
        code: 'store_not_found',
      });
    });

    test('list-rejected: every rejected op with its reason code; --store and --device narrow it', async () => {
      const rows = await all(listRejectedOps(hq.db));
      expect(rows.map((r) => r.opId)).toEqual(rejected);
      expect(rows.map((r) => r.reason)).toEqual(['unknown_member', 'invalid_payload', 'reference_used']);
      expect(rows[1]).toEqual({
        deviceId: tillB.deviceId,
        storeId: tillB.storeId,
        seq: 3,
        opId: rejected[1]!,
        type: 'member.updated',
        reason: 'invalid_payload',
        staffId: 'staff-9',
        deviceTime: '2026-03-02T10:00:00.000Z',
        receivedAt: expect.any(String),
      } satisfies RejectedOpRow);
      const ofStoreA = await all(listRejectedOps(hq.db, { storeId: tillA.storeId }));
      expect(ofStoreA.map((r) => r.opId)).toEqual([rejected[0], rejected[2]]);
      const ofTillA2 = await all(listRejectedOps(hq.db, { storeId: tillA.storeId, deviceId: tillA2.deviceId }));
      expect(ofTillA2.map((r) => r.opId)).toEqual([rejected[2]]);
      expect(await all(listRejectedOps(hq.db, { storeId: tillB.storeId, deviceId: tillA2.deviceId }))).toEqual([]);
      expect(await all(listRejectedOps(hq.db, { pageSize: 2 }))).toEqual(rows);
      await expect(all(listRejectedOps(hq.db, { deviceId: 'no-such-device' }))).rejects.toMatchObject({
        code: 'device_not_found',
      });
    });

    test('flagged ops: each op HQ applied with its own figure, both figures and ids only; by store and by reason', async () => {
      const rows = await all(listFlaggedOps(hq.db));
      expect(rows).toEqual([
        {
          opId: flagged[0]!,
          reason: 'earn_recomputed',
          storeId: tillA.storeId,
          deviceId: tillA2.deviceId,
          seq: 4,
          type: 'points.earned',
          staffId: 'staff-1',
          memberId: memberC,
          claimedPoints: 1000,
          appliedPoints: 600,
          claimedRulesVersion: 1,
          appliedRulesVersion: 1,
          receivedAt: expect.stringMatching(/^2026-03-02T09:1\d:00\.000Z$/),
        },
        {
          opId: flagged[1]!,
          reason: 'redeem_recomputed',
          storeId: tillB.storeId,
          deviceId: tillB.deviceId,
          seq: 4,
          type: 'points.redeemed',
          staffId: 'staff-1',
          memberId: memberC,
          claimedPoints: -1,
          appliedPoints: -500,
          claimedRulesVersion: null,
          appliedRulesVersion: null,
          receivedAt: expect.stringMatching(/^2026-03-02T09:1\d:00\.000Z$/),
        },
      ] satisfies FlaggedOpRow[]);
      const balance = await hq.db.query<{ points: unknown }>('SELECT points FROM members WHERE id = $1', [memberC]);
      expect(Number(balance.rows[0]?.points)).toBe(100);
      expect((await all(listFlaggedOps(hq.db, { storeId: tillB.storeId }))).map((r) => r.opId)).toEqual([flagged[1]]);
      expect((await all(listFlaggedOps(hq.db, { reason: 'earn_recomputed' }))).map((r) => r.opId)).toEqual([
        flagged[0],
      ]);
      expect(await all(listFlaggedOps(hq.db, { pageSize: 1 }))).toEqual(rows);
      await expect(all(listFlaggedOps(hq.db, { storeId: 'no-such-store' }))).rejects.toMatchObject({
        code: 'store_not_found',
      });
      await expect(all(listFlaggedOps(hq.db, { reason: 'no_such_reason' }))).rejects.toMatchObject({
        code: 'invalid_argument',
      });
    });

    test('CLI: one JSON line per row, ids and codes only: no name, contact or payload', async () => {
      const cli = (...argv: string[]) => runCli(cliConnection(hq, auditorToken), ...argv);
      const o = await cli('list-overdrafts');
      const r = await cli('list-rejected');
      const rA = await cli('list-rejected', '--store', tillA.storeId, '--device', tillA.deviceId);
      const oB = await cli('list-overdrafts', '--store', tillB.storeId);
      for (const run of [o, r, rA, oB]) {
        expect(run.code).toBe(0);
        expect(run.err).toEqual([]);
        for (const line of run.out) expect(() => JSON.parse(line)).not.toThrow();
        const text = run.out.join('\n');
        // Names and contacts (in the members and in a rejected payload), receipt numbers and payload fields.
        for (const secret of [NAME, PHONE, 'Ada', 'Lovelace', '"R-', '"givenName"', '"reference"', '"amountMinor"'])
          expect(text).not.toContain(secret);
      }
      const overdraftKeys = Object.keys(rowsOf<OverdraftRow>(o)[0]!);
      const rejectedKeys = Object.keys(rowsOf<RejectedOpRow>(r)[0]!);
      for (const row of [...rowsOf(o), ...rowsOf(oB)]) expect(Object.keys(row)).toEqual(overdraftKeys);
      for (const row of [...rowsOf(r), ...rowsOf(rA)]) expect(Object.keys(row)).toEqual(rejectedKeys);
      expect(rejectedKeys).toEqual([
        'deviceId',
        'storeId',
        'seq',
        'opId',
        'type',
        'reason',
        'staffId',
        'deviceTime',
        'receivedAt',
        'resolution',
        'resolvedAt',
      ]);
      expect(o.out.map((line) => (JSON.parse(line) as OverdraftRow).opId)).toEqual(overdrafts);
      expect(Object.keys(JSON.parse(o.out[0]!) as object)).toEqual([
        'opId',
        'kind',
        'memberId',
        'storeId',
        'deviceId',
        'staffId',
        'points',
        'rewardId',
        'reasonCode',
        'memberPoints',
        'at',
        'receivedAt',
        'resolution',
        'resolvedAt',
      ]);
      expect(r.out.map((line) => (JSON.parse(line) as RejectedOpRow).reason)).toEqual([
        'unknown_member',
        'invalid_payload',
        'reference_used',
      ]);
      expect(rA.out.map((line) => (JSON.parse(line) as RejectedOpRow).opId)).toEqual([rejected[0]]);
      expect(oB.out).toHaveLength(1);

      const f = await cli('list-flagged');
      const fB = await cli('list-flagged', '--store', tillB.storeId, '--reason', 'redeem_recomputed');
      expect([f.code, fB.code]).toEqual([0, 0]);
      expect(f.out.map((line) => (JSON.parse(line) as FlaggedOpRow).opId)).toEqual([flagged[0], flagged[1]]);
      expect(fB.out.map((line) => (JSON.parse(line) as FlaggedOpRow).reason)).toEqual(['redeem_recomputed']);
      for (const secret of [NAME, PHONE, 'Ada', 'Lovelace', '"R-', '"givenName"', '"reference"'])
        expect([...f.out, ...fB.out].join('\n')).not.toContain(secret);

      for (const argv of [
        ['list-overdrafts', '--device', tillA.deviceId],
        ['list-overdrafts', '--store', 'no-such-store'],
        ['list-rejected', '--device', 'no-such-device'],
        ['list-rejected', 'extra'],
        ['list-flagged', '--reason', 'no_such_reason'],
        ['list-flagged', '--store', 'no-such-store'],
        ['list-flagged', '--device', tillA.deviceId],
      ]) {
        const run = await cli(...argv);
        expect(run.code, argv.join(' ')).toBe(2);
        expect(run.out).toEqual([]);
      }
    });
  });
});
