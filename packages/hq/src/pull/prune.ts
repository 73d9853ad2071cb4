import type { HqDatabase } from '../db/database';

/**
 * Drops change-log rows older than `before` (by change time) and every row behind them in cursor
 * order, and moves the horizon there: a device whose cursor is behind it gets cursor_expired and
 * pulls a snapshot (DESIGN §5), which also covers erasure tombstones it missed (§6).
 */
export async function pruneChangeLog(db: HqDatabase, before: Date): Promise<{ removed: number }> {
  return db.transaction(async (tx) => {
    const last = await tx.query<{ txid: string; seq: string }>(
      `SELECT txid::text AS txid, seq::text AS seq FROM change_log
        WHERE changed_at < $1 AND txid < pg_snapshot_xmin(pg_current_snapshot())
        ORDER BY txid DESC, seq DESC LIMIT 1`,
      [before],
    );
    const horizon = last.rows[0];
    if (!horizon) return { removed: 0 };
    const removed = await tx.query<{ n: unknown }>(
      `WITH gone AS (
         DELETE FROM change_log WHERE txid < $1::xid8 OR (txid = $1::xid8 AND seq <= $2::bigint) RETURNING 1
       ) SELECT count(*) AS n FROM gone`,
      [horizon.txid, horizon.seq],
    );
    await tx.query(
      `INSERT INTO change_log_horizon (id, txid, seq) VALUES (1, $1::xid8, $2::bigint)
       ON CONFLICT (id) DO UPDATE SET txid = GREATEST(change_log_horizon.txid, excluded.txid),
         seq = CASE WHEN excluded.txid > change_log_horizon.txid
                      OR (excluded.txid = change_log_horizon.txid AND excluded.seq > change_log_horizon.seq)
                    THEN excluded.seq ELSE change_log_horizon.seq END`,
      [horizon.txid, horizon.seq],
    );
    return { removed: Number(removed.rows[0]?.n ?? 0) };
  });
}
