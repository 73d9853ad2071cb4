// HQ's own alerts reach the store's tills (issue 14: "alerts reach the store manager at the till"):
// an alert HQ raised across two tills is on the next pull of every till of that store, never of
// another store's, and a resolution at HQ follows it. PGlite.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { addStaff } from '../../packages/hq/src/admin';
import { writeDetectionPolicy } from '../../packages/hq/src/detection/policy-store';
import { DEFAULT_DETECTION_POLICY, type DetectionPolicy } from '../../src/shared/detection/policy';
import { HQ_ROUTES, PullResponse, type PairResponse, type PullChange } from '../../src/shared/sync/protocol';
import { firstAdmin, operatorWith, type ConsoleClient } from './support/console';
import { startTestHq, type TestHq } from './support/hq';
import { newMemberId } from './support/ops';
import { opens, tillChain, upload } from './support/till-audit-chain';

const FORTY_AN_HOUR: DetectionPolicy = {
  ...DEFAULT_DETECTION_POLICY,
  rules: {
    ...DEFAULT_DETECTION_POLICY.rules,
    members_opened: { mode: 'notify', threshold: 40, windowMinutes: 60 },
    lookups_without_sale: { mode: 'off', threshold: 10, windowMinutes: 60 },
  },
};

type PulledAlertChange = Extract<PullChange, { kind: 'alert' }>;

describe('HQ alerts pulled by the store’s tills', () => {
  let hq: TestHq;
  let storeOps: ConsoleClient;
  let tillA: PairResponse;
  let tillB: PairResponse;
  let elsewhere: PairResponse;
  let staffId: string;
  const cursors = new Map<string, string>();

  /** Pulls from where this device stood (after its snapshot) to the end; returns the alert changes. */
  async function pulledAlerts(device: PairResponse): Promise<PulledAlertChange['alert'][]> {
    const alerts: PulledAlertChange['alert'][] = [];
    let cursor = cursors.get(device.deviceId) ?? null;
    for (let i = 0; i < 100; i++) {
      const response = await hq.send(HQ_ROUTES.pull, { cursor, ackedSeq: 0 }, { token: device.deviceToken });
      expect(response.status, JSON.stringify(response.body)).toBe(200);
      const page = PullResponse.parse(response.body);
      for (const change of page.changes) if (change.kind === 'alert') alerts.push(change.alert);
      cursor = page.cursor;
      if (!page.more) break;
    }
    if (cursor) cursors.set(device.deviceId, cursor);
    return alerts;
  }

  beforeAll(async () => {
    hq = await startTestHq('pglite', { console: true });
    const admin = (await firstAdmin(hq)).client;
    storeOps = (await operatorWith(hq, admin, ['store_operations'])).client;
    tillA = await hq.pairedDevice('Front till');
    tillB = await hq.pairedDevice('Back till', tillA.storeId);
    elsewhere = await hq.pairedDevice('Other store till');
    staffId = (
      await addStaff(
        { db: hq.db, now: () => hq.clock.now },
        { storeId: tillA.storeId, displayName: 'Dana Snoop', role: 'cashier' },
      )
    ).staffId;
    await writeDetectionPolicy(hq.db, tillA.storeId, FORTY_AN_HOUR, 0, null, hq.clock.now);
    // Every till first takes its snapshot; what follows is the change log.
    for (const device of [tillA, tillB, elsewhere]) await pulledAlerts(device);
  }, 120_000);
  afterAll(async () => {
    await hq?.close();
  });

  test('an HQ alert across two tills reaches both tills of the store and not the other store', async () => {
    const opened = Array.from({ length: 44 }, () => newMemberId());
    const at = new Date('2026-03-02T10:00:00Z');
    await upload(hq, tillA, tillChain().add(...opens(staffId, opened.slice(0, 22), at, 120)));
    await upload(hq, tillB, tillChain().add(...opens(staffId, opened.slice(22), new Date(at.getTime() + 60_000), 120)));

    const onA = await pulledAlerts(tillA);
    expect(onA.map((a) => [a.rule, a.staffId, a.mode, a.count, a.threshold, a.resolved])).toEqual([
      ['members_opened', staffId, 'notify', 44, 40, false],
    ]);
    expect(new Set(onA[0]?.memberIds)).toEqual(new Set(opened));
    const onB = await pulledAlerts(tillB);
    expect(onB.map((a) => a.id)).toEqual(onA.map((a) => a.id));
    expect(await pulledAlerts(elsewhere)).toEqual([]);
  });

  test('resolved at HQ: the next pull says so; nothing more for the other store', async () => {
    const listed = (await storeOps.call('listAlerts', { rule: 'members_opened' })).body as {
      alerts: { alertId: string }[];
    };
    const alertId = listed.alerts[0]?.alertId ?? '';
    const resolved = await storeOps.call('resolveAlert', {
      alertId,
      action: 'acknowledge',
      reasonCode: 'staff_spoken_to',
    });
    expect(resolved.status, JSON.stringify(resolved.body)).toBe(200);
    expect((await pulledAlerts(tillA)).map((a) => [a.id, a.resolved])).toEqual([[alertId, true]]);
    expect(await pulledAlerts(elsewhere)).toEqual([]);
  });
});
