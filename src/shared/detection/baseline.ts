import { MAX_FINDING_MEMBERS, type DetectionFinding } from './activity';
import type { BaselineSetting } from './policy';

/** One staff member's day: the distinct members they opened or revealed (HQ, from the tills' audit). */
export interface StaffDay {
  staffId: string;
  /** YYYY-MM-DD in the store's time zone. */
  day: string;
  count: number;
  memberIds?: readonly string[];
}

/**
 * Fewer days than this in a staff member's history and there is no baseline yet, whatever the events:
 * a mean and spread from two or three shifts say nothing about a person's normal day.
 */
export const MIN_BASELINE_DAYS = 5;

/**
 * Whatever the spread, a day is flagged only above this many times the staff member's mean: shift
 * work alone moves a day's count that far. In the seeded store month (tests/support/store-week.ts)
 * honest cashiers on a Saturday with one colleague fewer, and managers covering a double shift,
 * reached 2.96× their 14-day mean; mean + 3σ flagged 111 honest staff-days in 7,700 (100 seeds).
 */
export const MIN_BASELINE_RATIO = 3;

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * baseline_deviation (HQ only): each staff member with a row for `today` is compared with their own
 * previous `setting.days` days (today excluded). Only the days they have a row for count — the days
 * they worked: a day off is not a day of zero opens, and counting it as 0 would spread the history so
 * wide that nothing short of a flood stands out. It fires when that history has at least
 * MIN_BASELINE_DAYS days and `minEvents` members opened in all, and today's count is more than both
 * mean + `sigmas` × spread and MIN_BASELINE_RATIO × mean. The spread is the population standard
 * deviation, but never below √mean (the spread of a steady Poisson count, which members served per
 * day roughly are) nor below 1, so a staff member whose history happens to be flat is not flagged for
 * one more customer.
 *
 * The finding's `threshold` is that bound rounded down (counts are whole: more than 57.4 is more
 * than 57); its window is `nowIso` itself, the caller knows the store-local bounds of `today`.
 */
export function baselineFindings(
  setting: BaselineSetting,
  history: readonly StaffDay[],
  today: string,
  nowIso: string,
): DetectionFinding[] {
  if (setting.mode === 'off') return [];
  const todayMs = dayMs(today);
  const firstMs = todayMs - setting.days * DAY_MS;
  const past = new Map<string, number[]>();
  const current: StaffDay[] = [];
  for (const row of history) {
    const ms = dayMs(row.day);
    if (ms === todayMs) current.push(row);
    else if (ms >= firstMs && ms < todayMs) {
      const counts = past.get(row.staffId);
      if (counts) counts.push(row.count);
      else past.set(row.staffId, [row.count]);
    }
  }
  const findings: DetectionFinding[] = [];
  for (const row of current) {
    const counts = past.get(row.staffId) ?? [];
    const total = counts.reduce((sum, n) => sum + n, 0);
    if (counts.length < MIN_BASELINE_DAYS || total < setting.minEvents) continue;
    const mean = total / counts.length;
    const variance = counts.reduce((sum, n) => sum + (n - mean) ** 2, 0) / counts.length;
    const spread = Math.max(Math.sqrt(variance), Math.sqrt(mean), 1);
    const bound = Math.max(mean + setting.sigmas * spread, MIN_BASELINE_RATIO * mean);
    if (row.count <= bound) continue;
    findings.push({
      rule: 'baseline_deviation',
      staffId: row.staffId,
      at: nowIso,
      windowStart: nowIso,
      windowEnd: nowIso,
      count: row.count,
      threshold: Math.floor(bound),
      memberIds: [...new Set(row.memberIds ?? [])].slice(0, MAX_FINDING_MEMBERS),
      auditRefs: [],
    });
  }
  return findings.sort((a, b) => (a.staffId < b.staffId ? -1 : a.staffId > b.staffId ? 1 : 0));
}

function dayMs(day: string): number {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) throw new RangeError('baselineFindings: a day is YYYY-MM-DD');
  return Date.parse(`${day}T00:00:00Z`);
}
