import { PGlite } from '@electric-sql/pglite';
import type { HqDatabase, Queryable } from './database';

/**
 * Embedded PostgreSQL (PGlite) in `dataDir`, or in memory when no folder is given (tests).
 * PGlite is one connection: its transactions are serialized, which is the strictest case of the
 * locking the push path relies on.
 */
export async function openPgliteDatabase(dataDir?: string): Promise<HqDatabase> {
  const pg = dataDir === undefined ? await PGlite.create() : await PGlite.create({ dataDir });
  const wrap = (q: Pick<PGlite, 'query'>): Queryable => ({
    async query<R extends object>(text: string, params: readonly unknown[] = []) {
      const result = await q.query<R>(text, params as unknown[]);
      return { rows: result.rows };
    },
  });
  const base = wrap(pg);
  return {
    kind: 'pglite',
    query: base.query,
    transaction: (fn) => pg.transaction((tx) => fn(wrap(tx))),
    close: () => pg.close(),
  };
}
