import type { Database } from 'better-sqlite3-multiple-ciphers';
import { lastDays, type DashboardPeriod, type DayRange } from '../../shared/dashboard/days';
import type { StoreDashboard, StoreDashboardDay, StoreDashboardStaff } from '../../shared/dashboard/store-dashboard';
import type { SyncStatus } from '../../shared/sync/status';

export interface StoreDashboardDeps {
  db: Database;
  now: () => Date;
  /** The till's IANA time zone: the store's days are counted in it. */
  timeZone: string;
  /** The sync screen's status (sync-service.ts), for last success, last error and day end. */
  syncStatus: () => SyncStatus;
}

/** Audit actions counted per staff member, by the column they fill. */
const STAFF_ACTIONS: Readonly<Record<string, keyof Omit<StoreDashboardStaff, 'staffId' | 'displayName'>>> = {
  'member.viewed': 'opened',
  'member.searched': 'searches',
  'member.enrolled': 'enrolments',
  'points.earned': 'earns',
  'points.redeemed': 'redemptions',
  'points.adjusted': 'corrections',
  'points.reversed': 'corrections',
};

const TOP_REWARDS = 5;
const LATEST_ALERTS = 5;

/**
 * The day bounds as a table SQLite can join on, so rows are bucketed by the store's local day in
 * SQL (a day the clocks change is 23 or 25 hours long, which no fixed offset would get right).
 */
function daysTable(ranges: readonly DayRange[]): { sql: string; params: string[] } {
  return {
    sql: `days (day, day_from, day_to) AS (VALUES ${ranges.map(() => '(?, ?, ?)').join(', ')})`,
    params: ranges.flatMap((range) => [range.day, range.from, range.to]),
  };
}

/**
 * The store manager's dashboard from this till's own tables (works offline): this till's
 * enrolments, points and consent withdrawals per local day, the rewards redeemed most, what each
 * staff member did (from the audit chain), detection alerts and the health of sync.
 */
export function createStoreDashboard(deps: StoreDashboardDeps) {
  const { db } = deps;

  function perDay(ranges: readonly DayRange[]): StoreDashboardDay[] {
    const days = daysTable(ranges);
    const counted = (sql: string) =>
      new Map(
        db
          .prepare<string[], { day: string; n: number }>(`WITH ${days.sql} ${sql}`)
          .all(...days.params)
          .map((row) => [row.day, row.n]),
      );
    // Enrolments recorded here (the audit entry), not members pulled from HQ's other stores.
    const enrolments = counted(
      `SELECT d.day, count(*) AS n FROM days d JOIN audit a ON a.at >= d.day_from AND a.at < d.day_to
        WHERE a.action = 'member.enrolled' GROUP BY d.day`,
    );
    const issued = counted(
      `SELECT d.day, coalesce(sum(l.points), 0) AS n FROM days d
         JOIN ledger l ON l.at >= d.day_from AND l.at < d.day_to
        WHERE l.kind = 'earn' GROUP BY d.day`,
    );
    const redeemed = counted(
      `SELECT d.day, coalesce(-sum(l.points), 0) AS n FROM days d
         JOIN ledger l ON l.at >= d.day_from AND l.at < d.day_to
        WHERE l.kind = 'redeem' GROUP BY d.day`,
    );
    // A withdrawal is a "no" that follows a "yes" for the same member and purpose; the "no" given
    // at enrolment is an answer, not a withdrawal. Counted once per member per day.
    const withdrawals = counted(
      `, answers AS (
          SELECT member_id, at, granted,
                 lag(granted) OVER (PARTITION BY member_id, purpose ORDER BY at, op_id) AS before
            FROM consents WHERE purpose IN ('marketing_email', 'marketing_sms'))
        SELECT d.day, count(DISTINCT c.member_id) AS n FROM days d
          JOIN answers c ON c.at >= d.day_from AND c.at < d.day_to
         WHERE c.granted = 0 AND c.before = 1 GROUP BY d.day`,
    );
    return ranges.map(({ day }) => ({
      day,
      enrolments: enrolments.get(day) ?? 0,
      pointsIssued: issued.get(day) ?? 0,
      pointsRedeemed: redeemed.get(day) ?? 0,
      consentWithdrawals: withdrawals.get(day) ?? 0,
    }));
  }

  function withdrawalsTotal(from: string, to: string): number {
    return (
      db
        .prepare<[string, string], { n: number }>(
          `WITH answers AS (
             SELECT member_id, at, granted,
                    lag(granted) OVER (PARTITION BY member_id, purpose ORDER BY at, op_id) AS before
               FROM consents WHERE purpose IN ('marketing_email', 'marketing_sms'))
           SELECT count(DISTINCT member_id) AS n FROM answers
            WHERE granted = 0 AND before = 1 AND at >= ? AND at < ?`,
        )
        .get(from, to)?.n ?? 0
    );
  }

  function topRewards(from: string, to: string): StoreDashboard['topRewards'] {
    return db
      .prepare<
        [string, string, number],
        { reward_id: string; name_en: string | null; name_ru: string | null; n: number; points: number }
      >(
        `SELECT l.reward_id, r.name_en, r.name_ru, count(*) AS n, -sum(l.points) AS points
           FROM ledger l LEFT JOIN rewards r ON r.id = l.reward_id
          WHERE l.kind = 'redeem' AND l.reward_id IS NOT NULL AND l.at >= ? AND l.at < ?
            AND NOT EXISTS (SELECT 1 FROM ledger x WHERE x.reverses_op_id = l.op_id)
          GROUP BY l.reward_id ORDER BY n DESC, points DESC, l.reward_id LIMIT ?`,
      )
      .all(from, to, TOP_REWARDS)
      .map((row) => ({
        rewardId: row.reward_id,
        nameEn: row.name_en,
        nameRu: row.name_ru,
        redemptions: row.n,
        points: row.points,
      }));
  }

  function staffActivity(from: string, to: string): StoreDashboardStaff[] {
    const actions = Object.keys(STAFF_ACTIONS);
    const rows = db
      .prepare<string[], { staff_id: string; action: string; n: number; display_name: string | null }>(
        `SELECT a.staff_id, a.action, count(*) AS n, s.display_name
           FROM audit a LEFT JOIN staff s ON s.id = a.staff_id
          WHERE a.staff_id IS NOT NULL AND a.at >= ? AND a.at < ?
            AND a.action IN (${actions.map(() => '?').join(', ')})
          GROUP BY a.staff_id, a.action`,
      )
      .all(from, to, ...actions);
    const byStaff = new Map<string, StoreDashboardStaff>();
    for (const row of rows) {
      const entry = byStaff.get(row.staff_id) ?? {
        staffId: row.staff_id,
        displayName: row.display_name,
        opened: 0,
        searches: 0,
        enrolments: 0,
        earns: 0,
        redemptions: 0,
        corrections: 0,
      };
      const column = STAFF_ACTIONS[row.action];
      if (column) entry[column] += row.n;
      byStaff.set(row.staff_id, entry);
    }
    const total = (s: StoreDashboardStaff) =>
      s.opened + s.searches + s.enrolments + s.earns + s.redemptions + s.corrections;
    return [...byStaff.values()].sort((a, b) => total(b) - total(a) || a.staffId.localeCompare(b.staffId));
  }

  function alerts(from: string, to: string): StoreDashboard['alerts'] {
    const open = db
      .prepare<[], { n: number }>('SELECT count(*) AS n FROM detection_alerts WHERE acknowledged_at IS NULL')
      .get();
    const raised = db
      .prepare<[string, string], { n: number }>(
        'SELECT count(*) AS n FROM detection_alerts WHERE raised_at >= ? AND raised_at < ?',
      )
      .get(from, to);
    const latest = db
      .prepare<
        [number],
        {
          id: string;
          rule: string;
          staff_id: string;
          mode: 'notify' | 'enforce';
          raised_at: string;
          count: number;
          threshold: number;
          acknowledged_at: string | null;
        }
      >(
        `SELECT id, rule, staff_id, mode, raised_at, count, threshold, acknowledged_at
           FROM detection_alerts ORDER BY raised_at DESC, id LIMIT ?`,
      )
      .all(LATEST_ALERTS);
    return {
      open: open?.n ?? 0,
      raisedInPeriod: raised?.n ?? 0,
      latest: latest.map((row) => ({
        alertId: row.id,
        rule: row.rule,
        staffId: row.staff_id,
        mode: row.mode,
        raisedAt: row.raised_at,
        count: row.count,
        threshold: row.threshold,
        acknowledged: row.acknowledged_at !== null,
      })),
    };
  }

  function syncHealth(): StoreDashboard['sync'] {
    const status = deps.syncStatus();
    const oldest = db
      .prepare<[], { at: string | null }>("SELECT min(device_time) AS at FROM outbox WHERE state = 'pending'")
      .get();
    return {
      paired: status.paired,
      lastSuccessAt: status.lastSuccessAt,
      pendingOps: status.pending.total,
      oldestPendingAt: oldest?.at ?? null,
      lastError: status.lastError,
      dayEnd: status.lastDayEnd ? { status: status.lastDayEnd.status, at: status.lastDayEnd.at } : null,
    };
  }

  return {
    /** One consistent read: every figure comes from the same snapshot (the sync worker writes meanwhile). */
    read(days: DashboardPeriod): StoreDashboard {
      const now = deps.now();
      const ranges = lastDays(now, days, deps.timeZone);
      const from = ranges[0]?.from ?? now.toISOString();
      const to = ranges[ranges.length - 1]?.to ?? now.toISOString();
      return db
        .transaction(() => ({
          days,
          timeZone: deps.timeZone,
          generatedAt: now.toISOString(),
          series: perDay(ranges),
          consentWithdrawalsTotal: withdrawalsTotal(from, to),
          topRewards: topRewards(from, to),
          staff: staffActivity(from, to),
          alerts: alerts(from, to),
          sync: syncHealth(),
        }))
        .immediate();
    },
  };
}
export type StoreDashboardService = ReturnType<typeof createStoreDashboard>;
