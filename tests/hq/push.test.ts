import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { toInt } from '../../packages/hq/src/db/database';
import { PushResponse, type PairResponse } from '../../src/shared/sync/protocol';
import { BACKENDS, skipBackend, startTestHq, type TestHq } from './support/hq';
import { atSeq, consentOp, earnOp, enrollOp, newMemberId, redeemOp, type WireOp } from './support/ops';
import { approvedCorrectionOp, staffWithPin } from './support/staff-proofs';

describe.each(BACKENDS)('HQ push, exactly once, on %s', (backend) => {
  describe.skipIf(skipBackend(backend))(backend, () => {
    let hq: TestHq;
    beforeAll(async () => {
      hq = await startTestHq(backend);
    });
    afterAll(async () => {
      await hq?.close();
    });

    const push = (device: PairResponse, ops: WireOp[]) => hq.push(device, ops);

    async function balance(memberId: string): Promise<number> {
      const result = await hq.db.query<{ b: unknown }>(
        'SELECT COALESCE(SUM(points), 0) AS b FROM ledger WHERE member_id = $1',
        [memberId],
      );
      return toInt(result.rows[0]?.b);
    }

    async function count(sql: string, params: unknown[]): Promise<number> {
      const result = await hq.db.query<{ n: unknown }>(sql, params);
      return toInt(result.rows[0]?.n);
    }

    const outcomesOf = (response: PushResponse) => response.outcomes.map((o) => [o.seq, o.outcome, o.reason]);

    test('lost push response: HQ committed, the resent batch is all duplicate and nothing is counted twice', async () => {
      const device = await hq.pairedDevice();
      const member = newMemberId();
      const batch = [enrollOp(1, member), earnOp(2, member, 120), earnOp(3, member, 30), redeemOp(4, member, 50)];
      const first = await push(device, batch);
      expect(first.lastSeq).toBe(4);
      expect(outcomesOf(first)).toEqual([
        [1, 'applied', undefined],
        [2, 'applied', undefined],
        [3, 'applied', undefined],
        [4, 'applied', undefined],
      ]);
      // The till never heard that answer and sends the very same batch again.
      const before = await hq.snapshot();
      const resent = await push(device, batch);
      expect(resent.lastSeq).toBe(4);
      expect(resent.outcomes.map((o) => o.outcome)).toEqual(['duplicate', 'duplicate', 'duplicate', 'duplicate']);
      expect(resent.outcomes.every((o) => o.reason === undefined)).toBe(true);
      // The till hears now what the lost answer said: applied, and the member's state after each op.
      expect(resent.outcomes.map((o) => o.firstOutcome)).toEqual(['applied', 'applied', 'applied', 'applied']);
      expect(resent.outcomes.map((o) => o.member)).toEqual(first.outcomes.map((o) => o.member));
      expect(first.outcomes.map((o) => [o.member?.version, o.member?.points])).toEqual([
        [1, 0],
        [2, 120],
        [3, 150],
        [4, 100],
      ]);
      expect(await hq.snapshot()).toBe(before);
      expect(await balance(member)).toBe(100);
      expect(await count('SELECT count(*) AS n FROM ledger WHERE member_id = $1', [member])).toBe(3);
    });

    test('duplicated seqs within a batch are applied once and answered duplicate', async () => {
      const device = await hq.pairedDevice();
      const member = newMemberId();
      const enroll = enrollOp(1, member);
      const earn = earnOp(2, member, 10);
      const response = await push(device, [enroll, earn, earn, enroll, earnOp(3, member, 5)]);
      expect(outcomesOf(response)).toEqual([
        [1, 'applied', undefined],
        [2, 'applied', undefined],
        [2, 'duplicate', undefined],
        [1, 'duplicate', undefined],
        [3, 'applied', undefined],
      ]);
      expect(response.lastSeq).toBe(3);
      expect(await balance(member)).toBe(15);
      // A different op claiming an already settled seq is skipped, and HQ says the ids differ.
      const impostor = await push(device, [earnOp(2, member, 999)]);
      expect(outcomesOf(impostor)).toEqual([[2, 'duplicate', 'op_id_mismatch']]);
      expect(await balance(member)).toBe(15);
    });

    test('reordered batch: seq 3 before 2 stops at the gap, then the right order applies', async () => {
      const device = await hq.pairedDevice();
      const member = newMemberId();
      expect((await push(device, [enrollOp(1, member)])).lastSeq).toBe(1);
      const two = earnOp(2, member, 20);
      const three = earnOp(3, member, 30);
      const before = await hq.snapshot();
      const reordered = await push(device, [three, two]);
      expect(reordered).toEqual({ lastSeq: 1, outcomes: [], gapAt: 3 });
      expect(await hq.snapshot()).toBe(before);
      const ordered = await push(device, [two, three]);
      expect(outcomesOf(ordered)).toEqual([
        [2, 'applied', undefined],
        [3, 'applied', undefined],
      ]);
      expect(ordered.gapAt).toBeUndefined();
      expect(await balance(member)).toBe(50);
    });

    test('gapped seqs: the batch stops at the gap and nothing after it is applied', async () => {
      const device = await hq.pairedDevice();
      const member = newMemberId();
      const response = await push(device, [
        enrollOp(1, member),
        earnOp(2, member, 7),
        earnOp(4, member, 8),
        earnOp(5, member, 9),
      ]);
      expect(response.lastSeq).toBe(2);
      expect(response.gapAt).toBe(4);
      expect(outcomesOf(response)).toEqual([
        [1, 'applied', undefined],
        [2, 'applied', undefined],
      ]);
      expect(await balance(member)).toBe(7);
      expect(await count('SELECT count(*) AS n FROM ops WHERE device_id = $1', [device.deviceId])).toBe(2);
      // A first push that does not start at 1 is a gap too.
      const fresh = await hq.pairedDevice();
      expect(await push(fresh, [enrollOp(2, newMemberId())])).toEqual({ lastSeq: 0, outcomes: [], gapAt: 2 });
    });

    test('a poison op is rejected with its reason and recorded, and the queue goes on: the next op is applied', async () => {
      const device = await hq.pairedDevice();
      const member = newMemberId();
      const poison = earnOp(2, newMemberId(), 40); // points for a member HQ has never heard of
      const response = await push(device, [enrollOp(1, member), poison, earnOp(3, member, 25)]);
      expect(outcomesOf(response)).toEqual([
        [1, 'applied', undefined],
        [2, 'rejected', 'unknown_member'],
        [3, 'applied', undefined],
      ]);
      expect(response.lastSeq).toBe(3);
      const recorded = await hq.db.query<{ outcome: string; reason: string; op_id: string }>(
        'SELECT outcome, reason, op_id FROM ops WHERE device_id = $1 AND seq = 2',
        [device.deviceId],
      );
      expect(recorded.rows).toEqual([{ outcome: 'rejected', reason: 'unknown_member', op_id: poison.opId }]);
      expect(await count('SELECT count(*) AS n FROM ledger WHERE op_id = $1', [poison.opId])).toBe(0);
      expect(await balance(member)).toBe(25);
      // Resending the poison op is a duplicate, not a second rejection; the answer repeats the first one.
      const again = await push(device, [poison]);
      expect(outcomesOf(again)).toEqual([[2, 'duplicate', 'unknown_member']]);
      expect(again.outcomes[0]?.firstOutcome).toBe('rejected');
      expect(again.outcomes[0]?.member).toBeUndefined();
    });

    test('a payload its type does not allow (an unknown field, a wrong type) is rejected as invalid_payload, recorded, and the queue goes on', async () => {
      const device = await hq.pairedDevice();
      const member = newMemberId();
      const extraField = earnOp(2, member, 10);
      Object.assign(extraField.payload, { bonus: 5 });
      const wrongType = earnOp(3, member, 10);
      Object.assign(wrongType.payload, { points: '10' });
      const response = await push(device, [enrollOp(1, member), extraField, wrongType, earnOp(4, member, 7)]);
      expect(outcomesOf(response)).toEqual([
        [1, 'applied', undefined],
        [2, 'rejected', 'invalid_payload'],
        [3, 'rejected', 'invalid_payload'],
        [4, 'applied', undefined],
      ]);
      expect(response.lastSeq).toBe(4);
      expect(await balance(member)).toBe(7);
      const recorded = await hq.db.query<{ seq: unknown; reason: string }>(
        "SELECT seq, reason FROM ops WHERE device_id = $1 AND outcome = 'rejected' ORDER BY seq",
        [device.deviceId],
      );
      expect(recorded.rows.map((row) => [Number(row.seq), row.reason])).toEqual([
        [2, 'invalid_payload'],
        [3, 'invalid_payload'],
      ]);
    });

    test('an enrolment for a member HQ already holds is rejected as member_exists and leaves the member as it was', async () => {
      const device = await hq.pairedDevice();
      const member = newMemberId();
      await push(device, [enrollOp(1, member)]);
      const before = await hq.db.query('SELECT * FROM members WHERE id = $1', [member]);
      const other = await hq.pairedDevice('Till 2');
      const takeover = enrollOp(1, member);
      Object.assign(takeover.payload, { givenName: 'Mallory', email: 'mallory@example.com' });
      expect(outcomesOf(await push(other, [takeover]))).toEqual([[1, 'rejected', 'member_exists']]);
      expect((await hq.db.query('SELECT * FROM members WHERE id = $1', [member])).rows).toEqual(before.rows);
    });

    test('an earn or a redemption can be reversed, each only once, and never a reversal: no points are minted back', async () => {
      const device = await hq.pairedDevice();
      const member = newMemberId();
      const earn = earnOp(2, member, 40);
      const redeem = redeemOp(3, member, 30);
      await push(device, [enrollOp(1, member), earn, redeem]);
      // Each reversal properly approved (a store manager's PIN sealed for HQ), so only the target decides.
      const manager = await staffWithPin(hq.db, device.storeId, 'manager', '583920');
      const reversalOf = (seq: number, original: WireOp, points: number): WireOp =>
        approvedCorrectionOp(device, seq, {
          memberId: member,
          points,
          approvedBy: manager,
          managerPin: '583920',
          reversesOpId: original.opId,
        });
      // A manager-approved reversal of a redemption gives its 30 points back (the reward came back).
      const undoRedeem = reversalOf(4, redeem, 30);
      const response = await push(device, [
        undoRedeem,
        reversalOf(5, redeem, 30), // the same redemption again
        reversalOf(6, earn, -40),
        reversalOf(7, earn, -40), // the same earn again
        reversalOf(8, undoRedeem, -30), // a reversal of a reversal
      ]);
      expect(outcomesOf(response)).toEqual([
        [4, 'applied', undefined],
        [5, 'rejected', 'unknown_reversed_op'],
        [6, 'applied', undefined],
        [7, 'rejected', 'unknown_reversed_op'],
        [8, 'rejected', 'unknown_reversed_op'],
      ]);
      expect(await balance(member)).toBe(0);
    });

    test('a receipt earns once per store: the second till of the store is refused (reference_used), another store is not', async () => {
      const first = await hq.pairedDevice('Till 1');
      const second = await hq.pairedDevice('Till 2', first.storeId);
      const elsewhere = await hq.pairedDevice('Other store');
      const member = newMemberId();
      const earn = earnOp(2, member, 25);
      await push(first, [enrollOp(1, member), earn]);
      const again = { ...earnOp(1, member, 25), payload: { ...(earn.payload as Record<string, unknown>) } } as WireOp;
      expect(outcomesOf(await push(second, [again]))).toEqual([[1, 'rejected', 'reference_used']]);
      const otherStore = {
        ...earnOp(1, member, 25),
        payload: { ...(earn.payload as Record<string, unknown>) },
      } as WireOp;
      expect(outcomesOf(await push(elsewhere, [otherStore]))).toEqual([[1, 'applied', undefined]]);
      expect(await balance(member)).toBe(50);
    });

    test('the same op id under a new seq is rejected as duplicate_op and still advances the queue', async () => {
      const device = await hq.pairedDevice();
      const member = newMemberId();
      const earn = earnOp(2, member, 60);
      await push(device, [enrollOp(1, member), earn]);
      const response = await push(device, [atSeq(earn, 3), earnOp(4, member, 1)]);
      expect(outcomesOf(response)).toEqual([
        [3, 'rejected', 'duplicate_op'],
        [4, 'applied', undefined],
      ]);
      expect(await balance(member)).toBe(61);
      // Another device sending that op id is refused the same way.
      const other = await hq.pairedDevice('Till 2');
      const stolen = await push(other, [atSeq(earn, 1)]);
      expect(outcomesOf(stolen)).toEqual([[1, 'rejected', 'duplicate_op']]);
      expect(await balance(member)).toBe(61);
    });

    test('an offline redemption that overdraws the HQ balance is accepted and flagged for review', async () => {
      const device = await hq.pairedDevice();
      const member = newMemberId();
      const covered = redeemOp(3, member, 80);
      const overdraft = redeemOp(4, member, 50);
      const response = await push(device, [enrollOp(1, member), earnOp(2, member, 100), covered, overdraft]);
      expect(response.outcomes.map((o) => o.outcome)).toEqual(['applied', 'applied', 'applied', 'applied']);
      const flags = await hq.db.query<{ op_id: string; flagged_overdraft: boolean }>(
        'SELECT op_id, flagged_overdraft FROM ledger WHERE member_id = $1 AND kind = $2 ORDER BY points',
        [member, 'redeem'],
      );
      expect(flags.rows).toEqual([
        { op_id: covered.opId, flagged_overdraft: false },
        { op_id: overdraft.opId, flagged_overdraft: true },
      ]);
      expect(await balance(member)).toBe(-30);
    });

    test('the same batch pushed five times at once is applied exactly once', async () => {
      const device = await hq.pairedDevice();
      const member = newMemberId();
      const batch = [enrollOp(1, member), ...Array.from({ length: 20 }, (_, i) => earnOp(i + 2, member, 1))];
      const responses = await Promise.all(Array.from({ length: 5 }, () => push(device, batch)));
      const applied = responses.flatMap((r) => r.outcomes).filter((o) => o.outcome === 'applied');
      expect(applied).toHaveLength(21);
      expect(new Set(applied.map((o) => o.seq)).size).toBe(21);
      expect(await balance(member)).toBe(20);
      expect(await count('SELECT count(*) AS n FROM ops WHERE device_id = $1', [device.deviceId])).toBe(21);
    });

    test('consents are recorded per change and a kind that does not fit its op type is rejected', async () => {
      const device = await hq.pairedDevice();
      const member = newMemberId();
      const wrongKind = earnOp(4, member, 10);
      (wrongKind.payload as { kind: string }).kind = 'adjust';
      const response = await push(device, [
        enrollOp(1, member),
        consentOp(2, member, true),
        consentOp(3, member, false),
        wrongKind,
      ]);
      expect(outcomesOf(response)).toEqual([
        [1, 'applied', undefined],
        [2, 'applied', undefined],
        [3, 'applied', undefined],
        [4, 'rejected', 'kind_mismatch'],
      ]);
      expect(await count('SELECT count(*) AS n FROM consents WHERE member_id = $1', [member])).toBe(2);
      expect(await count('SELECT count(*) AS n FROM change_log WHERE entity_id = $1', [member])).toBe(3);
    });
  });
});
