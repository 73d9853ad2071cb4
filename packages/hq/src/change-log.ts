import type { Queryable } from './db/database';

/** What a pull page can carry. Ledger entries travel as their member's new state. */
export type ChangeEntity = 'member' | 'staff' | 'reward' | 'store_settings' | 'alert';

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
  await tx.query('INSERT INTO change_log (entity, entity_id, store_id, changed_at) VALUES ($1, $2, $3, $4)', [
    entity,
    entityId,
    storeId,
    at,
  ]);
}
