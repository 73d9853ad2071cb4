import { createContext, useContext } from 'react';
import type { AppInfo, RosterEntry, SessionInfo } from '../api/client';

/** What every view of an unlocked till may read about the session and the store. */
export interface SessionContextValue {
  info: AppInfo;
  session: SessionInfo;
  roster: readonly RosterEntry[];
  /** Reads the roster again (after a reset, unlock or new staff member). */
  refreshRoster: () => Promise<void>;
  /** Locks the till now: the views unmount, so no member data stays in the page. */
  lock: () => void;
  /** A manager changed the auto-lock time: the new app info, as the main process answered. */
  infoChanged: (info: AppInfo) => void;
  /**
   * Reads app info, session and roster again, as at start: after pairing, when the main process
   * has rebuilt its services (the session is gone, the store and the roster are HQ's).
   */
  reloadTill: () => Promise<void>;
}

export const SessionContext = createContext<SessionContextValue | null>(null);

export function useSession(): SessionContextValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error('useSession outside an unlocked till');
  return value;
}
