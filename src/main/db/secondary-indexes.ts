import type { Database } from 'better-sqlite3-multiple-ciphers';

/**
 * Indexes a bulk load into an empty cache drops and rebuilds (members/ingest-snapshot.ts
 * loadIntoEmpty: the demo's and the benches' load). Sync's first snapshot keeps them, so phone and
 * e-mail lookups stay indexed while it loads (issue 15 item 5). Recreated at every open too, so a
 * crash in the middle of a bulk load never leaves lookups without them.
 */
export const SECONDARY_INDEXES: Readonly<Record<string, string>> = {
  members_phone_hash:
    'CREATE INDEX IF NOT EXISTS members_phone_hash ON members (phone_hash) WHERE phone_hash IS NOT NULL',
  members_email_hash:
    'CREATE INDEX IF NOT EXISTS members_email_hash ON members (email_hash) WHERE email_hash IS NOT NULL',
  member_name_tokens_member: 'CREATE INDEX IF NOT EXISTS member_name_tokens_member ON member_name_tokens (member_id)',
};

export function ensureSecondaryIndexes(db: Database): void {
  db.transaction(() => {
    for (const sql of Object.values(SECONDARY_INDEXES)) db.exec(sql);
  }).immediate();
}

export function dropSecondaryIndexes(db: Database): void {
  db.transaction(() => {
    for (const name of Object.keys(SECONDARY_INDEXES)) db.exec(`DROP INDEX IF EXISTS ${name}`);
  }).immediate();
}
