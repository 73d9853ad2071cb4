import { z } from 'zod';
import { DASHBOARD_PERIODS } from './days';
import { StoreDashboardStaff } from './store-dashboard';

/**
 * The chain's dashboard in HQ's console (endpoint getDashboard): per store or chain-wide. Counts,
 * points and ids only: HQ reads no member's name or contact for it. Staff members come with their
 * display name from HQ's roster (as the alerts page names them), the id when the roster lost them.
 */
const id = z.string().regex(/^[A-Za-z0-9_.:-]{1,128}$/);
const iso = z.iso.datetime({ offset: true });
const count = z.number().int().min(0);
const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);

/**
 * The breach register's 72-hour clock states (GDPR Art. 33(1)); HQ's incidents/clock.ts computes them
 * and takes this list, so the dashboard shows the register's own state and cannot drift from it.
 */
export const INCIDENT_CLOCK_STATES = [
  'running',
  'overdue',
  'notified_in_time',
  'notified_late',
  'not_notifiable',
] as const;

export const ChainDashboardInput = z.strictObject({
  storeId: id.optional(),
  /** A query parameter, so a string on the wire. */
  days: z.coerce.number().pipe(z.literal(DASHBOARD_PERIODS)),
});

export const ChainDashboardDay = z.strictObject({
  /** A calendar day in UTC (stores of a chain may sit in several zones; HQ counts in one). */
  day,
  enrolments: count,
  pointsIssued: count,
  pointsRedeemed: count,
  consentWithdrawals: count,
});
export type ChainDashboardDay = z.infer<typeof ChainDashboardDay>;

export const ChainDashboardStore = z.strictObject({
  storeId: id,
  name: z.string(),
  enrolments: count,
  pointsIssued: count,
  pointsRedeemed: count,
  consentWithdrawals: count,
  /** Points held by the store's (home store) members, erased members left out. */
  liability: count,
  membersOverdrawn: count,
  silentDevices: count,
  openAlerts: count,
});
export type ChainDashboardStore = z.infer<typeof ChainDashboardStore>;

/**
 * A staff member's activity in one store: the till's row (opened and searches from the tills'
 * uploaded audit entries, the rest from the ops HQ applied) with the store it is about.
 */
export const ChainDashboardStaff = StoreDashboardStaff.extend({ storeId: id });
export type ChainDashboardStaff = z.infer<typeof ChainDashboardStaff>;

export const ChainDashboard = z.strictObject({
  days: z.number().int(),
  timeZone: z.literal('UTC'),
  generatedAt: iso,
  /** The store the figures are for; null: the whole chain. */
  storeId: id.nullable(),
  /** Every store, for the picker (ids and names only). */
  stores: z.array(z.strictObject({ storeId: id, name: z.string() })),
  series: z.array(ChainDashboardDay),
  /** Distinct members over the whole period. */
  consentWithdrawalsTotal: count,
  perStore: z.array(ChainDashboardStore),
  topRewards: z.array(
    z.strictObject({
      rewardId: z.string(),
      nameEn: z.string().nullable(),
      nameRu: z.string().nullable(),
      redemptions: count,
      points: count,
    }),
  ),
  staff: z.array(ChainDashboardStaff),
  /** Sum of the positive balances of members not erased: what the chain owes in points. */
  liability: count,
  /**
   * Points redeemed over the period divided by points issued over it, in per cent to one decimal;
   * null when nothing was issued. Above 100 means more was spent than earned in the period.
   */
  redemptionRatePercent: z.number().min(0).nullable(),
  overdrafts: z.strictObject({
    /** Members (not erased) whose balance is below zero now. */
    membersNegative: count,
    /** Their points below zero, as a positive figure. */
    pointsNegative: count,
    /** Redemptions and corrections HQ accepted uncovered (ledger flagged_overdraft), in the period. */
    overdraftEntries: count,
    /** Ops HQ corrected (op_flags), in the period. */
    flaggedOps: count,
  }),
  /** Not revoked, and never heard from or not for 24 hours. */
  silentDevices: z.array(z.strictObject({ deviceId: id, storeId: id, name: z.string(), lastSeenAt: iso.nullable() })),
  /** Not revoked, and refused as restored from an old copy (issue 15) until an operator clears it. */
  rolledBackDevices: z.array(z.strictObject({ deviceId: id, storeId: id, name: z.string(), detectedAt: iso })),
  requests: z.strictObject({
    /** Erasure requests waiting (their hold not yet over, or due and not yet carried out). */
    erasuresPending: count,
    /** Of those, past their due time. */
    erasuresOverdue: count,
  }),
  incidents: z.array(
    z.strictObject({
      incidentId: z.string(),
      kind: z.string(),
      storeId: id.nullable(),
      awareAt: iso,
      /** Aware + 72 hours (GDPR Art. 33): when the regulator must have been told. */
      deadlineAt: iso,
      /**
       * The register's clock at generatedAt (incidents/clock.ts): a "not notifiable" decision stops
       * it, a notification after the deadline is late. msLeft as there: until the deadline while
       * running or overdue (negative), the margin a notification left, 0 when not notifiable.
       */
      clock: z.strictObject({ state: z.enum(INCIDENT_CLOCK_STATES), msLeft: z.number().int() }),
    }),
  ),
  alerts: z.strictObject({
    open: count,
    byRule: z.array(z.strictObject({ rule: z.string(), open: count })),
  }),
});
export type ChainDashboard = z.infer<typeof ChainDashboard>;
