import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { logChange } from '../../packages/hq/src/change-log';
import { toInt } from '../../packages/hq/src/db/database';
import { changeMember, lockMember } from '../../packages/hq/src/members/member-state';
import { pruneChangeLog } from '../../packages/hq/src/pull/prune';
import { HQ_ROUTES, PullResponse, type PairResponse, type PullChange } from '../../src/shared/sync/protocol';
import { BACKENDS, skipBackend, startTestHq, type TestHq } from './support/hq';
import { consentOp, earnOp, enrollOp, newMemberId, redeemOp, type WireOp } from './support/ops';

const membersOf = (changes: PullChange[]) =>
  changes.flatMap((change) => (change.kind === 'member' ? [change.member] : []));

describe.each(BACKENDS)('HQ pull, on %s', (backend) => {
  describe.skipIf(skipBackend(backend))(backend, () => {
    let hq: TestHq;
    beforeAll(async () => {
      hq = await startTestHq(backend);
    });
    afterAll(async () => {
      await hq?.close();
    });

    const push = (device: PairResponse, ops: WireOp[]) => hq.push(device, ops);

    async function pull(
      device: PairResponse,
      cursor: string | null,
      ackedSeq = 0,
      limit?: number,
    ): Promise<PullResponse> {
      const response = await hq.send(
        HQ_ROUTES.pull,
        { cursor, ackedSeq, ...(limit !== undefined ? { limit } : {}) },
        { token: device.deviceToken },
      );
      expect(response.status, JSON.stringify(response.body)).toBe(200);
      return PullResponse.parse(response.body);
    }

    /** Pulls until HQ has no more, like the device's loop; returns every page. */
    async function pullAll(device: PairResponse, cursor: string | null, ackedSeq = 0, limit?: number) {
      const pages: PullResponse[] = [];
      let next = cursor;
      for (let i = 0; i < 1000; i++) {
        const page = await pull(device, next, ackedSeq, limit);
        pages.push(page);
        next = page.cursor;
        if (!page.more) return { pages, cursor: next };
      }
      throw new Error('pull never ended');
    }

    async function enrolled(device: PairResponse, count: number, firstSeq = 1): Promise<string[]> {
      const ids = Array.from({ length: count }, () => newMemberId());
      await push(
        device,
        ids.map((id, i) => enrollOp(firstSeq + i, id)),
      );
      return ids;
    }

    test('a snapshot comes in pages (settings, roster and rewards first), then the log continues from where it began', async () => {
      const device = await hq.pairedDevice();
      const staffId = randomUUID();
      await hq.db.transaction(async (tx) => {
        await tx.query(
          `INSERT INTO staff (id, store_id, display_name, role, status, pin_hash, must_change_pin, updated_at)
           VALUES ($1, $2, 'Mia', 'manager', 'active', '$argon2id$x', true, now())`,
          [staffId, device.storeId],
        );
        await logChange(tx, 'staff', staffId, device.storeId, new Date());
      });
      const ids = await enrolled(device, 7);
      const { pages, cursor } = await pullAll(device, null, 7, 3);
      const snapshotPages = pages.filter((page) => page.snapshot);
      expect(snapshotPages[0]?.snapshotStart).toBe(true);
      expect(snapshotPages.at(-1)?.snapshotEnd).toBe(true);
      expect(snapshotPages.filter((page) => page.snapshotStart)).toHaveLength(1);
      const first = snapshotPages[0]?.changes ?? [];
      expect(first.find((c) => c.kind === 'store_settings')).toBeDefined();
      expect(first.find((c) => c.kind === 'staff' && c.staff.id === staffId)).toBeDefined();
      // Every member this test enrolled arrived, each once in the snapshot, in pages of 3 at most.
      const snapshotMembers = snapshotPages.flatMap((page) => membersOf(page.changes));
      for (const id of ids) expect(snapshotMembers.filter((m) => m.id === id)).toHaveLength(1);
      expect(snapshotPages.every((page) => membersOf(page.changes).length <= 3)).toBe(true);
      // A member as a till caches it: no contacts, masked ones and keyed hashes only.
      const member = snapshotMembers.find((m) => m.id === ids[0]);
      expect(member).toMatchObject({ version: 1, points: 0, givenName: 'Ada', phoneHash: null });

      // Later changes arrive through the log, as the member's newest state.
      await push(device, [earnOp(8, ids[0] as string, 40), earnOp(9, ids[0] as string, 2)]);
      const later = await pullAll(device, cursor, 9);
      const updates = later.pages.flatMap((page) => membersOf(page.changes)).filter((m) => m.id === ids[0]);
      expect(updates.at(-1)).toMatchObject({ points: 42, version: 3 });
      expect(later.pages.every((page) => !page.snapshot)).toBe(true);
      // Pulling again from the last cursor brings nothing new.
      const again = await pull(device, later.cursor, 9);
      expect(membersOf(again.changes).filter((m) => m.id === ids[0])).toEqual([]);
      expect(again.more).toBe(false);
    });

    test('pull with a non-empty outbox: HQ refuses (push_first) while ops it settled are unheard, so no page counts them twice', async () => {
      const device = await hq.pairedDevice();
      const [id] = await enrolled(device, 1);
      await push(device, [earnOp(2, id as string, 10)]);
      // The till heard about seq 1 only (the answer for seq 2 was lost).
      const before = await hq.snapshot();
      const refused = await hq.send(HQ_ROUTES.pull, { cursor: null, ackedSeq: 1 }, { token: device.deviceToken });
      expect(refused.status).toBe(409);
      expect(refused.body).toMatchObject({ code: 'push_first' });
      expect(await hq.snapshot()).toBe(before);
      // Its own unpushed ops (seq 3…) do not matter to HQ: they are not in HQ's state yet.
      const page = await pull(device, null, 2);
      expect(page.snapshot).toBe(true);
    });

    test('consents and profile changes travel as the member state; an erased member becomes a tombstone and leaves the snapshot', async () => {
      const device = await hq.pairedDevice();
      const [id] = await enrolled(device, 1);
      const start = await pullAll(device, null, 1);
      await push(device, [consentOp(2, id as string, true)]);
      const consent = await pullAll(device, start.cursor, 2);
      const state = consent.pages.flatMap((p) => membersOf(p.changes)).find((m) => m.id === id);
      expect(state?.version).toBe(2);
      // Erasure at HQ (the admin command does this): personal columns cleared, version bumped.
      await hq.db.transaction(async (tx) => {
        expect(await lockMember(tx, id as string)).toBe(true);
        await tx.query("UPDATE members SET erased_at = now(), given_name = '', family_name = '' WHERE id = $1", [id]);
        await changeMember(tx, id as string, new Date(), {});
      });
      const erased = await pullAll(device, consent.cursor, 2);
      const changes = erased.pages.flatMap((p) => p.changes);
      expect(changes).toContainEqual({ kind: 'member_erased', id });
      expect(membersOf(changes).find((m) => m.id === id)).toBeUndefined();
      const fresh = await pullAll(device, null, 2);
      expect(fresh.pages.flatMap((p) => membersOf(p.changes)).find((m) => m.id === id)).toBeUndefined();
    });

    test('expired cursor: after the log is pruned past it, HQ answers cursor_expired and a snapshot (cursor null) still works', async () => {
      const device = await hq.pairedDevice();
      const [id] = await enrolled(device, 1);
      const old = await pullAll(device, null, 1);
      await push(device, [earnOp(2, id as string, 5)]);
      const pruned = await pruneChangeLog(hq.db, new Date(Date.now() + 60_000));
      expect(pruned.removed).toBeGreaterThan(0);
      const expired = await hq.send(HQ_ROUTES.pull, { cursor: old.cursor, ackedSeq: 2 }, { token: device.deviceToken });
      expect(expired.status).toBe(410);
      expect(expired.body).toMatchObject({ code: 'cursor_expired' });
      const snapshot = await pullAll(device, null, 2);
      const member = snapshot.pages.flatMap((p) => membersOf(p.changes)).find((m) => m.id === id);
      expect(member).toMatchObject({ points: 5 });
    });

    test('a device sees its own store settings and staff, never another store’s', async () => {
      const mine = await hq.pairedDevice('Till A');
      const other = await hq.pairedDevice('Till B');
      const otherStaff = randomUUID();
      await hq.db.transaction(async (tx) => {
        await tx.query(
          `INSERT INTO staff (id, store_id, display_name, role, status, pin_hash, must_change_pin, updated_at)
           VALUES ($1, $2, 'Other', 'cashier', 'active', '$argon2id$x', true, now())`,
          [otherStaff, other.storeId],
        );
        await logChange(tx, 'staff', otherStaff, other.storeId, new Date());
      });
      const { pages } = await pullAll(mine, null, 0);
      const changes = pages.flatMap((p) => p.changes);
      expect(changes.find((c) => c.kind === 'staff' && c.staff.id === otherStaff)).toBeUndefined();
      const settings = changes.filter((c) => c.kind === 'store_settings');
      expect(settings).toHaveLength(1);
      const theirs = await pullAll(other, null, 0);
      expect(
        theirs.pages.flatMap((p) => p.changes).find((c) => c.kind === 'staff' && c.staff.id === otherStaff),
      ).toBeDefined();
    });

    test('a cursor HQ never made, and a revoked device, are refused and change nothing', async () => {
      const device = await hq.pairedDevice();
      const before = await hq.snapshot();
      for (const cursor of ['c.1.x', 'c.99999999999999999999.1', 's.', 'x.1.1', '']) {
        const response = await hq.send(HQ_ROUTES.pull, { cursor, ackedSeq: 0 }, { token: device.deviceToken });
        expect(response.status, cursor).toBe(400);
      }
      // Well formed but from the future (an HQ restored from an older backup): re-snapshot.
      const ahead = await hq.send(
        HQ_ROUTES.pull,
        { cursor: 'c.9999999999.1', ackedSeq: 0 },
        { token: device.deviceToken },
      );
      expect(ahead.status).toBe(410);
      expect(ahead.body).toMatchObject({ code: 'cursor_expired' });
      expect(await hq.snapshot()).toBe(before);
      await hq.db.query('UPDATE devices SET revoked_at = now() WHERE id = $1', [device.deviceId]);
      const revoked = await hq.send(HQ_ROUTES.pull, { cursor: null, ackedSeq: 0 }, { token: device.deviceToken });
      expect(revoked.status).toBe(403);
      expect(revoked.body).toMatchObject({ code: 'device_revoked' });
    });

    test('two offline stores redeeming the same balance: HQ accepts both redemptions, flags the overdraft, and every device pulls the same balance', async () => {
      const storeA = await hq.pairedDevice('Store A till');
      const storeB = await hq.pairedDevice('Store B till');
      const [id] = await enrolled(storeA, 1);
      await push(storeA, [earnOp(2, id as string, 500)]);
      // Both tills saw 500 confirmed points and, offline, each handed over a 400-point reward.
      const a = await push(storeA, [redeemOp(3, id as string, 400)]);
      const b = await push(storeB, [redeemOp(1, id as string, 400)]);
      expect(a.outcomes[0]?.outcome).toBe('applied');
      expect(b.outcomes[0]?.outcome).toBe('applied');
      expect(b.outcomes[0]?.member?.points).toBe(-300);
      const flagged = await hq.db.query<{ op_id: string }>(
        'SELECT op_id FROM ledger WHERE member_id = $1 AND flagged_overdraft',
        [id],
      );
      expect(flagged.rows.map((r) => r.op_id)).toEqual([b.outcomes[0]?.opId]);
      const seenByA = (await pullAll(storeA, null, 3)).pages.flatMap((p) => membersOf(p.changes));
      const seenByB = (await pullAll(storeB, null, 1)).pages.flatMap((p) => membersOf(p.changes));
      expect(seenByA.find((m) => m.id === id)?.points).toBe(-300);
      expect(seenByB.find((m) => m.id === id)?.points).toBe(-300);
    });

    // PGlite is one connection: it cannot hold two transactions open at once, so this case cannot happen there.
    test.skipIf(backend === 'pglite')(
      'HQ writes while a pull page is built: a change that commits late behind a later one is never skipped (PostgreSQL only: needs concurrent transactions, which PGlite does not have)',
      async () => {
        const device = await hq.pairedDevice();
        const [early, late] = await enrolled(device, 2);
        const start = await pullAll(device, null, 2);
        let release!: () => void;
        const held = new Promise<void>((resolve) => (release = resolve));
        let started!: () => void;
        const begun = new Promise<void>((resolve) => (started = resolve));
        // T1 takes its transaction id first (it writes), then waits before committing.
        const t1 = hq.db.transaction(async (tx) => {
          await lockMember(tx, early as string);
          await changeMember(tx, early as string, new Date(), {}, 1);
          started();
          await held;
        });
        await begun;
        // T2 starts later, commits at once: its change-log row has a higher seq and txid.
        await hq.db.transaction(async (tx) => {
          await lockMember(tx, late as string);
          await changeMember(tx, late as string, new Date(), {}, 1);
        });
        const during = await pullAll(device, start.cursor, 2);
        // Nothing past T1's position is handed out while T1 is open, so the cursor cannot pass it.
        expect(during.pages.flatMap((p) => membersOf(p.changes)).map((m) => m.id)).not.toContain(late);
        release();
        await t1;
        const after = await pullAll(device, during.cursor, 2);
        const ids = after.pages.flatMap((p) => membersOf(p.changes)).map((m) => m.id);
        expect(ids).toContain(early);
        expect(ids).toContain(late);
        const count = await hq.db.query<{ n: unknown }>('SELECT count(*) AS n FROM change_log');
        expect(toInt(count.rows[0]?.n)).toBeGreaterThan(0);
      },
    );
  });
});
