/**
 * The little SQL access HQ needs, with two implementations that run the same SQL: embedded PGlite
 * (the zero-setup default) and node-postgres (production, DATABASE_URL). Parameters are always
 * positional ($1, $2…); jsonb values are passed as JSON text and cast in SQL.
 */
export interface Queryable {
  query<R extends object = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<{ rows: R[] }>;
}

export interface HqDatabase extends Queryable {
  readonly kind: 'pglite' | 'postgres';
  /** Runs `fn` in one transaction: committed if it resolves, rolled back if it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** Integers come back as number (PGlite int4), string (pg int8) or bigint; HQ's all fit a double. */
export function toInt(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint' || typeof value === 'string') return Number(value);
  if (value === null || value === undefined) return 0;
  throw new TypeError('not an integer column');
}

/** The SQLSTATE of a database error, if it carries one (both drivers set `code`). */
export function sqlState(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const code = (error as { code: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return undefined;
}
