import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { toInt } from '../../packages/hq/src/db/database';
import { runBaselineJob } from '../../packages/hq/src/detection/baseline-job';
import { writeDetectionPolicy } from '../../packages/hq/src/detection/policy-store';
import { DEFAULT_DETECTION_POLICY, type DetectionPolicy } from '../../src/shared/detection/policy';
import type { PairResponse } from '../../src/shared/sync/protocol';
import { startTestHq, type TestHq } from './support/hq';
import { opens, tillChain, upload, type ChainEntryInput } from './support/till-audit-chain';

const FORTY_AN_HOUR: DetectionPolicy = {
  ...DEFAULT_DETECTION_POLICY,
  rules: {
    ...DEFAULT_DETECTION_POLICY.rules,
    members_opened: { mode: 'notify', threshold: 40, windowMinutes: 60 },
    lookups_without_sale: { mode: 'notify', threshold: 10, windowMinutes: 240 },
  },
};
const members = (n: number) => Array.from({ length: n }, () => randomUUID());
const at = (iso: string, plusMinutes = 0) => new Date(Date.parse(iso) + plusMinutes * 60_000);

interface AlertRow {
  source: string;
  rule: string;
  staff_id: string;
  device_id: string | null;
  till_alert_id: string | null;
  count: unknown;
  threshold: unknown;
  member_ids: string[];
  hq_confirmed: boolean | null;
  mode: string;
}

// PGlite only: the detection reads the same SQL on both backends, and tests/hq/audit-upload.test.ts
// runs the storing on both.
describe('HQ detection across tills (PGlite)', () => {
  let hq: TestHq;
  beforeAll(async () => {
    hq = await startTestHq('pglite');
  });
  afterAll(async () => {
    await hq?.close();
  });

  async function alerts(storeId: string, rule?: string): Promise<AlertRow[]> {
    const rows = await hq.db.query<AlertRow>(
      `SELECT source, rule, staff_id, device_id, till_alert_id, count, threshold, member_ids, hq_confirmed, mode
         FROM detection_alerts WHERE store_id = $1 AND ($2::text IS NULL OR rule = $2) ORDER BY raised_at, id`,
      [storeId, rule ?? null],
    );
    return rows.rows;
  }

  /** Two tills of a new store whose members_opened rule is 40 an hour, notify (set here, not the default's). */
  async function twoTills(): Promise<[PairResponse, PairResponse]> {
    const a = await hq.pairedDevice('Till A');
    const b = await hq.pairedDevice('Till B', a.storeId);
    await writeDetectionPolicy(hq.db, a.storeId, FORTY_AN_HOUR, 0, null, hq.clock.now);
    return [a, b];
  }

  test('25 members opened on till A and 25 on till B within the hour: one HQ alert counting 50, none per till', async () => {
    const [a, b] = await twoTills();
    const onA = members(25);
    const onB = members(25);
    const chainA = tillChain();
    const chainB = tillChain();
    // Interleaved in time: the staff member goes between the two tills, a member a minute.
    await upload(hq, a, chainA.add(...opens('snoop', onA, at('2026-03-02T10:00:00Z'), 120)));
    expect(await alerts(a.storeId)).toEqual([]);
    await upload(hq, b, chainB.add(...opens('snoop', onB, at('2026-03-02T10:01:00Z'), 120)));
    // (The 50 opens with no sale also make an HQ lookups_without_sale alert: a rule of its own.)
    const raised = await alerts(a.storeId, 'members_opened');
    // It fired at the 41st member; the rest of the hour, already at HQ, is the same burst and counted in it.
    expect(raised.map((r) => [r.source, r.rule, r.staff_id, r.device_id, toInt(r.count), toInt(r.threshold)])).toEqual([
      ['hq', 'members_opened', 'snoop', null, 50, 40],
    ]);
    expect(new Set(raised[0]?.member_ids)).toEqual(new Set([...onA, ...onB]));
    // Till B's next upload (the staff member signs out) raises nothing new for the same hour.
    await upload(hq, b, chainB.add({ at: '2026-03-02T10:55:00Z', staffId: 'snoop', action: 'session.logout' }));
    expect(await alerts(a.storeId, 'members_opened')).toHaveLength(1);
  });

  test('the same burst on one till alone is left to that till (no HQ copy); under the threshold nothing fires', async () => {
    const [a, b] = await twoTills();
    await upload(hq, a, tillChain().add(...opens('busy', members(45), at('2026-03-02T10:00:00Z'), 60)));
    await upload(hq, b, tillChain().add(...opens('busy', members(10), at('2026-03-02T13:00:00Z'), 60)));
    expect(await alerts(a.storeId)).toEqual([]);
  });

  test("a till's alert becomes a 'till' row with the members HQ finds itself, and one HQ cannot reproduce is marked", async () => {
    const [a] = await twoTills();
    const chain = tillChain();
    const opened = members(41);
    const burst = chain.add(...opens('snoop', opened, at('2026-03-02T11:00:00Z'), 60));
    const alertId = randomUUID();
    const tillAlert: ChainEntryInput = {
      at: burst.at(-1)?.at ?? '',
      staffId: 'snoop',
      action: 'detection.alert',
      subjectType: 'alert',
      subjectId: alertId,
      details: {
        alertId,
        rule: 'members_opened',
        mode: 'notify',
        count: 41,
        threshold: 40,
        windowStart: burst[0]?.at ?? '',
        windowEnd: burst.at(-1)?.at ?? '',
      },
    };
    // A claim with nothing behind it: 3 opens, an alert saying 99.
    const few = members(3);
    const claimed = randomUUID();
    const fewEntries = opens('quiet', few, at('2026-03-02T14:00:00Z'));
    const batch = chain.add(tillAlert, ...fewEntries, {
      at: '2026-03-02T14:05:00Z',
      staffId: 'quiet',
      action: 'detection.alert',
      subjectType: 'alert',
      subjectId: claimed,
      details: {
        alertId: claimed,
        rule: 'members_opened',
        mode: 'enforce',
        count: 99,
        threshold: 40,
        windowStart: '2026-03-02T13:10:00.000Z',
        windowEnd: '2026-03-02T14:05:00.000Z',
      },
    });
    await upload(hq, a, [...burst, ...batch]);
    // The same upload again (a retry) adds nothing.
    await upload(hq, a, [...burst, ...batch]);
    const rows = await alerts(a.storeId);
    expect(
      rows.map((r) => [
        r.source,
        r.rule,
        r.staff_id,
        r.device_id,
        r.till_alert_id,
        toInt(r.count),
        r.mode,
        r.hq_confirmed,
      ]),
    ).toEqual([
      ['till', 'members_opened', 'snoop', a.deviceId, alertId, 41, 'notify', true],
      ['till', 'members_opened', 'quiet', a.deviceId, claimed, 99, 'enforce', false],
    ]);
    expect(new Set(rows[0]?.member_ids)).toEqual(new Set(opened));
    expect(new Set(rows[1]?.member_ids)).toEqual(new Set(few));
  });

  /** A till's `detection.alert` entry for `finding`, as src/main/detection/run-detection.ts writes it. */
  function tillAlertEntry(
    staffId: string,
    atIso: string,
    alert: { rule: string; mode: string; count: number; threshold: number; windowStart: string; windowEnd: string },
  ): { alertId: string; entry: ChainEntryInput } {
    const alertId = randomUUID();
    return {
      alertId,
      entry: {
        at: atIso,
        staffId,
        action: 'detection.alert',
        subjectType: 'alert',
        subjectId: alertId,
        details: { alertId, ...alert },
      },
    };
  }

  test("a till's pin_failures alert about a manager whose PIN a cashier mistyped at approval is confirmed by HQ", async () => {
    const [a] = await twoTills();
    // Six wrong approval PINs: the signed-in cashier is the actor, the manager the approver they were typed as.
    const failures: ChainEntryInput[] = Array.from({ length: 6 }, (_, i) => ({
      at: at('2026-03-02T12:00:00Z', i).toISOString(),
      staffId: 'cashier-1',
      action: 'session.login_failed',
      subjectType: 'staff',
      subjectId: 'manager-1',
      details: { purpose: 'approval', consecutive: i + 1, reason: 'wrong_pin', approverId: 'manager-1' },
    }));
    const { alertId, entry } = tillAlertEntry('manager-1', failures[5]!.at, {
      rule: 'pin_failures',
      mode: 'notify',
      count: 6,
      threshold: 5,
      windowStart: failures[0]!.at,
      windowEnd: failures[5]!.at,
    });
    await upload(hq, a, tillChain().add(...failures, entry));
    const rows = await alerts(a.storeId, 'pin_failures');
    expect(rows.map((r) => [r.source, r.staff_id, r.till_alert_id, toInt(r.count), r.hq_confirmed])).toEqual([
      ['till', 'manager-1', alertId, 6, true],
    ]);
  });

  test('failures typed as one manager at sign-in on two tills are one HQ alert about the manager', async () => {
    const [a, b] = await twoTills();
    // A locked till: no one signed in, the staff member typed as is the entry's subject.
    const failure = (minute: number): ChainEntryInput => ({
      at: at('2026-03-02T13:00:00Z', minute).toISOString(),
      staffId: null,
      action: 'session.login_failed',
      subjectType: 'staff',
      subjectId: 'manager-2',
      details: { purpose: 'login', consecutive: 1, reason: 'wrong_pin' },
    });
    await upload(hq, a, tillChain().add(failure(0), failure(1), failure(2)));
    await upload(hq, b, tillChain().add(failure(3), failure(4), failure(5)));
    const rows = await alerts(a.storeId, 'pin_failures');
    expect(rows.map((r) => [r.source, r.staff_id, toInt(r.count), toInt(r.threshold), r.mode])).toEqual([
      ['hq', 'manager-2', 6, 5, 'notify'],
    ]);
  });

  test('a store manager acknowledging a till alert at the till acknowledges it at HQ; an operator’s resolution stands', async () => {
    const [a] = await twoTills();
    const chain = tillChain();
    const opened = members(41);
    const burst = chain.add(...opens('snoop', opened, at('2026-03-02T11:00:00Z'), 60));
    const window = { windowStart: burst[0]!.at, windowEnd: burst.at(-1)!.at };
    const first = tillAlertEntry('snoop', burst.at(-1)!.at, {
      rule: 'members_opened',
      mode: 'notify',
      count: 41,
      threshold: 40,
      ...window,
    });
    const second = tillAlertEntry('snoop', burst.at(-1)!.at, {
      rule: 'members_opened',
      mode: 'notify',
      count: 41,
      threshold: 40,
      ...window,
    });
    await upload(hq, a, chain.add(first.entry, second.entry));
    // An operator dismissed the second before the till's acknowledgement arrived.
    await hq.db.query(
      `UPDATE detection_alerts SET status = 'dismissed', resolved_by = 'operator-1', resolution_code = 'threshold_too_low'
        WHERE till_alert_id = $1`,
      [second.alertId],
    );
    const acknowledge = (alertId: string): ChainEntryInput => ({
      at: '2026-03-02T11:50:00Z',
      staffId: 'manager-1',
      action: 'detection.acknowledged',
      subjectType: 'alert',
      subjectId: alertId,
      details: { alertId, rule: 'members_opened' },
    });
    hq.clock.now = new Date('2026-03-02T12:05:00.000Z');
    await upload(hq, a, chain.add(acknowledge(first.alertId), acknowledge(second.alertId)));
    const rows = await hq.db.query<{
      till_alert_id: string;
      status: string;
      resolved_by: string | null;
      resolved_at: Date | null;
      resolution_code: string | null;
    }>(
      `SELECT till_alert_id, status, resolved_by, resolved_at, resolution_code FROM detection_alerts
        WHERE store_id = $1 AND source = 'till' ORDER BY till_alert_id = $2 DESC`,
      [a.storeId, first.alertId],
    );
    expect(rows.rows.map((r) => [r.till_alert_id, r.status, r.resolved_by, r.resolution_code])).toEqual([
      [first.alertId, 'acknowledged', null, 'acknowledged_at_till'],
      [second.alertId, 'dismissed', 'operator-1', 'threshold_too_low'],
    ]);
    // When HQ learned it, on HQ's clock.
    expect(rows.rows[0]?.resolved_at).toEqual(new Date('2026-03-02T12:05:00.000Z'));
  });

  test('an HQ alert already dismissed is not grown by the same burst arriving later', async () => {
    const [a, b] = await twoTills();
    const chainA = tillChain();
    const chainB = tillChain();
    await upload(hq, a, chainA.add(...opens('snoop', members(20), at('2026-03-02T15:00:00Z'), 120)));
    await upload(hq, b, chainB.add(...opens('snoop', members(25), at('2026-03-02T15:01:00Z'), 120)));
    const [raised] = await alerts(a.storeId, 'members_opened');
    expect(toInt(raised?.count)).toBe(45);
    await hq.db.query(`UPDATE detection_alerts SET status = 'dismissed' WHERE store_id = $1 AND source = 'hq'`, [
      a.storeId,
    ]);
    // Five more on till A within the same hour: an open alert would grow to 50.
    await upload(hq, a, chainA.add(...opens('snoop', members(5), at('2026-03-02T15:40:00Z'), 60)));
    const after = await alerts(a.storeId, 'members_opened');
    expect(after.map((r) => [toInt(r.count), r.member_ids.length])).toEqual([[45, 45]]);
  });

  test("HQ's alerts are logged for the tills' pull on HQ's clock, not a backdated till's", async () => {
    const [a, b] = await twoTills();
    hq.clock.now = new Date('2026-03-02T09:00:00.000Z');
    // The tills' clocks say a week earlier.
    await upload(hq, a, tillChain().add(...opens('snoop', members(25), at('2026-02-23T10:00:00Z'), 120)));
    await upload(hq, b, tillChain().add(...opens('snoop', members(25), at('2026-02-23T10:01:00Z'), 120)));
    const raised = await hq.db.query<{ id: string; raised_at: Date }>(
      `SELECT id, raised_at FROM detection_alerts WHERE store_id = $1 AND source = 'hq' AND rule = 'members_opened'`,
      [a.storeId],
    );
    expect(raised.rows).toHaveLength(1);
    // The alert fired in the tills' time; its change-log entries (raised, then grown) are in HQ's.
    expect(new Date(raised.rows[0]!.raised_at).toISOString().slice(0, 10)).toBe('2026-02-23');
    const logged = await hq.db.query<{ changed_at: Date }>(
      `SELECT changed_at FROM change_log WHERE entity = 'alert' AND entity_id = $1`,
      [raised.rows[0]!.id],
    );
    expect(logged.rows.length).toBeGreaterThanOrEqual(1);
    for (const row of logged.rows) expect(new Date(row.changed_at)).toEqual(new Date('2026-03-02T09:00:00.000Z'));
  });

  test("HQ's cross-till alerts are notify-only, whatever the rule's mode: the tills enforce what they see", async () => {
    const [a, b] = await twoTills();
    await writeDetectionPolicy(
      hq.db,
      a.storeId,
      {
        ...FORTY_AN_HOUR,
        rules: { ...FORTY_AN_HOUR.rules, members_opened: { mode: 'enforce', threshold: 40, windowMinutes: 60 } },
      },
      1,
      null,
      hq.clock.now,
    );
    await upload(hq, a, tillChain().add(...opens('snoop', members(25), at('2026-03-02T17:00:00Z'), 120)));
    await upload(hq, b, tillChain().add(...opens('snoop', members(25), at('2026-03-02T17:01:00Z'), 120)));
    expect((await alerts(a.storeId, 'members_opened')).map((r) => [r.source, r.mode])).toEqual([['hq', 'notify']]);
  });

  describe('baseline', () => {
    const today = '2026-03-02';
    /** `perDay` distinct members opened by `staffId` on each of the 14 days before today, then `todayCount`. */
    function history(staffId: string, perDay: number, todayCount: number): ChainEntryInput[] {
      const entries: ChainEntryInput[] = [];
      for (let d = 14; d >= 1; d--) {
        const day = at(`${today}T09:00:00Z`, -d * 24 * 60);
        entries.push(...opens(staffId, members(perDay), day, 600));
      }
      entries.push(...opens(staffId, members(todayCount), at(`${today}T09:00:00Z`), 300));
      return entries;
    }

    test('a staff member far above their own 14 days fires once a day; with fewer than minEvents it does not', async () => {
      const [a] = await twoTills();
      const chain = tillChain();
      // 10 a day for 14 days (140 events), then 60 today: above mean + 3 × spread (10 + 3 × √10 ≈ 19) and
      // above 3 × the mean (30), the bound the alert records.
      const entries = [...history('steady', 10, 60), ...history('new', 1, 30)].sort((x, y) => x.at.localeCompare(y.at));
      for (let i = 0; i < entries.length; i += 400) await upload(hq, a, chain.add(...entries.slice(i, i + 400)));
      const now = () => new Date(`${today}T18:00:00Z`);
      expect(await runBaselineJob({ db: hq.db, now })).toBe(1);
      expect(await runBaselineJob({ db: hq.db, now: () => new Date(`${today}T19:00:00Z`) })).toBe(0);
      const rows = (await alerts(a.storeId)).filter((r) => r.rule === 'baseline_deviation');
      expect(rows.map((r) => [r.source, r.staff_id, toInt(r.count), toInt(r.threshold)])).toEqual([
        ['hq', 'steady', 60, 30],
      ]);
      // 'new' opened 14 members over 14 days (< minEvents 20): no baseline yet, whatever today holds.
      expect(rows.some((r) => r.staff_id === 'new')).toBe(false);
    });
  });
});
