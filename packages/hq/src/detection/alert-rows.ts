import { randomUUID } from 'node:crypto';
import type { DetectionFinding } from '../../../../src/shared/detection/activity';
import type { RaisedAlert } from '../../../../src/shared/detection/evaluate';
import { logChange } from '../change-log';
import type { Queryable } from '../db/database';

export interface NewAlert {
  storeId: string;
  source: 'till' | 'hq';
  deviceId: string | null;
  tillAlertId: string | null;
  mode: 'notify' | 'enforce';
  /** When it fired, in the tills' time (the evaluator's cool-down compares it with their events). */
  raisedAt: Date;
  /**
   * HQ's clock when it is written: the change log's time. Never a till's: a till whose clock is
   * behind would log the change before the pull horizon, and the store's tills would never pull it.
   */
  loggedAt: Date;
  finding: Pick<
    DetectionFinding,
    'rule' | 'staffId' | 'windowStart' | 'windowEnd' | 'count' | 'threshold' | 'memberIds' | 'auditRefs'
  >;
  /** A till's alert: whether HQ reproduced it; null for HQ's own. */
  hqConfirmed: boolean | null;
}

/** Inserts an alert; a till's alert it already holds (a retried upload) is left as it is. Returns the id or null. */
export async function insertAlert(tx: Queryable, alert: NewAlert): Promise<string | null> {
  const inserted = await tx.query<{ id: string }>(
    `INSERT INTO detection_alerts (id, store_id, device_id, till_alert_id, source, rule, staff_id, mode, raised_at,
                                   window_start, window_end, count, threshold, member_ids, audit_refs, hq_confirmed)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14::jsonb, $15::jsonb, $16)
     ON CONFLICT (device_id, till_alert_id) DO NOTHING RETURNING id`,
    [
      randomUUID(),
      alert.storeId,
      alert.deviceId,
      alert.tillAlertId,
      alert.source,
      alert.finding.rule,
      alert.finding.staffId,
      alert.mode,
      alert.raisedAt,
      alert.finding.windowStart,
      alert.finding.windowEnd,
      alert.finding.count,
      alert.finding.threshold,
      JSON.stringify(alert.finding.memberIds),
      JSON.stringify(alert.finding.auditRefs),
      alert.hqConfirmed,
    ],
  );
  const id = inserted.rows[0]?.id ?? null;
  // HQ's own alerts travel to the store's tills with the next pull (a till's own are already there).
  if (id !== null && alert.source === 'hq') await logChange(tx, 'alert', id, alert.storeId, alert.loggedAt);
  return id;
}

/** Alerts of a store's staff members raised since `since` (by tills or HQ), for the evaluator's cool-down. */
export async function raisedAlerts(
  q: Queryable,
  storeId: string,
  staffIds: readonly string[],
  since: Date,
): Promise<RaisedAlert[]> {
  const found = await q.query<{ rule: RaisedAlert['rule']; staff_id: string; raised_at: Date }>(
    `SELECT rule, staff_id, raised_at FROM detection_alerts
      WHERE store_id = $1 AND staff_id = ANY($2::text[]) AND raised_at >= $3`,
    [storeId, [...staffIds], since],
  );
  return found.rows.map((row) => ({
    rule: row.rule,
    staffId: row.staff_id,
    at: new Date(row.raised_at).toISOString(),
  }));
}
