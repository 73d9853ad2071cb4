import type { Database } from 'better-sqlite3-multiple-ciphers';
import type { PushResponse, WirePushOp } from '../../../shared/sync/protocol';
import type { OpType } from '../../../shared/sync/ops';
import { opReceipt } from '../../../shared/sync/op-receipt';
import { canonicalJson } from '../../../shared/canonical-json';
import { createSyncState } from './sync-state';
import { createWalTruncate } from './wal-truncate';

interface OutboxRow {
  seq: number;
  op_id: string;
  type: OpType;
  staff_id: string | null;
  device_time: string;
  payload: string;
}

export interface PushBatchResult {
  applied: number;
  rejected: number;
  duplicate: number;
}

/**
 * The device side of push (DESIGN §5): reads the outbox in seq order and records HQ's answer for
 * each op in one IMMEDIATE transaction — the outbox row's state, the ledger entry confirmed, the
 * member's confirmed balance and version taken from HQ when newer. A rejected op's ledger entry
 * stays in the append-only ledger and stops counting (COUNTED_PENDING).
 */
export function createPushRecorder(deps: { db: Database; now: () => Date }) {
  const { db } = deps;
  const state = createSyncState(db);
  const from = db.prepare<[number, number], OutboxRow>(
    'SELECT seq, op_id, type, staff_id, device_time, payload FROM outbox WHERE seq > ? ORDER BY seq LIMIT ?',
  );
  const pendingAfter = db.prepare<[number], { n: number }>(
    "SELECT count(*) AS n FROM outbox WHERE state = 'pending' AND seq > ?",
  );
  const firstPending = db.prepare<[], { seq: number }>(
    "SELECT seq FROM outbox WHERE state = 'pending' ORDER BY seq LIMIT 1",
  );
  const row = db.prepare<[number], { op_id: string; type: string; payload: string }>(
    'SELECT op_id, type, payload FROM outbox WHERE seq = ?',
  );
  const settle = db.prepare<[string, string, string, number]>(
    'UPDATE outbox SET state = ?, result = ?, payload = ? WHERE seq = ?',
  );
  const confirm = db.prepare<[string]>("UPDATE ledger SET state = 'confirmed' WHERE op_id = ? AND state = 'pending'");
  const takeMember = db.prepare<{ id: string; version: number; points: number }>(
    'UPDATE members SET points_confirmed = @points, hq_version = @version WHERE id = @id AND hq_version < @version',
  );
  const stillPending = db.prepare<[string], { n: number }>(
    `SELECT count(*) AS n FROM outbox WHERE state = 'pending' AND json_extract(payload, '$.memberId') = ?`,
  );
  // HQ has the contacts now: the till keeps only masks and hashes (DESIGN §3).
  const dropContacts = db.prepare<[string]>(
    'UPDATE members SET phone_e164 = NULL, email = NULL WHERE id = ? AND (phone_e164 IS NOT NULL OR email IS NOT NULL)',
  );
  const wal = createWalTruncate(db);

  const record = db.transaction((response: PushResponse): PushBatchResult => {
    const result: PushBatchResult = { applied: 0, rejected: 0, duplicate: 0 };
    const touched = new Set<string>();
    let wiped = false;
    let acked = Number(state.get('acked_seq') ?? '0');
    for (const outcome of response.outcomes) {
      const local = row.get(outcome.seq);
      if (!local) continue;
      result[outcome.outcome] += 1;
      let settled: 'applied' | 'rejected';
      let reason: string | null = outcome.reason ?? null;
      if (local.op_id !== outcome.opId.toLowerCase() || outcome.reason === 'op_id_mismatch') {
        // HQ holds another op at this seq: never silently dropped, shown to the manager.
        settled = 'rejected';
        reason = 'op_id_mismatch';
      } else if (outcome.outcome === 'duplicate') {
        settled = outcome.firstOutcome ?? 'applied';
      } else {
        settled = outcome.outcome;
      }
      const payload = JSON.parse(local.payload) as unknown;
      // Answered, applied or not, the row is a receipt from now on (DESIGN §6): HQ holds the op.
      const receipt = canonicalJson(opReceipt(local.type, payload));
      if (receipt !== local.payload) wiped = true;
      settle.run(
        settled === 'applied' ? 'acked' : 'rejected',
        JSON.stringify({ outcome: settled, reason, member: outcome.member ?? null, at: deps.now().toISOString() }),
        receipt,
        outcome.seq,
      );
      if (settled === 'applied') {
        confirm.run(local.op_id);
        if (outcome.member) takeMember.run(outcome.member);
      }
      const memberId = (payload as { memberId?: unknown }).memberId;
      if (typeof memberId === 'string') touched.add(memberId);
      acked = Math.max(acked, outcome.seq);
    }
    for (const memberId of touched) {
      if ((stillPending.get(memberId)?.n ?? 0) === 0 && dropContacts.run(memberId).changes > 0) wiped = true;
    }
    if (wiped) wal.owe();
    state.set('acked_seq', String(acked));
    state.set('last_push_at', deps.now().toISOString());
    return result;
  });

  return {
    /** The next ops to send, from `afterSeq`: acked ones too when HQ asks for them again (gapAt). */
    batch(afterSeq: number, limit: number): WirePushOp[] {
      return from.all(afterSeq, limit).map((op) => ({
        seq: op.seq,
        opId: op.op_id,
        type: op.type,
        staffId: op.staff_id,
        deviceTime: op.device_time,
        payload: JSON.parse(op.payload) as WirePushOp['payload'],
      }));
    },
    /** Where the next push starts: after the last seq with a recorded outcome. */
    ackedSeq(): number {
      return Number(state.get('acked_seq') ?? '0');
    },
    pendingCount(afterSeq = 0): number {
      return pendingAfter.get(afterSeq)?.n ?? 0;
    },
    firstPendingSeq(): number | null {
      return firstPending.get()?.seq ?? null;
    },
    record(response: PushResponse): PushBatchResult {
      const result = record.immediate(response);
      // The page images from before the receipts (full contacts, PIN proofs) must not stay in the WAL.
      wal.settle();
      return result;
    },
  };
}
