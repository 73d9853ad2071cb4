import type { Database } from 'better-sqlite3-multiple-ciphers';
import { mayResetPinOf, type Role } from '../../shared/auth/permissions';
import { AppError, type FieldIssue } from '../../shared/errors';
import type { RosterEntry, SessionInfo } from '../../shared/staff/schemas';
import { checkPin } from '../../shared/staff/pin-policy';
import type { AuditLog } from '../audit/audit-log';
import type { Authenticator, StaffRow } from '../auth/authenticator';
import type { Session, SessionStore } from '../auth/session';
import { uuidv7 } from '../ids/uuidv7';
import { immediately, type Commit } from '../requests/request-log';
import type { StaffProof } from '../../shared/sync/staff-proof';
import type { StaffProofSealer } from '../sync/staff-proof-seal';
import { createStaffInsert } from './insert-staff';
import type { PinHasher } from './pin-hasher';

/** A PIN set at this till, as HQ must hear of it: whose, how, and the proof sealed for HQ. */
export interface PinSet {
  opId: string;
  staffId: string;
  kind: 'change' | 'reset';
  approvedBy: string | null;
  approvalId: string | null;
  /** null on a standalone till, which tells HQ nothing. */
  staffProof: StaffProof | null;
  /** Who did it at this till. */
  actor: string;
}

export interface StaffServiceDeps {
  db: Database;
  hasher: PinHasher;
  authenticator: Authenticator;
  sessions: SessionStore;
  audit: AuditLog;
  now: () => Date;
  pinLength: () => number;
  idleLockSeconds: () => number;
  /**
   * HQ believes a PIN change only with the PINs sealed to it (the till is not a trust boundary),
   * so the PINs are sealed here, while they are still in hand.
   */
  proofs: StaffProofSealer;
  /**
   * A paired till tells HQ of every PIN it sets (HQ keeps the roster; without this the next roster
   * pull would bring the old PIN back). Called inside the PIN's own transaction.
   */
  onPinSet?: (set: PinSet) => void;
  /**
   * After a successful PIN sign-in, inside its transaction, with the PIN typed: a v1 roster hash is
   * sent for HQ to re-hash under the store's pepper (staff/pin-rehash.ts).
   */
  onSignedIn?: (staff: StaffRow, pin: string) => void;
}

function rejectPin(path: string, pin: string, length: number): void {
  const problem = checkPin(pin, length);
  if (problem) {
    const issues: FieldIssue[] = [{ path, code: problem }];
    throw new AppError('pin_rejected', 'The PIN does not meet the PIN policy.', { issues });
  }
}

/** Staff roster, first-run setup, login and PIN changes. Every change is audited in its own transaction. */
export function createStaffService(deps: StaffServiceDeps) {
  const { db, audit, authenticator, sessions } = deps;
  const all = db.prepare<[], StaffRow>("SELECT * FROM staff WHERE status = 'active' ORDER BY role DESC, display_name");
  const byId = db.prepare<[string], StaffRow>('SELECT * FROM staff WHERE id = ?');
  const count = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM staff');
  const insertStaff = createStaffInsert(deps);
  const setPin = db.prepare<[string, number, string, string]>(
    'UPDATE staff SET pin_hash = ?, must_change_pin = ?, updated_at = ? WHERE id = ?',
  );

  const entry = (row: StaffRow): RosterEntry => ({
    staffId: row.id,
    displayName: row.display_name,
    role: row.role,
    pinLocked: authenticator.isPinLocked(row.id),
    mustChangePin: row.must_change_pin === 1,
  });

  function sessionInfo(session: Session | null): { session: SessionInfo | null } {
    if (!session) return { session: null };
    return {
      session: {
        staffId: session.staffId,
        displayName: session.displayName,
        role: session.role,
        mustChangePin: session.mustChangePin ?? false,
        idleLockSeconds: deps.idleLockSeconds(),
      },
    };
  }

  const sessionOf = (row: StaffRow): Session => ({
    staffId: row.id,
    displayName: row.display_name,
    role: row.role,
    startedAt: deps.now().toISOString(),
    mustChangePin: row.must_change_pin === 1,
  });
  function openSession(row: StaffRow) {
    sessions.open(sessionOf(row));
  }

  return {
    sessionInfo,
    /** Signed out (the lock screen), it does not say who holds a guessable temporary PIN. */
    roster(session: Session | null = null) {
      const staff = all.all().map(entry);
      return {
        needsBootstrap: count.get()?.n === 0,
        staff: session ? staff : staff.map((e) => ({ ...e, mustChangePin: null })),
      };
    },
    count: () => count.get()?.n ?? 0,

    async bootstrap(request: { displayName: string; pin: string }, commit: Commit = immediately(db)) {
      if ((count.get()?.n ?? 0) > 0) {
        throw new AppError('bootstrap_not_allowed', 'This till already has staff; ask a manager to add you.');
      }
      rejectPin('pin', request.pin, deps.pinLength());
      const answer = await insertStaff(
        { displayName: request.displayName, role: 'manager', pin: request.pin, mustChangePin: false },
        null,
        'staff.bootstrap',
        commit,
        (row) => sessionInfo(sessionOf(row)),
      );
      // The session the answer names (also when the answer came from an earlier try of this request).
      const row = answer.session ? byId.get(answer.session.staffId) : undefined;
      if (row) openSession(row);
      return answer;
    },

    async login(request: { staffId: string; pin: string }) {
      const previous = sessions.current();
      const row = await authenticator.verify(request.staffId, request.pin, 'login');
      db.transaction(() => {
        if (previous) {
          audit.append({ staffId: previous.staffId, action: 'session.locked', details: { reason: 'switch' } });
        }
        audit.append({
          staffId: row.id,
          action: 'session.login',
          subjectType: 'staff',
          subjectId: row.id,
          details: { mustChangePin: row.must_change_pin === 1 },
        });
        deps.onSignedIn?.(row, request.pin);
      }).immediate();
      openSession(row);
      return sessionInfo(sessions.current());
    },

    async add(
      request: { displayName: string; role: Role; temporaryPin: string },
      actor: Session,
      commit: Commit = immediately(db),
    ) {
      rejectPin('temporaryPin', request.temporaryPin, deps.pinLength());
      return insertStaff(
        { displayName: request.displayName, role: request.role, pin: request.temporaryPin, mustChangePin: true },
        actor.staffId,
        'staff.added',
        commit,
        entry,
      );
    },

    async changeOwnPin(
      request: { currentPin: string; newPin: string },
      session: Session,
      commit: Commit = immediately(db),
    ) {
      await authenticator.verify(session.staffId, request.currentPin, 'pin_change');
      rejectPin('newPin', request.newPin, deps.pinLength());
      if (request.newPin === request.currentPin) {
        throw new AppError('pin_rejected', 'The new PIN must differ from the current one.', {
          issues: [{ path: 'newPin', code: 'pin_reused' }],
        });
      }
      const pinHash = await deps.hasher.hash(request.newPin);
      // HQ is told with the current PIN as proof, bound to this op: roster hashes alone cannot forge it.
      const opId = uuidv7(deps.now().getTime());
      const staffProof = deps.proofs.seal(
        { purpose: 'pin_change', opId, staffId: session.staffId },
        { pin: request.currentPin, newPin: request.newPin },
      );
      const answer = commit(() => {
        setPin.run(pinHash, 0, deps.now().toISOString(), session.staffId);
        deps.onPinSet?.({
          opId,
          staffId: session.staffId,
          kind: 'change',
          approvedBy: null,
          approvalId: null,
          staffProof,
          actor: session.staffId,
        });
        audit.append({
          staffId: session.staffId,
          action: 'staff.pin_changed',
          subjectType: 'staff',
          subjectId: session.staffId,
        });
        // Locked (or someone else signed in) while the PINs were checked: the change stands, but the
        // caller is no longer signed in, so the answer (a replay's too) must not sign the window in.
        const stillSignedIn = sessions.current()?.staffId === session.staffId;
        return sessionInfo(stillSignedIn ? { ...session, mustChangePin: false } : null);
      });
      sessions.update({ mustChangePin: false }, session.staffId);
      return answer;
    },

    /** Validates a reset before its approval is spent, so a weak temporary PIN wastes nothing. */
    checkResetPin(request: { staffId: string; temporaryPin: string }, actor: Session) {
      const target = byId.get(request.staffId);
      if (!target) throw new AppError('staff_not_found', 'No such staff member on this till.');
      if (!mayResetPinOf(actor.role, target.role)) {
        throw new AppError('permission_denied', "Only a store manager can reset a store manager's PIN.");
      }
      rejectPin('temporaryPin', request.temporaryPin, deps.pinLength());
    },

    /** Applies a PIN reset; call inside the transaction that consumes its approval. */
    async hashForReset(temporaryPin: string) {
      return deps.hasher.hash(temporaryPin);
    },
    applyReset(
      staffId: string,
      pinHash: string,
      actor: string,
      approval: { approvalId: string; approvedBy: string; staffProof: StaffProof | null },
    ) {
      const { approvalId } = approval;
      setPin.run(pinHash, 1, deps.now().toISOString(), staffId);
      deps.onPinSet?.({
        opId: uuidv7(deps.now().getTime()),
        staffId,
        kind: 'reset',
        approvedBy: approval.approvedBy,
        approvalId,
        staffProof: approval.staffProof,
        actor,
      });
      authenticator.clearFailures(staffId);
      audit.append({
        staffId: actor,
        action: 'staff.pin_reset',
        subjectType: 'staff',
        subjectId: staffId,
        details: { approvalId },
      });
    },
    applyUnlock(staffId: string, actor: string, approvalId: string) {
      if (!byId.get(staffId)) throw new AppError('staff_not_found', 'No such staff member on this till.');
      authenticator.clearFailures(staffId);
      audit.append({
        staffId: actor,
        action: 'staff.unlocked',
        subjectType: 'staff',
        subjectId: staffId,
        details: { approvalId },
      });
    },
    entryOf(staffId: string): RosterEntry {
      const row = byId.get(staffId);
      if (!row) throw new AppError('staff_not_found', 'No such staff member on this till.');
      return entry(row);
    },
    exists: (staffId: string) => byId.get(staffId) !== undefined,
    nameOf: (staffId: string) => byId.get(staffId)?.display_name ?? null,
  };
}

export type StaffService = ReturnType<typeof createStaffService>;
