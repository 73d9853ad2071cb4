import { opIdsDigest } from '../../../../src/node-shared/op-ids-digest';
import type { DayEndManifest, DayEndReport, DeviceHead } from '../../../../src/shared/sync/protocol';
import { OP_TYPES, type OpType } from '../../../../src/shared/sync/ops';
import { toInt, type HqDatabase } from '../db/database';
import { assertDeviceHead } from '../devices/rollback';
import { HqHttpError } from '../errors';
import type { AuthenticatedDevice } from '../push/push';

/**
 * Reconciles a device's day-end manifest against what HQ holds (DESIGN §5) and records the result.
 * Idempotent by dayEndId: a resent manifest (the answer was lost) gets the stored report back.
 * The device must have pushed the whole range first (push_first otherwise).
 */
export async function reconcileDayEnd(
  deps: { db: HqDatabase; now: () => Date },
  device: AuthenticatedDevice,
  request: { dayEndId: string; manifest: DayEndManifest; head?: DeviceHead | undefined },
): Promise<DayEndReport> {
  const { manifest } = request;
  if (manifest.toSeq < manifest.fromSeq) throw new HqHttpError('bad_request', 'toSeq is before fromSeq.');
  return deps.db.transaction(async (tx) => {
    const found = await tx.query<{ last_seq: unknown; revoked_at: Date | null }>(
      'SELECT last_seq, revoked_at FROM devices WHERE id = $1 FOR UPDATE',
      [device.deviceId],
    );
    const row = found.rows[0];
    if (!row || row.revoked_at !== null) throw new HqHttpError('device_revoked', 'This device has been revoked.');
    await assertDeviceHead(tx, device, request.head);
    const stored = await tx.query<{ report: DayEndReport; device_id: string }>(
      'SELECT report, device_id FROM day_ends WHERE id = $1',
      [request.dayEndId],
    );
    if (stored.rows[0]) {
      if (stored.rows[0].device_id !== device.deviceId) throw new HqHttpError('bad_request', 'dayEndId is taken.');
      return stored.rows[0].report;
    }
    if (toInt(row.last_seq) < manifest.toSeq) {
      throw new HqHttpError('push_first', 'HQ has not received every op of this day end yet: push, then retry.');
    }

    const ops = await tx.query<{ seq: unknown; op_id: string; type: OpType; outcome: 'applied' | 'rejected' }>(
      'SELECT seq, op_id, type, outcome FROM ops WHERE device_id = $1 AND seq > $2 AND seq <= $3 ORDER BY seq',
      [device.deviceId, manifest.fromSeq, manifest.toSeq],
    );
    const hq: DayEndReport['hq'] = {};
    for (const op of ops.rows) {
      const counts = (hq[op.type] ??= { applied: 0, rejected: 0 });
      counts[op.outcome] += 1;
    }
    const problems = new Set<DayEndReport['problems'][number]>();
    if (ops.rows.length !== manifest.toSeq - manifest.fromSeq) problems.add('range_mismatch');
    for (const type of OP_TYPES) {
      const held = (hq[type]?.applied ?? 0) + (hq[type]?.rejected ?? 0);
      if (held !== (manifest.counts[type] ?? 0)) problems.add('count_mismatch');
    }
    if (opIdsDigest(ops.rows.map((op) => op.op_id)) !== manifest.opIdsSha256) problems.add('op_ids_mismatch');
    // The device's audit chain only grows: a head behind the last one HQ saw means entries were cut.
    const previous = await tx.query<{ to_seq: unknown; audit_seq: unknown }>(
      `SELECT to_seq, (manifest->'auditHead'->>'seq')::bigint AS audit_seq FROM day_ends
        WHERE device_id = $1 ORDER BY to_seq DESC, received_at DESC LIMIT 1`,
      [device.deviceId],
    );
    const last = previous.rows[0];
    if (last && toInt(last.audit_seq) > manifest.auditHead.seq) problems.add('audit_went_back');
    if (last && toInt(last.to_seq) !== manifest.fromSeq) problems.add('range_mismatch');

    const sums = await tx.query<{ earned: unknown; spent: unknown; overdrafts: unknown }>(
      `SELECT COALESCE(SUM(l.points) FILTER (WHERE l.points > 0), 0) AS earned,
              COALESCE(-SUM(l.points) FILTER (WHERE l.kind = 'redeem'), 0) AS spent,
              count(*) FILTER (WHERE l.flagged_overdraft) AS overdrafts
         FROM ops o JOIN ledger l ON l.op_id = o.op_id
        WHERE o.device_id = $1 AND o.seq > $2 AND o.seq <= $3 AND o.outcome = 'applied'`,
      [device.deviceId, manifest.fromSeq, manifest.toSeq],
    );
    const now = deps.now();
    const report: DayEndReport = {
      dayEndId: request.dayEndId,
      status: problems.size === 0 ? 'reconciled' : 'mismatch',
      problems: [...problems],
      fromSeq: manifest.fromSeq,
      toSeq: manifest.toSeq,
      hq,
      overdrafts: toInt(sums.rows[0]?.overdrafts),
      pointsEarned: toInt(sums.rows[0]?.earned),
      pointsSpent: toInt(sums.rows[0]?.spent),
      acknowledgedAt: now.toISOString(),
    };
    await tx.query(
      `INSERT INTO day_ends (id, device_id, from_seq, to_seq, manifest, report, status, received_at)
       VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7, $8)`,
      [
        request.dayEndId,
        device.deviceId,
        manifest.fromSeq,
        manifest.toSeq,
        JSON.stringify(manifest),
        JSON.stringify(report),
        report.status,
        now,
      ],
    );
    return report;
  });
}
