import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { logChange } from '../change-log';
import { HqAdminError } from '../errors';
import { clock, type AdminDeps } from './deps';

const storeName = z
  .string()
  .transform((value) => value.trim())
  .pipe(z.string().min(1).max(80));

/**
 * A new store with default counter settings and no earn rules yet (load-catalog sets them; a
 * catalog's default rules reach a store created later when the catalog is loaded again).
 */
export async function createStore(deps: AdminDeps, name: string): Promise<{ storeId: string }> {
  const parsed = storeName.safeParse(name);
  if (!parsed.success) throw new HqAdminError('invalid_argument', 'A store name is 1 to 80 characters.');
  const storeId = randomUUID();
  const now = clock(deps);
  await deps.db.transaction(async (tx) => {
    await tx.query('INSERT INTO stores (id, name, created_at) VALUES ($1, $2, $3)', [storeId, parsed.data, now]);
    await tx.query(
      `INSERT INTO store_settings (store_id, language, store_region, idle_lock_seconds, earn_rules, updated_at)
       VALUES ($1, 'en', 'GB', 120, NULL, $2)`,
      [storeId, now],
    );
    await logChange(tx, 'store_settings', storeId, storeId, now);
  });
  return { storeId };
}
