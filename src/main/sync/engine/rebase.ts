import type { Database } from 'better-sqlite3-multiple-ciphers';
import { nameTokens } from '../../../shared/members/normalize';
import { OP_PAYLOADS } from '../../../shared/sync/ops';
import { storedContact } from '../../members/lookup-hash';

/**
 * Replays this till's pending (unacknowledged) ops of a member onto the state HQ just sent
 * (DESIGN §5: a row with local ops is rebased, not overwritten). Points need no replay: pending
 * ledger entries are added to HQ's confirmed figure when a balance is read. Runs inside the
 * transaction that applied HQ's state.
 */
export function createMemberRebase(db: Database, lookupKey: string) {
  const pendingOps = db.prepare<[string], { type: string; payload: string }>(
    `SELECT type, payload FROM outbox
      WHERE state = 'pending' AND json_extract(payload, '$.memberId') = ? ORDER BY seq`,
  );
  const member = db.prepare<[string], { given_name: string; family_name: string }>(
    'SELECT given_name, family_name FROM members WHERE id = ?',
  );
  const clearTokens = db.prepare<[string]>('DELETE FROM member_name_tokens WHERE member_id = ?');
  const insertToken = db.prepare<[string, string]>(
    'INSERT OR IGNORE INTO member_name_tokens (token, member_id) VALUES (?, ?)',
  );
  const update = (sets: Record<string, unknown>, id: string) => {
    const columns = Object.keys(sets);
    if (columns.length === 0) return;
    db.prepare(`UPDATE members SET ${columns.map((c) => `${c} = @${c}`).join(', ')} WHERE id = @id`).run({
      ...sets,
      id,
    });
  };

  const phoneSets = (phone: string | null) => {
    const stored = storedContact(lookupKey, 'phone', phone);
    return { phone_e164: phone, phone_hash: stored.hash, phone_masked: stored.masked };
  };
  const emailSets = (email: string | null) => {
    const stored = storedContact(lookupKey, 'email', email);
    return { email, email_hash: stored.hash, email_masked: stored.masked };
  };

  return {
    /** Rebases one member; returns how many pending ops were replayed. */
    rebase(memberId: string): number {
      if (!db.inTransaction) throw new Error('rebase runs inside the transaction of its page');
      const ops = pendingOps.all(memberId);
      let renamed = false;
      for (const op of ops) {
        if (op.type === 'member.enrolled') {
          const p = OP_PAYLOADS['member.enrolled'].parse(JSON.parse(op.payload));
          // Full contacts stay here until HQ has them (DESIGN §3).
          update({ ...phoneSets(p.phone), ...emailSets(p.email) }, memberId);
        } else if (op.type === 'member.updated') {
          const { changes } = OP_PAYLOADS['member.updated'].parse(JSON.parse(op.payload));
          const sets: Record<string, unknown> = {};
          if (changes.givenName !== undefined) sets.given_name = changes.givenName;
          if (changes.familyName !== undefined) sets.family_name = changes.familyName;
          if (changes.birthDate !== undefined) sets.birth_date = changes.birthDate;
          if (changes.phone !== undefined) Object.assign(sets, phoneSets(changes.phone));
          if (changes.email !== undefined) Object.assign(sets, emailSets(changes.email));
          renamed ||= changes.givenName !== undefined || changes.familyName !== undefined;
          update(sets, memberId);
        } else if (op.type === 'consent.changed') {
          const p = OP_PAYLOADS['consent.changed'].parse(JSON.parse(op.payload));
          if (p.purpose === 'terms') update({ terms_version: p.granted ? p.noticeVersion : null }, memberId);
          else update({ [p.purpose]: p.granted ? 1 : 0 }, memberId);
        }
      }
      if (renamed) {
        const row = member.get(memberId);
        clearTokens.run(memberId);
        if (row) for (const token of nameTokens(row.given_name, row.family_name)) insertToken.run(token, memberId);
      }
      return ops.length;
    },
  };
}
