import { randomUUID } from 'node:crypto';
import catalog from '../../resources/demo/hq-catalog.json';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { createStore, loadCatalog } from '../../packages/hq/src/admin';
import { toInt } from '../../packages/hq/src/db/database';
import { HqRequestError, type HqClient } from '../../src/main/sync/hq-client';
import { createSyncState } from '../../src/main/sync/engine/sync-state';
import { HQ_ROUTES } from '../../src/shared/sync/protocol';
import { startTestHq, type TestHq } from '../hq/support/hq';
import { pairedTill, type Till } from '../support/till';

/** Fails the `failOn`-th audit upload: before HQ sees it, or after HQ committed it (the answer lost). */
function auditFault(inner: HqClient, failOn: number, how: 'drop_request' | 'drop_response'): HqClient {
  let uploads = 0;
  return {
    async post(path, body, schema) {
      if (path !== HQ_ROUTES.audit) return inner.post(path, body, schema);
      uploads += 1;
      if (uploads === failOn && how === 'drop_request') throw new HqRequestError('network', 'injected: refused');
      const result = await inner.post(path, body, schema);
      if (uploads === failOn) throw new HqRequestError('network', 'injected: reset after HQ answered');
      return result;
    },
  };
}

describe("a till's audit chain reaches a real HQ (PGlite, HTTPS, pinned)", () => {
  let hq: TestHq;
  let storeId: string;
  const tills: Till[] = [];
  beforeAll(async () => {
    hq = await startTestHq('pglite');
    storeId = (await createStore({ db: hq.db, now: () => hq.clock.now }, 'High Street')).storeId;
    await loadCatalog({ db: hq.db, now: () => hq.clock.now }, catalog);
  });
  afterEach(async () => {
    while (tills.length > 0) await tills.pop()?.close();
  });
  afterAll(async () => {
    await hq?.close();
  });

  async function till(name: string): Promise<Till> {
    const t = await pairedTill(hq, name, storeId);
    tills.push(t);
    return t;
  }

  /** `n` members opened at the counter by `staffId`, one audit entry each, a minute apart. */
  function openMembers(t: Till, staffId: string, n: number): void {
    for (let i = 0; i < n; i++) {
      t.clock.now = new Date(t.clock.now.getTime() + 60_000);
      t.db.transaction(() =>
        t.audit.append({ staffId, action: 'member.viewed', subjectType: 'member', subjectId: randomUUID() }),
      )();
    }
  }

  /** The till's chain as seq → hash, and HQ's copy of it. */
  function tillChain(t: Till): Array<[number, string]> {
    return t.db
      .prepare<[], { seq: number; hash: string }>('SELECT seq, hash FROM audit ORDER BY seq')
      .all()
      .map((row) => [row.seq, row.hash]);
  }
  async function hqChain(t: Till): Promise<Array<[number, string]>> {
    const deviceId = t.db
      .prepare<[], { value: string }>("SELECT value FROM sync_state WHERE key = 'device_id'")
      .get()?.value;
    const rows = await hq.db.query<{ seq: unknown; hash: string }>(
      'SELECT seq, hash FROM till_audit WHERE device_id = $1 ORDER BY seq',
      [deviceId],
    );
    return rows.rows.map((row) => [toInt(row.seq), row.hash]);
  }

  test('every entry arrives once, in order, batch after batch, and the next sync sends only what is new', async () => {
    const t = await till('Till 1');
    openMembers(t, 'staff-1', 23);
    await t.engine({ auditBatchSize: 10 }).run();
    const chain = tillChain(t);
    expect(chain.length).toBeGreaterThanOrEqual(23);
    expect(await hqChain(t)).toEqual(chain);
    expect(createSyncState(t.db).get('audit_acked_seq')).toBe(String(chain.at(-1)?.[0]));

    // Written while HQ could not be reached: they go at the next sync that gets through.
    const offline = t.engine({ wrap: (c) => auditFault(c, 1, 'drop_request') });
    openMembers(t, 'staff-1', 4);
    await expect(offline.run()).rejects.toMatchObject({ kind: 'network' });
    await t.engine().run();
    expect(await hqChain(t)).toEqual(tillChain(t));
  });

  test.each(['drop_request', 'drop_response'] as const)(
    'a connection lost mid-upload (%s) and the till killed: the next run loses and duplicates nothing',
    async (how) => {
      const t = await till(`Till ${how}`);
      openMembers(t, 'staff-2', 35);
      // The second batch of ten fails; the first is recorded as HQ answered it.
      await expect(t.engine({ auditBatchSize: 10, wrap: (c) => auditFault(c, 2, how) }).run()).rejects.toMatchObject({
        kind: 'network',
      });
      const sent = await hqChain(t);
      expect(sent.length).toBe(how === 'drop_response' ? 20 : 10);
      // Killed there: the till comes back from its files, its acked seq as it was before the lost answer.
      await t.reopen();
      expect(createSyncState(t.db).get('audit_acked_seq')).toBe('10');
      await t.engine({ auditBatchSize: 10 }).run();
      const chain = tillChain(t);
      expect(await hqChain(t)).toEqual(chain);
      const head = await hq.db.query<{ n: unknown; d: unknown }>(
        'SELECT count(*) AS n, count(DISTINCT seq) AS d FROM till_audit a JOIN devices v ON v.id = a.device_id WHERE v.name = $1',
        [`Till ${how}`],
      );
      expect([toInt(head.rows[0]?.n), toInt(head.rows[0]?.d)]).toEqual([chain.length, chain.length]);
    },
  );

  test("HQ's copy disagreeing with the till (a fork): the upload stops, the till keeps why, push and pull go on", async () => {
    const t = await till('Till forked');
    openMembers(t, 'staff-5', 3);
    await t.engine().run();
    expect(createSyncState(t.db).get('audit_refused')).toBeNull();
    // HQ's head for this device no longer matches the till's chain (a till restored from an old copy,
    // or entries rewritten on either side look like this).
    const deviceId = t.db
      .prepare<[], { value: string }>("SELECT value FROM sync_state WHERE key = 'device_id'")
      .get()?.value;
    await hq.db.query('UPDATE devices SET audit_hash = $2 WHERE id = $1', [deviceId, 'f'.repeat(64)]);
    const before = await hqChain(t);
    openMembers(t, 'staff-5', 2);
    const result = await t.engine().run();
    expect(createSyncState(t.db).get('audit_refused')).toBe('fork');
    expect(await hqChain(t)).toEqual(before);
    expect(result.pulled.pages).toBeGreaterThan(0);
  });

  test('HQ failing on the route (503) does not hold the pull back; the next sync sends the entries', async () => {
    const t = await till('Till failing HQ');
    openMembers(t, 'staff-4', 3);
    const failing: (c: HqClient) => HqClient = (inner) => ({
      post(path, body, schema) {
        if (path === HQ_ROUTES.audit) {
          return Promise.reject(new HqRequestError('http', 'HQ refused: 503', 503, 'internal_error'));
        }
        return inner.post(path, body, schema);
      },
    });
    const result = await t.engine({ wrap: failing }).run();
    expect(result.pulled.pages).toBeGreaterThan(0);
    expect(await hqChain(t)).toEqual([]);
    await t.engine().run();
    expect(await hqChain(t)).toEqual(tillChain(t));
  });

  test('an HQ older than the route (404) is skipped quietly: push and pull still run', async () => {
    const t = await till('Till old HQ');
    openMembers(t, 'staff-3', 3);
    const older: (c: HqClient) => HqClient = (inner) => ({
      post(path, body, schema) {
        if (path === HQ_ROUTES.audit)
          return Promise.reject(new HqRequestError('http', 'HQ refused: 404', 404, 'not_found'));
        return inner.post(path, body, schema);
      },
    });
    const result = await t.engine({ wrap: older }).run();
    expect(result.pulled.pages).toBeGreaterThan(0);
    expect(await hqChain(t)).toEqual([]);
    expect(createSyncState(t.db).get('audit_acked_seq')).toBeNull();
    expect(createSyncState(t.db).get('last_error')).toBeNull();
  });
});
