// HQ trusts no till (DESIGN §4): what a till claims about points is re-derived (earns, redemptions),
// checked against HQ's roster (approvers) and bounded by store policy (adjustments), and what HQ
// corrected is flagged for operators.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadCatalog } from '../../packages/hq/src/admin/catalog';
import { toInt } from '../../packages/hq/src/db/database';
import type { PairResponse } from '../../src/shared/sync/protocol';
import { BACKENDS, skipBackend, startTestHq, type TestHq } from './support/hq';
import { oneOpAtATime } from './support/one-op';
import { adjustOp, earnClaimOp, redeemClaimOp, redeemOp, type WireOp } from './support/ops';
import { approvedCorrectionOp, staffWithPin } from './support/staff-proofs';
import { TEST_REWARDS, TEST_RULES } from './support/test-catalog';

const DAY = 24 * 60 * 60 * 1000;
const MANAGER_PIN = '482915';

describe.each(BACKENDS)('HQ re-derives, checks and bounds what a till claims, on %s', (backend) => {
  describe.skipIf(skipBackend(backend))(backend, () => {
    let hq: TestHq;
    beforeAll(async () => {
      hq = await startTestHq(backend);
    });
    afterAll(async () => {
      await hq?.close();
    });

    const { next, pushOne, member } = oneOpAtATime(() => hq);
    const later = (ms: number) => {
      hq.clock.now = new Date(hq.clock.now.getTime() + ms);
    };

    async function state(memberId: string) {
      const points = await hq.db.query<{ points: unknown }>('SELECT points FROM members WHERE id = $1', [memberId]);
      const ledger = await hq.db.query<{ op_id: string; kind: string; points: unknown; rules_version: unknown }>(
        `SELECT l.op_id::text AS op_id, l.kind, l.points, l.rules_version FROM ledger l
           JOIN ops o ON o.op_id = l.op_id AND o.outcome = 'applied' WHERE l.member_id = $1 ORDER BY o.seq`,
        [memberId],
      );
      return {
        points: toInt(points.rows[0]?.points),
        ledger: ledger.rows.map((r) => ({
          opId: r.op_id,
          kind: r.kind,
          points: toInt(r.points),
          rulesVersion: r.rules_version === null ? null : toInt(r.rules_version),
        })),
      };
    }

    async function flagsOf(opId: string) {
      const rows = await hq.db.query<{
        reason: string;
        claimed_points: unknown;
        applied_points: unknown;
        claimed_rules_version: unknown;
        applied_rules_version: unknown;
      }>(
        `SELECT reason, claimed_points, applied_points, claimed_rules_version, applied_rules_version
           FROM op_flags WHERE op_id = $1 ORDER BY reason`,
        [opId],
      );
      const n = (value: unknown) => (value === null ? null : toInt(value));
      return rows.rows.map((r) => ({
        reason: r.reason,
        claimedPoints: n(r.claimed_points),
        appliedPoints: n(r.applied_points),
        claimedRulesVersion: n(r.claimed_rules_version),
        appliedRulesVersion: n(r.applied_rules_version),
      }));
    }

    /** Gives the device's store a new rule set: `pointsPerUnit` points per £1 as `version`. */
    async function issueRules(storeId: string, version: number, pointsPerUnit: number): Promise<void> {
      await loadCatalog(
        { db: hq.db, now: () => hq.clock.now },
        { rewards: TEST_REWARDS, earnRules: { stores: { [storeId]: { ...TEST_RULES, version, pointsPerUnit } } } },
      );
    }

    describe('earns: HQ computes the points from the amount and the rules in force', () => {
      test('1,000,000,000 points claimed for an amount of 1 are applied as HQ’s figure (0) and flagged earn_recomputed', async () => {
        const device = await hq.pairedDevice();
        const id = await member(device);
        const op = earnClaimOp(next(device), id, { points: 1_000_000_000, amountMinor: 1, rulesVersion: 1 });
        const outcome = await pushOne(device, op);
        expect(outcome.outcome).toBe('applied');
        // The till learns HQ's balance from the answer.
        expect(outcome.member?.points).toBe(0);
        expect(await state(id)).toEqual({
          points: 0,
          ledger: [{ opId: op.opId, kind: 'earn', points: 0, rulesVersion: 1 }],
        });
        expect(await flagsOf(op.opId)).toEqual([
          {
            reason: 'earn_recomputed',
            claimedPoints: 1_000_000_000,
            appliedPoints: 0,
            claimedRulesVersion: 1,
            appliedRulesVersion: 1,
          },
        ]);
      });

      test('a figure that matches HQ’s (the member’s tier at HQ included) is applied as sent and not flagged', async () => {
        const device = await hq.pairedDevice();
        const id = await member(device);
        await hq.db.query("UPDATE members SET tier = 'gold' WHERE id = $1", [id]);
        // £12.34 at 1 point per £1, gold ×1.5, rounded down: 18.
        const op = earnClaimOp(next(device), id, { points: 18, amountMinor: 1234, rulesVersion: 1 });
        expect((await pushOne(device, op)).member?.points).toBe(18);
        expect(await flagsOf(op.opId)).toEqual([]);
        // The standard figure (12) for a gold member is HQ-corrected to 18.
        const low = earnClaimOp(next(device), id, { points: 12, amountMinor: 1234, rulesVersion: 1 });
        expect((await pushOne(device, low)).member?.points).toBe(36);
        expect((await flagsOf(low.opId)).map((f) => [f.claimedPoints, f.appliedPoints])).toEqual([[12, 18]]);
      });

      test('an earn with the previous rules inside the grace window is judged by them; after it, or naming a version HQ never issued, by the current rules', async () => {
        const device = await hq.pairedDevice();
        const id = await member(device);
        later(DAY);
        await issueRules(device.storeId, 2, 2); // v1 (1 point per £1) superseded now by v2 (2 per £1)
        later(3 * DAY);
        // An offline till still on v1: £10 → 10 points, honoured 3 days after v1 was superseded.
        const onV1 = earnClaimOp(next(device), id, { points: 10, amountMinor: 1000, rulesVersion: 1 });
        expect(await pushOne(device, onV1)).toMatchObject({ outcome: 'applied', member: { points: 10 } });
        expect(await flagsOf(onV1.opId)).toEqual([]);
        // A till on v2: £10 → 20 points.
        const onV2 = earnClaimOp(next(device), id, { points: 20, amountMinor: 1000, rulesVersion: 2 });
        expect(await pushOne(device, onV2)).toMatchObject({ outcome: 'applied', member: { points: 30 } });
        // A version HQ never issued to this store: the current rules (v2) decide.
        const madeUp = earnClaimOp(next(device), id, { points: 10, amountMinor: 1000, rulesVersion: 99 });
        expect(await pushOne(device, madeUp)).toMatchObject({ outcome: 'applied', member: { points: 50 } });
        expect(await flagsOf(madeUp.opId)).toEqual([
          {
            reason: 'earn_recomputed',
            claimedPoints: 10,
            appliedPoints: 20,
            claimedRulesVersion: 99,
            appliedRulesVersion: 2,
          },
        ]);
        // 8 days after v1 was superseded (the default window is 7): v1 no longer counts.
        later(5 * DAY);
        const stale = earnClaimOp(next(device), id, { points: 10, amountMinor: 1000, rulesVersion: 1 });
        expect(await pushOne(device, stale)).toMatchObject({ outcome: 'applied', member: { points: 70 } });
        expect(await flagsOf(stale.opId)).toEqual([
          {
            reason: 'earn_recomputed',
            claimedPoints: 10,
            appliedPoints: 20,
            claimedRulesVersion: 1,
            appliedRulesVersion: 2,
          },
        ]);
        expect((await state(id)).ledger.map((e) => [e.points, e.rulesVersion])).toEqual([
          [10, 1],
          [20, 2],
          [20, 2],
          [20, 2],
        ]);
      });

      test('the grace window is store policy: with graceDays 1, rules superseded 2 days ago no longer count', async () => {
        const device = await hq.pairedDevice();
        const id = await member(device);
        await loadCatalog(
          { db: hq.db, now: () => hq.clock.now },
          { rewards: TEST_REWARDS, storePolicy: { stores: { [device.storeId]: { graceDays: 1 } } } },
        );
        await issueRules(device.storeId, 2, 3);
        later(2 * DAY);
        const onV1 = earnClaimOp(next(device), id, { points: 10, amountMinor: 1000, rulesVersion: 1 });
        expect(await pushOne(device, onV1)).toMatchObject({ outcome: 'applied', member: { points: 30 } });
        expect((await flagsOf(onV1.opId)).map((f) => f.appliedRulesVersion)).toEqual([2]);
      });

      test('an earn with no amount is refused (amount_missing), and one at a store HQ gave no rules (earn_rules_missing); nothing is applied', async () => {
        const device = await hq.pairedDevice();
        const id = await member(device);
        const noAmount = earnClaimOp(next(device), id, { points: 50, amountMinor: null, rulesVersion: 1 });
        expect(await pushOne(device, noAmount)).toMatchObject({ outcome: 'rejected', reason: 'amount_missing' });
        await hq.db.query('DELETE FROM earn_rule_versions WHERE store_id = $1', [device.storeId]);
        await hq.db.query('UPDATE store_settings SET earn_rules = NULL WHERE store_id = $1', [device.storeId]);
        const noRules = earnClaimOp(next(device), id, { points: 10, amountMinor: 1000, rulesVersion: 1 });
        expect(await pushOne(device, noRules)).toMatchObject({ outcome: 'rejected', reason: 'earn_rules_missing' });
        expect(await state(id)).toEqual({ points: 0, ledger: [] });
        expect(await flagsOf(noAmount.opId)).toEqual([]);
      });
    });

    test('a reversal takes back what HQ applied for the earn: the till’s own figure for it is accepted and corrected (reversal_recomputed), any other is refused', async () => {
      const device = await hq.pairedDevice();
      const id = await member(device);
      const manager = await staffWithPin(hq.db, device.storeId, 'manager', MANAGER_PIN);
      // The till thought £10 made 50 points; HQ applied 10.
      const earn = earnClaimOp(next(device), id, { points: 50, amountMinor: 1000, rulesVersion: 1 });
      expect(await pushOne(device, earn)).toMatchObject({ outcome: 'applied', member: { points: 10 } });
      const reversal = (points: number) =>
        approvedCorrectionOp(device, next(device), {
          memberId: id,
          points,
          approvedBy: manager,
          managerPin: MANAGER_PIN,
          reversesOpId: earn.opId,
        });
      expect(await pushOne(device, reversal(-999))).toMatchObject({ outcome: 'rejected', reason: 'kind_mismatch' });
      // The till reverses its own figure (-50): HQ takes back the 10 it gave.
      const mine = reversal(-50);
      expect(await pushOne(device, mine)).toMatchObject({ outcome: 'applied', member: { points: 0 } });
      expect(await flagsOf(mine.opId)).toEqual([
        {
          reason: 'reversal_recomputed',
          claimedPoints: -50,
          appliedPoints: -10,
          claimedRulesVersion: null,
          appliedRulesVersion: null,
        },
      ]);
      expect((await state(id)).ledger.map((e) => [e.kind, e.points])).toEqual([
        ['earn', 10],
        ['reversal', -10],
      ]);
    });

    describe('redemptions: HQ charges what its catalogue says the reward costs', () => {
      test('a wrong cost is replaced by HQ’s (both ways) and flagged redeem_recomputed; the right one is not flagged', async () => {
        const device = await hq.pairedDevice();
        const id = await member(device);
        const cheap = redeemClaimOp(next(device), id, 'reward-150', -1);
        expect(await pushOne(device, cheap)).toMatchObject({ outcome: 'applied', member: { points: -150 } });
        const dear = redeemClaimOp(next(device), id, 'reward-150', -100_000);
        expect(await pushOne(device, dear)).toMatchObject({ outcome: 'applied', member: { points: -300 } });
        const right = redeemOp(next(device), id, 150);
        expect(await pushOne(device, right)).toMatchObject({ outcome: 'applied', member: { points: -450 } });
        expect(await flagsOf(cheap.opId)).toEqual([
          {
            reason: 'redeem_recomputed',
            claimedPoints: -1,
            appliedPoints: -150,
            claimedRulesVersion: null,
            appliedRulesVersion: null,
          },
        ]);
        expect((await flagsOf(dear.opId)).map((f) => [f.claimedPoints, f.appliedPoints])).toEqual([[-100_000, -150]]);
        expect(await flagsOf(right.opId)).toEqual([]);
        expect((await state(id)).ledger.map((e) => e.points)).toEqual([-150, -150, -150]);
      });

      test('a reward HQ never had is refused (unknown_reward); one withdrawn is honoured for the grace window, then refused (reward_withdrawn)', async () => {
        const device = await hq.pairedDevice();
        const id = await member(device);
        const unknown = redeemClaimOp(next(device), id, 'no-such-reward', -150);
        expect(await pushOne(device, unknown)).toMatchObject({ outcome: 'rejected', reason: 'unknown_reward' });
        // reward-400 is withdrawn now.
        await loadCatalog(
          { db: hq.db, now: () => hq.clock.now },
          { rewards: TEST_REWARDS.filter((r) => r.id !== 'reward-400') },
        );
        try {
          later(6 * DAY);
          const recent = redeemOp(next(device), id, 400);
          expect(await pushOne(device, recent)).toMatchObject({ outcome: 'applied', member: { points: -400 } });
          later(2 * DAY);
          const old = redeemOp(next(device), id, 400);
          expect(await pushOne(device, old)).toMatchObject({ outcome: 'rejected', reason: 'reward_withdrawn' });
          expect((await state(id)).points).toBe(-400);
        } finally {
          await loadCatalog({ db: hq.db, now: () => hq.clock.now }, { rewards: TEST_REWARDS });
        }
      });
    });

    describe('adjustments: approved by an active manager of the store, within the store’s limit', () => {
      let device: PairResponse;
      let id: string;
      let manager: string;
      let requester: string;
      beforeAll(async () => {
        device = await hq.pairedDevice();
        id = await member(device);
        manager = await staffWithPin(hq.db, device.storeId, 'manager', MANAGER_PIN);
        requester = await staffWithPin(hq.db, device.storeId, 'cashier', '739164');
      });

      async function refusedAs(op: WireOp, reason: string): Promise<void> {
        const before = await state(id);
        expect(await pushOne(device, op)).toMatchObject({ outcome: 'rejected', reason });
        expect(await state(id)).toEqual(before);
      }

      test('approved by a cashier, a manager of another store, an inactive manager, a made-up id, or nobody: approver_not_manager', async () => {
        const cashier = await staffWithPin(hq.db, device.storeId, 'cashier', '615283');
        const elsewhere = await hq.pairedDevice('Another store');
        const otherManager = await staffWithPin(hq.db, elsewhere.storeId, 'manager', '615283');
        const inactive = await staffWithPin(hq.db, device.storeId, 'manager', '615283', { status: 'inactive' });
        const temporary = await staffWithPin(hq.db, device.storeId, 'manager', '615283', { mustChangePin: true });
        for (const approvedBy of [cashier, otherManager, inactive, temporary, 'made-up-manager', null]) {
          await refusedAs(adjustOp(next(device), id, 500, { staffId: requester, approvedBy }), 'approver_not_manager');
        }
      });

      test('naming no one who asked: approver_is_requester; a manager approving their own request: applied', async () => {
        const other = await member(device);
        const own = approvedCorrectionOp(device, next(device), {
          memberId: other,
          points: 500,
          approvedBy: manager,
          managerPin: MANAGER_PIN,
          staffId: manager,
        });
        expect(await pushOne(device, own)).toMatchObject({ outcome: 'applied', member: { points: 500 } });
        await refusedAs(
          adjustOp(next(device), id, 500, { staffId: null, approvedBy: manager }),
          'approver_is_requester',
        );
      });

      test('more than the store’s limit (default 10,000) either way: adjustment_over_limit', async () => {
        await refusedAs(
          adjustOp(next(device), id, 10_001, { staffId: requester, approvedBy: manager }),
          'adjustment_over_limit',
        );
        await refusedAs(
          adjustOp(next(device), id, -10_001, { staffId: requester, approvedBy: manager }),
          'adjustment_over_limit',
        );
      });

      test('a legitimate adjustment (store or chain-wide manager, proven PIN, within the limit) is applied; the limit is store policy', async () => {
        const seq = next(device);
        const ok = approvedCorrectionOp(device, seq, {
          memberId: id,
          points: 10_000,
          approvedBy: manager,
          managerPin: MANAGER_PIN,
        });
        expect(await pushOne(device, ok)).toMatchObject({ outcome: 'applied', member: { points: 10_000 } });
        const chainManager = await staffWithPin(hq.db, null, 'manager', MANAGER_PIN);
        const byChain = approvedCorrectionOp(device, next(device), {
          memberId: id,
          points: -2_500,
          approvedBy: chainManager,
          managerPin: MANAGER_PIN,
        });
        expect(await pushOne(device, byChain)).toMatchObject({ outcome: 'applied', member: { points: 7_500 } });
        await loadCatalog(
          { db: hq.db, now: () => hq.clock.now },
          { rewards: TEST_REWARDS, storePolicy: { stores: { [device.storeId]: { maxAdjustPoints: 20_000 } } } },
        );
        const bigger = approvedCorrectionOp(device, next(device), {
          memberId: id,
          points: 15_000,
          approvedBy: manager,
          managerPin: MANAGER_PIN,
        });
        expect(await pushOne(device, bigger)).toMatchObject({ outcome: 'applied', member: { points: 22_500 } });
        expect((await state(id)).ledger.map((e) => [e.kind, e.points])).toEqual([
          ['adjust', 10_000],
          ['adjust', -2_500],
          ['adjust', 15_000],
        ]);
      });
    });
  });
});
