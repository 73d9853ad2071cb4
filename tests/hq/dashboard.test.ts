import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readChainDashboard } from '../../packages/hq/src/dashboard/chain-dashboard';
import { firstAdmin, operatorWith, type ConsoleClient } from './support/console';
import { BACKENDS, skipBackend, startTestHq, type TestHq } from './support/hq';

const NOW = new Date('2026-11-26T12:00:00Z');
/** A 7-day period ending on NOW's UTC day: 20 to 26 November. */
const DAYS = ['2026-11-20', '2026-11-21', '2026-11-22', '2026-11-23', '2026-11-24', '2026-11-25', '2026-11-26'];

/** Op and ledger ids by name, so the test reads by name. */
const ids = new Map<string, string>();
const op = (name: string) => {
  if (!ids.has(name)) ids.set(name, randomUUID());
  return ids.get(name) as string;
};

/**
 * A hand-built chain: two stores, four tills (one silent a day and a half, one never heard from,
 * one revoked), seven members (one overdrawn per store, one erased with points), a week of earns,
 * redemptions (one reversed, two uncovered), consents, ops and tills' audit entries by two staff,
 * erasure requests, incidents and alerts.
 */
async function buildChain(hq: TestHq): Promise<void> {
  const sql = (text: string, params: unknown[] = []) => hq.db.query(text, params);
  for (const [id, name] of [
    ['north', 'North'],
    ['south', 'South'],
  ])
    await sql('INSERT INTO stores (id, name, created_at) VALUES ($1, $2, $3)', [id, name, '2026-01-01T00:00:00Z']);
  for (const [id, store, lastSeen, revoked] of [
    ['till-n1', 'north', '2026-11-26T11:00:00Z', null],
    ['till-n2', 'north', '2026-11-25T06:00:00Z', null], // 30 hours ago: silent
    ['till-s1', 'south', null, null], // never heard from: silent
    ['till-s2', 'south', null, '2026-11-02T00:00:00Z'], // revoked: not counted
  ])
    await sql(
      `INSERT INTO devices (id, store_id, name, token_hash, created_at, last_seen_at, revoked_at)
       VALUES ($1, $2, $3, $4, '2026-01-01T00:00:00Z', $5, $6)`,
      [id, store, `Till ${id}`, `hash-${id}`, lastSeen, revoked],
    );
  for (const [id, cost] of [
    ['coffee', 150],
    ['voucher-5', 500],
  ])
    await sql(
      `INSERT INTO rewards (id, name_en, name_ru, cost_points, active, sort, updated_at)
       VALUES ($1, $2, $3, $4, true, 0, '2026-01-01T00:00:00Z')`,
      [id, `EN ${id}`, `RU ${id}`, cost],
    );
  for (const [id, store, points, enrolledAt, erasedAt] of [
    ['m1', 'north', 500, '2026-11-20T10:00:00Z', null],
    ['m2', 'north', 300, '2026-11-20T11:00:00Z', null],
    ['m3', 'north', -40, '2026-11-22T09:00:00Z', null],
    ['m4', 'south', 1000, '2026-11-22T23:30:00Z', null],
    ['m5', 'south', 0, '2026-11-10T10:00:00Z', null], // before the period
    ['m6', 'south', 700, '2026-11-21T10:00:00Z', '2026-11-23T10:00:00Z'], // erased: owed nothing
    ['m7', 'south', -10, '2026-11-01T10:00:00Z', null],
  ])
    await sql(
      `INSERT INTO members (id, card_number, given_name, family_name, home_store_id, enrolled_at, updated_at, points, erased_at)
       VALUES ($1, $2, 'x', 'x', $3, $4, $4, $5, $6)`,
      [id, `card-${id}`, store, enrolledAt, points, erasedAt],
    );
  const ledger = async (
    name: string,
    member: string,
    kind: string,
    points: number,
    at: string,
    store: string,
    device: string,
    extra: { reward?: string; overdraft?: boolean; reverses?: string } = {},
  ) =>
    sql(
      `INSERT INTO ledger (op_id, member_id, kind, points, at, store_id, device_id, reward_id, flagged_overdraft,
         reverses_op_id, received_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $5)`,
      [
        op(name),
        member,
        kind,
        points,
        at,
        store,
        device,
        extra.reward ?? null,
        extra.overdraft ?? false,
        extra.reverses ? op(extra.reverses) : null,
      ],
    );
  await ledger('e1', 'm1', 'earn', 600, '2026-11-20T10:05:00Z', 'north', 'till-n1');
  await ledger('e2', 'm2', 'earn', 300, '2026-11-21T12:00:00Z', 'north', 'till-n1');
  await ledger('e3', 'm4', 'earn', 1000, '2026-11-23T12:00:00Z', 'south', 'till-s1');
  await ledger('e4', 'm5', 'earn', 100, '2026-11-15T12:00:00Z', 'south', 'till-s1'); // before the period
  await ledger('r1', 'm1', 'redeem', -100, '2026-11-24T10:00:00Z', 'north', 'till-n1', { reward: 'coffee' });
  await ledger('r2', 'm3', 'redeem', -150, '2026-11-24T11:00:00Z', 'north', 'till-n2', {
    reward: 'coffee',
    overdraft: true,
  });
  await ledger('r3', 'm7', 'redeem', -500, '2026-11-25T10:00:00Z', 'south', 'till-s1', {
    reward: 'voucher-5',
    overdraft: true,
  });
  await ledger('r4', 'm4', 'redeem', -150, '2026-11-25T11:00:00Z', 'south', 'till-s1', { reward: 'coffee' });
  await ledger('v1', 'm4', 'reversal', 150, '2026-11-25T11:05:00Z', 'south', 'till-s1', { reverses: 'r4' });
  for (const [name, reason, store, device, at] of [
    ['e3', 'earn_recomputed', 'south', 'till-s1', '2026-11-23T12:00:00Z'],
    ['e4', 'earn_recomputed', 'south', 'till-s1', '2026-11-15T12:00:00Z'], // before the period
  ])
    await sql(`INSERT INTO op_flags (op_id, reason, device_id, store_id, flagged_at) VALUES ($1, $2, $3, $4, $5)`, [
      op(name ?? ''),
      reason,
      device,
      store,
      at,
    ]);
  // m1 says yes to e-mail, then no (a withdrawal); m2's "no" at enrolment is not one; m4 withdraws
  // both purposes on one day (one member).
  for (const [member, purpose, granted, at, store, device] of [
    ['m1', 'marketing_email', true, '2026-11-20T10:00:00Z', 'north', 'till-n1'],
    ['m2', 'marketing_email', false, '2026-11-20T11:00:00Z', 'north', 'till-n1'],
    ['m1', 'marketing_email', false, '2026-11-24T09:00:00Z', 'north', 'till-n1'],
    ['m4', 'marketing_sms', true, '2026-11-22T23:30:00Z', 'south', 'till-s1'],
    ['m4', 'marketing_email', true, '2026-11-22T23:30:00Z', 'south', 'till-s1'],
    ['m4', 'marketing_sms', false, '2026-11-25T09:00:00Z', 'south', 'till-s1'],
    ['m4', 'marketing_email', false, '2026-11-25T09:01:00Z', 'south', 'till-s1'],
  ])
    await sql(
      `INSERT INTO consents (op_id, member_id, purpose, granted, notice_version, notice_language, channel, at,
         store_id, device_id) VALUES ($1, $2, $3, $4, 'v1', 'en', 'till', $5, $6, $7)`,
      [randomUUID(), member, purpose, granted, at, store, device],
    );
  // Ops HQ applied (and one it rejected), by two staff members of North.
  for (const [seq, type, staff, outcome] of [
    [1, 'member.enrolled', 'anna', 'applied'],
    [2, 'points.earned', 'anna', 'applied'],
    [3, 'points.redeemed', 'boris', 'applied'],
    [4, 'points.adjusted', 'boris', 'applied'],
    [5, 'points.earned', 'anna', 'rejected'],
  ] as const)
    await sql(
      `INSERT INTO ops (device_id, seq, op_id, type, staff_id, device_time, payload, outcome, reason, received_at)
       VALUES ('till-n1', $1, $2, $3, $4, '2026-11-22T10:00:00.000Z', '{}'::jsonb, $5, $6, '2026-11-22T10:00:00Z')`,
      [seq, randomUUID(), type, staff, outcome, outcome === 'rejected' ? 'unknown_member' : null],
    );
  const audit: Array<[string, string]> = [
    ['anna', 'member.viewed'],
    ['anna', 'member.viewed'],
    ['anna', 'member.viewed'],
    ['anna', 'member.searched'],
    ['anna', 'member.searched'],
    ['boris', 'member.viewed'],
    ['boris', 'session.login'], // not counted
  ];
  for (const [index, [staff, action]] of audit.entries())
    await sql(
      `INSERT INTO till_audit (device_id, seq, at, staff_id, action, subject_type, subject_id, details, prev_hash,
         hash, received_at) VALUES ('till-n1', $1, '2026-11-23T10:00:00Z', $2, $3, NULL, NULL, '{}'::jsonb, 'p', 'h',
         '2026-11-23T10:05:00Z')`,
      [index + 1, staff, action],
    );
  for (const [member, store, due, status] of [
    ['m5', 'south', '2026-11-30T00:00:00Z', 'pending'],
    ['m2', 'north', '2026-11-25T00:00:00Z', 'pending'], // due yesterday: overdue
    ['m6', 'south', '2026-11-23T00:00:00Z', 'completed'],
  ])
    await sql(
      `INSERT INTO erasure_requests (id, member_id, source, reason_code, store_id, requested_at, due_at, status,
         completed_at) VALUES ($1, $2, 'till', 'member_request', $3, '2026-11-20T00:00:00Z', $4, $5, $6)`,
      [randomUUID(), member, store, due, status, status === 'completed' ? '2026-11-23T00:00:00Z' : null],
    );
  await sql(
    `INSERT INTO incidents (id, kind, title, status, aware_at, opened_at, opened_by, store_id)
     VALUES ($1, 'lost_till', 'Till lost', 'open', '2026-11-25T09:00:00Z', '2026-11-25T09:30:00Z', 'op-1', 'north')`,
    [op('incident-open')],
  );
  // Two more open incidents past aware + 72 h by their dates alone: one decided not notifiable (the
  // register stops its clock), one whose regulator was told an hour after the deadline (late, not met).
  await sql(
    `INSERT INTO incidents (id, kind, title, status, aware_at, opened_at, opened_by, store_id)
     VALUES ($1, 'other', 'Printout', 'open', '2026-11-20T09:00:00Z', '2026-11-20T09:30:00Z', 'op-1', 'north')`,
    [op('incident-not-notifiable')],
  );
  await sql(
    `INSERT INTO incident_entries (id, incident_id, seq, kind, code, text, at, operator_id)
     VALUES ($1, $2, 1, 'decision', 'not_notifiable', 'Shredded', '2026-11-20T10:00:00Z', 'op-1')`,
    [randomUUID(), op('incident-not-notifiable')],
  );
  await sql(
    `INSERT INTO incidents (id, kind, title, status, aware_at, opened_at, opened_by, store_id, regulator_notified_at,
       regulator_reference)
     VALUES ($1, 'hq_exposure', 'Report', 'open', '2026-11-21T09:00:00Z', '2026-11-21T09:30:00Z', 'op-1', 'north',
       '2026-11-24T10:00:00Z', 'REF-1')`,
    [op('incident-late')],
  );
  // HQ's roster knows anna; boris is not in it (a till's staff member HQ never got): his id is shown.
  await sql(
    `INSERT INTO staff (id, store_id, display_name, role, status, pin_hash, must_change_pin, version, updated_at)
     VALUES ('anna', 'north', 'Anna Kovaleva', 'cashier', 'active', 'x', false, 1, '2026-01-01T00:00:00Z')`,
  );
  await sql(
    `INSERT INTO incidents (id, kind, title, status, aware_at, opened_at, opened_by, store_id, closed_at)
     VALUES ($1, 'staff_misuse', 'Closed', 'closed', '2026-11-01T09:00:00Z', '2026-11-01T09:30:00Z', 'op-1',
       'south', '2026-11-02T00:00:00Z')`,
    [randomUUID()],
  );
  for (const [store, device, rule, status] of [
    ['north', 'till-n1', 'members_opened', 'open'],
    ['south', 'till-s1', 'pin_failures', 'open'],
    ['north', 'till-n1', 'members_opened', 'acknowledged'],
  ])
    await sql(
      `INSERT INTO detection_alerts (id, store_id, device_id, till_alert_id, source, rule, staff_id, mode, raised_at,
         window_start, window_end, count, threshold, member_ids, audit_refs, status)
       VALUES ($1, $2, $3, $4, 'till', $5, 'anna', 'notify', '2026-11-25T10:00:00Z', '2026-11-25T09:00:00Z',
         '2026-11-25T10:00:00Z', 41, 40, '[]'::jsonb, '[]'::jsonb, $6)`,
      [randomUUID(), store, device, randomUUID(), rule, status],
    );
}

describe.each(BACKENDS)('the chain dashboard on %s', (backend) => {
  describe.skipIf(skipBackend(backend))(backend, () => {
    let hq: TestHq;
    let admin: ConsoleClient;

    beforeAll(async () => {
      hq = await startTestHq(backend, { console: true });
      await buildChain(hq);
      admin = (await firstAdmin(hq)).client;
    }, 120_000);
    afterAll(async () => {
      await hq.close();
    });

    it('adds up the chain: series per UTC day, liability, redemption rate, overdrafts', async () => {
      const d = await readChainDashboard(hq.db, { now: NOW, days: 7, storeId: null });
      expect(d.series.map((day) => day.day)).toEqual(DAYS);
      expect(d.series.map((day) => day.enrolments)).toEqual([2, 1, 2, 0, 0, 0, 0]);
      expect(d.series.map((day) => day.pointsIssued)).toEqual([600, 300, 0, 1000, 0, 0, 0]);
      expect(d.series.map((day) => day.pointsRedeemed)).toEqual([0, 0, 0, 0, 250, 650, 0]);
      expect(d.series.map((day) => day.consentWithdrawals)).toEqual([0, 0, 0, 0, 1, 1, 0]);
      expect(d.consentWithdrawalsTotal).toBe(2);
      // 500 + 300 (North) + 1000 (South); the erased member's 700 and the negative balances are not owed.
      expect(d.liability).toBe(1800);
      // Redeemed 100 + 150 + 500 + 150 = 900 of 1900 issued.
      expect(d.redemptionRatePercent).toBe(47.4);
      expect(d.overdrafts).toEqual({ membersNegative: 2, pointsNegative: 50, overdraftEntries: 2, flaggedOps: 1 });
      expect(d.topRewards).toEqual([
        { rewardId: 'coffee', nameEn: 'EN coffee', nameRu: 'RU coffee', redemptions: 2, points: 250 },
        { rewardId: 'voucher-5', nameEn: 'EN voucher-5', nameRu: 'RU voucher-5', redemptions: 1, points: 500 },
      ]);
    });

    it('lists silent tills, waiting requests, open incidents with the register’s clock, and open alerts', async () => {
      const d = await readChainDashboard(hq.db, { now: NOW, days: 7, storeId: null });
      expect(d.silentDevices).toEqual([
        { deviceId: 'till-s1', storeId: 'south', name: 'Till till-s1', lastSeenAt: null },
        { deviceId: 'till-n2', storeId: 'north', name: 'Till till-n2', lastSeenAt: '2026-11-25T06:00:00.000Z' },
      ]);
      expect(d.requests).toEqual({ erasuresPending: 2, erasuresOverdue: 1 });
      const HOUR = 3_600_000;
      expect(d.incidents).toEqual([
        {
          incidentId: op('incident-not-notifiable'),
          kind: 'other',
          storeId: 'north',
          awareAt: '2026-11-20T09:00:00.000Z',
          deadlineAt: '2026-11-23T09:00:00.000Z',
          // Past the deadline by its dates, yet not overdue: the decision stopped the clock.
          clock: { state: 'not_notifiable', msLeft: 0 },
        },
        {
          incidentId: op('incident-late'),
          kind: 'hq_exposure',
          storeId: 'north',
          awareAt: '2026-11-21T09:00:00.000Z',
          deadlineAt: '2026-11-24T09:00:00.000Z',
          // Told, an hour after the deadline: late, not met.
          clock: { state: 'notified_late', msLeft: -HOUR },
        },
        {
          incidentId: op('incident-open'),
          kind: 'lost_till',
          storeId: 'north',
          awareAt: '2026-11-25T09:00:00.000Z',
          deadlineAt: '2026-11-28T09:00:00.000Z',
          // NOW is 2026-11-26 12:00: 45 hours left.
          clock: { state: 'running', msLeft: 45 * HOUR },
        },
      ]);
      expect(d.alerts).toEqual({
        open: 2,
        byRule: [
          { rule: 'members_opened', open: 1 },
          { rule: 'pin_failures', open: 1 },
        ],
      });
    });

    it('breaks the chain down per store and per staff member', async () => {
      const d = await readChainDashboard(hq.db, { now: NOW, days: 7, storeId: null });
      expect(d.stores).toEqual([
        { storeId: 'north', name: 'North' },
        { storeId: 'south', name: 'South' },
      ]);
      expect(d.perStore).toEqual([
        {
          storeId: 'north',
          name: 'North',
          enrolments: 3,
          pointsIssued: 900,
          pointsRedeemed: 250,
          consentWithdrawals: 1,
          liability: 800,
          membersOverdrawn: 1,
          silentDevices: 1,
          openAlerts: 1,
        },
        {
          storeId: 'south',
          name: 'South',
          enrolments: 2,
          pointsIssued: 1000,
          pointsRedeemed: 650,
          consentWithdrawals: 1,
          liability: 1000,
          membersOverdrawn: 1,
          silentDevices: 1,
          openAlerts: 1,
        },
      ]);
      expect(d.staff).toEqual([
        {
          storeId: 'north',
          staffId: 'anna',
          displayName: 'Anna Kovaleva',
          opened: 3,
          searches: 2,
          enrolments: 1,
          earns: 1,
          redemptions: 0,
          corrections: 0,
        },
        {
          storeId: 'north',
          staffId: 'boris',
          displayName: null,
          opened: 1,
          searches: 0,
          enrolments: 0,
          earns: 0,
          redemptions: 1,
          corrections: 1,
        },
      ]);
    });

    it('narrows every figure to one store', async () => {
      const d = await readChainDashboard(hq.db, { now: NOW, days: 7, storeId: 'south' });
      expect(d.storeId).toBe('south');
      expect(d.series.map((day) => day.enrolments)).toEqual([0, 1, 1, 0, 0, 0, 0]);
      expect(d.liability).toBe(1000);
      expect(d.redemptionRatePercent).toBe(65);
      expect(d.overdrafts).toEqual({ membersNegative: 1, pointsNegative: 10, overdraftEntries: 1, flaggedOps: 1 });
      expect(d.silentDevices.map((device) => device.deviceId)).toEqual(['till-s1']);
      expect(d.requests).toEqual({ erasuresPending: 1, erasuresOverdue: 0 });
      expect(d.incidents).toEqual([]);
      expect(d.alerts.open).toBe(1);
      expect(d.staff).toEqual([]);
      expect(d.perStore.map((store) => store.storeId)).toEqual(['south']);
    });

    it('is served to the four reading roles, never to the mail relay, with a closed choice of periods', async () => {
      for (const role of ['chain_admin', 'store_operations', 'privacy_officer', 'auditor'] as const) {
        const client = role === 'chain_admin' ? admin : (await operatorWith(hq, admin, [role])).client;
        const answer = await client.call('getDashboard', { days: '7', storeId: 'north' });
        expect(answer.status, role).toBe(200);
        // The balances owed do not depend on the test HQ's clock, which signing in moves.
        expect((answer.body as { liability: number }).liability).toBe(800);
      }
      const relay = (await operatorWith(hq, admin, ['mail_relay'])).client;
      expect((await relay.call('getDashboard', { days: '7' })).status).toBe(403);
      expect((await admin.call('getDashboard', { days: '5' })).status).toBe(400);
      expect((await admin.call('getDashboard', { days: '7', storeId: 'nowhere' })).status).toBe(404);
    }, 120_000);
  });
});
