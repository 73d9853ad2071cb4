import type { Database } from 'better-sqlite3-multiple-ciphers';
import { AppError } from '../../shared/errors';
import type { REVEAL_REASONS } from '../../shared/members/schemas';
import type { AuditLog } from '../audit/audit-log';
import type { Authenticator } from '../auth/authenticator';
import type { Session } from '../auth/session';
import { uuidv7 } from '../ids/uuidv7';
import { askHqForMemberData, refusalError, type HqClientSource } from '../privacy/hq-member-data';
import type { StaffProofSealer } from '../sync/staff-proof-seal';

type RevealReason = (typeof REVEAL_REASONS)[number];

/**
 * A manager reads a member's full contacts, with a reason, and the audit log says so (DESIGN §6).
 * Only members enrolled or edited on this till have them here; createRevealContactsAnywhere
 * fetches the others' from HQ.
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

export interface RevealContactsAnywhereDeps {
  db: Database;
  audit: AuditLog;
  authenticator: Authenticator;
  proofs: StaffProofSealer;
  hq: HqClientSource;
  now: () => Date;
  /** The reveal of contacts this till holds (createRevealContacts). */
  revealHere: ReturnType<typeof createRevealContacts>;
}

/**
 * members.revealContacts: contacts this till holds are revealed here (a reason, audited); those only
 * HQ holds (a paired till keeps masks of members not enrolled or edited here) are fetched from HQ
 * with the manager's PIN typed again and sealed for HQ, which checks it against its roster, records
 * the request and audits it too. They go to the screen only: never into the database, the request
 * log or the audit entry (ids and codes), so no file of the till holds them afterwards.
 */
export function createRevealContactsAnywhere(deps: RevealContactsAnywhereDeps) {
  const { db } = deps;
  const held = db.prepare<[string], { held_here: number; masked: number; erased_at: string | null }>(
    `SELECT (phone_e164 IS NOT NULL OR email IS NOT NULL) AS held_here,
            (phone_masked IS NOT NULL OR email_masked IS NOT NULL) AS masked, erased_at
       FROM members WHERE id = ?`,
  );
  return async (
    request: { memberId: string; reasonCode: RevealReason; pin?: string | undefined },
    session: Session,
  ): Promise<{ phone: string | null; email: string | null }> => {
    const row = held.get(request.memberId);
    if (!row || row.erased_at !== null) throw new AppError('member_not_found', 'No such member on this till.');
    // Held here, or nothing to fetch (no contacts at all, or no HQ): the till's own answer.
    if (row.held_here === 1 || row.masked === 0 || !deps.proofs.paired()) {
      return deps.revealHere({ memberId: request.memberId, reasonCode: request.reasonCode }, session.staffId);
    }
    if (request.pin === undefined) {
      throw new AppError(
        'contacts_not_cached',
        "This member's full contacts are kept at head office: the manager's PIN fetches them.",
      );
    }
    // HQ believes a PIN, not a session: the manager types it again, and it is checked here first
    // (failures count on this till, before one reaches HQ's budget).
    await deps.authenticator.verify(session.staffId, request.pin, 'approval');
    const requestId = uuidv7(deps.now().getTime());
    const outcome = await askHqForMemberData(
      deps,
      { kind: 'contacts', reasonCode: request.reasonCode },
      { requestId, memberId: request.memberId, staffId: session.staffId, pin: request.pin },
    );
    if (!outcome.heard) {
      throw new AppError('hq_unreachable', `HQ could not be reached for the contacts (${outcome.code}).`);
    }
    const { answer } = outcome;
    if (answer.kind === 'refused') throw refusalError(answer.reason);
    if (answer.kind !== 'contacts')
      throw new AppError('internal_error', 'HQ answered a contacts request with an export.');
    db.transaction(() => {
      deps.audit.append({
        staffId: session.staffId,
        action: 'member.contacts_revealed',
        subjectType: 'member',
        subjectId: request.memberId,
        details: { reasonCode: request.reasonCode, source: 'hq', requestId },
      });
    }).immediate();
    return { phone: answer.phone, email: answer.email };
  };
}
