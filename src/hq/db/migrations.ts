import type { HqDatabase } from './database';

/**
 * HQ's schema, as versioned migrations that run unchanged on PGlite and on PostgreSQL. Each
 * migration is a list of single statements (PGlite's query() takes one at a time) applied in one
 * transaction together with its row in schema_migrations. A published migration is never edited.
 */
export interface Migration {
  version: number;
  name: string;
  statements: readonly string[];
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'stores, devices, pairing, ops, members, ledger, consents, change log',
    statements: [
      `CREATE TABLE stores (
        id text PRIMARY KEY,
        name text NOT NULL,
        created_at timestamptz NOT NULL
      )`,
      `CREATE TABLE devices (
        id text PRIMARY KEY,
        store_id text NOT NULL REFERENCES stores (id),
        name text NOT NULL,
        token_hash text NOT NULL UNIQUE,
        created_at timestamptz NOT NULL,
        revoked_at timestamptz,
        last_seq bigint NOT NULL DEFAULT 0 CHECK (last_seq >= 0),
        last_seen_at timestamptz
      )`,
      `CREATE TABLE pairing_codes (
        code_hash text PRIMARY KEY,
        store_id text NOT NULL REFERENCES stores (id),
        created_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        used_at timestamptz,
        device_id text REFERENCES devices (id)
      )`,
      // Every op HQ settled (applied or rejected); duplicates are answered, not stored again.
      // An op id is unique except on the rows that record its rejection as a duplicate.
      `CREATE TABLE ops (
        device_id text NOT NULL REFERENCES devices (id),
        seq bigint NOT NULL CHECK (seq >= 1),
        op_id uuid NOT NULL,
        type text NOT NULL,
        staff_id text,
        device_time text NOT NULL,
        payload jsonb NOT NULL,
        outcome text NOT NULL CHECK (outcome IN ('applied', 'rejected')),
        reason text,
        received_at timestamptz NOT NULL,
        PRIMARY KEY (device_id, seq),
        CHECK ((outcome = 'rejected') = (reason IS NOT NULL))
      )`,
      `CREATE UNIQUE INDEX ops_op_id ON ops (op_id) WHERE reason IS DISTINCT FROM 'duplicate_op'`,
      `CREATE INDEX ops_rejected ON ops (received_at) WHERE outcome = 'rejected'`,
      `CREATE TABLE members (
        id text PRIMARY KEY,
        card_number text NOT NULL UNIQUE,
        given_name text NOT NULL,
        family_name text NOT NULL,
        phone text,
        email text,
        birth_date text,
        home_store_id text NOT NULL REFERENCES stores (id),
        enrolled_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL
      )`,
      // Append-only, keyed by the op that made the entry: a balance is a sum, so a replay cannot
      // count twice. An overdraft (an offline redemption HQ could not cover) is kept and flagged.
      `CREATE TABLE ledger (
        op_id uuid PRIMARY KEY,
        member_id text NOT NULL REFERENCES members (id),
        kind text NOT NULL CHECK (kind IN ('earn', 'redeem', 'adjust', 'reversal')),
        points integer NOT NULL,
        at timestamptz NOT NULL,
        store_id text NOT NULL REFERENCES stores (id),
        device_id text NOT NULL REFERENCES devices (id),
        staff_id text,
        reference text,
        amount_minor bigint,
        currency text,
        reward_id text,
        reason_code text,
        approved_by text,
        approval_id text,
        reverses_op_id uuid REFERENCES ledger (op_id),
        rules_version integer,
        flagged_overdraft boolean NOT NULL DEFAULT false,
        received_at timestamptz NOT NULL
      )`,
      `CREATE INDEX ledger_member ON ledger (member_id)`,
      `CREATE INDEX ledger_overdraft ON ledger (received_at) WHERE flagged_overdraft`,
      `CREATE TABLE consents (
        op_id uuid PRIMARY KEY,
        member_id text NOT NULL REFERENCES members (id),
        purpose text NOT NULL,
        granted boolean NOT NULL,
        notice_version text NOT NULL,
        notice_language text NOT NULL,
        channel text NOT NULL,
        at timestamptz NOT NULL,
        store_id text NOT NULL REFERENCES stores (id),
        device_id text NOT NULL REFERENCES devices (id),
        staff_id text
      )`,
      `CREATE INDEX consents_member ON consents (member_id, purpose, at)`,
      // The pull cursor (for the pull session): what changed, in HQ's own sequence, never a clock.
      `CREATE TABLE change_log (
        seq bigserial PRIMARY KEY,
        entity text NOT NULL,
        entity_id text NOT NULL,
        store_id text,
        changed_at timestamptz NOT NULL
      )`,
    ],
  },
  {
    version: 2,
    name: 'an earn is reversed once; a receipt earns once per store',
    statements: [
      `CREATE UNIQUE INDEX ledger_reverses_once ON ledger (reverses_op_id) WHERE reverses_op_id IS NOT NULL`,
      `CREATE UNIQUE INDEX ledger_earn_receipt ON ledger (store_id, reference) WHERE kind = 'earn'`,
    ],
  },
];

/** Brings the schema up to date; safe to call at every start and from several processes at once. */
export async function migrate(db: HqDatabase): Promise<{ applied: number[] }> {
  const applied: number[] = [];
  for (const migration of MIGRATIONS) {
    const done = await db.transaction(async (tx) => {
      // One migrator at a time: a second HQ process waits here, then sees the version applied.
      await tx.query('SELECT pg_advisory_xact_lock(7281)');
      await tx.query(
        `CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
      );
      const existing = await tx.query('SELECT 1 FROM schema_migrations WHERE version = $1', [migration.version]);
      if (existing.rows.length > 0) return false;
      for (const statement of migration.statements) await tx.query(statement);
      await tx.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [
        migration.version,
        migration.name,
      ]);
      return true;
    });
    if (done) applied.push(migration.version);
  }
  return { applied };
}

/** The newest schema version this HQ knows. */
export const SCHEMA_VERSION = MIGRATIONS.at(-1)?.version ?? 0;
