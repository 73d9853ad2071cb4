// The console's detection endpoints (issue 14): alerts listed with names from HQ's roster and
// members masked, resolved with a reason code by the roles that may; each store's detection policy,
// versioned, audited by codes, and pulled by the store's tills. PGlite.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { addStaff } from '../../packages/hq/src/admin';
import { writeDetectionPolicy } from '../../packages/hq/src/detection/policy-store';
import { toInt } from '../../packages/hq/src/db/database';
import { DEFAULT_DETECTION_POLICY, type DetectionPolicy } from '../../src/shared/detection/policy';
import { HQ_ROUTES, PullResponse, type PairResponse } from '../../src/shared/sync/protocol';
import { firstAdmin, operatorWith, type ConsoleClient } from './support/console';
import { startTestHq, type TestHq } from './support/hq';
import { enrollOp, newMemberId } from './support/ops';
import { opens, tillChain, upload } from './support/till-audit-chain';

const FORTY_AN_HOUR: DetectionPolicy = {
  ...DEFAULT_DETECTION_POLICY,
  rules: {
    ...DEFAULT_DETECTION_POLICY.rules,
    members_opened: { mode: 'notify', threshold: 40, windowMinutes: 60 },
    lookups_without_sale: { mode: 'notify', threshold: 10, windowMinutes: 240 },
  },
};

interface ListedAlert {
  alertId: string;
  rule: string;
  source: string;
  staffId: string;
  staffName: string | null;
  storeName: string;
  count: number;
  threshold: number;
  status: string;
  members: { memberId: string; label: string | null; erased: boolean }[];
}

describe('console detection: alerts and policy', () => {
  let hq: TestHq;
  let admin: ConsoleClient;
  let storeOps: ConsoleClient;
  let privacy: ConsoleClient;
  let auditor: ConsoleClient;
  let tillA: PairResponse;
  let tillB: PairResponse;
  let staffId: string;
  const opened: string[] = [];
  const cards = new Map<string, string>();

  beforeAll(async () => {
    hq = await startTestHq('pglite', { console: true });
    admin = (await firstAdmin(hq)).client;
    storeOps = (await operatorWith(hq, admin, ['store_operations'])).client;
    privacy = (await operatorWith(hq, admin, ['privacy_officer'])).client;
    auditor = (await operatorWith(hq, admin, ['auditor'])).client;
    tillA = await hq.pairedDevice('Front till');
    tillB = await hq.pairedDevice('Back till', tillA.storeId);
    staffId = (
      await addStaff(
        { db: hq.db, now: () => hq.clock.now },
        { storeId: tillA.storeId, displayName: 'Dana Snoop', role: 'cashier' },
      )
    ).staffId;
    // The alerts' store runs these rules, whatever the defaults become.
    await writeDetectionPolicy(hq.db, tillA.storeId, FORTY_AN_HOUR, 0, null, hq.clock.now);
    const ops = Array.from({ length: 44 }, (_, i) => {
      const memberId = newMemberId();
      opened.push(memberId);
      const op = enrollOp(i + 1, memberId);
      Object.assign(op.payload, { givenName: 'Wren', familyName: 'Holloway', email: `wren${i}@example.com` });
      cards.set(memberId, String((op.payload as { cardNumber: string }).cardNumber));
      return op;
    });
    await hq.push(tillA, ops);
    // 22 members opened on each till within the hour: only HQ sees 44.
    const at = new Date('2026-03-02T10:00:00Z');
    await upload(hq, tillA, tillChain().add(...opens(staffId, opened.slice(0, 22), at, 120)));
    await upload(hq, tillB, tillChain().add(...opens(staffId, opened.slice(22), new Date(at.getTime() + 60_000), 120)));
  }, 120_000);
  afterAll(async () => {
    await hq?.close();
  });

  async function list(client: ConsoleClient, input: Record<string, unknown> = {}) {
    const answer = await client.call('listAlerts', input);
    expect(answer.status).toBe(200);
    return answer.body as { alerts: ListedAlert[]; total: number; chainRefusals: unknown[] };
  }

  test("alerts carry the staff member's name from HQ's roster and members as masked labels, never names or contacts", async () => {
    const answer = await auditor.call('listAlerts', { rule: 'members_opened' });
    expect(answer.status).toBe(200);
    const { alerts, total } = answer.body as { alerts: ListedAlert[]; total: number };
    expect(total).toBe(1);
    expect(alerts[0]).toMatchObject({
      rule: 'members_opened',
      source: 'hq',
      staffId,
      staffName: 'Dana Snoop',
      count: 44,
      threshold: 40,
      status: 'open',
    });
    const first = alerts[0]?.members.find((m) => m.memberId === opened[0]);
    expect(first).toEqual({
      memberId: opened[0],
      label: `W. H. ••${cards.get(opened[0] ?? '')?.slice(-4)}`,
      erased: false,
    });
    expect(answer.text).not.toContain('Wren');
    expect(answer.text).not.toContain('Holloway');
    expect(answer.text).not.toContain('@example.com');
  });

  test('filters and paging: by rule, status, staff, store and dates; total counts every page', async () => {
    const all = await list(auditor);
    expect(all.total).toBe(2); // members_opened and lookups_without_sale, both HQ's
    const page = await list(auditor, { limit: 1, offset: 1 });
    expect(page.alerts).toHaveLength(1);
    expect(page.total).toBe(2);
    expect((await list(auditor, { staffId: 'someone-else' })).total).toBe(0);
    expect((await list(auditor, { status: 'dismissed' })).total).toBe(0);
    expect((await list(auditor, { storeId: tillA.storeId, rule: 'lookups_without_sale' })).total).toBe(1);
    expect((await list(auditor, { from: '2026-03-02T11:00:00.000Z' })).total).toBe(0);
    expect((await list(auditor, { from: '2026-03-02T10:00:00.000Z', to: '2026-03-02T11:00:00.000Z' })).total).toBe(2);
    expect((await list(auditor, { to: '2026-03-02T10:00:00.000Z' })).total).toBe(0);
    expect((await auditor.call('listAlerts', { rule: 'no_such_rule' })).status).toBe(400);
  });

  test('resolving: the auditor may not; store operations acknowledge then dismiss; a settled alert stays settled', async () => {
    const [alert] = (await list(auditor, { rule: 'members_opened' })).alerts;
    const alertId = alert?.alertId ?? '';
    const refused = await auditor.call('resolveAlert', {
      alertId,
      action: 'acknowledge',
      reasonCode: 'staff_spoken_to',
    });
    expect(refused.status).toBe(403);
    const acked = await storeOps.call('resolveAlert', {
      alertId,
      action: 'acknowledge',
      reasonCode: 'staff_spoken_to',
    });
    expect(acked.status).toBe(200);
    expect(acked.body).toMatchObject({ alertId, status: 'acknowledged' });
    const dismissed = await privacy.call('resolveAlert', {
      alertId,
      action: 'dismiss',
      reasonCode: 'threshold_too_low',
    });
    expect(dismissed.body).toMatchObject({ status: 'dismissed' });
    const again = await storeOps.call('resolveAlert', { alertId, action: 'escalate', reasonCode: 'suspected_misuse' });
    expect(again.status).toBe(409);
    expect((await storeOps.call('resolveAlert', { alertId, action: 'escalate', reasonCode: 'because' })).status).toBe(
      400,
    );
    expect((await list(auditor, { status: 'dismissed' })).alerts.map((a) => a.alertId)).toEqual([alertId]);
    const audit = await hq.db.query<{ details: Record<string, unknown>; subject_id: string }>(
      "SELECT details, subject_id FROM operator_audit WHERE action = 'alerts.resolve' AND subject_id IS NOT NULL ORDER BY seq",
    );
    expect(audit.rows.map((r) => [r.subject_id, r.details.action, r.details.reasonCode])).toEqual([
      [alertId, 'acknowledge', 'staff_spoken_to'],
      [alertId, 'dismiss', 'threshold_too_low'],
    ]);
  });

  test("a store's policy: read by the auditor, saved on its version by chain admin, refused when stale or malformed, pulled by the store's tills", async () => {
    // A store of its own, which has never had a policy: the default, at version 0.
    const policyTill = await hq.pairedDevice('Policy till');
    const read = await auditor.call('getDetectionPolicy', { storeId: policyTill.storeId });
    expect(read.body).toEqual({
      storeId: policyTill.storeId,
      policy: DEFAULT_DETECTION_POLICY,
      version: 0,
      updatedAt: null,
    });
    const policy: DetectionPolicy = {
      ...DEFAULT_DETECTION_POLICY,
      rules: {
        ...DEFAULT_DETECTION_POLICY.rules,
        members_opened: { mode: 'enforce', threshold: 25, windowMinutes: 30 },
      },
      storeHours: { opens: '08:00', closes: '21:00', timeZone: 'Europe/London' },
    };
    expect(
      (await auditor.call('saveDetectionPolicy', { storeId: policyTill.storeId, baseVersion: 0, policy })).status,
    ).toBe(403);
    const saved = await admin.call('saveDetectionPolicy', { storeId: policyTill.storeId, baseVersion: 0, policy });
    expect(saved.status).toBe(200);
    expect(saved.body).toEqual({ version: 1 });
    const stale = await storeOps.call('saveDetectionPolicy', { storeId: policyTill.storeId, baseVersion: 0, policy });
    expect(stale.status).toBe(409);
    const negative = await storeOps.call('saveDetectionPolicy', {
      storeId: policyTill.storeId,
      baseVersion: 1,
      policy: { ...policy, rules: { ...policy.rules, exports: { mode: 'notify', threshold: -1, windowMinutes: 60 } } },
    });
    expect(negative.status).toBe(400);
    expect(JSON.stringify(negative.body)).toContain('policy.rules.exports.threshold');
    const nowhere = await storeOps.call('saveDetectionPolicy', {
      storeId: policyTill.storeId,
      baseVersion: 1,
      policy: { ...policy, storeHours: { opens: '08:00', closes: '21:00', timeZone: 'Mars/Olympus_Mons' } },
    });
    expect(nowhere.status).toBe(422);
    expect(nowhere.body).toMatchObject({ code: 'invalid_argument', issues: [{ path: 'policy.storeHours.timeZone' }] });
    expect((await storeOps.call('saveDetectionPolicy', { storeId: 'no-store', baseVersion: 0, policy })).status).toBe(
      404,
    );

    const audit = await hq.db.query<{ details: Record<string, unknown>; subject_id: string }>(
      "SELECT details, subject_id FROM operator_audit WHERE action = 'detection.policy_edit' AND subject_id IS NOT NULL",
    );
    expect(audit.rows).toEqual([
      {
        subject_id: policyTill.storeId,
        details: expect.objectContaining({ version: 1, members_opened: 'enforce:25', enforceAction: 'manager_pin' }),
      },
    ]);

    // The store's tills get it with the store settings (a snapshot here; the change log carries it too).
    const pulled = await hq.send(HQ_ROUTES.pull, { cursor: null, ackedSeq: 0 }, { token: policyTill.deviceToken });
    expect(pulled.status).toBe(200);
    const settings = PullResponse.parse(pulled.body).changes.find((c) => c.kind === 'store_settings');
    expect(settings?.kind === 'store_settings' ? settings.settings.detection : undefined).toEqual(policy);
    const logged = await hq.db.query<{ n: unknown }>(
      "SELECT count(*) AS n FROM change_log WHERE entity = 'store_settings' AND store_id = $1 AND changed_at = $2",
      [policyTill.storeId, hq.clock.now],
    );
    expect(toInt(logged.rows[0]?.n)).toBeGreaterThanOrEqual(1);
  });

  test('a refused upload (fork) is listed for operators beside the alerts', async () => {
    const other = tillChain(22, 'e'.repeat(64));
    const answer = await upload(
      hq,
      tillA,
      other.add(...opens(staffId, [randomUUID()], new Date('2026-03-02T12:00:00Z'))),
    );
    expect(answer).toMatchObject({ status: 'refused', reason: 'fork' });
    const { chainRefusals } = await list(auditor, { storeId: tillA.storeId });
    expect(chainRefusals).toEqual([
      expect.objectContaining({
        deviceId: tillA.deviceId,
        deviceName: 'Front till',
        reason: 'fork',
        atSeq: 23,
        attempts: 1,
      }),
    ]);
  });
});
