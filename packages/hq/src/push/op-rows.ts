import type { Queryable } from '../db/database';

/** One row of `ops` as push records it (push.ts). */
export interface OpRow {
  deviceId: string;
  seq: number;
  opId: string;
  type: string;
  staffId: string | null;
  deviceTime: string;
  /** The stored payload, already JSON text. */
  payload: string;
  outcome: 'applied' | 'rejected';
  reason: string | null;
  receivedAt: Date;
  memberId: string | null;
  memberVersion: number | null;
  memberPoints: number | null;
}

/**
 * The ops rows of one push batch, written by one INSERT … SELECT FROM unnest(…) instead of one
 * INSERT per op (a round trip each). The caller flushes before anything in the same transaction
 * reads `ops` (a duplicate's first outcome, a staff proof's failure budget, an erasure's stored
 * ops) and before commit; a unique-index error then aborts the batch as the per-op INSERT did.
 */
export class PendingOpRows {
  private rows: OpRow[] = [];

  add(row: OpRow): void {
    this.rows.push(row);
  }

  async flush(tx: Queryable): Promise<void> {
    if (this.rows.length === 0) return;
    const rows = this.rows;
    this.rows = [];
    const column = <T>(pick: (row: OpRow) => T): T[] => rows.map(pick);
    await tx.query(
      `INSERT INTO ops (device_id, seq, op_id, type, staff_id, device_time, payload, outcome, reason, received_at,
         member_id, member_version, member_points)
       SELECT device_id, seq, op_id, type, staff_id, device_time, payload::jsonb, outcome, reason, received_at,
              member_id, member_version, member_points
         FROM unnest($1::text[], $2::bigint[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
                     $9::text[], $10::timestamptz[], $11::text[], $12::bigint[], $13::bigint[])
           AS t(device_id, seq, op_id, type, staff_id, device_time, payload, outcome, reason, received_at,
                member_id, member_version, member_points)`,
      [
        column((r) => r.deviceId),
        column((r) => r.seq),
        column((r) => r.opId),
        column((r) => r.type),
        column((r) => r.staffId),
        column((r) => r.deviceTime),
        column((r) => r.payload),
        column((r) => r.outcome),
        column((r) => r.reason),
        column((r) => r.receivedAt),
        column((r) => r.memberId),
        column((r) => r.memberVersion),
        column((r) => r.memberPoints),
      ],
    );
  }
}
