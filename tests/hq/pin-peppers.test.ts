import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { addStaff } from '../../packages/hq/src/admin';
import { toInt } from '../../packages/hq/src/db/database';
import { PROOF_FAILURES_PER_HOUR } from '../../packages/hq/src/push/staff-proof';
import { hashStaffPin, verifyStaffPin } from '../../packages/hq/src/staff/pin-hash';
import {
  chainStaffPinPepper,
  readPinPepperRing,
  sealPinPepperRoot,
  storePinPepper,
} from '../../packages/hq/src/staff/pin-peppers';
import { pinHashKeyId } from '../../src/node-shared/pin-hash-key-id';
import { createPinHasher } from '../../src/main/staff/pin-hasher';
import {
  HQ_ROUTES,
  PullResponse,
  type PairResponse,
  type PulledStaff,
  type PushResponse,
} from '../../src/shared/sync/protocol';
import { BACKENDS, skipBackend, startTestHq, type TestHq } from './support/hq';
import type { WireOp } from './support/ops';
import { chainPepper, ownPinChange, pinChangeOp, proofFrom, staffWithPin } from './support/staff-proofs';

// Issue 15 item 3: per-store PIN peppers. A till holds only its store's pepper (and the chain-wide
// staff's), so its secrets open no other store's roster hashes to offline guessing; hashes made
// under the old chain pepper (v1) move to the store's (v2) when their owner next signs in.
describe.each(BACKENDS)('per-store PIN peppers on %s', (backend) => {
  describe.skipIf(skipBackend(backend))(backend, () => {
    let hq: TestHq;
    beforeAll(async () => {
      hq = await startTestHq(backend);
    });
    afterAll(async () => {
      await hq?.close();
    });

    const deps = () => ({ db: hq.db, now: () => hq.clock.now });
    const staffRow = async (id: string) => {
      const found = await hq.db.query<{ pin_hash: string; version: unknown; must_change_pin: boolean }>(
        'SELECT pin_hash, version, must_change_pin FROM staff WHERE id = $1',
        [id],
      );
      const row = found.rows[0];
      if (!row) throw new Error(`no staff ${id}`);
      return { pinHash: row.pin_hash, version: toInt(row.version), mustChangePin: row.must_change_pin };
    };
    const pull = async (device: PairResponse, cursor: string | null, ackedSeq: number) => {
      const response = await hq.send(HQ_ROUTES.pull, { cursor, ackedSeq }, { token: device.deviceToken });
      expect(response.status, JSON.stringify(response.body)).toBe(200);
      return PullResponse.parse(response.body);
    };
    const staffOf = (page: PullResponse): PulledStaff[] =>
      page.changes.flatMap((change) => (change.kind === 'staff' ? [change.staff] : []));
    const outcomesOf = (response: PushResponse) => response.outcomes.map((o) => [o.seq, o.outcome, o.reason]);
    const rehashOp = (device: PairResponse, seq: number, staffId: string, pin: string, opId = randomUUID()) =>
      pinChangeOp(
        seq,
        staffId,
        { kind: 'rehash', staffProof: proofFrom(device, { purpose: 'pin_rehash', opId, staffId }, { pin }) },
        opId,
      );

    test("the same PIN gets a different hash in each store, each checked only under its store's pepper", async () => {
      const a = await hq.pairedDevice('Till A');
      const b = await hq.pairedDevice('Till B');
      const ring = await readPinPepperRing(hq.db);
      const inA = await addStaff(deps(), { storeId: a.storeId, displayName: 'Ann', role: 'cashier' });
      const inB = await addStaff(deps(), { storeId: b.storeId, displayName: 'Bob', role: 'cashier' });
      const hashA = (await staffRow(inA.staffId)).pinHash;
      const hashB = (await staffRow(inB.staffId)).pinHash;
      expect(pinHashKeyId(hashA)).toBe('ps1');
      expect(pinHashKeyId(hashB)).toBe('ps1');
      const pepperA = storePinPepper(ring.root, a.storeId);
      const pepperB = storePinPepper(ring.root, b.storeId);
      expect(pepperA).not.toBe(pepperB);
      expect(await verifyStaffPin(pepperA, hashA, inA.temporaryPin)).toBe(true);
      expect(await verifyStaffPin(pepperB, hashB, inB.temporaryPin)).toBe(true);
      // Store A's pepper (what a compromised till of A holds) opens nothing of store B's, nor does the
      // chain pepper every older till holds; so the same PIN hashed for B is no use to A's attacker.
      const sameForB = await hashStaffPin(pepperB, inA.temporaryPin, 'ps1');
      expect(await verifyStaffPin(pepperA, sameForB, inA.temporaryPin)).toBe(false);
      expect(await verifyStaffPin(pepperA, hashB, inB.temporaryPin)).toBe(false);
      expect(await verifyStaffPin(await chainPepper(hq.db), hashA, inA.temporaryPin)).toBe(false);
      // The root is HQ's alone: no store pepper equals it or the chain pepper.
      expect([ring.chainPepper, ring.root]).not.toContain(pepperA);
    });

    test("a till's pull carries its store's staff and the chain-wide staff, and its own store's peppers", async () => {
      const a = await hq.pairedDevice('Till A');
      const b = await hq.pairedDevice('Till B');
      const ring = await readPinPepperRing(hq.db);
      const own = await addStaff(deps(), { storeId: a.storeId, displayName: 'Ann', role: 'cashier' });
      const other = await addStaff(deps(), { storeId: b.storeId, displayName: 'Bob', role: 'cashier' });
      const chainWide = await addStaff(deps(), { storeId: null, displayName: 'Cleo', role: 'manager' });
      const page = await pull(a, null, 0);
      const ids = staffOf(page).map((s) => s.id);
      expect(ids).toContain(own.staffId);
      expect(ids).toContain(chainWide.staffId);
      expect(ids).not.toContain(other.staffId);
      expect(page.pinPeppers).toEqual({
        store: storePinPepper(ring.root, a.storeId),
        chainStaff: chainStaffPinPepper(ring.root),
      });
      expect(a.pinPeppers).toEqual(page.pinPeppers);
      // What the till can check with what it was given: its own staff and the chain-wide staff.
      const till = createPinHasher(a.pinPepper ?? '00'.repeat(32), () => page.pinPeppers ?? null);
      const pulled = new Map(staffOf(page).map((s) => [s.id, s.pinHash]));
      expect(await till.verify(pulled.get(own.staffId) ?? null, own.temporaryPin)).toBe(true);
      expect(pinHashKeyId(pulled.get(chainWide.staffId) ?? '')).toBe('pc1');
      expect(await till.verify(pulled.get(chainWide.staffId) ?? null, chainWide.temporaryPin)).toBe(true);
      expect(await till.verify((await staffRow(other.staffId)).pinHash, other.temporaryPin)).toBe(false);
    });

    test('a v1 hash is re-hashed under the store pepper from the PIN typed at sign-in; the next pull brings it', async () => {
      const device = await hq.pairedDevice('Till A');
      const cashier = await staffWithPin(hq.db, device.storeId, 'cashier', '482915');
      const before = await staffRow(cashier);
      expect(pinHashKeyId(before.pinHash)).toBeNull();
      const first = await pull(device, null, 0);
      expect(staffOf(first).find((s) => s.id === cashier)?.pinHash).toBe(before.pinHash);

      const answer = await hq.push(device, [rehashOp(device, 1, cashier, '482915')]);
      expect(outcomesOf(answer)).toEqual([[1, 'applied', undefined]]);
      const after = await staffRow(cashier);
      expect(pinHashKeyId(after.pinHash)).toBe('ps1');
      expect(after.version).toBe(before.version + 1);
      expect(after.mustChangePin).toBe(false);
      const ring = await readPinPepperRing(hq.db);
      expect(await verifyStaffPin(storePinPepper(ring.root, device.storeId), after.pinHash, '482915')).toBe(true);
      expect(await verifyStaffPin(ring.chainPepper, after.pinHash, '482915')).toBe(false);

      // The log page after the snapshot brings the v2 hash; the till checks it with its store pepper.
      let page = first;
      while (page.more) page = await pull(device, page.cursor, 1);
      const pulled = staffOf(page).find((s) => s.id === cashier);
      expect(pulled?.pinHash).toBe(after.pinHash);
      const till = createPinHasher('00'.repeat(32), () => page.pinPeppers ?? null);
      expect(await till.verify(pulled?.pinHash ?? null, '482915')).toBe(true);
      expect(await till.verify(pulled?.pinHash ?? null, '482916')).toBe(false);

      // A second till's rehash of the same staff member finds nothing left to do, and changes nothing.
      const again = await hq.push(device, [rehashOp(device, 2, cashier, '482915')]);
      expect(outcomesOf(again)).toEqual([[2, 'applied', undefined]]);
      expect(await staffRow(cashier)).toEqual(after);
    });

    test('a rehash proof with a wrong PIN is refused, changes nothing and counts against the proof budget', async () => {
      const device = await hq.pairedDevice('Till A');
      const cashier = await staffWithPin(hq.db, device.storeId, 'cashier', '482915');
      const before = await staffRow(cashier);
      const wrong = await hq.push(device, [rehashOp(device, 1, cashier, '482916')]);
      expect(outcomesOf(wrong)).toEqual([[1, 'rejected', 'proof_invalid']]);
      // A proof sealed for another op (its binding names another op id) proves nothing either.
      const lifted = rehashOp(device, 2, cashier, '482915');
      const misbound = { ...lifted, opId: randomUUID() } as WireOp;
      expect(outcomesOf(await hq.push(device, [misbound]))).toEqual([[2, 'rejected', 'proof_invalid']]);
      expect(await staffRow(cashier)).toEqual(before);
      const ops: WireOp[] = [];
      for (let seq = 3; seq <= PROOF_FAILURES_PER_HOUR; seq++) ops.push(rehashOp(device, seq, cashier, '000000'));
      await hq.push(device, ops);
      const spent = await hq.send(
        HQ_ROUTES.push,
        { ops: [rehashOp(device, PROOF_FAILURES_PER_HOUR + 1, cashier, '482915')] },
        { token: device.deviceToken },
      );
      expect(spent.status).toBe(429);
      expect(await staffRow(cashier)).toEqual(before);
    });

    test('the chain pepper goes to a new till only while its roster still holds a v1 hash', async () => {
      const first = await hq.pairedDevice('Till A');
      const storeId = first.storeId;
      // Every earlier test left active staff in other stores and chain-wide: make them v2 or inactive.
      await hq.db.query(`UPDATE staff SET status = 'inactive' WHERE store_id IS DISTINCT FROM $1`, [storeId]);
      const v1 = await staffWithPin(hq.db, storeId, 'manager', '719364');
      const withV1 = await hq.pairedDevice('Till B', storeId);
      expect(withV1.pinPepper).toBe(await chainPepper(hq.db));
      expect(outcomesOf(await hq.push(first, [rehashOp(first, 1, v1, '719364')]))).toEqual([[1, 'applied', undefined]]);
      const after = await hq.pairedDevice('Till C', storeId);
      expect(after.pinPepper).toBeUndefined();
      expect(after.pinPeppers).toEqual(withV1.pinPeppers);
      // A chain-wide staff member with a v1 hash signs in at every store: every store's tills need it.
      const chainWide = await staffWithPin(hq.db, null, 'manager', '815204');
      expect((await hq.pairedDevice('Till D', storeId)).pinPepper).toBe(await chainPepper(hq.db));
      await hq.db.query(`UPDATE staff SET status = 'inactive' WHERE id = $1`, [chainWide]);
      expect((await hq.pairedDevice('Till E', storeId)).pinPepper).toBeUndefined();
    });

    test("a chain-wide manager's PIN change costs HQ one check and one hash, under the chain-staff pepper", async () => {
      const device = await hq.pairedDevice('Till A');
      const manager = await staffWithPin(hq.db, null, 'manager', '246810');
      const op = ownPinChange(device, 1, manager, '246810', '583920');
      const started = performance.now();
      const answer = await hq.push(device, [op]);
      const ms = performance.now() - started;
      expect(outcomesOf(answer)).toEqual([[1, 'applied', undefined]]);
      const after = await staffRow(manager);
      expect(pinHashKeyId(after.pinHash)).toBe('pc1');
      const ring = await readPinPepperRing(hq.db);
      expect(await verifyStaffPin(chainStaffPinPepper(ring.root), after.pinHash, '583920')).toBe(true);
      // One argon2id hash on this machine, for the figure beside the PIN change's.
      const hashStarted = performance.now();
      await hashStaffPin(chainStaffPinPepper(ring.root), '583920', 'pc1');
      const hashMs = performance.now() - hashStarted;
      console.log(
        `[pin-peppers ${backend}] argon2id hash ${hashMs.toFixed(0)} ms; chain-wide manager's PIN change push ${ms.toFixed(0)} ms (one check + one hash, whatever the number of stores)`,
      );
    });
  });
});

// The root is an HQ secret of the chain-secrets kind: HQ seals it at start under that data key
// (main.ts), and every path that derives a pepper opens it with HQ's data keys.
describe.each(BACKENDS)('the PIN pepper root sealed at rest on %s', (backend) => {
  describe.skipIf(skipBackend(backend))(backend, () => {
    let hq: TestHq;
    beforeAll(async () => {
      hq = await startTestHq(backend);
    });
    afterAll(async () => {
      await hq?.close();
    });

    test('sealed once, never in clear in any table, and pairing, proofs, pulls and temporary PINs still use it', async () => {
      const clear = await readPinPepperRing(hq.db);
      expect(await sealPinPepperRoot(hq.db, hq.keys)).toBe(true);
      expect(await sealPinPepperRoot(hq.db, hq.keys)).toBe(false);
      const stored = (await hq.db.query<{ pin_pepper_root: string }>('SELECT pin_pepper_root FROM chain')).rows[0];
      expect(stored?.pin_pepper_root.startsWith('sv1.')).toBe(true);
      expect(await hq.snapshot()).not.toContain(clear.root);
      await expect(readPinPepperRing(hq.db)).rejects.toThrow(/sealed/);
      expect(await readPinPepperRing(hq.db, hq.keys)).toEqual(clear);

      const device = await hq.pairedDevice('Till A');
      expect(device.pinPeppers?.store).toBe(storePinPepper(clear.root, device.storeId));
      const cashier = await staffWithPin(hq.db, device.storeId, 'cashier', '482915');
      const opId = randomUUID();
      const rehash = pinChangeOp(
        1,
        cashier,
        {
          kind: 'rehash',
          staffProof: proofFrom(device, { purpose: 'pin_rehash', opId, staffId: cashier }, { pin: '482915' }),
        },
        opId,
      );
      const answer = await hq.push(device, [rehash, ownPinChange(device, 2, cashier, '482915', '719364')]);
      expect(answer.outcomes.map((o) => [o.seq, o.outcome, o.reason])).toEqual([
        [1, 'applied', undefined],
        [2, 'applied', undefined],
      ]);
      const hash = (await hq.db.query<{ pin_hash: string }>('SELECT pin_hash FROM staff WHERE id = $1', [cashier]))
        .rows[0]!.pin_hash;
      expect(await verifyStaffPin(storePinPepper(clear.root, device.storeId), hash, '719364')).toBe(true);
      const pulled = await hq.send(HQ_ROUTES.pull, { cursor: null, ackedSeq: 2 }, { token: device.deviceToken });
      expect(PullResponse.parse(pulled.body).pinPeppers).toEqual(device.pinPeppers);
      const added = await addStaff(
        { db: hq.db, now: () => hq.clock.now, keys: hq.keys },
        { storeId: device.storeId, displayName: 'Ann', role: 'cashier' },
      );
      const addedHash = (
        await hq.db.query<{ pin_hash: string }>('SELECT pin_hash FROM staff WHERE id = $1', [added.staffId])
      ).rows[0]!.pin_hash;
      expect(await verifyStaffPin(storePinPepper(clear.root, device.storeId), addedHash, added.temporaryPin)).toBe(
        true,
      );
    });
  });
});
