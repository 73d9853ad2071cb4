import type { Database } from 'better-sqlite3-multiple-ciphers';
import { AppError } from '../../shared/errors';
import type { ErasureReason } from '../../shared/privacy/requests';
import type { AuditLog } from '../audit/audit-log';
import type { Authenticator } from '../auth/authenticator';
import type { Session } from '../auth/session';
import { uuidv7 } from '../ids/uuidv7';
import { immediately, type Commit } from '../requests/request-log';
import { createMemberErasure } from '../sync/engine/erase-member';
import { createWalTruncate } from '../sync/engine/wal-truncate';
import type { Outbox } from '../sync/outbox';
import type { StaffProofSealer } from '../sync/staff-proof-seal';

export interface RequestErasureDeps {
  db: Database;
  audit: AuditLog;
  outbox: Outbox;
  authenticator: Authenticator;
  proofs: StaffProofSealer;
  now: () => Date;
}

/**
 * A manager asks at the counter that a member be erased (GDPR Art. 17; DESIGN §6), with the member
 * there and the manager's PIN typed again. A paired till records an op (so it works offline) that
 * carries the PIN sealed for HQ: HQ holds the customer record, applies its hold and erases, and the
 * tombstone reaches every till. A standalone till is its own authority and erases here at once.
 */
export function createRequestErasure(deps: RequestErasureDeps) {
  const { db } = deps;
  const member = db.prepare<[string], { erased_at: string | null; erasure_requested_at: string | null }>(
    'SELECT erased_at, erasure_requested_at FROM members WHERE id = ?',
  );
  const markRequested = db.prepare<[string, string]>('UPDATE members SET erasure_requested_at = ? WHERE id = ?');
  const erase = createMemberErasure(db);
  const wal = createWalTruncate(db);

  const check = (memberId: string) => {
    const row = member.get(memberId);
    if (!row || row.erased_at !== null) throw new AppError('member_not_found', 'No such member on this till.');
    if (row.erasure_requested_at !== null) {
      throw new AppError('erasure_already_requested', 'Erasure of this member has already been requested.');
    }
  };

  return async (
    request: { memberId: string; reasonCode: ErasureReason; pin: string },
    session: Session,
    commit: Commit = immediately(db),
  ) => {
    check(request.memberId);
    // The manager's own PIN again: a left-open session is not enough to erase a customer.
    await deps.authenticator.verify(session.staffId, request.pin, 'approval');
    const at = deps.now().toISOString();
    const opId = uuidv7(deps.now().getTime());
    const paired = deps.proofs.paired();
    const staffProof = paired
      ? deps.proofs.seal(
          { purpose: 'member_erasure', opId, requestedBy: session.staffId, memberId: request.memberId },
          { pin: request.pin },
        )
      : null;
    const answer = commit(() => {
      check(request.memberId);
      deps.audit.append({
        staffId: session.staffId,
        action: paired ? 'member.erasure_requested' : 'member.erased_here',
        subjectType: 'member',
        subjectId: request.memberId,
        details: { reasonCode: request.reasonCode },
      });
      if (paired) {
        const payload = {
          memberId: request.memberId,
          reasonCode: request.reasonCode,
          requestedBy: session.staffId,
          at,
        };
        deps.outbox.append(
          'member.erasure_requested',
          opId,
          staffProof ? { ...payload, staffProof } : payload,
          session.staffId,
        );
        markRequested.run(at, request.memberId);
        return { memberId: request.memberId, status: 'requested' as const, at };
      }
      erase(request.memberId, at);
      wal.owe();
      return { memberId: request.memberId, status: 'erased' as const, at };
    });
    // After the commit: no copy of the erased member may stay in the write-ahead log.
    if (answer.status === 'erased') wal.settle();
    return answer;
  };
}
