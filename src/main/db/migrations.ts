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
  {
    version: 2,
    name: 'staff, login failures, approvals, audit chain',
    sql: `
      -- Owned by HQ once sync lands (roster_version); until then created by demo data or first-run setup.
      CREATE TABLE staff (
        id              TEXT PRIMARY KEY,
        display_name    TEXT NOT NULL,
        role            TEXT NOT NULL CHECK (role IN ('cashier', 'manager')),
        status          TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'inactive')),
        pin_hash        TEXT NOT NULL,
        must_change_pin INTEGER NOT NULL DEFAULT 1,
        roster_version  INTEGER NOT NULL DEFAULT 0,
        created_at      TEXT NOT NULL,
        updated_at      TEXT NOT NULL
      ) STRICT;

      -- Consecutive failed PIN checks per subject ('device', or 'staff:<id as typed>', whether or not
      -- that staff exists, so unknown ids behave exactly like known ones). Survives restarts and kills.
      CREATE TABLE auth_failures (
        subject        TEXT PRIMARY KEY,
        consecutive    INTEGER NOT NULL,
        last_failed_at TEXT NOT NULL,
        disabled       INTEGER NOT NULL DEFAULT 0
      ) STRICT;

      CREATE TABLE approvals (
        id              TEXT PRIMARY KEY,
        action          TEXT NOT NULL,
        payload_mac     TEXT NOT NULL,
        payload_json    TEXT,
        target_staff_id TEXT,
        reason_code     TEXT NOT NULL,
        reason_text     TEXT,
        requested_by    TEXT NOT NULL,
        requested_at    TEXT NOT NULL,
        status          TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'used', 'denied', 'expired')),
        decided_by      TEXT,
        decided_at      TEXT,
        expires_at      TEXT,
        used_at         TEXT
      ) STRICT;
      CREATE INDEX approvals_status ON approvals (status, requested_at);

      -- Hash chain: hash = HMAC(audit key, prev_hash || canonical entry). Ids and codes only, no PII.
      CREATE TABLE audit (
        seq          INTEGER PRIMARY KEY,
        at           TEXT NOT NULL,
        staff_id     TEXT,
        action       TEXT NOT NULL,
        subject_type TEXT,
        subject_id   TEXT,
        details      TEXT NOT NULL,
        prev_hash    TEXT NOT NULL,
        hash         TEXT NOT NULL
      ) STRICT;
      CREATE INDEX audit_staff ON audit (staff_id, seq);
      CREATE INDEX audit_action ON audit (action, seq);
      CREATE INDEX audit_at ON audit (at);
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
