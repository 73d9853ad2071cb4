import type { Role } from '../../shared/auth/permissions';

/** A staff session lives only in the main process; the renderer sees its id, name and role, never a credential. */
export interface Session {
  staffId: string;
  displayName: string;
  role: Role;
  startedAt: string;
}

export interface SessionStore {
  current(): Session | null;
  open(session: Session): void;
  close(): void;
}

export function createSessionStore(): SessionStore {
  let session: Session | null = null;
  return {
    current: () => session,
    open: (next) => {
      session = Object.freeze({ ...next });
    },
    close: () => {
      session = null;
    },
  };
}
