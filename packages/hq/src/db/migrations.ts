import { randomBytes } from 'node:crypto';
import { newStaffProofKeyPair } from '../push/staff-proof';
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
  {
    version: 3,
    name: 'pull: member state and versions, staff, rewards, store settings, chain secrets, stable change log',
    statements: [
      // HQ's current state of a member, kept in the transaction of every op that changes it, so a
      // pull page reads rows, never sums. version grows by one per change under the row lock: a
      // device applies a member only when its version is newer than the one it holds.
      `ALTER TABLE members ADD COLUMN tier text NOT NULL DEFAULT 'standard' CHECK (tier IN ('standard', 'silver', 'gold'))`,
      `ALTER TABLE members ADD COLUMN points bigint NOT NULL DEFAULT 0`,
      `ALTER TABLE members ADD COLUMN terms_version text`,
      `ALTER TABLE members ADD COLUMN marketing_email boolean NOT NULL DEFAULT false`,
      `ALTER TABLE members ADD COLUMN marketing_sms boolean NOT NULL DEFAULT false`,
      `ALTER TABLE members ADD COLUMN version bigint NOT NULL DEFAULT 1`,
      // Erasure (DESIGN §6) keeps the row (the ledger refers to it) and nothing personal in it.
      `ALTER TABLE members ADD COLUMN erased_at timestamptz`,
      `ALTER TABLE members ALTER COLUMN card_number DROP NOT NULL`,
      // The member an applied op changed and its state right after: a duplicate push (the first
      // response was lost) is answered with what the device missed.
      `ALTER TABLE ops ADD COLUMN member_id text`,
      `ALTER TABLE ops ADD COLUMN member_version bigint`,
      `ALTER TABLE ops ADD COLUMN member_points bigint`,
      // Chain-wide staff (store_id NULL) or one store's. pin_hash is argon2id with the chain pepper.
      `CREATE TABLE staff (
        id text PRIMARY KEY,
        store_id text REFERENCES stores (id),
        display_name text NOT NULL,
        role text NOT NULL CHECK (role IN ('cashier', 'manager')),
        status text NOT NULL CHECK (status IN ('active', 'inactive')),
        pin_hash text NOT NULL,
        must_change_pin boolean NOT NULL,
        version bigint NOT NULL DEFAULT 1,
        updated_at timestamptz NOT NULL
      )`,
      `CREATE TABLE rewards (
        id text PRIMARY KEY,
        name_en text NOT NULL,
        name_ru text NOT NULL,
        cost_points integer NOT NULL CHECK (cost_points > 0),
        active boolean NOT NULL,
        sort integer NOT NULL,
        updated_at timestamptz NOT NULL
      )`,
      // Per store: the counter settings and earn rules (shared/points/rules.ts EarnRules, as JSON).
      `CREATE TABLE store_settings (
        store_id text PRIMARY KEY REFERENCES stores (id),
        language text NOT NULL,
        store_region text NOT NULL,
        idle_lock_seconds integer NOT NULL,
        earn_rules jsonb,
        updated_at timestamptz NOT NULL
      )`,
      `INSERT INTO store_settings (store_id, language, store_region, idle_lock_seconds, earn_rules, updated_at)
         SELECT id, 'en', 'GB', 120, NULL, now() FROM stores`,
      // One row: the chain-wide secrets HQ hands each device at pairing (DESIGN §4) and the card
      // numbers still free for device blocks.
      `CREATE TABLE chain (
        id integer PRIMARY KEY CHECK (id = 1),
        pin_pepper text NOT NULL,
        lookup_key text NOT NULL,
        card_prefix text NOT NULL,
        card_width integer NOT NULL,
        card_block_size integer NOT NULL,
        next_card bigint NOT NULL
      )`,
      `CREATE TABLE card_blocks (
        device_id text PRIMARY KEY REFERENCES devices (id),
        prefix text NOT NULL,
        width integer NOT NULL,
        first_number bigint NOT NULL,
        last_number bigint NOT NULL
      )`,
      // The pull cursor is (txid, seq): pull returns only rows of transactions older than every
      // transaction still running (pg_snapshot_xmin), so no row can later appear behind a cursor a
      // device already holds. seq alone is not enough: bigserial numbers are taken in start order,
      // not commit order.
      `ALTER TABLE change_log ADD COLUMN txid xid8 NOT NULL DEFAULT pg_current_xact_id()`,
      `CREATE INDEX change_log_cursor ON change_log (txid, seq)`,
      // Where the pruned part of the log ends: a cursor behind it is expired (=> snapshot).
      `CREATE TABLE change_log_horizon (
        id integer PRIMARY KEY CHECK (id = 1),
        txid xid8 NOT NULL,
        seq bigint NOT NULL
      )`,
      // Day-end manifests a device sent, and HQ's reconciliation of each.
      `CREATE TABLE day_ends (
        id text PRIMARY KEY,
        device_id text NOT NULL REFERENCES devices (id),
        from_seq bigint NOT NULL,
        to_seq bigint NOT NULL,
        manifest jsonb NOT NULL,
        report jsonb NOT NULL,
        status text NOT NULL CHECK (status IN ('reconciled', 'mismatch')),
        received_at timestamptz NOT NULL
      )`,
      `CREATE INDEX day_ends_device ON day_ends (device_id, to_seq)`,
    ],
  },
  {
    version: 4,
    name: 'staff proofs: HQ key pair for sealed PINs, approvals spent once per device',
    statements: [
      // HQ's X25519 pair (raw, base64url): tills seal the PINs HQ must believe to the public half.
      // Made by ensureChain (keys cannot be made in portable SQL).
      `ALTER TABLE chain ADD COLUMN staff_proof_private_key text`,
      `ALTER TABLE chain ADD COLUMN staff_proof_public_key text`,
      // An approval a till proved (a reset or a correction) counts once: a sealed proof copied
      // into a second op of the same device is refused even though it still opens.
      `CREATE TABLE spent_approvals (
        device_id text NOT NULL REFERENCES devices (id),
        approval_id text NOT NULL,
        op_id uuid NOT NULL,
        PRIMARY KEY (device_id, approval_id)
      )`,
    ],
  },
  {
    version: 5,
    name: 'HQ re-derives what tills claim: earn rule versions per store, store policy, reward deactivation, op flags',
    statements: [
      // Every earn rule set a store was given: an offline till still computing with the previous
      // set is judged by that set for a grace window after it was superseded (push/earn-rules-in-force.ts).
      `CREATE TABLE earn_rule_versions (
        store_id text NOT NULL REFERENCES stores (id),
        version integer NOT NULL,
        rules jsonb NOT NULL,
        issued_at timestamptz NOT NULL,
        superseded_at timestamptz,
        PRIMARY KEY (store_id, version)
      )`,
      `INSERT INTO earn_rule_versions (store_id, version, rules, issued_at)
         SELECT store_id, (earn_rules->>'version')::integer, earn_rules, updated_at
           FROM store_settings WHERE earn_rules IS NOT NULL`,
      // Store policy: HQ-only limits, never sent to tills (a till is not where they are enforced).
      `ALTER TABLE store_settings ADD COLUMN max_adjust_points integer NOT NULL DEFAULT 10000
         CHECK (max_adjust_points BETWEEN 1 AND 100000)`,
      `ALTER TABLE store_settings ADD COLUMN grace_days integer NOT NULL DEFAULT 7 CHECK (grace_days BETWEEN 0 AND 90)`,
      // When a reward stopped being offered: an offline till may still hand it over for a while.
      `ALTER TABLE rewards ADD COLUMN deactivated_at timestamptz`,
      `UPDATE rewards SET deactivated_at = updated_at WHERE NOT active`,
      // Ops HQ applied but had to correct or could not fully verify, for operators to review.
      `CREATE TABLE op_flags (
        op_id uuid NOT NULL,
        reason text NOT NULL,
        device_id text NOT NULL REFERENCES devices (id),
        store_id text NOT NULL REFERENCES stores (id),
        member_id text,
        claimed_points integer,
        applied_points integer,
        claimed_rules_version bigint,
        applied_rules_version integer,
        flagged_at timestamptz NOT NULL,
        PRIMARY KEY (op_id, reason)
      )`,
      `CREATE INDEX op_flags_flagged_at ON op_flags (flagged_at, op_id)`,
    ],
  },
  {
    version: 6,
    name: 'second approver for large corrections',
    statements: [
      // Four-eyes (shared/approvals/second-approver.ts): a correction above this many points needs
      // a manager other than the one who asked. Tills learn it at pull; HQ enforces it at push.
      `ALTER TABLE store_settings ADD COLUMN second_approver_above_points integer NOT NULL DEFAULT 500
         CHECK (second_approver_above_points BETWEEN 0 AND 100000)`,
    ],
  },
  {
    version: 7,
    name: 'rate limit attempts shared by every HQ process on the database',
    statements: [
      // One row per counted attempt (rate-limit.ts: a sliding log per bucket and client). No key:
      // two attempts by one client in the same millisecond are two rows.
      `CREATE TABLE rate_limit_attempts (
        bucket text NOT NULL,
        client_key text NOT NULL,
        at_ms bigint NOT NULL,
        expires_at_ms bigint NOT NULL
      )`,
      `CREATE INDEX rate_limit_attempts_client ON rate_limit_attempts (bucket, client_key, at_ms)`,
      `CREATE INDEX rate_limit_attempts_expiry ON rate_limit_attempts (expires_at_ms)`,
    ],
  },
  {
    version: 8,
    name: 'HQ operators: accounts, TOTP, recovery codes, login failures, enrolment links',
    statements: [
      // An operator (src/operators/): e-mail stored NFKC + lower-cased; no password or TOTP until
      // enrolment completes. Roles are migration 9's operator_roles. created_by is null only for
      // the first chain admin, made from the command line.
      `CREATE TABLE operators (
        id text PRIMARY KEY,
        email text NOT NULL UNIQUE CHECK (email = lower(email)),
        display_name text NOT NULL,
        status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
        password_hash text,
        totp_secret text,
        totp_last_step bigint,
        locked_at timestamptz,
        created_at timestamptz NOT NULL,
        created_by text REFERENCES operators (id)
      )`,
      // totp_secret is base32 in clear until issue 15 encrypts secrets at rest: whoever reads this
      // table can compute codes, so the password stays the other factor. totp_last_step is the
      // step of the last accepted code: a code is never accepted twice.
      `CREATE TABLE operator_recovery_codes (
        operator_id text NOT NULL REFERENCES operators (id),
        code_hash text NOT NULL,
        salt text NOT NULL,
        created_at timestamptz NOT NULL,
        used_at timestamptz,
        PRIMARY KEY (operator_id, code_hash)
      )`,
      // One row per failed login (login-throttle.ts). account_key is SHA-256 of the typed e-mail,
      // so unknown e-mails are counted like known ones without storing what was typed; client_key
      // is the client address (IPv6 by its /64).
      `CREATE TABLE operator_login_failures (
        id bigserial PRIMARY KEY,
        account_key text NOT NULL,
        client_key text NOT NULL,
        at timestamptz NOT NULL
      )`,
      `CREATE INDEX operator_login_failures_account ON operator_login_failures (account_key, at)`,
      `CREATE INDEX operator_login_failures_client ON operator_login_failures (client_key, at)`,
      `CREATE INDEX operator_login_failures_at ON operator_login_failures (at)`,
      // One-time enrolment links: only SHA-256 of the token; totp_secret is the one offered on the
      // enrolment page until the operator confirms it with a code.
      `CREATE TABLE operator_enrolments (
        token_hash text PRIMARY KEY,
        operator_id text NOT NULL REFERENCES operators (id),
        totp_secret text,
        created_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        used_at timestamptz
      )`,
      `CREATE INDEX operator_enrolments_operator ON operator_enrolments (operator_id)`,
    ],
  },
  {
    version: 9,
    name: 'HQ operators: roles, audit chain, API tokens, second-operator approvals',
    statements: [
      // An operator may hold several roles (src/operators/roles.ts); a request is allowed when any does.
      `CREATE TABLE operator_roles (
        operator_id text NOT NULL REFERENCES operators (id),
        role text NOT NULL CHECK (role IN ('chain_admin', 'store_operations', 'privacy_officer', 'auditor')),
        PRIMARY KEY (operator_id, role)
      )`,
      // An HMAC chain (operator-audit.ts): hash = HMAC(k, prev_hash || canonical entry), the key kept
      // outside this database. operator_id is null for what no operator did (an unknown login name).
      // details hold ids, codes and counts only. No foreign key: an entry outlives what it names.
      `CREATE TABLE operator_audit (
        seq bigint PRIMARY KEY CHECK (seq >= 1),
        at timestamptz NOT NULL,
        operator_id text,
        action text NOT NULL,
        subject_type text,
        subject_id text,
        details jsonb NOT NULL,
        prev_hash text NOT NULL,
        hash text NOT NULL
      )`,
      `CREATE INDEX operator_audit_operator ON operator_audit (operator_id, seq)`,
      // Only SHA-256 of each token; roles is the JSON array of roles it was given (at use, only those
      // the operator still holds count).
      `CREATE TABLE operator_api_tokens (
        id text PRIMARY KEY,
        operator_id text NOT NULL REFERENCES operators (id),
        token_hash text NOT NULL UNIQUE,
        roles jsonb NOT NULL,
        label text,
        created_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        revoked_at timestamptz,
        last_used_at timestamptz
      )`,
      `CREATE INDEX operator_api_tokens_operator ON operator_api_tokens (operator_id)`,
      // A sensitive operation waiting for a second operator (second-operator.ts): the request's ids
      // (what the approver is shown), bound to it by an HMAC of its canonical JSON, approved by
      // someone else, spent once.
      `CREATE TABLE operator_approvals (
        id text PRIMARY KEY,
        operation text NOT NULL,
        requested_by text NOT NULL REFERENCES operators (id),
        payload jsonb NOT NULL,
        payload_hash text NOT NULL,
        requested_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        approved_by text REFERENCES operators (id),
        approved_at timestamptz,
        used_at timestamptz,
        CHECK (approved_by IS NULL OR approved_by <> requested_by),
        CHECK ((approved_by IS NULL) = (approved_at IS NULL)),
        CHECK (used_at IS NULL OR approved_at IS NOT NULL)
      )`,
      `CREATE INDEX operator_approvals_pending ON operator_approvals (expires_at) WHERE approved_at IS NULL`,
    ],
  },
  {
    version: 10,
    name: 'HQ console: sessions, idempotent writes, catalogue versions, review resolutions, app versions',
    statements: [
      // Console sessions (console/sessions.ts): only SHA-256 of the cookie's value is kept.
      `CREATE TABLE operator_sessions (
        id_hash text PRIMARY KEY,
        operator_id text NOT NULL REFERENCES operators (id),
        created_at timestamptz NOT NULL,
        last_seen_at timestamptz NOT NULL,
        idle_expires_at timestamptz NOT NULL,
        absolute_expires_at timestamptz NOT NULL,
        ended_at timestamptz
      )`,
      `CREATE INDEX operator_sessions_operator ON operator_sessions (operator_id)`,
      // A console or API write's request id and its answer (redacted when it showed a secret), so a
      // retry is answered without doing the work twice.
      `CREATE TABLE console_requests (
        operator_id text NOT NULL REFERENCES operators (id),
        request_id uuid NOT NULL,
        endpoint text NOT NULL,
        response jsonb NOT NULL,
        created_at timestamptz NOT NULL,
        PRIMARY KEY (operator_id, request_id)
      )`,
      // Every catalogue loaded (console editor or load-catalog), in full: version n+1 needs n as its base.
      `CREATE TABLE catalog_versions (
        version bigint PRIMARY KEY CHECK (version >= 1),
        catalog jsonb NOT NULL,
        loaded_at timestamptz NOT NULL,
        operator_id text
      )`,
      // An operator's decision on an overdraft, a rejected op or a flagged op.
      `CREATE TABLE review_resolutions (
        kind text NOT NULL CHECK (kind IN ('overdraft', 'rejected', 'flagged')),
        op_id uuid NOT NULL,
        resolution text NOT NULL,
        operator_id text NOT NULL,
        resolved_at timestamptz NOT NULL,
        PRIMARY KEY (kind, op_id)
      )`,
      // What the till said it runs (its User-Agent at push/pull), for the devices page.
      `ALTER TABLE devices ADD COLUMN app_version text`,
      // The tills' keyed hashes of each member's phone and e-mail (contact-lookup-hash.ts), so an
      // operator finds a member by contact without HQ indexing the plaintext. A trigger marks a row
      // whose contacts change (and drops its old hashes); members/contact-lookups.ts hashes marked rows.
      `ALTER TABLE members ADD COLUMN phone_lookup text`,
      `ALTER TABLE members ADD COLUMN email_lookup text`,
      `ALTER TABLE members ADD COLUMN lookups_stale boolean NOT NULL DEFAULT true`,
      `CREATE INDEX members_phone_lookup ON members (phone_lookup) WHERE phone_lookup IS NOT NULL`,
      `CREATE INDEX members_email_lookup ON members (email_lookup) WHERE email_lookup IS NOT NULL`,
      `CREATE INDEX members_lookups_stale ON members (id) WHERE lookups_stale`,
      `CREATE FUNCTION members_contacts_changed() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         NEW.lookups_stale := true;
         NEW.phone_lookup := NULL;
         NEW.email_lookup := NULL;
         RETURN NEW;
       END $$`,
      `CREATE TRIGGER members_contacts_changed BEFORE UPDATE OF phone, email ON members FOR EACH ROW
         WHEN (OLD.phone IS DISTINCT FROM NEW.phone OR OLD.email IS DISTINCT FROM NEW.email)
         EXECUTE FUNCTION members_contacts_changed()`,
    ],
  },
  {
    version: 11,
    name: 'HQ operators: WebAuthn passkeys as a second factor beside TOTP, and their one-use challenges',
    statements: [
      // An operator's passkey: the credential id and COSE public key (base64url) the authenticator
      // gave at registration, and the last signature counter it reported (a lower one is a clone).
      `CREATE TABLE operator_passkeys (
        id text PRIMARY KEY,
        credential_id text NOT NULL UNIQUE,
        operator_id text NOT NULL REFERENCES operators (id),
        public_key text NOT NULL,
        sign_count bigint NOT NULL DEFAULT 0 CHECK (sign_count >= 0),
        transports text NOT NULL DEFAULT '',
        label text NOT NULL,
        created_at timestamptz NOT NULL,
        last_used_at timestamptz
      )`,
      `CREATE INDEX operator_passkeys_operator ON operator_passkeys (operator_id)`,
      // A WebAuthn challenge HQ handed out: only its SHA-256 is kept; used once, within 5 minutes.
      // Registration challenges belong to the signed-in operator; login challenges to nobody yet.
      `CREATE TABLE operator_passkey_challenges (
        challenge_hash text PRIMARY KEY,
        operator_id text REFERENCES operators (id),
        purpose text NOT NULL CHECK (purpose IN ('register', 'login')),
        expires_at timestamptz NOT NULL,
        used_at timestamptz
      )`,
      `CREATE INDEX operator_passkey_challenges_expiry ON operator_passkey_challenges (expires_at)`,
    ],
  },
  {
    version: 12,
    name: 'customer rights: erasure requests and holds, erased-subject tokens, retention policy, consent confirmations, disclosures, exports',
    statements: [
      // The chain's privacy policy (DESIGN §6), one row, edited in the console. Months, years and days
      // are what the rules count in; null for a rule that is off.
      `CREATE TABLE privacy_policy (
        id integer PRIMARY KEY CHECK (id = 1),
        erasure_hold_days integer NOT NULL DEFAULT 0 CHECK (erasure_hold_days BETWEEN 0 AND 365),
        inactive_member_months integer CHECK (inactive_member_months BETWEEN 1 AND 240),
        audit_retention_years integer NOT NULL DEFAULT 6 CHECK (audit_retention_years BETWEEN 1 AND 50),
        export_retention_days integer NOT NULL DEFAULT 30 CHECK (export_retention_days BETWEEN 1 AND 365),
        confirmation_ttl_hours integer NOT NULL DEFAULT 72 CHECK (confirmation_ttl_hours BETWEEN 1 AND 720),
        version bigint NOT NULL DEFAULT 1,
        updated_at timestamptz,
        updated_by text
      )`,
      `INSERT INTO privacy_policy (id) VALUES (1)`,
      // A request to erase a member, from a till (its op id) or the console (a new id). due_at is when
      // the hold ends; the daily job (or the request itself, with no hold) erases then.
      `CREATE TABLE erasure_requests (
        id uuid PRIMARY KEY,
        member_id text NOT NULL REFERENCES members (id),
        source text NOT NULL CHECK (source IN ('till', 'console', 'retention')),
        reason_code text NOT NULL,
        store_id text,
        device_id text,
        staff_id text,
        operator_id text,
        requested_at timestamptz NOT NULL,
        due_at timestamptz NOT NULL,
        status text NOT NULL CHECK (status IN ('pending', 'completed', 'cancelled')),
        completed_at timestamptz,
        CHECK ((status = 'completed') = (completed_at IS NOT NULL))
      )`,
      `CREATE INDEX erasure_requests_due ON erasure_requests (due_at) WHERE status = 'pending'`,
      `CREATE INDEX erasure_requests_member ON erasure_requests (member_id)`,
      // Erasure finds every op about a member, refused ones too, by the payload's member id; without
      // this it scans every op HQ ever stored (npm run bench -- --only privacy measures both).
      `CREATE INDEX ops_payload_member ON ops ((payload->>'memberId'))`,
      // A legal hold stops erasure and retention for one member until an operator lifts it.
      `ALTER TABLE members ADD COLUMN legal_hold_reason text`,
      `ALTER TABLE members ADD COLUMN legal_hold_at timestamptz`,
      // The last time a till recorded anything for the member (inactivity retention counts from it).
      `ALTER TABLE members ADD COLUMN last_activity_at timestamptz`,
      `UPDATE members m SET last_activity_at = GREATEST(m.enrolled_at,
         COALESCE((SELECT max(l.at) FROM ledger l WHERE l.member_id = m.id), m.enrolled_at))`,
      `CREATE INDEX members_last_activity ON members (last_activity_at) WHERE erased_at IS NULL`,
      // Marketing e-mail counts only once the member confirmed it (double opt-in).
      `ALTER TABLE members ADD COLUMN marketing_email_confirmed_at timestamptz`,
      // After erasure the ledger and the proof of withdrawals stay, tied to a random token that
      // nothing links back to the member (not even the member row).
      `ALTER TABLE ledger ALTER COLUMN member_id DROP NOT NULL`,
      `ALTER TABLE ledger ADD COLUMN erased_subject text`,
      `ALTER TABLE ledger ADD CONSTRAINT ledger_subject CHECK ((member_id IS NULL) = (erased_subject IS NOT NULL))`,
      `CREATE INDEX ledger_erased_subject ON ledger (erased_subject) WHERE erased_subject IS NOT NULL`,
      `ALTER TABLE consents ALTER COLUMN member_id DROP NOT NULL`,
      `ALTER TABLE consents ADD COLUMN erased_subject text`,
      `ALTER TABLE consents ADD CONSTRAINT consents_subject CHECK ((member_id IS NULL) = (erased_subject IS NOT NULL))`,
      // Double opt-in: one row per grant of marketing e-mail waiting for the member's confirmation.
      // The link carries an HMAC-signed token; only its SHA-256 is kept. The mail service takes the
      // row (dispatched_at) and sends it; HQ itself sends nothing.
      `CREATE TABLE consent_confirmations (
        id uuid PRIMARY KEY,
        member_id text REFERENCES members (id),
        consent_op_id uuid NOT NULL,
        purpose text NOT NULL,
        language text NOT NULL,
        token_hash text NOT NULL UNIQUE,
        created_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        dispatched_at timestamptz,
        confirmed_at timestamptz,
        superseded_at timestamptz
      )`,
      `CREATE INDEX consent_confirmations_member ON consent_confirmations (member_id)`,
      `CREATE INDEX consent_confirmations_waiting ON consent_confirmations (created_at)
         WHERE dispatched_at IS NULL AND confirmed_at IS NULL AND superseded_at IS NULL`,
      // Every disclosure of member data to a recipient (DESIGN §6), and who was in it, so a member's
      // export lists what was shared about them. Erasure deletes the member's rows; counts stay.
      `CREATE TABLE disclosures (
        id uuid PRIMARY KEY,
        recipient text NOT NULL,
        purpose text NOT NULL,
        fields jsonb NOT NULL,
        pseudonymised boolean NOT NULL,
        member_count integer NOT NULL CHECK (member_count >= 0),
        operator_id text NOT NULL,
        disclosed_at timestamptz NOT NULL
      )`,
      `CREATE TABLE disclosure_members (
        disclosure_id uuid NOT NULL REFERENCES disclosures (id),
        member_id text NOT NULL REFERENCES members (id),
        PRIMARY KEY (member_id, disclosure_id)
      )`,
      // A data-subject export HQ produced: kept for download until export_retention_days pass, then
      // its document is deleted (the row stays as the record that it was made, and for what).
      `CREATE TABLE member_exports (
        id uuid PRIMARY KEY,
        member_id text NOT NULL REFERENCES members (id),
        purpose text NOT NULL,
        source text NOT NULL CHECK (source IN ('till', 'console')),
        operator_id text,
        device_id text,
        staff_id text,
        created_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        document jsonb,
        deleted_at timestamptz
      )`,
      `CREATE INDEX member_exports_member ON member_exports (member_id)`,
      `CREATE INDEX member_exports_expiry ON member_exports (expires_at) WHERE document IS NOT NULL`,
      // A till's request for a member's data held at HQ (an export, or contacts to reveal), by its
      // request id: a retry is answered again but recorded and audited once.
      `CREATE TABLE till_member_requests (
        request_id uuid PRIMARY KEY,
        device_id text NOT NULL REFERENCES devices (id),
        staff_id text NOT NULL,
        member_id text NOT NULL REFERENCES members (id),
        kind text NOT NULL CHECK (kind IN ('export', 'contacts')),
        reason_code text NOT NULL,
        at timestamptz NOT NULL
      )`,
      `ALTER TABLE member_exports ADD CONSTRAINT member_exports_purpose CHECK (purpose IN ('access_request', 'portability_request'))`,
      `ALTER TABLE disclosures ADD CONSTRAINT disclosures_recipient CHECK (length(recipient) BETWEEN 1 AND 200)`,
      `ALTER TABLE disclosures ADD CONSTRAINT disclosures_purpose CHECK (purpose ~ '^[a-z][a-z0-9_]{0,39}$')`,
      // Audit retention: entries older than the policy's years are deleted from the start of the
      // chain; the last deleted entry's seq and hash are kept here (and in the chain's own record of
      // the purge), so the rest still verifies from there.
      `CREATE TABLE operator_audit_retention (
        id integer PRIMARY KEY CHECK (id = 1),
        through_seq bigint NOT NULL CHECK (through_seq >= 1),
        through_hash text NOT NULL,
        purged_at timestamptz NOT NULL
      )`,
    ],
  },
  {
    version: 13,
    name: 'double opt-in: the mail_relay operator role; a confirmation link is hashed when first handed out',
    statements: [
      // The mail service's account (operators/roles.ts): the role list of migration 9 plus mail_relay.
      `ALTER TABLE operator_roles DROP CONSTRAINT operator_roles_role_check`,
      `ALTER TABLE operator_roles ADD CONSTRAINT operator_roles_role_check
         CHECK (role IN ('chain_admin', 'store_operations', 'privacy_officer', 'auditor', 'mail_relay'))`,
      // The link's token is an HMAC under a key derived from the master key, which the push path
      // (tills) does not hold: the row is made at push with no hash, and the console, which holds
      // the key, stores the token's SHA-256 the first time it hands the link to the mail service.
      // The token is the same every time (id, expiry, key), so the hash never changes once set.
      `ALTER TABLE consent_confirmations ALTER COLUMN token_hash DROP NOT NULL`,
    ],
  },
  {
    version: 14,
    name: 'watch and respond: tills audit entries, detection policy and alerts, the breach register',
    statements: [
      // Each till's audit chain as it uploaded it (POST /v1/audit), in order: an entry is taken only
      // when its seq is the device's next and its prev_hash the device's last hash, so HQ holds an
      // unbroken copy it can read across tills (detection, a lost till's reveals, who touched whom).
      // Ids and codes only, like the till's own. An erasure renames the member's subject_id.
      `CREATE TABLE till_audit (
        device_id text NOT NULL REFERENCES devices (id),
        seq bigint NOT NULL CHECK (seq >= 1),
        at timestamptz NOT NULL,
        staff_id text,
        action text NOT NULL,
        subject_type text,
        subject_id text,
        details jsonb NOT NULL,
        prev_hash text NOT NULL,
        hash text NOT NULL,
        received_at timestamptz NOT NULL,
        PRIMARY KEY (device_id, seq)
      )`,
      `CREATE INDEX till_audit_staff_at ON till_audit (staff_id, at)`,
      `CREATE INDEX till_audit_at ON till_audit (at)`,
      `CREATE INDEX till_audit_member ON till_audit (subject_id) WHERE subject_type = 'member'`,
      // The last entry HQ took from each device (0 / NULL: none yet).
      `ALTER TABLE devices ADD COLUMN audit_seq bigint NOT NULL DEFAULT 0 CHECK (audit_seq >= 0)`,
      `ALTER TABLE devices ADD COLUMN audit_hash text`,
      // Uploads HQ refused because they did not continue the chain it holds (a fork, or an entry
      // HQ holds sent back different): nothing of them is stored; operators see these beside the
      // alerts. One row per device, reason and seq, counted, so a till retrying does not fill it.
      `CREATE TABLE till_audit_refusals (
        device_id text NOT NULL REFERENCES devices (id),
        reason text NOT NULL CHECK (reason IN ('fork', 'rewritten')),
        at_seq bigint NOT NULL,
        first_at timestamptz NOT NULL,
        last_at timestamptz NOT NULL,
        attempts integer NOT NULL DEFAULT 1,
        PRIMARY KEY (device_id, reason, at_seq)
      )`,
      // A store's detection policy (src/shared/detection/policy.ts DetectionPolicy as JSON); a store
      // without a row runs DEFAULT_DETECTION_POLICY.
      `CREATE TABLE detection_policies (
        store_id text PRIMARY KEY REFERENCES stores (id),
        policy jsonb NOT NULL,
        version integer NOT NULL CHECK (version >= 1),
        updated_at timestamptz NOT NULL,
        updated_by text
      )`,
      // Every alert: raised by a till (uploaded with its audit entries, till_alert_id its own id) or
      // by HQ across the store's tills and against each staff member's baseline (source 'hq').
      `CREATE TABLE detection_alerts (
        id uuid PRIMARY KEY,
        store_id text NOT NULL REFERENCES stores (id),
        device_id text REFERENCES devices (id),
        till_alert_id text,
        source text NOT NULL CHECK (source IN ('till', 'hq')),
        rule text NOT NULL,
        staff_id text NOT NULL,
        mode text NOT NULL CHECK (mode IN ('notify', 'enforce')),
        raised_at timestamptz NOT NULL,
        window_start timestamptz NOT NULL,
        window_end timestamptz NOT NULL,
        count integer NOT NULL,
        threshold integer NOT NULL,
        member_ids jsonb NOT NULL,
        audit_refs jsonb NOT NULL,
        status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'acknowledged', 'dismissed', 'escalated')),
        resolved_by text,
        resolved_at timestamptz,
        resolution_code text,
        -- A till's alert: whether HQ reproduced its finding from the uploaded entries (null for HQ's own).
        hq_confirmed boolean,
        UNIQUE (device_id, till_alert_id)
      )`,
      `CREATE INDEX detection_alerts_store ON detection_alerts (store_id, raised_at)`,
      `CREATE INDEX detection_alerts_open ON detection_alerts (raised_at) WHERE status = 'open'`,
      // The breach register (GDPR Art. 33/34): one row per incident, the 72-hour clock runs from aware_at.
      `CREATE TABLE incidents (
        id uuid PRIMARY KEY,
        kind text NOT NULL CHECK (kind IN ('lost_till', 'stolen_till', 'staff_misuse', 'hq_exposure', 'other')),
        title text NOT NULL,
        status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
        aware_at timestamptz NOT NULL,
        opened_at timestamptz NOT NULL,
        opened_by text NOT NULL,
        store_id text REFERENCES stores (id),
        device_id text REFERENCES devices (id),
        staff_id text,
        window_start timestamptz,
        window_end timestamptz,
        regulator_notified_at timestamptz,
        regulator_reference text,
        members_notified_at timestamptz,
        closed_at timestamptz,
        version integer NOT NULL DEFAULT 1
      )`,
      // Its assessment notes, decisions, notifications and actions, in order, never edited.
      `CREATE TABLE incident_entries (
        id uuid PRIMARY KEY,
        incident_id uuid NOT NULL REFERENCES incidents (id),
        -- The entry's place in its incident's timeline (entries of one instant keep their order).
        seq integer NOT NULL CHECK (seq >= 1),
        kind text NOT NULL CHECK (kind IN ('assessment', 'decision', 'notification', 'action')),
        -- What the entry records, as a code the register acts on (incidents/incidents.ts): e.g. the
        -- Art. 33(1) 'not_notifiable' decision stops the clock; text is the officer's words.
        code text CHECK (code ~ '^[a-z][a-z_]{0,39}$'),
        text text NOT NULL,
        at timestamptz NOT NULL,
        operator_id text,
        UNIQUE (incident_id, seq)
      )`,
      `CREATE INDEX incident_entries_incident ON incident_entries (incident_id, at)`,
      // The members an incident exposed and how (the lost-till computation, kept as computed so the
      // notification list is stable): 'masked' (masked and hashed only), 'full_contacts' (full
      // contacts not yet acknowledged), 'revealed' (shown during the window), 'touched' (opened by
      // the named staff member). An erasure renames member_id like the ledger's.
      `CREATE TABLE incident_members (
        incident_id uuid NOT NULL REFERENCES incidents (id),
        member_id text NOT NULL,
        exposure text NOT NULL CHECK (exposure IN ('masked', 'full_contacts', 'revealed', 'touched')),
        PRIMARY KEY (incident_id, member_id)
      )`,
    ],
  },
  {
    version: 15,
    name: 'HQ encryption at rest: data keys wrapped by the master key; a sealing pass leaves the lookup hashes alone',
    statements: [
      // keys/data-keys.ts: one random AES-256-GCM key per purpose, stored only wrapped (AES-256-GCM
      // under a key derived from the master key, or a KMS later); wrapped_by names the wrapping key
      // (never holds it), so HQ started with another key refuses instead of making new keys. id is
      // random and named inside every value it sealed (keys/sealed-value.ts). A retired key stays
      // until no value names it (data key rotation re-encrypts rows in batches).
      `CREATE TABLE data_keys (
        id integer PRIMARY KEY CHECK (id >= 1),
        purpose text NOT NULL,
        wrapped_key text NOT NULL,
        wrapped_by text NOT NULL,
        created_at timestamptz NOT NULL,
        retired_at timestamptz
      )`,
      `CREATE UNIQUE INDEX data_keys_current ON data_keys (purpose) WHERE retired_at IS NULL`,
      // Sealing a contact (the pass over existing rows, a data key rotation) changes the stored text
      // but not the contact: such a pass sets loyalty_desk.resealing for its transaction, and the
      // lookup hashes stay valid instead of being dropped and recomputed.
      `CREATE OR REPLACE FUNCTION members_contacts_changed() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF current_setting('loyalty_desk.resealing', true) = 'on' THEN
           RETURN NEW;
         END IF;
         NEW.lookups_stale := true;
         NEW.phone_lookup := NULL;
         NEW.email_lookup := NULL;
         RETURN NEW;
       END $$`,
    ],
  },
  {
    version: 16,
    name: 'per-store PIN peppers: an HQ-only root the store and chain-staff peppers derive from',
    statements: [
      // 32 random bytes as hex (staff/pin-peppers.ts), never handed to a till. Made here and not in
      // ensureChain so an existing chain gets one too: gen_random_uuid() is PostgreSQL's strong
      // random (pg_strong_random); two v4 UUIDs carry 244 random bits, HKDF's input needs no more.
      // Volatile, so ADD COLUMN fills the existing row and ensureChain's new row draws their own.
      `ALTER TABLE chain ADD COLUMN pin_pepper_root text NOT NULL
         DEFAULT replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', '')`,
    ],
  },
  {
    version: 17,
    name: 'rollback caught at HQ: the tills refused as restored from an old copy',
    statements: [
      // Set while the device is refused as rolled back (devices/rollback.ts); an operator clears it.
      `ALTER TABLE devices ADD COLUMN rolled_back_at timestamptz`,
      // Each detection, kept after it is cleared: what HQ held against what the till claimed
      // (seqs and audit hashes only), and who cleared it, when and why (a reason code).
      `CREATE TABLE device_rollbacks (
        id text PRIMARY KEY,
        device_id text NOT NULL REFERENCES devices (id),
        store_id text NOT NULL REFERENCES stores (id),
        detected_at timestamptz NOT NULL,
        route text NOT NULL CHECK (route IN ('push', 'pull', 'audit', 'day_end')),
        reason text NOT NULL,
        held jsonb NOT NULL,
        claimed jsonb NOT NULL,
        cleared_at timestamptz,
        cleared_by text,
        clear_reason text
      )`,
      `CREATE UNIQUE INDEX device_rollbacks_open ON device_rollbacks (device_id) WHERE cleared_at IS NULL`,
      `CREATE INDEX device_rollbacks_store ON device_rollbacks (store_id, detected_at)`,
    ],
  },
  {
    version: 18,
    name: 'scale-out: periodic jobs claimed once per interval across HQ processes',
    statements: [
      // One row per periodic job (jobs/schedule-job.ts): the process whose UPDATE moves due_at past
      // now runs it; every other process on the database skips until the next due time.
      `CREATE TABLE job_runs (
        name text PRIMARY KEY,
        due_at timestamptz NOT NULL,
        started_at timestamptz NOT NULL,
        holder text NOT NULL,
        runs bigint NOT NULL DEFAULT 1 CHECK (runs >= 1)
      )`,
    ],
  },
  {
    version: 19,
    name: 'rekey on request: an operator asks a till to re-encrypt its database under a new key',
    statements: [
      // One row per request (devices/rekey.ts), kept once done: who asked, when, why, and when the
      // till said it had rekeyed. At most one open request per device.
      `CREATE TABLE device_rekeys (
        id text PRIMARY KEY,
        device_id text NOT NULL REFERENCES devices (id),
        reason text NOT NULL CHECK (reason IN ('suspected_compromise')),
        requested_by text NOT NULL,
        requested_at timestamptz NOT NULL,
        done_at timestamptz
      )`,
      `CREATE UNIQUE INDEX device_rekeys_open ON device_rekeys (device_id) WHERE done_at IS NULL`,
      `CREATE INDEX device_rekeys_device ON device_rekeys (device_id, requested_at)`,
    ],
  },
  {
    version: 20,
    name: 'rollback caught on member-data requests too',
    statements: [
      // A till's request for a member's export or contacts carries its head like the sync routes.
      `ALTER TABLE device_rollbacks DROP CONSTRAINT device_rollbacks_route_check`,
      `ALTER TABLE device_rollbacks ADD CONSTRAINT device_rollbacks_route_check
        CHECK (route IN ('push', 'pull', 'audit', 'day_end', 'member_data'))`,
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
  await ensureChain(db);
  return { applied };
}

/** The newest schema version this HQ knows. */
export const SCHEMA_VERSION = MIGRATIONS.at(-1)?.version ?? 0;

/** Card numbers of the chain: prefix 6004993 + 8 digits + Luhn, handed to devices 10,000 at a time. */
export const DEFAULT_CARD_NUMBERS = { prefix: '6004993', width: 8, blockSize: 10_000 } as const;

/**
 * Makes the chain row once: random chain-wide secrets (DESIGN §4) and the card-number counter.
 * Secrets cannot be made in portable SQL, so this runs after the migrations; a second HQ process
 * racing here changes nothing (ON CONFLICT DO NOTHING).
 */
async function ensureChain(db: HqDatabase): Promise<void> {
  const proofKeys = newStaffProofKeyPair();
  await db.query(
    `INSERT INTO chain (id, pin_pepper, lookup_key, card_prefix, card_width, card_block_size, next_card)
     VALUES (1, $1, $2, $3, $4, $5, 1) ON CONFLICT (id) DO NOTHING`,
    [
      randomBytes(32).toString('hex'),
      randomBytes(32).toString('hex'),
      DEFAULT_CARD_NUMBERS.prefix,
      DEFAULT_CARD_NUMBERS.width,
      DEFAULT_CARD_NUMBERS.blockSize,
    ],
  );
  // Once: a second process racing here finds the key already set and keeps it.
  await db.query(
    `UPDATE chain SET staff_proof_private_key = $1, staff_proof_public_key = $2
      WHERE id = 1 AND staff_proof_private_key IS NULL`,
    [proofKeys.privateKey, proofKeys.publicKey],
  );
}
