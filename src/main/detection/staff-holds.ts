import type { Database } from 'better-sqlite3-multiple-ciphers';
import type { EnforceAction } from '../../shared/detection/policy';
import { AppError } from '../../shared/errors';
import type { AuditLog } from '../audit/audit-log';
import { staffSubject, type Authenticator } from '../auth/authenticator';
import type { Session, SessionStore } from '../auth/session';
import { immediately, type Commit } from '../requests/request-log';

export interface StaffHold {
  staffId: string;
  kind: EnforceAction;
  alertId: string;
  since: string;
}

interface HoldRow {
  staff_id: string;
  kind: EnforceAction;
  alert_id: string;
  since: string;
}

const toHold = (row: HoldRow): StaffHold => ({
  staffId: row.staff_id,
  kind: row.kind,
  alertId: row.alert_id,
  since: row.since,
});

export interface StaffHolds {
  holdOf(staffId: string): StaffHold | null;
  /** Refuses a sensitive action of a held staff member with `detection_hold`. */
  assertNotHeld(staffId: string): void;
  /**
   * Places an enforced rule's hold; inside the alert's transaction. A staff member already held
   * keeps their hold, unless the new one is a lock. Returns true when a hold was placed.
   */
  place(staffId: string, kind: EnforceAction, alertId: string): boolean;
  /** After the alert's commit: a lock ends the staff member's session at once. */
  endSessionIfLocked(staffId: string): void;
  /** detection.clearHold: another store manager's PIN clears a manager_pin hold. */
  clearWithManagerPin(
    request: { staffId: string; managerId: string; pin: string },
    session: Session,
    commit?: Commit,
  ): Promise<{ staffId: string; cleared: boolean }>;
  /** A manager's unlock or PIN reset of the staff member also ends a lock hold; inside that transaction. */
  releaseLock(staffId: string, actor: string): void;
}

export function createStaffHolds(deps: {
  db: Database;
  audit: AuditLog;
  authenticator: Authenticator;
  sessions: SessionStore;
  now: () => Date;
}): StaffHolds {
  const { db, audit, authenticator, sessions } = deps;
  const byStaff = db.prepare<[string], HoldRow>('SELECT * FROM staff_holds WHERE staff_id = ?');
  const upsert = db.prepare<{ staffId: string; kind: EnforceAction; alertId: string; since: string }>(
    `INSERT INTO staff_holds (staff_id, kind, alert_id, since) VALUES (@staffId, @kind, @alertId, @since)
     ON CONFLICT (staff_id) DO UPDATE SET kind = excluded.kind, alert_id = excluded.alert_id, since = excluded.since`,
  );
  const remove = db.prepare<[string]>('DELETE FROM staff_holds WHERE staff_id = ?');
  // The PIN refused until a manager unlocks: the same flag ten wrong PINs set (authenticator.ts),
  // so the roster shows the staff member locked and staff.unlock is the way back. No failure is
  // added, so no wait is imposed on top.
  const disablePin = db.prepare<{ subject: string; at: string }>(
    `INSERT INTO auth_failures (subject, consecutive, last_failed_at, disabled) VALUES (@subject, 0, @at, 1)
     ON CONFLICT (subject) DO UPDATE SET disabled = 1`,
  );

  const holdOf = (staffId: string) => {
    const row = byStaff.get(staffId);
    return row ? toHold(row) : null;
  };

  return {
    holdOf,

    assertNotHeld(staffId) {
      const hold = holdOf(staffId);
      if (!hold) return;
      throw new AppError('detection_hold', 'A detection rule holds this staff member: a store manager must clear it.', {
        details: { alertId: hold.alertId, kind: hold.kind },
      });
    },

    place(staffId, kind, alertId) {
      if (!db.inTransaction) throw new Error('a hold is placed inside its alert’s transaction');
      const current = holdOf(staffId);
      if (current && (current.kind === 'lock' || kind === 'manager_pin')) return false;
      upsert.run({ staffId, kind, alertId, since: deps.now().toISOString() });
      if (kind === 'lock') disablePin.run({ subject: staffSubject(staffId), at: deps.now().toISOString() });
      audit.append({
        staffId,
        action: 'detection.hold_placed',
        subjectType: 'staff',
        subjectId: staffId,
        details: { alertId, kind },
      });
      return true;
    },

    endSessionIfLocked(staffId) {
      if (holdOf(staffId)?.kind !== 'lock') return;
      if (sessions.current()?.staffId === staffId) sessions.lock('detection');
    },

    async clearWithManagerPin(request, session, commit = immediately(db)) {
      // The held staff member's own PIN (a manager caught by a rule) never clears their hold.
      if (request.managerId === request.staffId) {
        throw new AppError(
          'second_approver_required',
          'A store manager other than the held staff member must clear it.',
        );
      }
      // A wrong PIN is the signed-in staff member's doing: they are the actor, the manager a detail.
      const manager = await authenticator.verify(request.managerId, request.pin, 'approval', session.staffId);
      if (manager.role !== 'manager' || manager.must_change_pin === 1) {
        db.transaction(() =>
          audit.append({
            staffId: session.staffId,
            action: 'approval.refused',
            details: { action: 'detection.clearHold', reason: 'not_manager', approverId: manager.id },
          }),
        ).immediate();
        throw new AppError('permission_denied', 'Only a store manager can clear a hold.');
      }
      return commit(() => {
        const hold = holdOf(request.staffId);
        // A lock is ended by staff.unlock (the PIN is refused until then), not here.
        if (!hold || hold.kind !== 'manager_pin') return { staffId: request.staffId, cleared: false };
        remove.run(request.staffId);
        audit.append({
          staffId: session.staffId,
          action: 'detection.hold_cleared',
          subjectType: 'staff',
          subjectId: request.staffId,
          details: { alertId: hold.alertId, kind: hold.kind, approverId: manager.id },
        });
        return { staffId: request.staffId, cleared: true };
      });
    },

    releaseLock(staffId, actor) {
      const hold = holdOf(staffId);
      if (!hold || hold.kind !== 'lock') return;
      remove.run(staffId);
      audit.append({
        staffId: actor,
        action: 'detection.hold_cleared',
        subjectType: 'staff',
        subjectId: staffId,
        details: { alertId: hold.alertId, kind: hold.kind },
      });
    },
  };
}
