import pg from 'pg';
import type { HqDatabase, Queryable } from './database';

/** A node-postgres pool on `connectionString` (DATABASE_URL). */
export async function openPostgresDatabase(
  connectionString: string,
  options: { max?: number } = {},
): Promise<HqDatabase> {
  const pool = new pg.Pool({ connectionString, max: options.max ?? 10 });
  // An idle client that loses its connection must not crash HQ; the next query reconnects.
  pool.on('error', () => undefined);
  const wrap = (q: Pick<pg.Pool | pg.PoolClient, 'query'>): Queryable => ({
    async query<R extends object>(text: string, params: readonly unknown[] = []) {
      const result = await q.query(text, params as unknown[]);
      return { rows: result.rows as R[] };
    },
  });
  // Fail fast (and typed) when the server is not there, instead of at the first request.
  await pool.query('SELECT 1');
  const base = wrap(pool);
  return {
    kind: 'postgres',
    query: base.query,
    async transaction(fn) {
      const client = await pool.connect();
      let broken: Error | undefined;
      try {
        await client.query('BEGIN');
        const result = await fn(wrap(client));
        await client.query('COMMIT');
        return result;
      } catch (error) {
        // A client whose ROLLBACK fails is discarded rather than handed to the next request.
        await client.query('ROLLBACK').catch((rollbackError: unknown) => {
          broken = rollbackError instanceof Error ? rollbackError : new Error('rollback failed');
        });
        throw error;
      } finally {
        client.release(broken);
      }
    },
    close: () => pool.end(),
  };
}
