import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import catalog from '../../resources/demo/hq-catalog.json';
import { createStore, loadCatalog } from '../../packages/hq/src/admin';
import { insertSyntheticMembers } from '../../packages/hq/src/demo/seed-demo-hq';
import type { HqClient } from '../../src/main/sync/hq-client';
import { HQ_ROUTES, type PullRequest, type PullResponse } from '../../src/shared/sync/protocol';
import { startTestHq, type TestHq } from '../hq/support/hq';
import { pairedTill, type Till } from '../support/till';

/**
 * The sync engine asks HQ for page N+1 while page N is written (sync-engine.ts pullAll). The page
 * fetched ahead must never be applied when writing the page before it fails: the till's cursor
 * stays where the last committed rows end, and the next run fetches from there again.
 */
const MEMBERS = 30;
const PAGE = 10;

interface PullCall {
  cursor: string | null;
  memberIds: string[];
  cursorOut: string;
}

/** Records every pull; the `poison`th pull's first member throws when the till reads it. */
function recording(inner: HqClient, calls: PullCall[], poison: number | null): HqClient {
  return {
    async post(path, body, schema) {
      const result = await inner.post(path, body, schema);
      if (path !== HQ_ROUTES.pull) return result;
      const page = result as unknown as PullResponse;
      const memberIds = page.changes.flatMap((c) => (c.kind === 'member' ? [c.member.id] : []));
      calls.push({ cursor: (body as PullRequest).cursor, memberIds, cursorOut: page.cursor });
      if (calls.length === poison) {
        const at = page.changes.findIndex((c) => c.kind === 'member');
        const poisoned = { kind: 'member' } as Record<string, unknown>;
        Object.defineProperty(poisoned, 'member', {
          get() {
            throw new Error('injected: writing this page failed');
          },
        });
        page.changes[at] = poisoned as unknown as PullResponse['changes'][number];
      }
      return result;
    },
  };
}

describe('pipelined pull pages (real HQ on PGlite, HTTPS)', () => {
  let hq: TestHq;
  let till: Till;
  beforeAll(async () => {
    hq = await startTestHq('pglite');
    const { storeId } = await createStore({ db: hq.db, now: () => hq.clock.now }, 'Pipeline Street');
    await loadCatalog({ db: hq.db, now: () => hq.clock.now }, catalog);
    await insertSyntheticMembers(hq.db, { storeId, from: 0, count: MEMBERS, now: hq.clock.now, keys: hq.keys });
    till = await pairedTill(hq, 'Till 1', storeId);
  }, 120_000);
  afterAll(async () => {
    await till?.close();
    await hq?.close();
  });

  const tillMemberIds = () =>
    till.db
      .prepare<[], { id: string }>('SELECT id FROM members ORDER BY id')
      .all()
      .map((r) => r.id);
  const tillCursor = () =>
    till.db.prepare<[], { value: string | null }>("SELECT value FROM sync_state WHERE key = 'pull_cursor'").get()
      ?.value ?? null;

  it('page 3, fetched while page 2 was written, is not applied when page 2 fails; the next run pulls on from page 1', async () => {
    const calls: PullCall[] = [];
    const failing = till.engine({ pullLimit: PAGE, wrap: (c) => recording(c, calls, 2) });
    await expect(failing.run()).rejects.toThrow('injected: writing this page failed');

    // Page 3 was asked for with page 2's cursor before page 2 was written (the pipelining).
    expect(calls.length).toBe(3);
    expect(calls[2]!.cursor).toBe(calls[1]!.cursorOut);
    expect(calls[2]!.memberIds.length).toBe(PAGE);
    // Only page 1 is held, with its own cursor: nothing of page 2 or of the page fetched ahead.
    expect(tillMemberIds()).toEqual([...calls[0]!.memberIds].sort());
    expect(tillMemberIds().length).toBe(PAGE);
    for (const id of calls[2]!.memberIds) expect(tillMemberIds()).not.toContain(id);
    expect(tillCursor()).toBe(calls[0]!.cursorOut);

    // A clean run asks again from page 1's cursor and ends with every member once.
    const again: PullCall[] = [];
    const run = await till.engine({ pullLimit: PAGE, wrap: (c) => recording(c, again, null) }).run();
    expect(again[0]!.cursor).toBe(calls[0]!.cursorOut);
    expect(run.pulled.members).toBe(MEMBERS - PAGE);
    const hqIds = (await hq.db.query<{ id: string }>('SELECT id FROM members ORDER BY id')).rows.map((r) => r.id);
    expect(hqIds.length).toBe(MEMBERS);
    expect(tillMemberIds()).toEqual(hqIds);
  });
});
