import type { Database } from 'better-sqlite3-multiple-ciphers';
import { scrubPayload, type Json } from '../../../shared/sync/personal-data';

/**
 * Deletes what this till holds about a member erased at HQ (DESIGN §6): the row keeps its id (the
 * ledger refers to it) and nothing personal; name tokens go; pending outbox payloads lose their
 * personal fields. secure_delete overwrites the freed pages; the caller checkpoints the WAL after
 * the transaction so no copy stays in it either.
 */
export function createMemberErasure(db: Database) {
  const erase = db.prepare<{ id: string; at: string }>(
    `UPDATE members SET card_number = 'erased:' || id, given_name = '', family_name = '', phone_hash = NULL,
       email_hash = NULL, phone_masked = NULL, email_masked = NULL, phone_e164 = NULL, email = NULL,
       birth_date = NULL, marketing_email = 0, marketing_sms = 0, erased_at = @at
     WHERE id = @id AND erased_at IS NULL`,
  );
  const tokens = db.prepare<[string]>('DELETE FROM member_name_tokens WHERE member_id = ?');
  const pending = db.prepare<[string], { seq: number; payload: string }>(
    `SELECT seq, payload FROM outbox WHERE state = 'pending' AND json_extract(payload, '$.memberId') = ?`,
  );
  const scrub = db.prepare<[string, number]>('UPDATE outbox SET payload = ? WHERE seq = ?');

  return (memberId: string, at: string): boolean => {
    if (!db.inTransaction) throw new Error('erasure runs inside a transaction');
    const changed = erase.run({ id: memberId, at }).changes > 0;
    tokens.run(memberId);
    for (const row of pending.all(memberId)) {
      scrub.run(JSON.stringify(scrubPayload(JSON.parse(row.payload) as { [key: string]: Json })), row.seq);
    }
    return changed;
  };
}
