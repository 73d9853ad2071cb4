import type { PullChange } from '../../../../src/shared/sync/protocol';
import { toInt, type Queryable } from '../db/database';

/**
 * The store's HQ-raised alerts named in a change-log page, or, at the start of a snapshot, those
 * still open (the log before the snapshot is not replayed, and a till's first sync must show them) (source 'hq' only: a till's own alerts
 * reached HQ from its audit chain and are already on it). Another store's alert is never read,
 * whatever id the log names.
 */
export async function readAlerts(
  q: Queryable,
  storeId: string,
  ids: readonly string[] | 'open',
): Promise<PullChange[]> {
  if (ids !== 'open' && ids.length === 0) return [];
  const found = await q.query<{
    id: string;
    rule: string;
    staff_id: string;
    mode: 'notify' | 'enforce';
    raised_at: Date;
    window_start: Date;
    window_end: Date;
    count: unknown;
    threshold: unknown;
    member_ids: string[];
    status: string;
  }>(
    `SELECT id::text AS id, rule, staff_id, mode, raised_at, window_start, window_end, count, threshold, member_ids, status
       FROM detection_alerts
      WHERE store_id = $1 AND source = 'hq'
        AND ($2::text[] IS NULL AND status = 'open' OR id::text = ANY($2::text[]))
      ORDER BY raised_at, id`,
    [storeId, ids === 'open' ? null : [...ids]],
  );
  return found.rows.map((row) => ({
    kind: 'alert',
    alert: {
      id: row.id,
      rule: row.rule as Extract<PullChange, { kind: 'alert' }>['alert']['rule'],
      staffId: row.staff_id,
      mode: row.mode,
      raisedAt: new Date(row.raised_at).toISOString(),
      windowStart: new Date(row.window_start).toISOString(),
      windowEnd: new Date(row.window_end).toISOString(),
      count: toInt(row.count),
      threshold: toInt(row.threshold),
      memberIds: row.member_ids.slice(0, 50),
      resolved: row.status !== 'open',
    },
  }));
}
