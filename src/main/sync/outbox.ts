import type { Database } from 'better-sqlite3-multiple-ciphers';
import { OP_PAYLOADS, type OpPayload, type OpType } from '../../shared/sync/ops';
import { canonicalJson } from '../audit/canonical-json';

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
}

export function createOutbox(deps: { db: Database; now: () => Date }): Outbox {
  const { db } = deps;
  const lastSeq = db.prepare<[], { value: string }>("SELECT value FROM sync_state WHERE key = 'outbox_last_seq'");
  const setLastSeq = db.prepare<[string]>(
    "INSERT INTO sync_state (key, value) VALUES ('outbox_last_seq', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
  );
  const insert = db.prepare(
    `INSERT INTO outbox (seq, op_id, type, staff_id, device_time, payload)
     VALUES (@seq, @opId, @type, @staffId, @deviceTime, @payload)`,
  );
  const pending = db.prepare<[], { n: number }>("SELECT count(*) AS n FROM outbox WHERE state = 'pending'");

  return {
    append(type, opId, payload, staffId) {
      if (!db.inTransaction) throw new Error('outbox rows are written inside the transaction of their change');
      // A payload that does not match the wire schema is a bug here, not something to send HQ.
      const checked = OP_PAYLOADS[type].parse(payload);
      const seq = Number(lastSeq.get()?.value ?? '0') + 1;
      insert.run({
        seq,
        opId,
        type,
        staffId,
        deviceTime: deps.now().toISOString(),
        payload: canonicalJson(checked),
      });
      setLastSeq.run(String(seq));
      return { seq, opId };
    },
    pendingCount() {
      return pending.get()?.n ?? 0;
    },
  };
}
