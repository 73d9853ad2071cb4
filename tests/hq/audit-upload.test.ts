import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { revokeDevice } from '../../packages/hq/src/admin';
import { AUDIT_UPLOAD_RATE_LIMIT, uploadAuditEntries } from '../../packages/hq/src/audit-upload/upload-audit';
import { toInt } from '../../packages/hq/src/db/database';
import { MAX_AUDIT_UPLOAD_ENTRIES, type PairResponse } from '../../src/shared/sync/protocol';
import { BACKENDS, skipBackend, startTestHq, type TestHq } from './support/hq';
import { opens, tillChain, upload, uploadRaw } from './support/till-audit-chain';

const T0 = new Date('2026-03-02T08:00:00.000Z');
const members = (n: number) => Array.from({ length: n }, () => randomUUID());

describe.each(BACKENDS)('POST /v1/audit on %s', (backend) => {
  describe.skipIf(skipBackend(backend))(backend, () => {
    let hq: TestHq;
    const logLines: string[] = [];
    beforeAll(async () => {
      hq = await startTestHq(backend, { logLines });
    });
    afterAll(async () => {
      await hq?.close();
    });

    async function held(device: PairResponse): Promise<{ seqs: number[]; head: { seq: number; hash: string | null } }> {
      const rows = await hq.db.query<{ seq: unknown }>('SELECT seq FROM till_audit WHERE device_id = $1 ORDER BY seq', [
        device.deviceId,
      ]);
      const head = await hq.db.query<{ audit_seq: unknown; audit_hash: string | null }>(
        'SELECT audit_seq, audit_hash FROM devices WHERE id = $1',
        [device.deviceId],
      );
      return {
        seqs: rows.rows.map((row) => toInt(row.seq)),
        head: { seq: toInt(head.rows[0]?.audit_seq), hash: head.rows[0]?.audit_hash ?? null },
      };
    }

    test('entries are taken in order, batch after batch, and the device head follows the last one', async () => {
      const device = await hq.pairedDevice();
      const chain = tillChain();
      const first = chain.add(...opens('staff-a', members(3), T0));
      expect(await upload(hq, device, first)).toEqual({
        status: 'accepted',
        ackedSeq: 3,
        ackedHash: first[2]?.hash,
        stored: 3,
        duplicates: 0,
      });
      const second = chain.add(...opens('staff-a', members(2), new Date(T0.getTime() + 600_000)));
      expect(await upload(hq, device, second)).toMatchObject({ status: 'accepted', ackedSeq: 5, stored: 2 });
      expect(await held(device)).toEqual({ seqs: [1, 2, 3, 4, 5], head: { seq: 5, hash: second[1]?.hash } });
      const stored = await hq.db.query<{ subject_id: string; prev_hash: string; action: string }>(
        'SELECT subject_id, prev_hash, action FROM till_audit WHERE device_id = $1 AND seq = 4',
        [device.deviceId],
      );
      expect(stored.rows[0]).toEqual({
        subject_id: second[0]?.subjectId,
        prev_hash: first[2]?.hash,
        action: 'member.viewed',
      });
    });

    test('a retried batch is answered again and nothing is stored twice (also when it overlaps new entries)', async () => {
      const device = await hq.pairedDevice();
      const chain = tillChain();
      const batch = chain.add(...opens('staff-a', members(4), T0));
      await upload(hq, device, batch);
      const before = await hq.snapshot();
      expect(await upload(hq, device, batch)).toEqual({
        status: 'accepted',
        ackedSeq: 4,
        ackedHash: batch[3]?.hash,
        stored: 0,
        duplicates: 4,
      });
      expect(await hq.snapshot()).toBe(before);
      // The answer to the first was lost after HQ committed; the till resends from seq 3 with more.
      const more = chain.add(...opens('staff-a', members(2), new Date(T0.getTime() + 3_600_000)));
      const overlap = [...batch.slice(2), ...more];
      expect(await upload(hq, device, overlap)).toMatchObject({
        status: 'accepted',
        ackedSeq: 6,
        stored: 2,
        duplicates: 2,
      });
      expect((await held(device)).seqs).toEqual([1, 2, 3, 4, 5, 6]);
    });

    test('a gap is refused with where HQ stands, and nothing is stored', async () => {
      const device = await hq.pairedDevice();
      const chain = tillChain();
      const batch = chain.add(...opens('staff-a', members(5), T0));
      await upload(hq, device, batch.slice(0, 2));
      const before = await hq.snapshot();
      expect(await upload(hq, device, batch.slice(3))).toEqual({
        status: 'refused',
        reason: 'gap',
        atSeq: 4,
        ackedSeq: 2,
        ackedHash: batch[1]?.hash,
      });
      expect(await hq.snapshot()).toBe(before);
      // The till resends from the seq HQ named: taken.
      expect(await upload(hq, device, batch.slice(2))).toMatchObject({ status: 'accepted', ackedSeq: 5, stored: 3 });
    });

    test('a fork (the next entry links to another hash) is refused, nothing stored, and flagged for operators', async () => {
      const device = await hq.pairedDevice();
      const chain = tillChain();
      const batch = chain.add(...opens('staff-a', members(3), T0));
      await upload(hq, device, batch);
      // Another chain from seq 3 on: its entry 4 links to a hash HQ never saw.
      const other = tillChain(3, 'f'.repeat(64));
      const forked = other.add(...opens('staff-a', members(2), new Date(T0.getTime() + 600_000)));
      const before = await held(device);
      expect(await upload(hq, device, forked)).toEqual({
        status: 'refused',
        reason: 'fork',
        atSeq: 4,
        ackedSeq: 3,
        ackedHash: batch[2]?.hash,
      });
      expect(await held(device)).toEqual(before);
      await upload(hq, device, forked);
      const flags = await hq.db.query<{ reason: string; at_seq: unknown; attempts: unknown }>(
        'SELECT reason, at_seq, attempts FROM till_audit_refusals WHERE device_id = $1',
        [device.deviceId],
      );
      expect(flags.rows.map((r) => [r.reason, toInt(r.at_seq), toInt(r.attempts)])).toEqual([['fork', 4, 2]]);
    });

    test('an entry HQ holds sent back changed is refused as rewritten, and the new entries with it are not stored', async () => {
      const device = await hq.pairedDevice();
      const chain = tillChain();
      const batch = chain.add(...opens('staff-a', members(3), T0));
      await upload(hq, device, batch);
      const next = chain.add(...opens('staff-a', members(1), new Date(T0.getTime() + 600_000)));
      const changed = { ...batch[2]!, subjectId: randomUUID(), hash: 'a'.repeat(64) };
      const before = await held(device);
      expect(await upload(hq, device, [changed, { ...next[0]!, prevHash: changed.hash }])).toMatchObject({
        status: 'refused',
        reason: 'rewritten',
        atSeq: 3,
        ackedSeq: 3,
      });
      expect(await held(device)).toEqual(before);
      const flags = await hq.db.query<{ reason: string }>(
        'SELECT reason FROM till_audit_refusals WHERE device_id = $1',
        [device.deviceId],
      );
      expect(flags.rows.map((r) => r.reason)).toEqual(['rewritten']);
    });

    test("a device's first upload may start anywhere (its chain's start purged) and is taken as given", async () => {
      const device = await hq.pairedDevice();
      const chain = tillChain(1_000, 'c'.repeat(64));
      const batch = chain.add(...opens('staff-a', members(2), T0));
      expect(await upload(hq, device, batch)).toMatchObject({ status: 'accepted', ackedSeq: 1_002, stored: 2 });
      expect((await held(device)).seqs).toEqual([1_001, 1_002]);
    });

    test('a revoked device is refused and nothing is stored', async () => {
      const device = await hq.pairedDevice();
      await revokeDevice({ db: hq.db }, device.deviceId);
      const batch = tillChain().add(...opens('staff-a', members(1), T0));
      const answer = await uploadRaw(hq, device, batch);
      expect(answer).toMatchObject({ status: 403, body: { code: 'device_revoked' } });
      expect((await held(device)).seqs).toEqual([]);
    });

    test("another device's token uploads only to its own chain, never to the device it imitates", async () => {
      const victim = await hq.pairedDevice('Till A');
      const other = await hq.pairedDevice('Till B', victim.storeId);
      const chain = tillChain();
      const batch = chain.add(...opens('staff-a', members(2), T0));
      await upload(hq, victim, batch);
      const next = chain.add(...opens('staff-a', members(1), new Date(T0.getTime() + 60_000)));
      const answer = await uploadRaw(hq, victim, next, other.deviceToken);
      expect(answer.status).toBe(200);
      expect((await held(victim)).seqs).toEqual([1, 2]);
      expect((await held(other)).seqs).toEqual([3]);
      const bad = await uploadRaw(hq, victim, next, 'A'.repeat(43));
      expect(bad).toMatchObject({ status: 401, body: { code: 'unauthorized' } });
    });

    test('malformed batches are refused whole: too many entries, out of order, unknown fields', async () => {
      const device = await hq.pairedDevice();
      const chain = tillChain();
      const many = chain.add(...opens('staff-a', members(MAX_AUDIT_UPLOAD_ENTRIES + 1), T0, 1));
      expect(await uploadRaw(hq, device, many)).toMatchObject({ status: 400, body: { code: 'bad_request' } });
      const [a, b] = many;
      expect(await uploadRaw(hq, device, [b!, a!])).toMatchObject({ status: 400, body: { code: 'bad_request' } });
      const extra = { ...a!, name: 'Alice' } as typeof a & { name: string };
      expect(await uploadRaw(hq, device, [extra!])).toMatchObject({ status: 400, body: { code: 'bad_request' } });
      expect((await held(device)).seqs).toEqual([]);
    });

    test('a search listing 50 members keeps its ids: a full batch of them fits; long values elsewhere and too many keys are refused', async () => {
      const device = await hq.pairedDevice();
      const chain = tillChain();
      // MAX_AUDIT_UPLOAD_ENTRIES searches, each listing 50 members (1,849 characters of ids): one body.
      const searches = chain.add(
        ...Array.from({ length: MAX_AUDIT_UPLOAD_ENTRIES }, (_, i) => ({
          at: new Date(T0.getTime() + i * 1000).toISOString(),
          staffId: randomUUID(),
          action: 'member.searched',
          details: { by: 'name', results: 50, memberIds: members(50).join(',') },
        })),
      );
      expect(searches[0]?.details.memberIds).toHaveLength(1_849);
      expect(await upload(hq, device, searches)).toMatchObject({
        status: 'accepted',
        stored: MAX_AUDIT_UPLOAD_ENTRIES,
      });
      const kept = await hq.db.query<{ details: Record<string, unknown> }>(
        'SELECT details FROM till_audit WHERE device_id = $1 AND seq = 1',
        [device.deviceId],
      );
      expect(kept.rows[0]?.details).toEqual(searches[0]?.details);

      const next = tillChain(searches.at(-1)!.seq, searches.at(-1)!.hash);
      const at = new Date(T0.getTime() + 3_600_000).toISOString();
      const longElsewhere = next.add({
        at,
        staffId: 'staff-a',
        action: 'member.searched',
        details: { by: 'x'.repeat(201) },
      });
      expect(await uploadRaw(hq, device, longElsewhere)).toMatchObject({ status: 400, body: { code: 'bad_request' } });
      const tooLong = tillChain(searches.at(-1)!.seq, searches.at(-1)!.hash).add({
        at,
        staffId: 'staff-a',
        action: 'member.searched',
        details: { memberIds: 'y'.repeat(2_001) },
      });
      expect(await uploadRaw(hq, device, tooLong)).toMatchObject({ status: 400, body: { code: 'bad_request' } });
      const manyKeys = tillChain(searches.at(-1)!.seq, searches.at(-1)!.hash).add({
        at,
        staffId: 'staff-a',
        action: 'member.searched',
        details: Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, i])),
      });
      expect(await uploadRaw(hq, device, manyKeys)).toMatchObject({ status: 400, body: { code: 'bad_request' } });
      expect((await held(device)).head.seq).toBe(MAX_AUDIT_UPLOAD_ENTRIES);
    });

    test('an action this HQ does not know (a newer till) is stored, not refused: the upload goes on', async () => {
      const device = await hq.pairedDevice();
      const batch = tillChain().add(
        { at: T0.toISOString(), staffId: 'staff-a', action: 'till.feature_from_the_future', details: { code: 'x' } },
        ...opens('staff-a', members(1), new Date(T0.getTime() + 60_000)),
      );
      expect(await upload(hq, device, batch)).toMatchObject({ status: 'accepted', ackedSeq: 2, stored: 2 });
    });

    test('each device has its own upload budget: past it, 429 with Retry-After and nothing stored; others go on', async () => {
      const [greedy, other] = [await hq.pairedDevice(), await hq.pairedDevice()];
      const limit = { max: 2, windowMs: 60_000 };
      const deps = { db: hq.db, now: () => hq.clock.now, uploadLimit: limit };
      const as = (d: PairResponse) => ({ deviceId: d.deviceId, storeId: d.storeId });
      const chain = tillChain();
      await uploadAuditEntries(deps, as(greedy), chain.add(...opens('staff-a', members(1), T0)));
      await uploadAuditEntries(deps, as(greedy), chain.add(...opens('staff-a', members(1), T0)));
      const third = chain.add(...opens('staff-a', members(1), T0));
      const refused = await uploadAuditEntries(deps, as(greedy), third).then(
        () => null,
        (error: unknown) => error,
      );
      expect(refused).toMatchObject({ code: 'too_many_requests', statusCode: 429, retryAfterSeconds: 60 });
      expect((await held(greedy)).seqs).toEqual([1, 2]);
      // Another till is not held back by it.
      expect(
        await uploadAuditEntries(deps, as(other), tillChain().add(...opens('staff-a', members(1), T0))),
      ).toMatchObject({ status: 'accepted', stored: 1 });
      // A window later the budget is back.
      const saved = hq.clock.now;
      hq.clock.now = new Date(saved.getTime() + 60_001);
      try {
        expect(await uploadAuditEntries(deps, as(greedy), third)).toMatchObject({ status: 'accepted', ackedSeq: 3 });
      } finally {
        hq.clock.now = saved;
      }
    });

    test('over HTTP the default budget answers 429 with Retry-After once a device has used it', async () => {
      const device = await hq.pairedDevice();
      const chain = tillChain();
      for (let i = 0; i < AUDIT_UPLOAD_RATE_LIMIT.max; i++) {
        await upload(hq, device, chain.add(...opens('staff-a', members(1), new Date(T0.getTime() + i * 1000))));
      }
      const answer = await uploadRaw(hq, device, chain.add(...opens('staff-a', members(1), T0)));
      expect(answer).toMatchObject({ status: 429, body: { code: 'too_many_requests' } });
      expect((await held(device)).head.seq).toBe(AUDIT_UPLOAD_RATE_LIMIT.max);
    });

    test('a detection that fails undoes its own writes only: the batch is stored and acknowledged, the failure reported', async () => {
      const device = await hq.pairedDevice();
      const batch = tillChain().add(...opens('staff-a', members(3), T0));
      const reported: unknown[] = [];
      const answer = await uploadAuditEntries(
        {
          db: hq.db,
          now: () => hq.clock.now,
          detect: async (tx) => {
            await tx.query(`UPDATE devices SET name = 'written by detection' WHERE id = $1`, [device.deviceId]);
            throw new TypeError('detection bug');
          },
          onDetectionError: (error) => reported.push(error),
        },
        { deviceId: device.deviceId, storeId: device.storeId },
        batch,
      );
      expect(answer).toMatchObject({ status: 'accepted', ackedSeq: 3, stored: 3 });
      expect((await held(device)).seqs).toEqual([1, 2, 3]);
      const name = await hq.db.query<{ name: string }>('SELECT name FROM devices WHERE id = $1', [device.deviceId]);
      expect(name.rows[0]?.name).toBe('Till 1');
      expect(reported.map((e) => (e as Error).message)).toEqual(['detection bug']);
    });

    test("HQ's log names counts and seqs, never an entry's member or details", async () => {
      const device = await hq.pairedDevice();
      const member = randomUUID();
      const batch = tillChain().add({
        at: T0.toISOString(),
        staffId: 'staff-log',
        action: 'member.contacts_revealed',
        subjectType: 'member',
        subjectId: member,
        details: { reason: 'member_support' },
      });
      logLines.length = 0;
      await upload(hq, device, batch);
      const text = logLines.join('\n');
      expect(text).toContain('audit upload');
      expect(text).not.toContain(member);
      expect(text).not.toContain('staff-log');
      expect(text).not.toContain('member_support');
    });
  });
});
