import { lastDays, type DashboardPeriod } from '../../../../src/shared/dashboard/days';
import type {
  ChainDashboard,
  ChainDashboardDay,
  ChainDashboardStaff,
  ChainDashboardStore,
} from '../../../../src/shared/dashboard/chain-dashboard';
import { toInt, type Queryable } from '../db/database';
import { listOpenIncidents } from '../incidents/incidents';

/** A device not heard from for this long is silent (revoked ones are not counted). */
export const SILENT_AFTER_MS = 24 * 60 * 60 * 1000;
const TOP_REWARDS = 5;
const MAX_STAFF_ROWS = 200;

type Counted = Exclude<keyof ChainDashboardStaff, 'storeId' | 'staffId' | 'displayName'>;

/** Op types counted per staff member, by the column they fill. */
const STAFF_OPS: Readonly<Record<string, Counted>> = {
  'member.enrolled': 'enrolments',
  'points.earned': 'earns',
  'points.redeemed': 'redemptions',
  'points.adjusted': 'corrections',
  'points.reversed': 'corrections',
};
/** Tills' audit actions counted per staff member (till_audit, uploaded by each till). */
const STAFF_AUDIT: Readonly<Record<string, Counted>> = {
  'member.viewed': 'opened',
  'member.searched': 'searches',
};

/**
 * A "no" that follows a "yes" for the same member (or erased subject) and marketing purpose: the
 * "no" given at enrolment is an answer, not a withdrawal. Shared by the per-day and total counts.
 */
const WITHDRAWALS = `withdrawals AS (
  SELECT subject, store_id, at FROM (
    SELECT coalesce(member_id, erased_subject) AS subject, store_id, at, granted,
           lag(granted) OVER (PARTITION BY coalesce(member_id, erased_subject), purpose ORDER BY at, op_id) AS before
      FROM consents WHERE purpose IN ('marketing_email', 'marketing_sms')) answers
   WHERE NOT granted AND before)`;

const DAYS = `unnest($1::text[], $2::timestamptz[], $3::timestamptz[]) AS d(day, day_from, day_to)`;

type Scope = string | null;

function iso(value: unknown): string {
  return new Date(value as string | Date).toISOString();
}

/**
 * The chain dashboard from HQ's own tables, chain-wide or for one store. Days are UTC days; figures
 * are counts and points (members, staff and devices by id). Read inside the caller's transaction,
 * so every figure is of the same moment.
 */
export async function readChainDashboard(
  q: Queryable,
  input: { now: Date; days: DashboardPeriod; storeId: string | null },
): Promise<ChainDashboard> {
  const { now, days } = input;
  const scope: Scope = input.storeId;
  const ranges = lastDays(now, days, 'UTC');
  const from = new Date(ranges[0]?.from ?? now.toISOString());
  const to = new Date(ranges[ranges.length - 1]?.to ?? now.toISOString());
  const dayParams = [ranges.map((r) => r.day), ranges.map((r) => r.from), ranges.map((r) => r.to)];
  const silentBefore = new Date(now.getTime() - SILENT_AFTER_MS);

  const perDay = async (sql: string): Promise<Map<string, number>> => {
    const result = await q.query<{ day: string; n: unknown }>(sql, [...dayParams, scope]);
    return new Map(result.rows.map((row) => [row.day, toInt(row.n)]));
  };
  const enrolments = await perDay(
    `SELECT d.day, count(*) AS n FROM ${DAYS}
       JOIN members m ON m.enrolled_at >= d.day_from AND m.enrolled_at < d.day_to
      WHERE ($4::text IS NULL OR m.home_store_id = $4) GROUP BY d.day`,
  );
  const issued = await perDay(
    `SELECT d.day, sum(l.points) AS n FROM ${DAYS}
       JOIN ledger l ON l.at >= d.day_from AND l.at < d.day_to
      WHERE l.kind = 'earn' AND ($4::text IS NULL OR l.store_id = $4) GROUP BY d.day`,
  );
  const redeemed = await perDay(
    `SELECT d.day, -sum(l.points) AS n FROM ${DAYS}
       JOIN ledger l ON l.at >= d.day_from AND l.at < d.day_to
      WHERE l.kind = 'redeem' AND ($4::text IS NULL OR l.store_id = $4) GROUP BY d.day`,
  );
  const withdrawn = await perDay(
    `WITH ${WITHDRAWALS}
     SELECT d.day, count(DISTINCT w.subject) AS n FROM ${DAYS}
       JOIN withdrawals w ON w.at >= d.day_from AND w.at < d.day_to
      WHERE ($4::text IS NULL OR w.store_id = $4) GROUP BY d.day`,
  );
  const series: ChainDashboardDay[] = ranges.map(({ day }) => ({
    day,
    enrolments: enrolments.get(day) ?? 0,
    pointsIssued: issued.get(day) ?? 0,
    pointsRedeemed: redeemed.get(day) ?? 0,
    consentWithdrawals: withdrawn.get(day) ?? 0,
  }));

  const withdrawalsTotal = await q.query<{ n: unknown }>(
    `WITH ${WITHDRAWALS}
     SELECT count(DISTINCT subject) AS n FROM withdrawals
      WHERE at >= $1 AND at < $2 AND ($3::text IS NULL OR store_id = $3)`,
    [from, to, scope],
  );

  const stores = await q.query<{ id: string; name: string }>('SELECT id, name FROM stores ORDER BY name, id');
  const perStore = await storeFigures(q, { from, to, silentBefore, scope });

  const topRewards = await q.query<{
    reward_id: string;
    name_en: string | null;
    name_ru: string | null;
    n: unknown;
    points: unknown;
  }>(
    `SELECT l.reward_id, r.name_en, r.name_ru, count(*) AS n, -sum(l.points) AS points
       FROM ledger l LEFT JOIN rewards r ON r.id = l.reward_id
      WHERE l.kind = 'redeem' AND l.reward_id IS NOT NULL AND l.at >= $1 AND l.at < $2
        AND ($3::text IS NULL OR l.store_id = $3)
        AND NOT EXISTS (SELECT 1 FROM ledger x WHERE x.reverses_op_id = l.op_id)
      GROUP BY l.reward_id, r.name_en, r.name_ru ORDER BY n DESC, points DESC, l.reward_id LIMIT $4`,
    [from, to, scope, TOP_REWARDS],
  );

  const staff = await staffActivity(q, { from, to, scope });

  const balances = await q.query<{ liability: unknown; negative_members: unknown; negative_points: unknown }>(
    `SELECT coalesce(sum(points) FILTER (WHERE points > 0), 0) AS liability,
            count(*) FILTER (WHERE points < 0) AS negative_members,
            coalesce(-sum(points) FILTER (WHERE points < 0), 0) AS negative_points
       FROM members WHERE erased_at IS NULL AND ($1::text IS NULL OR home_store_id = $1)`,
    [scope],
  );
  const overdraftEntries = await q.query<{ n: unknown }>(
    `SELECT count(*) AS n FROM ledger
      WHERE flagged_overdraft AND at >= $1 AND at < $2 AND ($3::text IS NULL OR store_id = $3)`,
    [from, to, scope],
  );
  const flaggedOps = await q.query<{ n: unknown }>(
    `SELECT count(DISTINCT op_id) AS n FROM op_flags
      WHERE flagged_at >= $1 AND flagged_at < $2 AND ($3::text IS NULL OR store_id = $3)`,
    [from, to, scope],
  );
  const silent = await q.query<{ id: string; store_id: string; name: string; last_seen_at: Date | string | null }>(
    `SELECT id, store_id, name, last_seen_at FROM devices
      WHERE revoked_at IS NULL AND (last_seen_at IS NULL OR last_seen_at < $1)
        AND ($2::text IS NULL OR store_id = $2)
      ORDER BY last_seen_at NULLS FIRST, id`,
    [silentBefore, scope],
  );
  const rolledBack = await q.query<{ id: string; store_id: string; name: string; rolled_back_at: Date | string }>(
    `SELECT id, store_id, name, rolled_back_at FROM devices
      WHERE revoked_at IS NULL AND rolled_back_at IS NOT NULL AND ($1::text IS NULL OR store_id = $1)
      ORDER BY rolled_back_at, id`,
    [scope],
  );
  const erasures = await q.query<{ pending: unknown; overdue: unknown }>(
    `SELECT count(*) AS pending, count(*) FILTER (WHERE due_at < $1) AS overdue FROM erasure_requests
      WHERE status = 'pending' AND ($2::text IS NULL OR store_id = $2)`,
    [now, scope],
  );
  // The register's own clock (incidents/clock.ts through its summaries): a "not notifiable"
  // decision and a late notification are its to judge, not aware_at + 72 h's.
  const incidents = await listOpenIncidents(q, now, scope);
  const alerts = await q.query<{ rule: string; n: unknown }>(
    `SELECT rule, count(*) AS n FROM detection_alerts
      WHERE status = 'open' AND ($1::text IS NULL OR store_id = $1) GROUP BY rule ORDER BY n DESC, rule`,
    [scope],
  );

  const totalIssued = series.reduce((sum, d) => sum + d.pointsIssued, 0);
  const totalRedeemed = series.reduce((sum, d) => sum + d.pointsRedeemed, 0);
  const balance = balances.rows[0];
  const erasure = erasures.rows[0];
  return {
    days,
    timeZone: 'UTC',
    generatedAt: now.toISOString(),
    storeId: scope,
    stores: stores.rows.map((row) => ({ storeId: row.id, name: row.name })),
    series,
    consentWithdrawalsTotal: toInt(withdrawalsTotal.rows[0]?.n),
    perStore: perStore.filter((store) => scope === null || store.storeId === scope),
    topRewards: topRewards.rows.map((row) => ({
      rewardId: row.reward_id,
      nameEn: row.name_en,
      nameRu: row.name_ru,
      redemptions: toInt(row.n),
      points: toInt(row.points),
    })),
    staff,
    liability: toInt(balance?.liability),
    redemptionRatePercent: totalIssued === 0 ? null : Math.round((totalRedeemed * 1000) / totalIssued) / 10,
    overdrafts: {
      membersNegative: toInt(balance?.negative_members),
      pointsNegative: toInt(balance?.negative_points),
      overdraftEntries: toInt(overdraftEntries.rows[0]?.n),
      flaggedOps: toInt(flaggedOps.rows[0]?.n),
    },
    silentDevices: silent.rows.map((row) => ({
      deviceId: row.id,
      storeId: row.store_id,
      name: row.name,
      lastSeenAt: row.last_seen_at === null ? null : iso(row.last_seen_at),
    })),
    rolledBackDevices: rolledBack.rows.map((row) => ({
      deviceId: row.id,
      storeId: row.store_id,
      name: row.name,
      detectedAt: iso(row.rolled_back_at),
    })),
    requests: { erasuresPending: toInt(erasure?.pending), erasuresOverdue: toInt(erasure?.overdue) },
    // Ids, kinds, dates and the clock: never the title (the officer's words).
    incidents: incidents.map((incident) => ({
      incidentId: incident.incidentId,
      kind: incident.kind,
      storeId: incident.storeId,
      awareAt: incident.awareAt,
      deadlineAt: incident.clock.deadlineAt,
      clock: { state: incident.clock.state, msLeft: incident.clock.msLeft },
    })),
    alerts: {
      open: alerts.rows.reduce((sum, row) => sum + toInt(row.n), 0),
      byRule: alerts.rows.map((row) => ({ rule: row.rule, open: toInt(row.n) })),
    },
  };
}

/** Each store's totals over the period, its liability and overdrawn members, silent devices and open alerts. */
async function storeFigures(
  q: Queryable,
  p: { from: Date; to: Date; silentBefore: Date; scope: Scope },
): Promise<ChainDashboardStore[]> {
  const rows = await q.query<{
    id: string;
    name: string;
    enrolments: unknown;
    issued: unknown;
    redeemed: unknown;
    withdrawals: unknown;
    liability: unknown;
    overdrawn: unknown;
    silent: unknown;
    alerts: unknown;
  }>(
    `WITH ${WITHDRAWALS}
     SELECT s.id, s.name,
       (SELECT count(*) FROM members m WHERE m.home_store_id = s.id AND m.enrolled_at >= $1 AND m.enrolled_at < $2)
         AS enrolments,
       (SELECT coalesce(sum(points), 0) FROM ledger l WHERE l.store_id = s.id AND l.kind = 'earn'
          AND l.at >= $1 AND l.at < $2) AS issued,
       (SELECT coalesce(-sum(points), 0) FROM ledger l WHERE l.store_id = s.id AND l.kind = 'redeem'
          AND l.at >= $1 AND l.at < $2) AS redeemed,
       (SELECT count(DISTINCT subject) FROM withdrawals w WHERE w.store_id = s.id AND w.at >= $1 AND w.at < $2)
         AS withdrawals,
       (SELECT coalesce(sum(points), 0) FROM members m WHERE m.home_store_id = s.id AND m.erased_at IS NULL
          AND m.points > 0) AS liability,
       (SELECT count(*) FROM members m WHERE m.home_store_id = s.id AND m.erased_at IS NULL AND m.points < 0)
         AS overdrawn,
       (SELECT count(*) FROM devices v WHERE v.store_id = s.id AND v.revoked_at IS NULL
          AND (v.last_seen_at IS NULL OR v.last_seen_at < $3)) AS silent,
       (SELECT count(*) FROM detection_alerts a WHERE a.store_id = s.id AND a.status = 'open') AS alerts
       FROM stores s WHERE ($4::text IS NULL OR s.id = $4) ORDER BY s.name, s.id`,
    [p.from, p.to, p.silentBefore, p.scope],
  );
  return rows.rows.map((row) => ({
    storeId: row.id,
    name: row.name,
    enrolments: toInt(row.enrolments),
    pointsIssued: toInt(row.issued),
    pointsRedeemed: toInt(row.redeemed),
    consentWithdrawals: toInt(row.withdrawals),
    liability: toInt(row.liability),
    membersOverdrawn: toInt(row.overdrawn),
    silentDevices: toInt(row.silent),
    openAlerts: toInt(row.alerts),
  }));
}

/**
 * What each staff member did, per store: enrolments, earns, redemptions and corrections from the
 * ops HQ applied (received in the period), members opened and searches from the tills' audit
 * entries (till_audit, at in the period). A store's tills are its devices.
 */
async function staffActivity(q: Queryable, p: { from: Date; to: Date; scope: Scope }): Promise<ChainDashboardStaff[]> {
  const ops = await q.query<{ store_id: string; staff_id: string; kind: string; n: unknown }>(
    `SELECT v.store_id, o.staff_id, o.type AS kind, count(*) AS n
       FROM ops o JOIN devices v ON v.id = o.device_id
      WHERE o.outcome = 'applied' AND o.staff_id IS NOT NULL AND o.received_at >= $1 AND o.received_at < $2
        AND o.type = ANY($3::text[]) AND ($4::text IS NULL OR v.store_id = $4)
      GROUP BY v.store_id, o.staff_id, o.type`,
    [p.from, p.to, Object.keys(STAFF_OPS), p.scope],
  );
  const audit = await q.query<{ store_id: string; staff_id: string; kind: string; n: unknown }>(
    `SELECT v.store_id, a.staff_id, a.action AS kind, count(*) AS n
       FROM till_audit a JOIN devices v ON v.id = a.device_id
      WHERE a.staff_id IS NOT NULL AND a.at >= $1 AND a.at < $2
        AND a.action = ANY($3::text[]) AND ($4::text IS NULL OR v.store_id = $4)
      GROUP BY v.store_id, a.staff_id, a.action`,
    [p.from, p.to, Object.keys(STAFF_AUDIT), p.scope],
  );
  // Names from HQ's roster, as listAlerts gives them (the roster is the chain's staff: small).
  const roster = await q.query<{ id: string; display_name: string }>('SELECT id, display_name FROM staff');
  const names = new Map(roster.rows.map((row) => [row.id, row.display_name]));
  const byKey = new Map<string, ChainDashboardStaff>();
  const add = (row: { store_id: string; staff_id: string; kind: string; n: unknown }, column: Counted | undefined) => {
    if (!column) return;
    const key = `${row.store_id}\u0000${row.staff_id}`;
    const entry = byKey.get(key) ?? {
      storeId: row.store_id,
      staffId: row.staff_id,
      displayName: names.get(row.staff_id) ?? null,
      opened: 0,
      searches: 0,
      enrolments: 0,
      earns: 0,
      redemptions: 0,
      corrections: 0,
    };
    entry[column] += toInt(row.n);
    byKey.set(key, entry);
  };
  for (const row of ops.rows) add(row, STAFF_OPS[row.kind]);
  for (const row of audit.rows) add(row, STAFF_AUDIT[row.kind]);
  const total = (s: ChainDashboardStaff) =>
    s.opened + s.searches + s.enrolments + s.earns + s.redemptions + s.corrections;
  return [...byKey.values()]
    .sort((a, b) => total(b) - total(a) || a.storeId.localeCompare(b.storeId) || a.staffId.localeCompare(b.staffId))
    .slice(0, MAX_STAFF_ROWS);
}
