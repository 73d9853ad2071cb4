import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { toInt } from '../../packages/hq/src/db/database';
import { PROOF_FAILURES_PER_HOUR } from '../../packages/hq/src/push/staff-proof';
import { hashStaffPin, verifyStaffPin } from '../../packages/hq/src/staff/pin-hash';
import { chainStaffPinPepper, readPinPepperRing, storePinPepper } from '../../packages/hq/src/staff/pin-peppers';
import type { PairResponse, PushResponse } from '../../src/shared/sync/protocol';
import { BACKENDS, skipBackend, startTestHq, type TestHq } from './support/hq';
import { earnOp, enrollOp, newMemberId, type WireOp } from './support/ops';
import {
  approvedCorrectionOp,
  chainPepper,
  ownPinChange,
  pinChangeOp,
  proofFrom,
  staffWithPin,
} from './support/staff-proofs';

// Issue 10, defect 3: HQ believes a PIN change, a PIN reset or a manager's approval only from a
// party that proves knowledge of a PIN HQ holds the hash of, sealed to HQ's key for that one op.
describe.each(BACKENDS)('HQ staff proofs on %s', (backend) => {
  describe.skipIf(skipBackend(backend))(backend, () => {
    let hq: TestHq;
    beforeAll(async () => {
      hq = await startTestHq(backend);
    });
    afterAll(async () => {
      await hq?.close();
    });

    const outcomesOf = (response: PushResponse) => response.outcomes.map((o) => [o.seq, o.outcome, o.reason]);

    async function staffRow(id: string) {
      const found = await hq.db.query<{ pin_hash: string; must_change_pin: boolean; version: unknown }>(
        'SELECT pin_hash, must_change_pin, version FROM staff WHERE id = $1',
        [id],
      );
      const row = found.rows[0];
      if (!row) throw new Error(`no staff ${id}`);
      return { pinHash: row.pin_hash, mustChangePin: row.must_change_pin, version: toInt(row.version) };
    }

    async function staffChanges(id: string): Promise<number> {
      const found = await hq.db.query<{ n: unknown }>(
        "SELECT count(*) AS n FROM change_log WHERE entity = 'staff' AND entity_id = $1",
        [id],
      );
      return toInt(found.rows[0]?.n);
    }

    async function balance(memberId: string): Promise<number> {
      const found = await hq.db.query<{ b: unknown }>(
        'SELECT COALESCE(SUM(points), 0) AS b FROM ledger WHERE member_id = $1',
        [memberId],
      );
      return toInt(found.rows[0]?.b);
    }

    test("the attack: any till sets a chain-wide manager's PIN from roster data alone; refused, the roster unchanged", async () => {
      const boss = await staffWithPin(hq.db, null, 'manager', '583920');
      const till = await hq.pairedDevice('Till of the attacker');
      const before = await staffRow(boss);
      // What the till could always make: a hash of a PIN of its choosing with the chain pepper.
      const forgedHash = await hashStaffPin(await chainPepper(hq.db), '246810');
      const forged = {
        seq: 1,
        opId: randomUUID(),
        type: 'staff.pin_changed',
        staffId: boss,
        deviceTime: '2026-03-02T09:30:00.000Z',
        payload: { staffId: boss, pinHash: forgedHash, mustChangePin: false, at: '2026-03-02T09:30:00.000Z' },
      } as WireOp;
      // The same claim in today's shape: without a proof, and with a proof of a guessed PIN.
      const unproven = pinChangeOp(2, boss, { kind: 'change' });
      const guessed = ownPinChange(till, 3, boss, '111222', '424242');
      const response = await hq.push(till, [forged, unproven, guessed]);
      expect(outcomesOf(response)).toEqual([
        [1, 'rejected', 'invalid_payload'],
        [2, 'rejected', 'proof_missing'],
        [3, 'rejected', 'proof_invalid'],
      ]);
      expect(await staffRow(boss)).toEqual(before);
      expect(await staffChanges(boss)).toBe(0);
      expect(await verifyStaffPin(await chainPepper(hq.db), (await staffRow(boss)).pinHash, '246810')).toBe(false);
    });

    test('a PIN change with the current PIN is applied: HQ hashes the new PIN itself, and the old one no longer works', async () => {
      const till = await hq.pairedDevice('Till 1');
      const cashier = await staffWithPin(hq.db, till.storeId, 'cashier', '583920', { mustChangePin: true });
      const response = await hq.push(till, [ownPinChange(till, 1, cashier, '583920', '719364')]);
      expect(outcomesOf(response)).toEqual([[1, 'applied', undefined]]);
      const after = await staffRow(cashier);
      expect(after.mustChangePin).toBe(false);
      expect(after.version).toBe(2);
      // HQ hashes it under the store's pepper (v2, issue 15), not the chain pepper every till holds.
      const pepper = storePinPepper((await readPinPepperRing(hq.db)).root, till.storeId);
      expect(await verifyStaffPin(pepper, after.pinHash, '719364')).toBe(true);
      expect(await verifyStaffPin(pepper, after.pinHash, '583920')).toBe(false);
      expect(await staffChanges(cashier)).toBe(1);
      // HQ keeps the op, never the sealed PINs (it holds the key that would open them).
      const stored = await hq.db.query<{ payload: Record<string, unknown> }>(
        "SELECT payload FROM ops WHERE device_id = $1 AND type = 'staff.pin_changed'",
        [till.deviceId],
      );
      expect(stored.rows.map((row) => Object.keys(row.payload).sort())).toEqual([
        ['approvalId', 'approvedBy', 'at', 'kind', 'staffId'],
      ]);
    });

    test('a proof replayed into another op, another staff member or from another till is refused; so is a weak new PIN', async () => {
      const till = await hq.pairedDevice('Till 1');
      const other = await hq.pairedDevice('Till 2', till.storeId);
      const ana = await staffWithPin(hq.db, till.storeId, 'cashier', '583920');
      const ben = await staffWithPin(hq.db, till.storeId, 'cashier', '583920');
      const original = ownPinChange(till, 1, ana, '583920', '719364');
      const proof = (original.payload as { staffProof: unknown }).staffProof;
      const beforeBen = await staffRow(ben);
      // Held back: the same sealed box in a new op (new op id), about Ben, and sent by the other till.
      const replays = [
        { ...pinChangeOp(1, ana, { kind: 'change' }), payload: { ...original.payload, staffProof: proof } },
        { ...pinChangeOp(2, ben, { kind: 'change' }), payload: { ...original.payload, staffId: ben } },
      ] as WireOp[];
      expect(outcomesOf(await hq.push(till, replays))).toEqual([
        [1, 'rejected', 'proof_invalid'],
        [2, 'rejected', 'proof_invalid'],
      ]);
      expect(outcomesOf(await hq.push(other, [{ ...original, seq: 1 }]))).toEqual([[1, 'rejected', 'proof_invalid']]);
      expect(await staffRow(ben)).toEqual(beforeBen);
      expect((await staffRow(ana)).version).toBe(1);
      // The right PIN, but a new PIN the policy refuses.
      expect(outcomesOf(await hq.push(till, [ownPinChange(till, 3, ana, '583920', '123456')]))).toEqual([
        [3, 'rejected', 'pin_rejected'],
      ]);
      expect((await staffRow(ana)).version).toBe(1);
    });

    test("a reset needs an active manager's PIN of this store (a chain-wide one for chain-wide staff), once per approval", async () => {
      const till = await hq.pairedDevice('Till 1');
      const manager = await staffWithPin(hq.db, till.storeId, 'manager', '583920');
      const cashier = await staffWithPin(hq.db, till.storeId, 'cashier', '640271');
      const colleague = await staffWithPin(hq.db, till.storeId, 'cashier', '640271');
      const chainManager = await staffWithPin(hq.db, null, 'manager', '640271');
      const reset = (seq: number, staffId: string, approvedBy: string, pin: string, approvalId = randomUUID()) =>
        pinChangeOp(seq, staffId, {
          kind: 'reset',
          approvedBy,
          approvalId,
          staffProof: proofFrom(
            till,
            { purpose: 'pin_reset', approvalId, approvedBy, staffId },
            { pin, newPin: '815204' },
          ),
        });
      const good = reset(1, cashier, manager, '583920');
      const chainBefore = await staffRow(chainManager);
      const response = await hq.push(till, [
        good,
        { ...good, seq: 2, opId: randomUUID() }, // the same approval again
        reset(3, colleague, manager, '000000'), // wrong manager PIN
        reset(4, colleague, cashier, '640271'), // a cashier cannot approve
        reset(5, chainManager, manager, '583920'), // a store manager cannot reset chain-wide staff
      ]);
      expect(outcomesOf(response)).toEqual([
        [1, 'applied', undefined],
        [2, 'rejected', 'proof_invalid'],
        [3, 'rejected', 'proof_invalid'],
        [4, 'rejected', 'proof_invalid'],
        [5, 'rejected', 'proof_invalid'],
      ]);
      const after = await staffRow(cashier);
      expect(after.mustChangePin).toBe(true);
      expect(after.version).toBe(2);
      const storePepper = storePinPepper((await readPinPepperRing(hq.db)).root, till.storeId);
      expect(await verifyStaffPin(storePepper, after.pinHash, '815204')).toBe(true);
      expect((await staffRow(colleague)).version).toBe(1);
      expect(await staffRow(chainManager)).toEqual(chainBefore);
    });

    test('an adjustment or reversal with a made-up approval is refused: no proof, a wrong PIN, a cashier, a replay, another amount', async () => {
      const till = await hq.pairedDevice('Till 1');
      const manager = await staffWithPin(hq.db, till.storeId, 'manager', '583920');
      const cashier = await staffWithPin(hq.db, till.storeId, 'cashier', '640271');
      const elsewhere = await staffWithPin(hq.db, (await hq.pairedDevice('Other store')).storeId, 'manager', '583920');
      const member = newMemberId();
      const earn = earnOp(2, member, 40);
      await hq.push(till, [enrollOp(1, member), earn]);
      const adjust = (seq: number, approvedBy: string, managerPin: string | null, points = 500) =>
        approvedCorrectionOp(till, seq, { memberId: member, points, approvedBy, managerPin });
      const good = adjust(8, manager, '583920', 25);
      const inflated = {
        ...good,
        seq: 9,
        opId: randomUUID(),
        payload: { ...good.payload, points: 2500 }, // the proof was for 25
      } as WireOp;
      const response = await hq.push(till, [
        adjust(3, manager, null),
        adjust(4, manager, '000000'),
        adjust(5, cashier, '640271'),
        adjust(6, elsewhere, '583920'), // a manager of another store
        approvedCorrectionOp(till, 7, {
          memberId: member,
          points: -40,
          approvedBy: manager,
          managerPin: '111111',
          reversesOpId: earn.opId,
        }),
        good,
        inflated,
        { ...good, seq: 10, opId: randomUUID() }, // the same approval again
        approvedCorrectionOp(till, 11, {
          memberId: member,
          points: -40,
          approvedBy: manager,
          managerPin: '583920',
          reversesOpId: earn.opId,
        }),
      ]);
      expect(outcomesOf(response)).toEqual([
        [3, 'rejected', 'proof_missing'],
        [4, 'rejected', 'proof_invalid'],
        // Roster checks come first (push/verify-claims.ts) and name their reason: the roster is no
        // secret from a till, which pulls it; only a PIN that fails is the one reason proof_invalid.
        [5, 'rejected', 'approver_not_manager'],
        [6, 'rejected', 'approver_not_manager'],
        [7, 'rejected', 'proof_invalid'],
        [8, 'applied', undefined],
        [9, 'rejected', 'proof_invalid'],
        [10, 'rejected', 'proof_invalid'],
        [11, 'applied', undefined],
      ]);
      expect(await balance(member)).toBe(40 + 25 - 40);
      const stored = await hq.db.query<{ payload: Record<string, unknown> }>(
        "SELECT payload FROM ops WHERE device_id = $1 AND type IN ('points.adjusted', 'points.reversed')",
        [till.deviceId],
      );
      expect(stored.rows.filter((row) => 'staffProof' in row.payload)).toEqual([]);
    });

    test('pairing and every pull page hand the till the same staff-proof key', async () => {
      const till: PairResponse = await hq.pairedDevice('Till 1');
      expect(till.staffProofKey).toMatch(/^[A-Za-z0-9_-]{43}$/);
      const page = await hq.send('/v1/pull', { cursor: null, ackedSeq: 0 }, { token: till.deviceToken });
      expect(page.status).toBe(200);
      expect((page.body as { staffProofKey?: string }).staffProofKey).toBe(till.staffProofKey);
    });

    // Last in this file: it moves HQ's clock on by an hour.
    test('a till that sends ten proofs HQ cannot confirm within an hour is answered 429 before HQ opens another; what came before stands', async () => {
      const till = await hq.pairedDevice('Guessing till');
      const boss = await staffWithPin(hq.db, null, 'manager', '583920');
      const before = await staffRow(boss);
      const guesses = Array.from({ length: PROOF_FAILURES_PER_HOUR }, (_, i) =>
        ownPinChange(till, i + 1, boss, String(100_000 + i), '424242'),
      );
      expect(outcomesOf(await hq.push(till, guesses))).toEqual(
        guesses.map((op) => [op.seq, 'rejected', 'proof_invalid']),
      );
      // Even the right PIN now waits; the op ahead of it in the same push opens no proof and stands.
      const unproven = pinChangeOp(11, boss, { kind: 'change' });
      const right = ownPinChange(till, 12, boss, '583920', '719364');
      const throttled = await hq.send('/v1/push', { ops: [unproven, right] }, { token: till.deviceToken });
      expect(throttled).toEqual({ status: 429, body: expect.objectContaining({ code: 'too_many_requests' }) });
      const seqs = await hq.db.query<{ seq: unknown }>('SELECT seq FROM ops WHERE device_id = $1 ORDER BY seq', [
        till.deviceId,
      ]);
      expect(seqs.rows.map((row) => toInt(row.seq))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
      expect(await staffRow(boss)).toEqual(before);
      // An hour on, the till's resent push is heard: the first op as a duplicate of its first answer,
      // the right PIN applied.
      hq.clock.now = new Date(hq.clock.now.getTime() + 60 * 60 * 1000 + 1000);
      expect(outcomesOf(await hq.push(till, [unproven, right]))).toEqual([
        [11, 'duplicate', 'proof_missing'],
        [12, 'applied', undefined],
      ]);
      const chainStaffPepper = chainStaffPinPepper((await readPinPepperRing(hq.db)).root);
      expect(await verifyStaffPin(chainStaffPepper, (await staffRow(boss)).pinHash, '719364')).toBe(true);
    });
  });
});
