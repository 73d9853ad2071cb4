import { baselineFindings, type StaffDay } from '../../../../src/shared/detection/baseline';
import { scheduleJob } from '../jobs/schedule-job';
import { localDay } from '../../../../src/shared/detection/store-hours';
import type { HqDatabase } from '../db/database';
import { insertAlert } from './alert-rows';
import { readDetectionPolicy } from './policy-store';

const DAY_MS = 24 * 60 * 60 * 1000;

export interface BaselineJobDeps {
  db: HqDatabase;
  now: () => Date;
}

/**
 * baseline_deviation (HQ only): per store, each staff member's distinct members opened or revealed
 * per store-local day (the store hours' time zone, UTC when the store has none), from the tills'
 * uploaded audit entries; today's count against their own history (shared/detection/baseline.ts).
 * An alert is raised at most once per staff member per store-local day, so an hourly run that sees
 * the same day again adds nothing. Returns the number of alerts raised.
 */
export async function runBaselineJob(deps: BaselineJobDeps): Promise<number> {
  const now = deps.now();
  const stores = await deps.db.query<{ id: string }>('SELECT id FROM stores ORDER BY id');
  let raised = 0;
  for (const store of stores.rows) {
    raised += await deps.db.transaction(async (tx) => {
      const { policy } = await readDetectionPolicy(tx, store.id);
      if (policy.baseline.mode === 'off') return 0;
      const timeZone = policy.storeHours?.timeZone ?? 'UTC';
      const today = localDay(timeZone, now.getTime());
      // One day more than the history: the store-local day may begin before UTC's.
      const since = new Date(now.getTime() - (policy.baseline.days + 2) * DAY_MS);
      const rows = await tx.query<{ staff_id: string; subject_id: string; at: Date }>(
        `SELECT a.staff_id, a.subject_id, a.at FROM till_audit a JOIN devices d ON d.id = a.device_id
          WHERE d.store_id = $1 AND a.at >= $2 AND a.at <= $3 AND a.staff_id IS NOT NULL
            AND a.subject_type = 'member' AND a.subject_id IS NOT NULL
            AND a.action IN ('member.viewed', 'member.contacts_revealed')`,
        [store.id, since, now],
      );
      const days = new Map<string, { staffId: string; day: string; members: Set<string>; firstAt: number }>();
      for (const row of rows.rows) {
        const atMs = new Date(row.at).getTime();
        const day = localDay(timeZone, atMs);
        const key = `${row.staff_id}\u0000${day}`;
        const found = days.get(key);
        if (found) {
          found.members.add(row.subject_id);
          found.firstAt = Math.min(found.firstAt, atMs);
        } else days.set(key, { staffId: row.staff_id, day, members: new Set([row.subject_id]), firstAt: atMs });
      }
      const history: StaffDay[] = [...days.values()].map((d) => ({
        staffId: d.staffId,
        day: d.day,
        count: d.members.size,
        memberIds: [...d.members],
      }));
      const findings = baselineFindings(policy.baseline, history, today, now.toISOString());
      if (findings.length === 0) return 0;
      const earlier = await tx.query<{ staff_id: string; raised_at: Date }>(
        `SELECT staff_id, raised_at FROM detection_alerts
          WHERE store_id = $1 AND rule = 'baseline_deviation' AND raised_at >= $2`,
        [store.id, new Date(now.getTime() - 2 * DAY_MS)],
      );
      const alreadyToday = new Set(
        earlier.rows
          .filter((row) => localDay(timeZone, new Date(row.raised_at).getTime()) === today)
          .map((row) => row.staff_id),
      );
      let count = 0;
      for (const finding of findings) {
        if (alreadyToday.has(finding.staffId)) continue;
        const first = days.get(`${finding.staffId}\u0000${today}`)?.firstAt ?? now.getTime();
        await insertAlert(tx, {
          storeId: store.id,
          source: 'hq',
          deviceId: null,
          tillAlertId: null,
          // HQ holds nobody: a till places holds only for its own findings (shared/detection/policy.ts).
          mode: 'notify',
          raisedAt: now,
          loggedAt: now,
          // The day so far: from the staff member's first open today to now.
          finding: { ...finding, windowStart: new Date(first).toISOString() },
          hqConfirmed: null,
        });
        count += 1;
      }
      return count;
    });
  }
  return raised;
}

/** Runs the baseline job now and then every `intervalMs` (an hour) until stopped; failures are reported, not fatal. */
export function scheduleBaselineJob(
  deps: BaselineJobDeps,
  report: { done(raised: number): void; failed(error: unknown): void },
  intervalMs = 60 * 60 * 1000,
): { stop(): void } {
  // Leased: several HQ processes on one database run it once an hour between them.
  return scheduleJob(() => runBaselineJob(deps), report, intervalMs, { db: deps.db, name: 'baseline', now: deps.now });
}
