import type { ActivityEvent } from '../../../../src/shared/detection/activity';
import { activityFromAudit } from '../../../../src/shared/detection/audit-activity';
import { toInt, type Queryable } from '../db/database';

interface TillAuditRow {
  device_id: string;
  seq: unknown;
  at: Date;
  staff_id: string | null;
  action: string;
  subject_type: string | null;
  subject_id: string | null;
  details: Record<string, string | number | boolean | null>;
}

/**
 * What the given staff members did on every till of a store between `from` and `to` (inclusive), as
 * activity events, from the audit entries the tills uploaded. No `relationOf`: HQ's roster does not
 * say which members are staff members, and a till's word for it is not taken, so the
 * own_or_colleague rule is left to the tills (HQ keeps their alerts).
 *
 * A wrong PIN counts against the staff member it was typed as (shared/detection/audit-activity.ts),
 * who need not be the entry's actor: an approval's failure names the signed-in cashier as staff_id
 * and the manager as details.approverId, a sign-in's names the staff member as its subject. Those
 * rows are read too, and only events of the staff members asked for are returned.
 */
export async function storeActivity(
  q: Queryable,
  storeId: string,
  staffIds: readonly string[],
  from: Date,
  to: Date,
  deviceId?: string,
): Promise<ActivityEvent[]> {
  if (staffIds.length === 0) return [];
  const rows = await q.query<TillAuditRow>(
    `SELECT a.device_id, a.seq, a.at, a.staff_id, a.action, a.subject_type, a.subject_id, a.details
       FROM till_audit a JOIN devices d ON d.id = a.device_id
      WHERE d.store_id = $1 AND a.at >= $3 AND a.at <= $4
        AND (a.staff_id = ANY($2::text[]) OR a.details->>'approverId' = ANY($2::text[])
             OR (a.subject_type = 'staff' AND a.subject_id = ANY($2::text[])))
        AND ($5::text IS NULL OR a.device_id = $5)
      ORDER BY a.at, a.device_id, a.seq`,
    [storeId, [...staffIds], from, to, deviceId ?? null],
  );
  const wanted = new Set(staffIds);
  const events: ActivityEvent[] = [];
  for (const row of rows.rows) {
    const event = activityFromAudit({
      seq: toInt(row.seq),
      at: new Date(row.at).toISOString(),
      staffId: row.staff_id,
      action: row.action,
      subjectType: row.subject_type,
      subjectId: row.subject_id,
      details: row.details,
      deviceId: row.device_id,
    });
    if (event && wanted.has(event.staffId)) events.push(event);
  }
  return events;
}
