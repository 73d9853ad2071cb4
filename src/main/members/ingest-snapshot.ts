import type { Database } from 'better-sqlite3-multiple-ciphers';
import { nameTokens } from '../../shared/members/normalize';

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
                         phone_masked, email_masked, phone_e164, email, enrolled_at, updated_at)
    VALUES (@id, @cardNumber, @givenName, @familyName, @phoneHash, @emailHash,
            @phoneMasked, @emailMasked, NULL, NULL, @enrolledAt, @updatedAt)
    ON CONFLICT (id) DO UPDATE SET
      card_number = excluded.card_number, given_name = excluded.given_name, family_name = excluded.family_name,
      phone_hash = excluded.phone_hash, email_hash = excluded.email_hash,
      phone_masked = excluded.phone_masked, email_masked = excluded.email_masked, updated_at = excluded.updated_at`);
  const clearTokens = db.prepare('DELETE FROM member_name_tokens WHERE member_id = ?');
  const insertToken = db.prepare('INSERT OR IGNORE INTO member_name_tokens (token, member_id) VALUES (?, ?)');

  const writeBatch = db.transaction((batch: readonly SnapshotMember[], fresh: boolean) => {
    for (const member of batch) {
      upsert.run(member);
      if (!fresh) clearTokens.run(member.id);
      for (const token of nameTokens(member.givenName, member.familyName)) insertToken.run(token, member.id);
    }
  });

  return {
    /** `fresh`: the table is known to hold none of these ids (first snapshot), which skips token cleanup. */
    writeBatch(batch: readonly SnapshotMember[], options: { fresh?: boolean } = {}) {
      writeBatch.immediate(batch, options.fresh ?? false);
    },
  };
}
