import type { Role } from '../../shared/auth/permissions';
import { systemMonotonicMs, type MonotonicMs } from '../time/monotonic-clock';

/** A staff session lives only in the main process; the renderer sees its id, name and role, never a credential. */
export interface Session {
  staffId: string;
  displayName: string;
  role: Role;
  startedAt: string;
  /** Logged in with a temporary PIN: only the PIN change is allowed until it is done. */
  mustChangePin?: boolean;
}

/** `detection`: an enforced detection rule with the `lock` action ended the session (src/main/detection). */
export type LockReason = 'manual' | 'idle' | 'os' | 'switch' | 'detection';

export interface SessionStore {
  /** The open session, or null. A session idle for longer than the lock time is locked first. */
  current(): Session | null;
  open(session: Session): void;
  /** Changes the open session only if it still belongs to `staffId` (a switch may have happened meanwhile). */
  update(patch: Partial<Pick<Session, 'mustChangePin'>>, staffId: string): void;
  /** Locks now (no-op when already locked). */
  lock(reason: LockReason): void;
  /** Staff activity: pushes the idle lock back. */
  touch(): void;
}

export interface SessionDeps {
  /** Idle time is measured on this clock: setting the system clock back must not stop the lock. */
  monotonicMs?: MonotonicMs;
  /** Read on every check, so a changed setting applies at once. */
  idleLockSeconds?: () => number;
  onLocked?: (session: Session, reason: LockReason) => void;
}

export function createSessionStore(deps: SessionDeps = {}): SessionStore {
  const monotonicMs = deps.monotonicMs ?? systemMonotonicMs;
  let session: Session | null = null;
  let lastActivity = 0;

  function lock(reason: LockReason) {
    if (!session) return;
    const closing = session;
    session = null;
    deps.onLocked?.(closing, reason);
  }

  return {
    current() {
      if (session && deps.idleLockSeconds && monotonicMs() - lastActivity >= deps.idleLockSeconds() * 1000) {
        lock('idle');
      }
      return session;
    },
    open(next) {
      session = Object.freeze({ ...next, mustChangePin: next.mustChangePin ?? false });
      lastActivity = monotonicMs();
    },
    update(patch, staffId) {
      if (session && session.staffId === staffId) session = Object.freeze({ ...session, ...patch });
    },
    lock,
    touch() {
      if (session) lastActivity = monotonicMs();
    },
  };
}
