import type { Database } from 'better-sqlite3-multiple-ciphers';
import type { Role } from '../../shared/auth/permissions';
import { AppError } from '../../shared/errors';
import type { AuditLog } from '../audit/audit-log';
import type { PinHasher } from '../staff/pin-hasher';
import type { MonotonicMs } from '../time/monotonic-clock';
import { delayAfter, type LockoutPolicy } from './lockout-policy';

export interface StaffRow {
  id: string;
  display_name: string;
  role: Role;
  status: 'active' | 'inactive';
  pin_hash: string;
  must_change_pin: number;
}

interface FailureRow {
  consecutive: number;
  last_failed_at: string;
  disabled: number;
}

export interface Authenticator {
  /**
   * Checks a staff member's PIN. Wrong PIN, unknown id, inactive staff and a disabled PIN all give
   * the same `login_failed`, after the same argon2 work; a wait gives `login_delayed`.
   * `purpose` only labels the audit entry (login, approval, PIN change). `actorId` is the staff member
   * signed in at the till when someone else types their PIN (a manager approving at a cashier's
   * till): the audit entry is theirs, and the PIN typed is named as `details.approverId`.
   */
  verify(
    staffId: string,
    pin: string,
    purpose: 'login' | 'approval' | 'pin_change',
    actorId?: string,
  ): Promise<StaffRow>;
  isPinLocked(staffId: string): boolean;
  /** Clears the staff member's failures (manager unlock or PIN reset); call inside that transaction. */
  clearFailures(staffId: string): void;
}

export const staffSubject = (staffId: string) => `staff:${staffId}`;
const DEVICE = 'device';

export function createAuthenticator(deps: {
  db: Database;
  hasher: PinHasher;
  audit: AuditLog;
  policy: LockoutPolicy;
  /** Only labels when a failure happened; the waits are measured on `monotonicMs`. */
  now: () => Date;
  monotonicMs: MonotonicMs;
}): Authenticator {
  const { db, audit, policy } = deps;
  const staffById = db.prepare<[string], StaffRow>('SELECT * FROM staff WHERE id = ?');
  const failure = db.prepare<[string], FailureRow>(
    'SELECT consecutive, last_failed_at, disabled FROM auth_failures WHERE subject = ?',
  );
  const recordFailure = db.prepare<{ subject: string; at: string }>(
    `INSERT INTO auth_failures (subject, consecutive, last_failed_at, disabled) VALUES (@subject, 1, @at, 0)
     ON CONFLICT (subject) DO UPDATE SET consecutive = consecutive + 1, last_failed_at = @at`,
  );
  // The PIN is disabled by a check that found it wrong, never by a reservation alone: right PINs
  // checked in parallel (an approval and a login at once) reserve together and would lock it.
  const disableAtMax = db.prepare<{ subject: string; max: number }>(
    'UPDATE auth_failures SET disabled = 1 WHERE subject = @subject AND disabled = 0 AND consecutive >= @max',
  );
  const clear = db.prepare<[string]>('DELETE FROM auth_failures WHERE subject = ?');

  /** When this process recorded each subject's last failure, on the monotonic clock. */
  const failedAtMs = new Map<string, { lastFailedAt: string; atMs: number }>();

  /**
   * Seconds left of the wait the subject's failures ask for. A failure this process recorded is
   * timed on the monotonic clock; one from before a restart has only its wall-clock time, and a
   * time that lies in the future (the clock was ahead then, or is behind now) counts as now, so
   * the wait is never longer than the policy's delay for that count.
   */
  function waitSeconds(subject: string, capSeconds: number): number {
    const row = failure.get(subject);
    if (!row) return 0;
    const delayMs = Math.min(delayAfter(policy, row.consecutive), capSeconds) * 1000;
    let mark = failedAtMs.get(subject);
    if (!mark || mark.lastFailedAt !== row.last_failed_at) {
      // First sight of this failure: place it on the monotonic clock once, so the wait runs down
      // from here even while the wall clock still lies behind the recorded time.
      const recorded = Date.parse(row.last_failed_at);
      const elapsed = Number.isFinite(recorded) ? Math.max(0, deps.now().getTime() - recorded) : 0;
      mark = { lastFailedAt: row.last_failed_at, atMs: deps.monotonicMs() - elapsed };
      failedAtMs.set(subject, mark);
    }
    const elapsedMs = deps.monotonicMs() - mark.atMs;
    return Math.max(0, Math.ceil((delayMs - elapsedMs) / 1000));
  }

  /**
   * Counts the attempt as a failure *before* the slow argon2 check, so attempts sent in parallel see
   * each other and the waits apply to them too; a right PIN then clears the count again.
   */
  const reserve = db.transaction((staffId: string) => {
    const at = deps.now().toISOString();
    const atMs = deps.monotonicMs();
    recordFailure.run({ subject: staffSubject(staffId), at });
    recordFailure.run({ subject: DEVICE, at });
    failedAtMs.set(staffSubject(staffId), { lastFailedAt: at, atMs });
    failedAtMs.set(DEVICE, { lastFailedAt: at, atMs });
    return failure.get(staffSubject(staffId))?.consecutive ?? 1;
  });

  /**
   * The entry's actor is the staff member signed in (`actorId`), else the one whose PIN it is; an
   * approval's PIN is also named as `approverId` (detection counts PIN failures by that key).
   */
  const whose = (staffId: string, known: boolean, purpose: string, actorId: string | undefined) => ({
    staffId: actorId ?? (known ? staffId : null),
    approver: purpose === 'approval' && known ? { approverId: staffId } : {},
  });

  const auditFailure = db.transaction(
    (
      staffId: string,
      known: boolean,
      purpose: string,
      consecutive: number,
      reason: 'wrong_pin' | 'pin_locked' | 'inactive',
      actorId: string | undefined,
    ) => {
      // Unknown ids are counted like real ones but never written to the audit log (they may be junk).
      const subjectId = known ? staffId : null;
      const who = whose(staffId, known, purpose, actorId);
      audit.append({
        staffId: who.staffId,
        action: 'session.login_failed',
        subjectType: 'staff',
        subjectId,
        details: { purpose, consecutive, reason, ...who.approver },
      });
      const disabledNow = disableAtMax.run({ subject: staffSubject(staffId), max: policy.maxFailures }).changes > 0;
      if (known && disabledNow) {
        audit.append({
          staffId: who.staffId,
          action: 'session.lockout',
          subjectType: 'staff',
          subjectId: staffId,
          details: { purpose, ...who.approver },
        });
      }
    },
  );

  const onSuccess = db.transaction((staffId: string) => {
    clear.run(staffSubject(staffId));
    clear.run(DEVICE);
    failedAtMs.delete(staffSubject(staffId));
    failedAtMs.delete(DEVICE);
  });

  return {
    async verify(staffId, pin, purpose, actorId) {
      const wait = Math.max(
        waitSeconds(staffSubject(staffId), Infinity),
        waitSeconds(DEVICE, policy.deviceDelayCapSeconds),
      );
      if (wait > 0) {
        const who = whose(staffId, staffById.get(staffId) !== undefined, purpose, actorId);
        db.transaction(() =>
          audit.append({
            staffId: who.staffId,
            action: 'session.login_delayed',
            details: { purpose, waitSeconds: wait, ...who.approver },
          }),
        ).immediate();
        throw new AppError('login_delayed', 'Too many wrong PINs: wait before trying again.', {
          details: { retryAfterSeconds: String(wait) },
        });
      }
      const staff = staffById.get(staffId) ?? null;
      const wasDisabled = failure.get(staffSubject(staffId))?.disabled === 1;
      const consecutive = reserve.immediate(staffId);
      const ok = await deps.hasher.verify(staff?.pin_hash ?? null, pin);
      if (ok && staff && staff.status === 'active' && !wasDisabled) {
        onSuccess.immediate(staffId);
        return staff;
      }
      // Labelled for what it was; the caller still hears only login_failed whatever the reason.
      const reason = wasDisabled ? 'pin_locked' : staff && staff.status !== 'active' ? 'inactive' : 'wrong_pin';
      auditFailure.immediate(staffId, staff !== null, purpose, consecutive, reason, actorId);
      const next = Math.max(
        waitSeconds(staffSubject(staffId), Infinity),
        waitSeconds(DEVICE, policy.deviceDelayCapSeconds),
      );
      throw new AppError('login_failed', 'The staff member or PIN is not right.', {
        ...(next > 0 ? { details: { retryAfterSeconds: String(next) } } : {}),
      });
    },

    isPinLocked(staffId) {
      return failure.get(staffSubject(staffId))?.disabled === 1;
    },

    clearFailures(staffId) {
      clear.run(staffSubject(staffId));
      failedAtMs.delete(staffSubject(staffId));
    },
  };
}
