import type { Database } from 'better-sqlite3-multiple-ciphers';
import { AppError } from '../../shared/errors';
import type { AuditLog } from '../audit/audit-log';

/**
 * A manager reads a member's full contacts, with a reason, and the audit log says so (DESIGN §6).
 * Only members enrolled or edited on this till have them here; others come from HQ once sync lands.
 */
export function createRevealContacts(deps: { db: Database; audit: AuditLog }) {
  const { db } = deps;
  const read = db.prepare<[string], { phone_e164: string | null; email: string | null }>(
    'SELECT phone_e164, email FROM members WHERE id = ?',
  );
  return (request: { memberId: string; reasonCode: string }, staffId: string) =>
    db
      .transaction(() => {
        const row = read.get(request.memberId);
        if (!row) throw new AppError('member_not_found', 'No such member on this till.');
        if (row.phone_e164 === null && row.email === null) {
          throw new AppError(
            'contacts_not_cached',
            "This member's full contacts are kept at head office, not on this till.",
          );
        }
        deps.audit.append({
          staffId,
          action: 'member.contacts_revealed',
          subjectType: 'member',
          subjectId: request.memberId,
          details: { reasonCode: request.reasonCode },
        });
        return { phone: row.phone_e164, email: row.email };
      })
      .immediate();
}
