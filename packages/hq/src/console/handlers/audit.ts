import { toInt } from '../../db/database';
import type { OperatorAuditVerification } from '../../operators/operator-audit';
import type { ConsoleHandler, ConsolePrepare } from '../console-context';

const PAGE = 100;

export const listAudit: ConsoleHandler<'listAudit'> = async (ctx, input) => {
  const limit = input.limit ?? PAGE;
  const found = await ctx.tx.query<{
    seq: unknown;
    at: Date | string;
    operator_id: string | null;
    operator_name: string | null;
    action: string;
    subject_type: string | null;
    subject_id: string | null;
    details: unknown;
    hash: string;
  }>(
    `SELECT a.seq, a.at, a.operator_id, o.display_name AS operator_name, a.action, a.subject_type, a.subject_id,
            a.details, a.hash
       FROM operator_audit a LEFT JOIN operators o ON o.id = a.operator_id
      WHERE $1::bigint IS NULL OR a.seq < $1 ORDER BY a.seq DESC LIMIT ${limit}`,
    [input.beforeSeq ?? null],
  );
  const head = await ctx.deps.audit.head(ctx.tx);
  return {
    entries: found.rows.map((row) => ({
      seq: toInt(row.seq),
      at: new Date(row.at).toISOString(),
      operatorId: row.operator_id,
      operatorName: row.operator_name,
      action: row.action,
      subjectType: row.subject_type,
      subjectId: row.subject_id,
      details: (typeof row.details === 'string' ? JSON.parse(row.details) : row.details) as Record<
        string,
        string | number | boolean | null
      >,
      hash: row.hash,
    })),
    head,
  };
};

/** Walks the whole chain with HQ's key, before the request's transaction (CONSOLE_PREPARE). */
export const prepareVerifyAudit: ConsolePrepare = (deps) => deps.audit.verify();

/** The walk's result; the check itself is recorded (after it, so it checks what was there). */
export const verifyAudit: ConsoleHandler<'verifyAudit'> = async (ctx) => {
  const result = ctx.prepared as OperatorAuditVerification | undefined;
  if (result === undefined) throw new Error('verifyAudit runs after its prepare step');
  await ctx.audit({
    action: 'audit.verified',
    details: { ok: result.ok, checked: result.checked, firstBrokenSeq: result.firstBrokenSeq },
  });
  return { ok: result.ok, entries: result.checked, firstBadSeq: result.firstBrokenSeq, headHash: result.head.hash };
};

/**
 * Each till's audit chain head as its latest day end reported it, and whether any day end of the
 * device found the chain gone back (the till's audit was rolled back or replaced).
 */
export const tillAuditHeads: ConsoleHandler<'tillAuditHeads'> = async (ctx) => {
  const found = await ctx.tx.query<{
    device_id: string;
    store_id: string;
    store_name: string;
    manifest: unknown;
    received_at: Date;
    went_back: boolean;
  }>(
    `SELECT DISTINCT ON (e.device_id) e.device_id, d.store_id, s.name AS store_name, e.manifest, e.received_at,
            EXISTS (SELECT 1 FROM day_ends b WHERE b.device_id = e.device_id
                     AND b.report->'problems' ? 'audit_went_back') AS went_back
       FROM day_ends e JOIN devices d ON d.id = e.device_id JOIN stores s ON s.id = d.store_id
      ORDER BY e.device_id, e.received_at DESC, e.id`,
  );
  return {
    heads: found.rows.map((row) => {
      const manifest = (typeof row.manifest === 'string' ? JSON.parse(row.manifest) : row.manifest) as {
        auditHead: { seq: number; hash: string };
      };
      return {
        deviceId: row.device_id,
        storeId: row.store_id,
        storeName: row.store_name,
        seq: manifest.auditHead.seq,
        hash: manifest.auditHead.hash,
        receivedAt: new Date(row.received_at).toISOString(),
        wentBack: row.went_back,
      };
    }),
  };
};
