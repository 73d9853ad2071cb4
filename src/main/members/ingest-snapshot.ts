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
}

/**
 * Writes members in large transactions (one per batch) with their name tokens. Upserts by id, so
 * a page applied twice leaves the same rows; the caller applies the page's cursor in the same
 * transaction when this runs for sync.
 */
export function createSnapshotIngest(db: Database) {
  const upsert = db.prepare(`
    INSERT INTO members (id, card_number, given_name, family_name, phone_hash, email_hash,
                         phone_masked, email_masked, phone_e164, email, tier, points_confirmed,
                         terms_version, marketing_email, marketing_sms, enrolled_at, updated_at)
    VALUES (@id, @cardNumber, @givenName, @familyName, @phoneHash, @emailHash,
            @phoneMasked, @emailMasked, NULL, NULL, @tier, @pointsConfirmed,
            @termsVersion, @marketingEmail, @marketingSms, @enrolledAt, @updatedAt)
    ON CONFLICT (id) DO UPDATE SET
      card_number = excluded.card_number, given_name = excluded.given_name, family_name = excluded.family_name,
      phone_hash = excluded.phone_hash, email_hash = excluded.email_hash,
      phone_masked = excluded.phone_masked, email_masked = excluded.email_masked,
      tier = excluded.tier, points_confirmed = excluded.points_confirmed, terms_version = excluded.terms_version,
      marketing_email = excluded.marketing_email, marketing_sms = excluded.marketing_sms,
      updated_at = excluded.updated_at`);
  const clearTokens = db.prepare('DELETE FROM member_name_tokens WHERE member_id = ?');
  const insertToken = db.prepare('INSERT OR IGNORE INTO member_name_tokens (token, member_id) VALUES (?, ?)');

  const writeBatch = db.transaction((batch: readonly SnapshotMember[], fresh: boolean) => {
    const tokens: [string, string][] = [];
    for (const member of batch) {
      upsert.run({
        ...member,
        marketingEmail: member.marketingEmail ? 1 : 0,
        marketingSms: member.marketingSms ? 1 : 0,
      });
      if (!fresh) clearTokens.run(member.id);
      for (const token of nameTokens(member.givenName, member.familyName)) tokens.push([token, member.id]);
    }
    // In key order, inserts touch each index page once per batch instead of at random: with every
    // page write encrypted and authenticated, that is most of the ingest cost at a million members.
    tokens.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
    for (const [token, memberId] of tokens) insertToken.run(token, memberId);
  });

  return {
    /** `fresh`: the table is known to hold none of these ids (first snapshot), which skips token cleanup. */
    writeBatch(batch: readonly SnapshotMember[], options: { fresh?: boolean } = {}) {
      writeBatch.immediate(batch, options.fresh ?? false);
    },

    /**
     * First snapshot into an empty cache: drops the secondary indexes, loads every batch, rebuilds
     * them. Refuses a cache that already has members (lookups there need their indexes meanwhile).
     */
    loadIntoEmpty(batches: Iterable<readonly SnapshotMember[]>) {
      const count = (db.prepare('SELECT count(*) AS n FROM members').get() as { n: number }).n;
      if (count > 0) throw new Error('loadIntoEmpty needs an empty member cache');
      // Secondary indexes on random keys (keyed hashes) are the cost of a big load: built once from
      // the loaded rows, they cost a fraction of a million random B-tree inserts.
      dropSecondaryIndexes(db);
      try {
        for (const batch of batches) writeBatch.immediate(batch, true);
      } finally {
        ensureSecondaryIndexes(db);
      }
    },
  };
}
