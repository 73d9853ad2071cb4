// An alert only HQ can raise (a staff member's opens split over two tills) reaches the store
// manager at the till: the next pull writes it beside the till's own alerts (issue 14).
import { randomUUID } from 'node:crypto';
import catalog from '../../resources/demo/hq-catalog.json';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { createStore, loadCatalog } from '../../packages/hq/src/admin';
import { writeDetectionPolicy } from '../../packages/hq/src/detection/policy-store';
import { DEFAULT_DETECTION_POLICY, type DetectionPolicy } from '../../src/shared/detection/policy';
import { startTestHq, type TestHq } from '../hq/support/hq';
import { pairedTill, type Till } from '../support/till';

const FORTY_AN_HOUR: DetectionPolicy = {
  ...DEFAULT_DETECTION_POLICY,
  rules: {
    ...DEFAULT_DETECTION_POLICY.rules,
    members_opened: { mode: 'notify', threshold: 40, windowMinutes: 60 },
    lookups_without_sale: { mode: 'off', threshold: 10, windowMinutes: 60 },
  },
};

interface TillAlertRow {
  source: string;
  rule: string;
  staff_id: string;
  count: number;
  threshold: number;
  member_ids: string;
  acknowledged_at: string | null;
}

describe('HQ alerts at the till (real HQ over HTTPS, real encrypted till)', () => {
  let hq: TestHq;
  let storeId: string;
  const tills: Till[] = [];
  beforeAll(async () => {
    hq = await startTestHq('pglite');
    storeId = (await createStore({ db: hq.db, now: () => hq.clock.now }, 'High Street')).storeId;
    await loadCatalog({ db: hq.db, now: () => hq.clock.now }, catalog);
    await writeDetectionPolicy(hq.db, storeId, FORTY_AN_HOUR, 0, null, hq.clock.now);
  });
  afterEach(async () => {
    while (tills.length > 0) await tills.pop()?.close();
  });
  afterAll(async () => {
    await hq?.close();
  });

  function openMembers(t: Till, staffId: string, ids: readonly string[], startIso: string): void {
    t.clock.now = new Date(startIso);
    for (const id of ids) {
      t.clock.now = new Date(t.clock.now.getTime() + 60_000);
      t.db.transaction(() =>
        t.audit.append({ staffId, action: 'member.viewed', subjectType: 'member', subjectId: id }),
      )();
    }
  }
  const alertsOn = (t: Till) =>
    t.db
      .prepare<[], TillAlertRow>(
        'SELECT source, rule, staff_id, count, threshold, member_ids, acknowledged_at FROM detection_alerts ORDER BY raised_at',
      )
      .all();

  test('22 opens on each till: neither till alerts, HQ does, and both tills show it after their next sync', async () => {
    const a = await pairedTill(hq, 'Till A', storeId);
    const b = await pairedTill(hq, 'Till B', storeId);
    tills.push(a, b);
    const onA = Array.from({ length: 22 }, () => randomUUID());
    const onB = Array.from({ length: 22 }, () => randomUUID());
    openMembers(a, 'staff-dana', onA, '2026-03-02T10:00:00Z');
    openMembers(b, 'staff-dana', onB, '2026-03-02T10:00:30Z');
    await a.engine().run();
    expect(alertsOn(a)).toEqual([]);
    // B's upload makes HQ's alert; B's first pull is a snapshot, which carries the store's open HQ alerts.
    await b.engine().run();
    const atHq = await hq.db.query<{ source: string; count: number }>(
      'SELECT source, count FROM detection_alerts WHERE store_id = $1',
      [storeId],
    );
    expect(atHq.rows).toEqual([{ source: 'hq', count: 44 }]);
    // Till A has it at its next sync, from the change log.
    await a.engine().run();
    for (const t of [a, b]) {
      const rows = alertsOn(t);
      expect(rows.map((r) => [r.source, r.rule, r.staff_id, r.count, r.threshold, r.acknowledged_at])).toEqual([
        ['hq', 'members_opened', 'staff-dana', 44, 40, null],
      ]);
      expect(new Set(JSON.parse(rows[0]?.member_ids ?? '[]') as string[])).toEqual(new Set([...onA, ...onB]));
    }
  });
});
