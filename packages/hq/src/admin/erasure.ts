import { logChange } from '../change-log';
import type { Queryable } from '../db/database';
import { HqAdminError } from '../errors';
import { clock, type AdminDeps } from './deps';
import { scrubPayload, type Json } from '../../../../src/shared/sync/personal-data';

export { PERSONAL_PAYLOAD_KEYS, scrubPayload } from '../../../../src/shared/sync/personal-data';

/** Scrubs the stored payloads of every op about `memberId`; returns how many rows it changed. */
async function scrubOps(tx: Queryable, memberId: string): Promise<number> {
  // No index covers payload->>'memberId': a full scan of ops, acceptable for a rare operator action.
  const ops = await tx.query<{ device_id: string; seq: unknown; payload: { [key: string]: Json } }>(
    `SELECT device_id, seq, payload FROM ops WHERE payload->>'memberId' = $1 ORDER BY device_id, seq FOR UPDATE`,
    [memberId],
  );
  let changed = 0;
  for (const op of ops.rows) {
    const scrubbed = scrubPayload(op.payload);
    if (JSON.stringify(scrubbed) === JSON.stringify(op.payload)) continue;
    await tx.query('UPDATE ops SET payload = $3::jsonb WHERE device_id = $1 AND seq = $2', [
      op.device_id,
      op.seq,
      JSON.stringify(scrubbed),
    ]);
    changed += 1;
  }
  return changed;
}

export interface ErasureResult {
  memberId: string;
  erasedAt: Date;
  /** The member was erased before this request: its row was left as it was. */
  alreadyErased: boolean;
  /** Stored op payloads scrubbed by this request. */
  opsScrubbed: number;
}

/**
 * Erases a member at HQ (DESIGN §6), in one transaction: the row keeps its id, balance, tier and
 * consent flags but loses card number, names, contacts and birth date; its version grows and the
 * change is logged, so every till's next pull carries the tombstone; the personal fields of every
 * stored op payload about the member are nulled. Ledger and consent rows stay: they hold ids only.
 *
 * Idempotent: for a member erased before, the row and the change log are left alone, but op
 * payloads are scrubbed again (an offline till may have pushed ops for the member since).
 */
export async function requestErasure(deps: AdminDeps, memberId: string): Promise<ErasureResult> {
  const now = clock(deps);
  return deps.db.transaction(async (tx) => {
    // The member row lock every op takes first (members/member-state.ts lockMember): a push for
    // this member waits, then finds the member erased.
    const found = await tx.query<{ erased_at: Date | null }>('SELECT erased_at FROM members WHERE id = $1 FOR UPDATE', [
      memberId,
    ]);
    const row = found.rows[0];
    if (!row) throw new HqAdminError('member_not_found', `No member ${memberId}.`);
    let erasedAt = row.erased_at;
    const alreadyErased = erasedAt !== null;
    if (erasedAt === null) {
      await tx.query(
        `UPDATE members SET erased_at = $2, card_number = NULL, given_name = '', family_name = '', phone = NULL,
           email = NULL, birth_date = NULL, phone_lookup = NULL, email_lookup = NULL, version = version + 1,
           updated_at = $2 WHERE id = $1`,
        [memberId, now],
      );
      await logChange(tx, 'member', memberId, null, now);
      erasedAt = now;
    }
    const opsScrubbed = await scrubOps(tx, memberId);
    return { memberId, erasedAt, alreadyErased, opsScrubbed };
  });
}
