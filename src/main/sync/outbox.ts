import type { Database } from 'better-sqlite3-multiple-ciphers';
import { OP_PAYLOADS, type OpPayload, type OpType } from '../../shared/sync/ops';
import { canonicalJson } from '../../shared/canonical-json';

export interface OutboxEntry {
  seq: number;
  opId: string;
}

export interface Outbox {
  /**
   * Records one op for HQ with the device's next seq. Call inside the transaction of the change it
   * describes: the change, its audit entry and this row commit together or not at all.
   */
  append<T extends OpType>(type: T, opId: string, payload: OpPayload<T>, staffId: string | null): OutboxEntry;
  pendingCount(): number;
  /**
   * Calls `listener` once after each transaction that appended ops has committed (sync takes them
   * at once instead of at its next tick); an append rolled back calls nothing. Returns an unsubscribe.
   */
  onCommitted(listener: () => void): () => void;
}

/**
 * The highest seq this till's outbox ever wrote, 0 before its first op: kept in sync_state, not
 * read from the outbox, because acked rows are pruned and a seq must never be given twice. The one
 * reader of it (append, day end's manifest, the device head sent to HQ); prepared once per caller.
 */
export function outboxLastSeqReader(db: Database): () => number {
  const read = db.prepare<[], { value: string }>("SELECT value FROM sync_state WHERE key = 'outbox_last_seq'");
  return () => Number(read.get()?.value ?? '0');
}

export function createOutbox(deps: { db: Database; now: () => Date }): Outbox {
  const { db } = deps;
  const lastSeq = outboxLastSeqReader(db);
  const setLastSeq = db.prepare<[string]>(
    "INSERT INTO sync_state (key, value) VALUES ('outbox_last_seq', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
  );
  const insert = db.prepare(
    `INSERT INTO outbox (seq, op_id, type, staff_id, device_time, payload)
     VALUES (@seq, @opId, @type, @staffId, @deviceTime, @payload)`,
  );
  const pending = db.prepare<[], { n: number }>("SELECT count(*) AS n FROM outbox WHERE state = 'pending'");
  const stored = db.prepare<[string], { n: number }>('SELECT 1 AS n FROM outbox WHERE op_id = ?');
  const listeners = new Set<() => void>();
  /** Ops appended since the last look; whether they committed is known only once no transaction is open. */
  let appended: string[] = [];
  let scheduled = false;

  // better-sqlite3 has no commit hook; its transactions are synchronous, so the next turn of the
  // event loop sees them finished. One held open across an await is looked at again until it ends.
  function schedule(): void {
    if (scheduled) return;
    scheduled = true;
    setImmediate(settle);
  }

  function settle(): void {
    scheduled = false;
    if (!db.open) return;
    if (db.inTransaction) {
      schedule();
      return;
    }
    const ops = appended;
    appended = [];
    if (listeners.size > 0 && ops.some((opId) => stored.get(opId) !== undefined)) {
      for (const listener of listeners) listener();
    }
  }

  return {
    append(type, opId, payload, staffId) {
      if (!db.inTransaction) throw new Error('outbox rows are written inside the transaction of their change');
      // A payload that does not match the wire schema is a bug here, not something to send HQ.
      const checked = OP_PAYLOADS[type].parse(payload);
      const seq = lastSeq() + 1;
      insert.run({
        seq,
        opId,
        type,
        staffId,
        deviceTime: deps.now().toISOString(),
        payload: canonicalJson(checked),
      });
      setLastSeq.run(String(seq));
      appended.push(opId);
      schedule();
      return { seq, opId };
    },
    pendingCount() {
      return pending.get()?.n ?? 0;
    },
    onCommitted(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
