import { randomUUID } from 'node:crypto';
import { createOpIdsDigest } from '../../../node-shared/op-ids-digest';
import type { Database } from 'better-sqlite3-multiple-ciphers';
import type { DayEndManifest, DayEndReport } from '../../../shared/sync/protocol';
import type { OpType } from '../../../shared/sync/ops';
import { outboxLastSeqReader } from '../outbox';

/**
 * Day end on the device (DESIGN §5): the manifest of every op since the last acknowledged day end
 * (counts per type, last seq, a hash over op ids in seq order, the audit head), kept in day_ends
 * before it is sent, so a resend after a lost answer sends the very same manifest (HQ is
 * idempotent by its id).
 */
export function createDayEnd(deps: { db: Database; now: () => Date }) {
  const { db } = deps;
  const open = db.prepare<[], { id: string; manifest: string }>(
    "SELECT id, manifest FROM day_ends WHERE status = 'sent' ORDER BY created_at DESC LIMIT 1",
  );
  const lastDone = db.prepare<[], { to_seq: number }>(
    "SELECT to_seq FROM day_ends WHERE status <> 'sent' ORDER BY to_seq DESC, created_at DESC LIMIT 1",
  );
  const lastSeq = outboxLastSeqReader(db);
  const ops = db.prepare<[number, number], { op_id: string; type: OpType }>(
    'SELECT op_id, type FROM outbox WHERE seq > ? AND seq <= ? ORDER BY seq',
  );
  const auditHead = db.prepare<[], { seq: number; hash: string }>(
    'SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1',
  );
  const insert = db.prepare(
    `INSERT INTO day_ends (id, from_seq, to_seq, manifest, status, requested_by, created_at)
     VALUES (@id, @fromSeq, @toSeq, @manifest, 'sent', @staffId, @at)`,
  );
  const acknowledge = db.prepare(
    'UPDATE day_ends SET status = @status, report = @report, acknowledged_at = @at WHERE id = @id',
  );
  const latest = db.prepare<[], { report: string | null; status: string; created_at: string }>(
    'SELECT report, status, created_at FROM day_ends ORDER BY created_at DESC LIMIT 1',
  );

  return {
    /** The manifest to send: the one still waiting for HQ's answer, or a new one. */
    prepare: db.transaction((staffId: string | null): { dayEndId: string; manifest: DayEndManifest } => {
      const waiting = open.get();
      if (waiting) return { dayEndId: waiting.id, manifest: JSON.parse(waiting.manifest) as DayEndManifest };
      const fromSeq = lastDone.get()?.to_seq ?? 0;
      const toSeq = lastSeq();
      const counts: DayEndManifest['counts'] = {};
      const digest = createOpIdsDigest();
      for (const op of ops.iterate(fromSeq, toSeq)) {
        counts[op.type] = (counts[op.type] ?? 0) + 1;
        digest.add(op.op_id);
      }
      const head = auditHead.get() ?? { seq: 0, hash: '0' };
      const at = deps.now().toISOString();
      const manifest: DayEndManifest = {
        fromSeq,
        toSeq,
        counts,
        opIdsSha256: digest.hex(),
        auditHead: { seq: head.seq, hash: head.hash },
        deviceTime: at,
      };
      const dayEndId = randomUUID();
      insert.run({ id: dayEndId, fromSeq, toSeq, manifest: JSON.stringify(manifest), staffId, at });
      return { dayEndId, manifest };
    }),
    record(report: DayEndReport): void {
      acknowledge.run({
        id: report.dayEndId,
        status: report.status,
        report: JSON.stringify(report),
        at: deps.now().toISOString(),
      });
    },
    /** The last day end's report, if HQ acknowledged one. */
    lastReport(): { status: string; report: DayEndReport | null; at: string } | null {
      const row = latest.get();
      if (!row) return null;
      return {
        status: row.status,
        report: row.report === null ? null : (JSON.parse(row.report) as DayEndReport),
        at: row.created_at,
      };
    },
  };
}
