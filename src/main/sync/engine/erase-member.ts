import type { Database } from 'better-sqlite3-multiple-ciphers';
import { opReceipt } from '../../../shared/sync/op-receipt';
import { scrubPayload, type Json } from '../../../shared/sync/personal-data';
import { canonicalJson } from '../../../shared/canonical-json';
import { createAnswerErasure } from '../../requests/answer-member';

/** What an erasure changed: `erased` the member row, `wiped` anything at all (then the WAL must go). */
export interface ErasureOutcome {
  erased: boolean;
  wiped: boolean;
}

/**
 * Deletes what this till holds about a member erased at HQ (DESIGN §6): the row keeps its id (the
 * ledger refers to it) and nothing personal; name tokens go; pending outbox payloads lose their
 * personal fields (and still go to HQ), answered ones keep only their receipt; a manager's free-text
 * reason on an approval about the member goes. Consents, ledger and audit hold ids only and stay.
 * secure_delete overwrites the freed cells; the caller wipes the WAL after the transaction so no
 * copy stays in it either.
 */
export function createMemberErasure(db: Database) {
  // Without it, the deleted cells stay readable in freed space until SQLite happens to reuse it.
  if (db.pragma('secure_delete', { simple: true }) !== 1) throw new Error('erasure needs secure_delete on');
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
  // Answered rows are receipts already (apply-push.ts, migration 6); this also covers any that are not.
  // No index on the member of an answered op: a scan of the outbox, for a rare event.
  const answered = db.prepare<[string], { seq: number; type: string; payload: string }>(
    `SELECT seq, type, payload FROM outbox WHERE state <> 'pending' AND json_extract(payload, '$.memberId') = ?`,
  );
  const reasons = db.prepare<[string]>(
    'UPDATE approvals SET reason_text = NULL WHERE target_member_id = ? AND reason_text IS NOT NULL',
  );
  // Answers kept for retries name the member (enrolment, profile, queue entries): they go too.
  const forgetAnswers = createAnswerErasure(db);

  return (memberId: string, at: string): ErasureOutcome => {
    if (!db.inTransaction) throw new Error('erasure runs inside a transaction');
    const erased = erase.run({ id: memberId, at }).changes > 0;
    let wiped = erased;
    if (tokens.run(memberId).changes > 0) wiped = true;
    if (forgetAnswers(memberId) > 0) wiped = true;
    for (const row of pending.all(memberId)) {
      const scrubbed = JSON.stringify(scrubPayload(JSON.parse(row.payload) as { [key: string]: Json }));
      if (scrubbed !== row.payload && scrub.run(scrubbed, row.seq).changes > 0) wiped = true;
    }
    for (const row of answered.all(memberId)) {
      const receipt = canonicalJson(opReceipt(row.type, JSON.parse(row.payload)));
      if (receipt !== row.payload && scrub.run(receipt, row.seq).changes > 0) wiped = true;
    }
    if (reasons.run(memberId).changes > 0) wiped = true;
    return { erased, wiped };
  };
}
