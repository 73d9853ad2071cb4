import { z } from 'zod';
import { DASHBOARD_PERIODS } from './days';

/**
 * The till's dashboard (channel dashboard.store): computed in the main process from this till's
 * own tables, so it works offline. Counts, points, ids and staff names only: never a member's name
 * or contact.
 */
export const StoreDashboardRequest = z.strictObject({
  days: z.literal(DASHBOARD_PERIODS, { error: 'invalid_choice' }),
});
export type StoreDashboardRequest = z.infer<typeof StoreDashboardRequest>;

const count = z.number().int().min(0);
const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);

export const StoreDashboardDay = z.strictObject({
  /** A calendar day in the till's time zone. */
  day,
  enrolments: count,
  /** Points earned at this till that day. */
  pointsIssued: count,
  /** Points spent on rewards at this till that day (a positive figure). */
  pointsRedeemed: count,
  /** Members whose e-mail or SMS marketing consent went from given to withdrawn that day. */
  consentWithdrawals: count,
});
export type StoreDashboardDay = z.infer<typeof StoreDashboardDay>;

export const StoreDashboardStaff = z.strictObject({
  staffId: z.string(),
  /** From the roster (the till's; HQ's on the chain dashboard); null for a staff id not on it. */
  displayName: z.string().nullable(),
  opened: count,
  searches: count,
  enrolments: count,
  earns: count,
  redemptions: count,
  /** Adjustments and reversals. */
  corrections: count,
});
export type StoreDashboardStaff = z.infer<typeof StoreDashboardStaff>;

export const StoreDashboardAlert = z.strictObject({
  alertId: z.string(),
  rule: z.string(),
  staffId: z.string(),
  mode: z.enum(['notify', 'enforce']),
  raisedAt: z.string(),
  count,
  threshold: count,
  acknowledged: z.boolean(),
});

export const StoreDashboard = z.strictObject({
  days: z.number().int(),
  /** The IANA zone the days are counted in (the till's). */
  timeZone: z.string(),
  generatedAt: z.string(),
  series: z.array(StoreDashboardDay),
  /** Distinct members over the whole period (one who withdrew on two days counts once). */
  consentWithdrawalsTotal: count,
  /** At most five, most redeemed first; a reversed redemption is not counted. */
  topRewards: z.array(
    z.strictObject({
      rewardId: z.string(),
      nameEn: z.string().nullable(),
      nameRu: z.string().nullable(),
      redemptions: count,
      points: count,
    }),
  ),
  /** Staff who did anything counted over the period, most active first. */
  staff: z.array(StoreDashboardStaff),
  alerts: z.strictObject({
    /** Not yet acknowledged, whenever raised. */
    open: count,
    raisedInPeriod: count,
    /** The five most recent, newest first. */
    latest: z.array(StoreDashboardAlert),
  }),
  sync: z.strictObject({
    paired: z.boolean(),
    lastSuccessAt: z.string().nullable(),
    pendingOps: count,
    /** When the oldest op still waiting for HQ was recorded; null when none waits. */
    oldestPendingAt: z.string().nullable(),
    /** A code, never a message. */
    lastError: z.string().nullable(),
    dayEnd: z.strictObject({ status: z.enum(['sent', 'reconciled', 'mismatch']), at: z.string() }).nullable(),
  }),
});
export type StoreDashboard = z.infer<typeof StoreDashboard>;
