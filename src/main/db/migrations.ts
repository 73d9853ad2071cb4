import type { Database } from 'better-sqlite3-multiple-ciphers';
import { AppError } from '../../shared/errors';
import { opReceipt } from '../../shared/sync/op-receipt';
import { canonicalJson } from '../../shared/canonical-json';
import { WAL_TRUNCATE_DUE } from '../sync/engine/wal-truncate';

export interface Migration {
  version: number;
  name: string;
  sql: string;
  /** Data changes SQL cannot express with the shared rules; runs after `sql`, in the same transaction. */
  run?: (db: Database) => void;
}

/**
 * Tills that synced before receipts existed hold answered outbox rows with full payloads (names,
 * contacts, PIN hashes). They become receipts by the same shared rule as a new answer, and the WAL
 * wipe is owed, so the sync worker's next push answer or pull page empties the log of the old pages.
 */
function answeredOutboxToReceipts(db: Database): void {
  const page = db.prepare<[number], { seq: number; type: string; payload: string }>(
    "SELECT seq, type, payload FROM outbox WHERE state <> 'pending' AND seq > ? ORDER BY seq LIMIT 1000",
  );
  const reduce = db.prepare<[string, number]>('UPDATE outbox SET payload = ? WHERE seq = ?');
  let reduced = 0;
  for (let after = 0, rows = page.all(after); rows.length > 0; rows = page.all(after)) {
    for (const row of rows) {
      const receipt = canonicalJson(opReceipt(row.type, JSON.parse(row.payload)));
      if (receipt !== row.payload) reduced += reduce.run(receipt, row.seq).changes;
      after = row.seq;
    }
  }
  if (reduced > 0) db.prepare("INSERT OR REPLACE INTO sync_state (key, value) VALUES (?, '1')").run(WAL_TRUNCATE_DUE);
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
  {
    version: 3,
    name: 'counter: tiers, ledger, consents, rewards, earn rules, outbox',
    sql: `
      -- points_confirmed is HQ's balance as of the last sync; pending points are this till's
      -- ledger entries HQ has not confirmed yet (DESIGN §5).
      ALTER TABLE members ADD COLUMN tier TEXT NOT NULL DEFAULT 'standard'
        CHECK (tier IN ('standard', 'silver', 'gold'));
      ALTER TABLE members ADD COLUMN points_confirmed INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE members ADD COLUMN birth_date TEXT;
      -- Current consent per optional purpose (the history is in consents); terms are required to join.
      ALTER TABLE members ADD COLUMN terms_version TEXT;
      ALTER TABLE members ADD COLUMN marketing_email INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE members ADD COLUMN marketing_sms INTEGER NOT NULL DEFAULT 0;

      ALTER TABLE approvals ADD COLUMN target_member_id TEXT;

      -- Append-only. Balances are sums of entries, so a duplicate or a reordering cannot change them
      -- silently: op_id is the key HQ dedupes on. The only change allowed is pending -> confirmed.
      CREATE TABLE ledger (
        op_id          TEXT PRIMARY KEY,
        member_id      TEXT NOT NULL REFERENCES members (id),
        kind           TEXT NOT NULL CHECK (kind IN ('earn', 'redeem', 'adjust', 'reversal')),
        points         INTEGER NOT NULL,
        state          TEXT NOT NULL CHECK (state IN ('pending', 'confirmed')),
        at             TEXT NOT NULL,
        staff_id       TEXT,
        approved_by    TEXT,
        approval_id    TEXT,
        store_id       TEXT NOT NULL,
        reference      TEXT,
        amount_minor   INTEGER,
        currency       TEXT,
        reward_id      TEXT,
        reason_code    TEXT,
        rules_version  INTEGER,
        reverses_op_id TEXT UNIQUE REFERENCES ledger (op_id)
      ) STRICT;
      CREATE INDEX ledger_member ON ledger (member_id, at);
      CREATE INDEX ledger_pending ON ledger (member_id, points) WHERE state = 'pending';
      -- A receipt earns points once per store, whichever member it was scanned for.
      CREATE UNIQUE INDEX ledger_earn_reference ON ledger (store_id, reference) WHERE kind = 'earn';
      CREATE TRIGGER ledger_no_delete BEFORE DELETE ON ledger
        BEGIN SELECT RAISE(ABORT, 'ledger is append-only'); END;
      CREATE TRIGGER ledger_no_rewrite BEFORE UPDATE OF
        op_id, member_id, kind, points, at, staff_id, approved_by, approval_id, store_id, reference,
        amount_minor, currency, reward_id, reason_code, rules_version, reverses_op_id ON ledger
        BEGIN SELECT RAISE(ABORT, 'ledger is append-only'); END;
      CREATE TRIGGER ledger_confirm_only BEFORE UPDATE OF state ON ledger
        WHEN NOT (old.state = 'pending' AND new.state = 'confirmed')
        BEGIN SELECT RAISE(ABORT, 'ledger entries only move from pending to confirmed'); END;

      -- One row per change of consent (DESIGN §6): who, when, where, which notice. Append-only.
      CREATE TABLE consents (
        op_id          TEXT PRIMARY KEY,
        member_id      TEXT NOT NULL REFERENCES members (id),
        purpose        TEXT NOT NULL CHECK (purpose IN ('terms', 'marketing_email', 'marketing_sms')),
        granted        INTEGER NOT NULL CHECK (granted IN (0, 1)),
        notice_version TEXT NOT NULL,
        language       TEXT NOT NULL,
        channel        TEXT NOT NULL,
        staff_id       TEXT,
        store_id       TEXT NOT NULL,
        at             TEXT NOT NULL
      ) STRICT;
      CREATE INDEX consents_member ON consents (member_id, purpose, at);
      CREATE TRIGGER consents_no_delete BEFORE DELETE ON consents
        BEGIN SELECT RAISE(ABORT, 'consent history is append-only'); END;
      CREATE TRIGGER consents_no_update BEFORE UPDATE ON consents
        BEGIN SELECT RAISE(ABORT, 'consent history is append-only'); END;

      -- HQ's catalogue (demo data until sync provides it).
      CREATE TABLE rewards (
        id          TEXT PRIMARY KEY,
        name_en     TEXT NOT NULL,
        name_ru     TEXT NOT NULL,
        cost_points INTEGER NOT NULL CHECK (cost_points > 0),
        active      INTEGER NOT NULL DEFAULT 1,
        sort        INTEGER NOT NULL DEFAULT 0
      ) STRICT;

      -- The store's earn rules: one row, validated JSON (shared/points/rules.ts).
      CREATE TABLE earn_rules (
        id    INTEGER PRIMARY KEY CHECK (id = 1),
        rules TEXT NOT NULL
      ) STRICT;

      -- Card numbers this till may hand out: prefix + zero-padded counter + Luhn digit. HQ assigns
      -- the block at pairing, so two tills never issue the same number.
      CREATE TABLE card_block (
        id     INTEGER PRIMARY KEY CHECK (id = 1),
        prefix TEXT NOT NULL,
        width  INTEGER NOT NULL,
        next   INTEGER NOT NULL,
        last   INTEGER NOT NULL
      ) STRICT;

      -- Everything HQ must hear about, in the order it happened here. seq is per device and
      -- exactly +1 (sync_state.outbox_last_seq keeps it monotonic even if acked rows are pruned).
      CREATE TABLE outbox (
        seq         INTEGER PRIMARY KEY,
        op_id       TEXT NOT NULL UNIQUE,
        type        TEXT NOT NULL,
        staff_id    TEXT,
        device_time TEXT NOT NULL,
        payload     TEXT NOT NULL,
        state       TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'acked', 'rejected')),
        result      TEXT
      ) STRICT;
      CREATE INDEX outbox_state ON outbox (state, seq);

      CREATE TABLE sync_state (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) STRICT;
      -- Until pairing gives it an HQ-assigned identity, the till names itself.
      INSERT INTO sync_state (key, value) VALUES ('device_id', 'local-' || lower(hex(randomblob(8))));
      INSERT INTO sync_state (key, value) VALUES ('store_id', 'unpaired');
    `,
  },
  {
    version: 4,
    name: 'sync with HQ: member versions, snapshot marks, erasure, day ends',
    sql: `
      -- HQ's version of the member state this row holds (0: never from HQ). A pulled state or a push
      -- answer is applied only when newer, so answers and pages arriving in any order converge.
      ALTER TABLE members ADD COLUMN hq_version INTEGER NOT NULL DEFAULT 0;
      -- Set by each snapshot page; after the last page, members the snapshot did not carry (and with
      -- nothing pending here) were erased at HQ meanwhile and are erased here too.
      ALTER TABLE members ADD COLUMN snapshot_mark INTEGER;
      -- Erased (DESIGN §6): the row stays for the ledger's sake, with nothing personal in it.
      ALTER TABLE members ADD COLUMN erased_at TEXT;
      -- The ops still waiting for HQ, by member: a pulled state is rebased onto them.
      CREATE INDEX outbox_pending_member ON outbox (json_extract(payload, '$.memberId'), seq)
        WHERE state = 'pending';

      -- Day-end manifests sent to HQ and the reports HQ acknowledged them with.
      CREATE TABLE day_ends (
        id              TEXT PRIMARY KEY,
        from_seq        INTEGER NOT NULL,
        to_seq          INTEGER NOT NULL,
        manifest        TEXT NOT NULL,
        report          TEXT,
        status          TEXT NOT NULL CHECK (status IN ('sent', 'reconciled', 'mismatch')),
        requested_by    TEXT,
        created_at      TEXT NOT NULL,
        acknowledged_at TEXT
      ) STRICT;
    `,
  },
  {
    version: 5,
    name: 'client request ids: each write answered once',
    sql: `
      -- One row per business write the renderer asked for, written in the write's own transaction, so
      -- the effect never exists without its row or the row without its effect. A retry with the same id
      -- is answered from here; rows older than the retention are pruned by later writes.
      CREATE TABLE requests (
        request_id  TEXT PRIMARY KEY,
        channel     TEXT NOT NULL,
        -- HMAC of channel, staff id and canonical request: the request holds PINs, so no plain hash.
        fingerprint TEXT NOT NULL,
        -- The answer as the renderer got it (canonical JSON).
        answer      TEXT NOT NULL,
        -- The member the answer is about, so erasure can drop answers that carry personal data.
        member_id   TEXT,
        at          TEXT NOT NULL
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX requests_at ON requests (at);
      CREATE INDEX requests_member ON requests (member_id) WHERE member_id IS NOT NULL;
    `,
  },
  {
    version: 6,
    name: 'answered outbox rows keep receipts only',
    sql: '',
    run: answeredOutboxToReceipts,
  },
  {
    version: 7,
    name: 'customer rights: erasure requested at the counter, audit retention',
    sql: `
      -- When a manager asked here that the member be erased; HQ carries it out (after its hold) and
      -- the tombstone then blanks the row. Shown on the member screen meanwhile.
      ALTER TABLE members ADD COLUMN erasure_requested_at TEXT;
      -- Audit entries older than the chain's retention are deleted from the start of the chain; the
      -- last deleted one's seq and hash are kept here, so the rest still verifies from there.
      CREATE TABLE audit_retention (
        id           INTEGER PRIMARY KEY CHECK (id = 1),
        through_seq  INTEGER NOT NULL CHECK (through_seq >= 1),
        through_hash TEXT NOT NULL,
        purged_at    TEXT NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 8,
    name: 'watch and respond: detection alerts and holds on staff',
    sql: `
      -- A detection rule that fired (src/shared/detection): raised here by the till's own evaluation
      -- or pulled from HQ's (source 'hq'). Ids and counts only: the members are ids, never names.
      CREATE TABLE detection_alerts (
        id              TEXT PRIMARY KEY,
        rule            TEXT NOT NULL,
        source          TEXT NOT NULL CHECK (source IN ('till', 'hq')),
        staff_id        TEXT NOT NULL,
        mode            TEXT NOT NULL CHECK (mode IN ('notify', 'enforce')),
        raised_at       TEXT NOT NULL,
        window_start    TEXT NOT NULL,
        window_end      TEXT NOT NULL,
        count           INTEGER NOT NULL,
        threshold       INTEGER NOT NULL,
        -- JSON arrays: member ids, and the audit entries ({seq}) that triggered it.
        member_ids      TEXT NOT NULL,
        audit_refs      TEXT NOT NULL,
        acknowledged_at TEXT,
        acknowledged_by TEXT
      ) STRICT;
      CREATE INDEX detection_alerts_raised ON detection_alerts (raised_at);
      CREATE INDEX detection_alerts_open ON detection_alerts (raised_at) WHERE acknowledged_at IS NULL;
      -- An enforced rule's hold on a staff member: 'manager_pin' (the next sensitive action needs a
      -- manager's PIN, which clears it) or 'lock' (signed out, PIN refused until a manager unlocks).
      CREATE TABLE staff_holds (
        staff_id TEXT PRIMARY KEY,
        kind     TEXT NOT NULL CHECK (kind IN ('manager_pin', 'lock')),
        alert_id TEXT NOT NULL REFERENCES detection_alerts (id),
        since    TEXT NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 9,
    name: 'separate derived keys: the key version of each stored MAC',
    sql: `
      -- Which key made the row's MAC (src/main/keychain/derived-keys.ts): 1 = the till's audit key
      -- itself, as every row written before this migration was; 2 = the purpose's HKDF key, written
      -- explicitly by every insert since. Adding a column with a default rewrites no row, so an old
      -- chain keeps its hashes (HQ holds them) and its pending approvals and stored answers stay valid.
      ALTER TABLE audit ADD COLUMN key_version INTEGER NOT NULL DEFAULT 1 CHECK (key_version IN (1, 2));
      ALTER TABLE approvals ADD COLUMN key_version INTEGER NOT NULL DEFAULT 1 CHECK (key_version IN (1, 2));
      ALTER TABLE requests ADD COLUMN key_version INTEGER NOT NULL DEFAULT 1 CHECK (key_version IN (1, 2));
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
      migration.run?.(db);
      db.pragma(`user_version = ${migration.version}`);
    }).immediate();
  }
  return db.pragma('user_version', { simple: true }) as number;
}
