import type { Database } from 'better-sqlite3-multiple-ciphers';
import { OP_PAYLOADS } from '../../../shared/sync/ops';
import { createProfileWriter } from '../../members/write-profile-changes';

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
  const writeProfileChanges = createProfileWriter(db, lookupKey);
  const setConsentFlag = {
    terms: db.prepare<[string | null, string]>('UPDATE members SET terms_version = ? WHERE id = ?'),
    marketing_email: db.prepare<[number, string]>('UPDATE members SET marketing_email = ? WHERE id = ?'),
    marketing_sms: db.prepare<[number, string]>('UPDATE members SET marketing_sms = ? WHERE id = ?'),
  };

  return {
    /** Rebases one member; returns how many pending ops were replayed. */
    rebase(memberId: string): number {
      if (!db.inTransaction) throw new Error('rebase runs inside the transaction of its page');
      const ops = pendingOps.all(memberId);
      for (const op of ops) {
        if (op.type === 'member.enrolled') {
          const p = OP_PAYLOADS['member.enrolled'].parse(JSON.parse(op.payload));
          // Full contacts stay here until HQ has them (DESIGN §3).
          writeProfileChanges(memberId, { phone: p.phone, email: p.email });
        } else if (op.type === 'member.updated') {
          const { changes } = OP_PAYLOADS['member.updated'].parse(JSON.parse(op.payload));
          writeProfileChanges(memberId, changes);
        } else if (op.type === 'consent.changed') {
          const p = OP_PAYLOADS['consent.changed'].parse(JSON.parse(op.payload));
          if (p.purpose === 'terms') setConsentFlag.terms.run(p.granted ? p.noticeVersion : null, memberId);
          else setConsentFlag[p.purpose].run(p.granted ? 1 : 0, memberId);
        }
      }
      return ops.length;
    },
  };
}
