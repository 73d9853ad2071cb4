import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertSyntheticMembers } from '../../packages/hq/src/demo/seed-demo-hq';
import { HQ_ROUTES, PullResponse, type PairResponse } from '../../src/shared/sync/protocol';
import { BACKENDS, skipBackend, startTestHq, type TestHq } from './support/hq';

/**
 * A snapshot page reads the next `limit` rows by primary key and sends the live ones
 * (members/member-state.ts readMemberPage): erased members are skipped in the page, not in the
 * query, whose `erased_at IS NULL` once let PostgreSQL read every live member for every page. So a
 * page may hold fewer members than its limit, or none, and still not be the last; every live
 * member still arrives exactly once, in id order, and only an exhausted range ends the snapshot.
 */
const MEMBERS = 20;
/** Synthetic ids are hq- and the index in 9 digits (seed-demo-hq.ts); rows 5 to 12 are erased. */
const id = (i: number) => `hq-${String(i).padStart(9, '0')}`;
const ERASED = [5, 6, 7, 8, 9, 10, 11, 12].map(id);

describe.each(BACKENDS)('snapshot pages with erased members, on %s', (backend) => {
  describe.skipIf(skipBackend(backend))(backend, () => {
    let hq: TestHq;
    let device: PairResponse;
    beforeAll(async () => {
      hq = await startTestHq(backend);
      device = await hq.pairedDevice();
      await insertSyntheticMembers(hq.db, {
        storeId: device.storeId,
        from: 0,
        count: MEMBERS,
        now: hq.clock.now,
        keys: hq.keys,
      });
      await hq.db.query("UPDATE members SET erased_at = now(), given_name = '', family_name = '' WHERE id = ANY($1)", [
        ERASED,
      ]);
    }, 120_000);
    afterAll(async () => {
      await hq?.close();
    });

    it('pages of 4 rows by id: erased rows are read and skipped, an empty page is not the end', async () => {
      const pages: { members: string[]; end: boolean }[] = [];
      let cursor: string | null = null;
      for (let i = 0; i < 20; i++) {
        const response = await hq.send(
          HQ_ROUTES.pull,
          { cursor, ackedSeq: 0, limit: 4 },
          { token: device.deviceToken },
        );
        expect(response.status, JSON.stringify(response.body)).toBe(200);
        const page = PullResponse.parse(response.body);
        if (!page.snapshot) break;
        pages.push({
          members: page.changes.flatMap((c) => (c.kind === 'member' ? [c.member.id] : [])),
          end: page.snapshotEnd,
        });
        cursor = page.cursor;
      }
      expect(pages).toEqual([
        { members: [id(0), id(1), id(2), id(3)], end: false },
        { members: [id(4)], end: false },
        { members: [], end: false },
        { members: [id(13), id(14), id(15)], end: false },
        { members: [id(16), id(17), id(18), id(19)], end: false },
        { members: [], end: true },
      ]);
    });
  });
});
