import { z } from 'zod';
import type { PostgresPoolOptions } from './postgres';

/**
 * The PostgreSQL pool settings of one HQ process, from its environment (docs/ARCHITECTURE.md,
 * Scale-out). Several HQ processes share one server: N processes × (HQ_DB_POOL_MAX + 1 for the
 * periodic jobs) must stay under the primary's max_connections, less what else connects, and
 * N × HQ_DB_REPLICA_POOL_MAX under the replica's.
 */
export const POOL_ENV = {
  /** Connections to the primary per process (default 10). */
  max: 'HQ_DB_POOL_MAX',
  /** Connections to the replica per process (default: the primary's). */
  replicaMax: 'HQ_DB_REPLICA_POOL_MAX',
  /** statement_timeout in ms (default 30000, the request timeout; 0 turns it off). */
  statementTimeoutMs: 'HQ_DB_STATEMENT_TIMEOUT_MS',
} as const;

export const DEFAULT_POOL_MAX = 10;
/** As long as HQ's request timeout (server.ts): a statement never outlives the request that sent it. */
export const DEFAULT_STATEMENT_TIMEOUT_MS = 30_000;
/** A transaction a request left open (a crash between BEGIN and COMMIT) ends after this. */
const IDLE_IN_TRANSACTION_MS = 60_000;
/** The replica is optional: a connection that does not come within this falls back to the primary. */
const REPLICA_CONNECT_MS = 2_000;
export const HQ_APPLICATION_NAME = 'loyalty-hq';
/** The periodic jobs' one connection per process (main.ts), without the statement timeout. */
export const HQ_JOBS_APPLICATION_NAME = 'loyalty-hq-jobs';

const Count = z.coerce.number().int().min(1).max(1000);
const Millis = z.coerce.number().int().min(0).max(3_600_000);

export class PoolSettingsError extends Error {
  readonly code = 'bad_pool_setting';
  constructor(variable: string) {
    super(`${variable} must be a whole number (pool size 1-1000, timeout 0-3600000 ms).`);
    this.name = 'PoolSettingsError';
  }
}

function read<T>(
  env: Readonly<Record<string, string | undefined>>,
  name: string,
  schema: z.ZodType<T>,
  fallback: T,
): T {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  const parsed = schema.safeParse(text);
  if (!parsed.success) throw new PoolSettingsError(name);
  return parsed.data;
}

export function poolSettingsFromEnv(env: Readonly<Record<string, string | undefined>>): {
  primary: PostgresPoolOptions;
  replica: PostgresPoolOptions;
} {
  const max = read(env, POOL_ENV.max, Count, DEFAULT_POOL_MAX);
  const replicaMax = read(env, POOL_ENV.replicaMax, Count, max);
  const statementTimeoutMs = read(env, POOL_ENV.statementTimeoutMs, Millis, DEFAULT_STATEMENT_TIMEOUT_MS);
  const common = {
    statementTimeoutMs,
    idleInTransactionTimeoutMs: IDLE_IN_TRANSACTION_MS,
    applicationName: HQ_APPLICATION_NAME,
  };
  return {
    primary: { ...common, max },
    replica: { ...common, max: replicaMax, connectionTimeoutMs: REPLICA_CONNECT_MS },
  };
}
