import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertSyntheticMembers } from '../../packages/hq/src/demo/seed-demo-hq';
import { HQ_ROUTES, PullResponse, type PairResponse } from '../../src/shared/sync/protocol';
import { startTestHq, type TestHq } from './support/hq';

/**
 * A till that names no limit gets a first snapshot page of 2,000 members (it also carries the
 * settings, roster and rewards) and later pages of 4,000 (pull.ts SNAPSHOT_PAGE_MEMBERS): all a
 * till's PullResponse accepts, so a first sync takes half the round trips. A named limit is kept.
 */
const MEMBERS = 7_000;

describe('snapshot page sizes (PGlite)', () => {
  let hq: TestHq;
  let device: PairResponse;
  beforeAll(async () => {
    hq = await startTestHq('pglite');
    device = await hq.pairedDevice();
    await insertSyntheticMembers(hq.db, {
      storeId: device.storeId,
      from: 0,
      count: MEMBERS,
      now: hq.clock.now,
      keys: hq.keys,
    });
  }, 120_000);
  afterAll(async () => {
    await hq?.close();
  });

  async function snapshotMemberCounts(limit?: number): Promise<number[]> {
    const counts: number[] = [];
    let cursor: string | null = null;
    for (let i = 0; i < 100; i++) {
      const response = await hq.send(
        HQ_ROUTES.pull,
        { cursor, ackedSeq: 0, ...(limit !== undefined ? { limit } : {}) },
        { token: device.deviceToken },
      );
      expect(response.status, JSON.stringify(response.body)).toBe(200);
      const page = PullResponse.parse(response.body);
      if (!page.snapshot) return counts;
      counts.push(page.changes.filter((c) => c.kind === 'member').length);
      cursor = page.cursor;
    }
    throw new Error('the snapshot never ended');
  }

  it('no limit named: 2,000 members first, then pages of 4,000', async () => {
    expect(await snapshotMemberCounts()).toEqual([2_000, 4_000, 1_000]);
  });

  it('a named limit is every page’s size', async () => {
    expect(await snapshotMemberCounts(2_000)).toEqual([2_000, 2_000, 2_000, 1_000]);
  });
});
