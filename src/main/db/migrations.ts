import type { Database } from 'better-sqlite3-multiple-ciphers';
import { AppError } from '../../shared/errors';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/**
 * Schema history. Append only: a shipped migration is never edited, because devices in the field
 * have already run it. Each runs in its own transaction together with the `user_version` bump.
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'settings and members',
    sql: `
      CREATE TABLE settings (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) STRICT;

      -- What the counter needs about a member (DESIGN §3). Full contacts are kept only for members
      -- enrolled or edited here until HQ acknowledges them; lookups use keyed hashes, never them.
      CREATE TABLE members (
        id            TEXT PRIMARY KEY,
        card_number   TEXT NOT NULL UNIQUE,
        given_name    TEXT NOT NULL,
        family_name   TEXT NOT NULL,
        phone_hash    BLOB,
        email_hash    BLOB,
        phone_masked  TEXT,
        email_masked  TEXT,
        phone_e164    TEXT,
        email         TEXT,
        enrolled_at   TEXT NOT NULL,
        updated_at    TEXT NOT NULL
      ) STRICT;
      CREATE INDEX members_phone_hash ON members (phone_hash) WHERE phone_hash IS NOT NULL;
      CREATE INDEX members_email_hash ON members (email_hash) WHERE email_hash IS NOT NULL;

      -- Folded name words for prefix search; a range scan on the primary key serves "ann" -> anna, anne.
      CREATE TABLE member_name_tokens (
        token     TEXT NOT NULL,
        member_id TEXT NOT NULL REFERENCES members (id) ON DELETE CASCADE,
        PRIMARY KEY (token, member_id)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX member_name_tokens_member ON member_name_tokens (member_id);
    `,
  },
];

export const LATEST_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0;

export function migrate(db: Database, migrations: readonly Migration[] = MIGRATIONS): number {
  const current = db.pragma('user_version', { simple: true }) as number;
  const latest = migrations[migrations.length - 1]?.version ?? 0;
  if (current > latest) {
    throw new AppError(
      'database_too_new',
      `The device database has schema version ${current}, newer than this app understands (${latest}). Update Loyalty Desk; the data was left untouched.`,
    );
  }
  for (const migration of migrations) {
    if (migration.version <= current) continue;
    db.transaction(() => {
      db.exec(migration.sql);
      db.pragma(`user_version = ${migration.version}`);
    }).immediate();
  }
  return db.pragma('user_version', { simple: true }) as number;
}
