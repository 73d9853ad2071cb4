import pg from 'pg';
import type { HqDatabase, Queryable } from './database';

/** How one HQ process talks to PostgreSQL (db/pool-settings.ts reads them from the environment). */
export interface PostgresPoolOptions {
  /** Connections this process may hold (default 10). N processes hold at most N × max. */
  max?: number;
  /**
   * statement_timeout for every statement, in ms; 0 or absent: none. The serving pools set it
   * (a stuck query must not hold a connection past the request's own 30 s); migrations run without.
   */
  statementTimeoutMs?: number;
  /** idle_in_transaction_session_timeout in ms: a transaction left open by a crashed request ends. */
  idleInTransactionTimeoutMs?: number;
  /** How long to wait for a new connection, in ms (default: node-postgres's, no limit). */
  connectionTimeoutMs?: number;
  /** Shown in pg_stat_activity: how an operator (and the scale-out test) counts HQ's connections. */
  applicationName?: string;
}

/** A node-postgres pool on `connectionString` (DATABASE_URL, or DATABASE_REPLICA_URL for the replica). */
export async function openPostgresDatabase(
  connectionString: string,
  options: PostgresPoolOptions = {},
): Promise<HqDatabase> {
  const pool = new pg.Pool({
    connectionString,
    max: options.max ?? 10,
    ...(options.statementTimeoutMs ? { statement_timeout: options.statementTimeoutMs } : {}),
    ...(options.idleInTransactionTimeoutMs
      ? { idle_in_transaction_session_timeout: options.idleInTransactionTimeoutMs }
      : {}),
    ...(options.connectionTimeoutMs ? { connectionTimeoutMillis: options.connectionTimeoutMs } : {}),
    ...(options.applicationName ? { application_name: options.applicationName } : {}),
  });
  // An idle client that loses its connection must not crash HQ; the next query reconnects.
  pool.on('error', () => undefined);
  const wrap = (q: Pick<pg.Pool | pg.PoolClient, 'query'>): Queryable => ({
    async query<R extends object>(text: string, params: readonly unknown[] = []) {
      const result = await q.query(text, params as unknown[]);
      return { rows: result.rows as R[] };
    },
  });
  // Fail fast (and typed) when the server is not there, instead of at the first request.
  try {
    await pool.query('SELECT 1');
  } catch (error) {
    await pool.end();
    throw error;
  }
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
