// Two rules HQ enforces on the corrections tills push, whatever a till does: a correction above the
// store's four-eyes threshold needs a manager other than the one who asked, and a redemption can be
// undone by a manager-approved reversal (once, for exactly what HQ charged), as an earn can.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadCatalog } from '../../packages/hq/src/admin/catalog';
import { toInt } from '../../packages/hq/src/db/database';
import { HQ_ROUTES, PullResponse, type PullChange } from '../../src/shared/sync/protocol';
import { BACKENDS, skipBackend, startTestHq, type TestHq } from './support/hq';
import { oneOpAtATime } from './support/one-op';
import { adjustOp, earnOp, redeemClaimOp } from './support/ops';
import { approvedCorrectionOp, staffWithPin } from './support/staff-proofs';
import { TEST_REWARDS } from './support/test-catalog';

const MANAGER_PIN = '482915';
const SECOND_MANAGER_PIN = '615283';

describe.each(BACKENDS)('four-eyes corrections and redemption reversals at HQ, on %s', (backend) => {
  describe.skipIf(skipBackend(backend))(backend, () => {
    let hq: TestHq;
    beforeAll(async () => {
      hq = await startTestHq(backend);
    });
    afterAll(async () => {
      await hq?.close();
    });

    const { next, pushOne, member, lastSeq } = oneOpAtATime(() => hq);

    async function balance(memberId: string): Promise<number> {
      const found = await hq.db.query<{ points: unknown }>('SELECT points FROM members WHERE id = $1', [memberId]);
      return toInt(found.rows[0]?.points);
    }

    async function ledgerOf(memberId: string): Promise<[string, number][]> {
      const found = await hq.db.query<{ kind: string; points: unknown }>(
        `SELECT l.kind, l.points FROM ledger l JOIN ops o ON o.op_id = l.op_id AND o.outcome = 'applied'
          WHERE l.member_id = $1 ORDER BY o.seq`,
        [memberId],
      );
      return found.rows.map((r) => [r.kind, toInt(r.points)]);
    }

    describe('a manager approving their own correction', () => {
      test('up to 500 points (the default threshold) is applied; 501 either way is refused as approver_is_requester and changes nothing', async () => {
        const device = await hq.pairedDevice();
        const id = await member(device);
        const manager = await staffWithPin(hq.db, device.storeId, 'manager', MANAGER_PIN);
        const own = (points: number) =>
          approvedCorrectionOp(device, next(device), {
            memberId: id,
            points,
            approvedBy: manager,
            managerPin: MANAGER_PIN,
            staffId: manager,
          });
        expect(await pushOne(device, own(500))).toMatchObject({ outcome: 'applied', member: { points: 500 } });
        expect(await pushOne(device, own(501))).toMatchObject({ outcome: 'rejected', reason: 'approver_is_requester' });
        expect(await pushOne(device, own(-501))).toMatchObject({
          outcome: 'rejected',
          reason: 'approver_is_requester',
        });
        expect(await balance(id)).toBe(500);
        expect(await ledgerOf(id)).toEqual([['adjust', 500]]);
      });

      test('above the threshold, a second manager’s approval of the same request is applied', async () => {
        const device = await hq.pairedDevice();
        const id = await member(device);
        const asker = await staffWithPin(hq.db, device.storeId, 'manager', MANAGER_PIN);
        const second = await staffWithPin(hq.db, device.storeId, 'manager', SECOND_MANAGER_PIN);
        const op = approvedCorrectionOp(device, next(device), {
          memberId: id,
          points: 2_000,
          approvedBy: second,
          managerPin: SECOND_MANAGER_PIN,
          staffId: asker,
        });
        expect(await pushOne(device, op)).toMatchObject({ outcome: 'applied', member: { points: 2_000 } });
      });

      test('the threshold is store policy (load-catalog storePolicy.secondApproverAbovePoints): 0 refuses every own approval, and tills are told it at pull', async () => {
        const device = await hq.pairedDevice();
        const id = await member(device);
        const manager = await staffWithPin(hq.db, device.storeId, 'manager', MANAGER_PIN);
        await loadCatalog(
          { db: hq.db, now: () => hq.clock.now },
          { rewards: TEST_REWARDS, storePolicy: { stores: { [device.storeId]: { secondApproverAbovePoints: 0 } } } },
        );
        const own = approvedCorrectionOp(device, next(device), {
          memberId: id,
          points: 1,
          approvedBy: manager,
          managerPin: MANAGER_PIN,
          staffId: manager,
        });
        expect(await pushOne(device, own)).toMatchObject({ outcome: 'rejected', reason: 'approver_is_requester' });
        // Pull from the start (the outbox is settled: everything pushed was answered).
        const response = await hq.send(
          HQ_ROUTES.pull,
          { cursor: null, ackedSeq: lastSeq(device) },
          { token: device.deviceToken },
        );
        expect(response.status, JSON.stringify(response.body)).toBe(200);
        const settings = PullResponse.parse(response.body).changes.filter(
          (c): c is Extract<PullChange, { kind: 'store_settings' }> => c.kind === 'store_settings',
        );
        expect(settings.map((c) => c.settings.secondApproverAbovePoints)).toEqual([0]);
      });

      test('a cashier’s request approved by a manager is not an own approval, however large (within the adjustment limit)', async () => {
        const device = await hq.pairedDevice();
        const id = await member(device);
        const manager = await staffWithPin(hq.db, device.storeId, 'manager', MANAGER_PIN);
        const cashier = await staffWithPin(hq.db, device.storeId, 'cashier', '739164');
        const op = approvedCorrectionOp(device, next(device), {
          memberId: id,
          points: 9_000,
          approvedBy: manager,
          managerPin: MANAGER_PIN,
          staffId: cashier,
        });
        expect(await pushOne(device, op)).toMatchObject({ outcome: 'applied', member: { points: 9_000 } });
        // The refusal path is the approver check, not this rule: a cashier can never approve.
        const byCashier = adjustOp(next(device), id, 10, { staffId: manager, approvedBy: cashier });
        expect(await pushOne(device, byCashier)).toMatchObject({ outcome: 'rejected', reason: 'approver_not_manager' });
      });
    });

    describe('reversing a redemption', () => {
      test('gives back exactly what HQ charged (the till’s own figure is accepted and corrected), once; a reversal of that reversal is refused', async () => {
        const device = await hq.pairedDevice();
        const id = await member(device);
        const manager = await staffWithPin(hq.db, device.storeId, 'manager', MANAGER_PIN);
        expect((await pushOne(device, earnOp(next(device), id, 200))).outcome).toBe('applied');
        // The till thought reward-150 cost 140; HQ charged 150.
        const redeem = redeemClaimOp(next(device), id, 'reward-150', -140);
        expect(await pushOne(device, redeem)).toMatchObject({ outcome: 'applied', member: { points: 50 } });
        const reversal = (points: number, reversesOpId: string) =>
          approvedCorrectionOp(device, next(device), {
            memberId: id,
            points,
            approvedBy: manager,
            managerPin: MANAGER_PIN,
            reversesOpId,
          });
        expect(await pushOne(device, reversal(1_000, redeem.opId))).toMatchObject({
          outcome: 'rejected',
          reason: 'kind_mismatch',
        });
        const undo = reversal(140, redeem.opId);
        expect(await pushOne(device, undo)).toMatchObject({ outcome: 'applied', member: { points: 200 } });
        expect(await pushOne(device, reversal(150, redeem.opId))).toMatchObject({
          outcome: 'rejected',
          reason: 'unknown_reversed_op',
        });
        expect(await pushOne(device, reversal(-150, undo.opId))).toMatchObject({
          outcome: 'rejected',
          reason: 'unknown_reversed_op',
        });
        expect(await ledgerOf(id)).toEqual([
          ['earn', 200],
          ['redeem', -150],
          ['reversal', 150],
        ]);
      });

      test('reversing an adjustment is refused (unknown_reversed_op): a new adjustment says that instead', async () => {
        const device = await hq.pairedDevice();
        const id = await member(device);
        const manager = await staffWithPin(hq.db, device.storeId, 'manager', MANAGER_PIN);
        const adjust = approvedCorrectionOp(device, next(device), {
          memberId: id,
          points: 100,
          approvedBy: manager,
          managerPin: MANAGER_PIN,
        });
        expect((await pushOne(device, adjust)).outcome).toBe('applied');
        const undo = approvedCorrectionOp(device, next(device), {
          memberId: id,
          points: -100,
          approvedBy: manager,
          managerPin: MANAGER_PIN,
          reversesOpId: adjust.opId,
        });
        expect(await pushOne(device, undo)).toMatchObject({ outcome: 'rejected', reason: 'unknown_reversed_op' });
        expect(await balance(id)).toBe(100);
      });
    });
  });
});
