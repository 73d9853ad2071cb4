import type { Database } from 'better-sqlite3-multiple-ciphers';
import { nameTokens } from '../../shared/members/normalize';
import type { Tier } from '../../shared/points/rules';
import { dropSecondaryIndexes, ensureSecondaryIndexes } from '../db/secondary-indexes';

/**
 * A member as HQ sends it in a snapshot or pull page (DESIGN §3): no full contacts, only masked
 * ones and the keyed lookup hashes (HQ and devices share the chain-wide lookup key).
 */
export interface SnapshotMember {
  id: string;
  cardNumber: string;
  givenName: string;
  familyName: string;
  phoneHash: Buffer | null;
  emailHash: Buffer | null;
  phoneMasked: string | null;
  emailMasked: string | null;
  tier: Tier;
  /** HQ's balance: every confirmed ledger entry of the member, from every store. */
  pointsConfirmed: number;
  /** The privacy-notice version the member accepted the terms under. */
  termsVersion: string;
  marketingEmail: boolean;
  marketingSms: boolean;
  enrolledAt: string;
  updatedAt: string;
  /** HQ's version of this state; a row holding a newer one is left as it is. Demo data: 0. */
  hqVersion?: number;
  birthDate?: string | null;
}

/** Columns HQ's state sets; each keeps its value when the row already holds a newer version. */
const HQ_COLUMNS = [
  'card_number',
  'given_name',
  'family_name',
  'phone_hash',
  'email_hash',
  'phone_masked',
  'email_masked',
  'phone_e164',
  'email',
  'tier',
  'points_confirmed',
  'terms_version',
  'marketing_email',
  'marketing_sms',
  'birth_date',
  'updated_at',
  'hq_version',
] as const;

/**
 * Writes members in large transactions (one per batch) with their name tokens. Upserts by id, so
 * a page applied twice leaves the same rows, and only when HQ's version is at least the one held:
 * a push answer or a later page that already brought a newer state is never undone. Full contacts
 * are cleared (HQ holds them now); sync rebases members with ops still pending right after.
 * `writeRows` runs inside the caller's transaction (sync applies a page and its cursor together).
 */
export function createSnapshotIngest(db: Database) {
  const newer = 'excluded.hq_version >= members.hq_version';
  const upsert = db.prepare<unknown[], { hq_version: number }>(`
    INSERT INTO members (id, card_number, given_name, family_name, phone_hash, email_hash,
                         phone_masked, email_masked, phone_e164, email, tier, points_confirmed,
                         terms_version, marketing_email, marketing_sms, birth_date, enrolled_at, updated_at,
                         hq_version, snapshot_mark)
    VALUES (@id, @cardNumber, @givenName, @familyName, @phoneHash, @emailHash,
            @phoneMasked, @emailMasked, NULL, NULL, @tier, @pointsConfirmed,
            @termsVersion, @marketingEmail, @marketingSms, @birthDate, @enrolledAt, @updatedAt,
            @hqVersion, @mark)
    ON CONFLICT (id) DO UPDATE SET
      ${HQ_COLUMNS.map((column) => `${column} = iif(${newer}, excluded.${column}, members.${column})`).join(',\n      ')},
      snapshot_mark = coalesce(excluded.snapshot_mark, members.snapshot_mark)
    WHERE members.erased_at IS NULL
    RETURNING hq_version`);
  const clearTokens = db.prepare('DELETE FROM member_name_tokens WHERE member_id = ?');
  const insertToken = db.prepare('INSERT OR IGNORE INTO member_name_tokens (token, member_id) VALUES (?, ?)');

  const writeRows = (batch: readonly SnapshotMember[], fresh: boolean, mark: number | null) => {
    const tokens: [string, string][] = [];
    for (const member of batch) {
      const hqVersion = member.hqVersion ?? 0;
      const written = upsert.get({
        ...member,
        birthDate: member.birthDate ?? null,
        hqVersion,
        mark,
        marketingEmail: member.marketingEmail ? 1 : 0,
        marketingSms: member.marketingSms ? 1 : 0,
      });
      // Left as it was (a newer state is held, or the member was erased here): tokens too.
      if (!written || written.hq_version !== hqVersion) continue;
      if (!fresh) clearTokens.run(member.id);
      for (const token of nameTokens(member.givenName, member.familyName)) tokens.push([token, member.id]);
    }
    // In key order, inserts touch each index page once per batch instead of at random: with every
    // page write encrypted and authenticated, that is most of the ingest cost at a million members.
    tokens.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
    for (const [token, memberId] of tokens) insertToken.run(token, memberId);
  };
  const writeBatch = db.transaction(writeRows);
  const anyMember = db.prepare<[], { any: number }>('SELECT EXISTS (SELECT 1 FROM members) AS any');
  const isEmpty = () => anyMember.get()?.any !== 1;

  return {
    /** No member in the cache yet (a first snapshot, or the demo members, may go in whole). */
    isEmpty,

    /** `fresh`: the table is known to hold none of these ids (first snapshot), which skips token cleanup. */
    writeBatch(batch: readonly SnapshotMember[], options: { fresh?: boolean } = {}) {
      writeBatch.immediate(batch, options.fresh ?? false, null);
    },

    /** Inside the caller's transaction; `mark` tags every member a snapshot carried. */
    writeRows(batch: readonly SnapshotMember[], options: { fresh?: boolean; mark?: number | null } = {}) {
      if (!db.inTransaction) throw new Error('writeRows runs inside the transaction of its page');
      writeRows(batch, options.fresh ?? false, options.mark ?? null);
    },

    /**
     * First snapshot into an empty cache: drops the secondary indexes, loads every batch, rebuilds
     * them. Refuses a cache that already has members (lookups there need their indexes meanwhile).
     */
    loadIntoEmpty(batches: Iterable<readonly SnapshotMember[]>) {
      if (!isEmpty()) throw new Error('loadIntoEmpty needs an empty member cache');
      // Secondary indexes on random keys (keyed hashes) are the cost of a big load: built once from
      // the loaded rows, they cost a fraction of a million random B-tree inserts.
      dropSecondaryIndexes(db);
      try {
        for (const batch of batches) writeBatch.immediate(batch, true, null);
      } finally {
        ensureSecondaryIndexes(db);
      }
    },
  };
}
