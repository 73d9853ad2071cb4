import { listFlaggedOps, listOverdrafts, listRejectedOps } from '../../admin/reports';
import type { DayEndReport } from '../../../../../src/shared/sync/protocol';
import { ConsoleHttpError } from '../console-error';
import type { ConsoleContext, ConsoleHandler } from '../console-context';

/** At most this many rows per list (the console pages by store and device filters beyond that). */
const MAX_ROWS = 1000;

async function resolutions(
  ctx: ConsoleContext,
  kind: string,
): Promise<Map<string, { resolution: string; at: string }>> {
  const found = await ctx.tx.query<{ op_id: string; resolution: string; resolved_at: Date }>(
    'SELECT op_id::text AS op_id, resolution, resolved_at FROM review_resolutions WHERE kind = $1',
    [kind],
  );
  return new Map(
    found.rows.map((row) => [row.op_id, { resolution: row.resolution, at: new Date(row.resolved_at).toISOString() }]),
  );
}

async function collect<T extends { opId: string }>(
  ctx: ConsoleContext,
  kind: string,
  rows: AsyncIterable<T>,
): Promise<Record<string, unknown>[]> {
  const resolved = await resolutions(ctx, kind);
  const out: Record<string, unknown>[] = [];
  for await (const row of rows) {
    const decision = resolved.get(row.opId);
    out.push({ ...row, resolution: decision?.resolution ?? null, resolvedAt: decision?.at ?? null });
    if (out.length >= MAX_ROWS) break;
  }
  return out;
}

export const listOverdraftsHandler: ConsoleHandler<'listOverdrafts'> = async (ctx, input) => ({
  rows: await collect(
    ctx,
    'overdraft',
    listOverdrafts(ctx.tx, input.storeId !== undefined ? { storeId: input.storeId } : {}),
  ),
});

export const listRejectedHandler: ConsoleHandler<'listRejected'> = async (ctx, input) => ({
  rows: await collect(
    ctx,
    'rejected',
    listRejectedOps(ctx.tx, {
      ...(input.storeId !== undefined ? { storeId: input.storeId } : {}),
      ...(input.deviceId !== undefined ? { deviceId: input.deviceId } : {}),
    }),
  ),
});

export const listFlaggedHandler: ConsoleHandler<'listFlagged'> = async (ctx, input) => ({
  rows: await collect(
    ctx,
    'flagged',
    listFlaggedOps(ctx.tx, {
      ...(input.storeId !== undefined ? { storeId: input.storeId } : {}),
      ...(input.reason !== undefined ? { reason: input.reason } : {}),
    }),
  ),
});

const KIND_EXISTS: Record<'overdraft' | 'rejected' | 'flagged', string> = {
  overdraft: `SELECT 1 FROM ledger WHERE op_id = $1::uuid AND flagged_overdraft`,
  rejected: `SELECT 1 FROM ops WHERE op_id = $1::uuid AND outcome = 'rejected'`,
  flagged: `SELECT 1 FROM op_flags WHERE op_id = $1::uuid`,
};

export const resolveReview: ConsoleHandler<'resolveReview'> = async (ctx, input) => {
  const found = await ctx.tx.query(KIND_EXISTS[input.kind], [input.opId]);
  if (found.rows.length === 0) throw new ConsoleHttpError('not_found', `No ${input.kind} for op ${input.opId}.`);
  await ctx.tx.query(
    `INSERT INTO review_resolutions (kind, op_id, resolution, operator_id, resolved_at) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (kind, op_id) DO UPDATE SET resolution = EXCLUDED.resolution, operator_id = EXCLUDED.operator_id,
       resolved_at = EXCLUDED.resolved_at`,
    [input.kind, input.opId, input.resolution, ctx.actor.operatorId, ctx.now],
  );
  await ctx.audit({
    action: 'reviews.resolve',
    subjectType: 'op',
    subjectId: input.opId,
    details: { kind: input.kind, resolution: input.resolution },
  });
  return { resolvedAt: ctx.now.toISOString() };
};

export const dayEndReports: ConsoleHandler<'dayEndReports'> = async (ctx, input) => {
  if (input.storeId !== undefined) {
    const store = await ctx.tx.query('SELECT 1 FROM stores WHERE id = $1', [input.storeId]);
    if (store.rows.length === 0) throw new ConsoleHttpError('store_not_found', `No store ${input.storeId}.`);
  }
  const found = await ctx.tx.query<{
    id: string;
    device_id: string;
    store_id: string;
    store_name: string;
    manifest: unknown;
    report: unknown;
    status: 'reconciled' | 'mismatch';
    received_at: Date;
  }>(
    `SELECT e.id, e.device_id, d.store_id, s.name AS store_name, e.manifest, e.report, e.status, e.received_at
       FROM day_ends e JOIN devices d ON d.id = e.device_id JOIN stores s ON s.id = d.store_id
      WHERE $1::text IS NULL OR d.store_id = $1
      ORDER BY e.received_at DESC, e.id LIMIT 500`,
    [input.storeId ?? null],
  );
  const json = (value: unknown): unknown => (typeof value === 'string' ? JSON.parse(value) : value);
  return {
    reports: found.rows.map((row) => {
      const report = json(row.report) as DayEndReport;
      const manifest = json(row.manifest) as { auditHead: { seq: number; hash: string } };
      return {
        dayEndId: row.id,
        storeId: row.store_id,
        storeName: row.store_name,
        deviceId: row.device_id,
        status: row.status,
        problems: report.problems,
        fromSeq: report.fromSeq,
        toSeq: report.toSeq,
        overdrafts: report.overdrafts,
        pointsEarned: report.pointsEarned,
        pointsSpent: report.pointsSpent,
        auditHead: manifest.auditHead,
        receivedAt: new Date(row.received_at).toISOString(),
      };
    }),
  };
};
