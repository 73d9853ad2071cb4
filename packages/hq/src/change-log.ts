import type { Queryable } from './db/database';

/** What a pull page can carry. Ledger entries travel as their member's new state. */
export type ChangeEntity = 'member' | 'staff' | 'reward' | 'store_settings' | 'alert';

interface ChangeRow {
  entity: ChangeEntity;
  entityId: string;
  storeId: string | null;
  at: Date;
}

/** Transactions whose change-log rows are held for one INSERT at the end (deferChangeLog). */
const deferred = new WeakMap<Queryable, ChangeRow[]>();

/**
 * Records that an entity changed, inside the transaction that changed it. The row's txid (set by
 * its default, pg_current_xact_id()) is what makes the pull cursor stable; the state itself is
 * read when a page is built. `storeId` null means every store sees it.
 */
export async function logChange(
  tx: Queryable,
  entity: ChangeEntity,
  entityId: string,
  storeId: string | null,
  at: Date,
): Promise<void> {
  const held = deferred.get(tx);
  if (held) {
    held.push({ entity, entityId, storeId, at });
    return;
  }
  await tx.query('INSERT INTO change_log (entity, entity_id, store_id, changed_at) VALUES ($1, $2, $3, $4)', [
    entity,
    entityId,
    storeId,
    at,
  ]);
}

/**
 * Holds this transaction's change-log rows until `flush`, which writes them in one statement: a push
 * batch logs a change per applied op, one round trip each otherwise. Nothing in the transaction
 * reads change_log (pull reads it in its own, after commit), and every row of a transaction carries
 * the same txid whenever it is written. The caller must flush before the transaction commits.
 */
export function deferChangeLog(tx: Queryable): { flush: () => Promise<void> } {
  const rows: ChangeRow[] = [];
  deferred.set(tx, rows);
  return {
    flush: async () => {
      deferred.delete(tx);
      if (rows.length === 0) return;
      await tx.query(
        `INSERT INTO change_log (entity, entity_id, store_id, changed_at)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[])`,
        [rows.map((r) => r.entity), rows.map((r) => r.entityId), rows.map((r) => r.storeId), rows.map((r) => r.at)],
      );
    },
  };
}
