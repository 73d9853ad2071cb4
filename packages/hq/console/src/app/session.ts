import { createContext, useContext } from 'react';
import type { SessionInfo } from '../../../src/console/contract';
import type { ConsoleLanguage } from './format';

export interface ConsoleSession {
  info: SessionInfo;
  language: ConsoleLanguage;
  /** Whether the session's roles allow `operation` (what to show; HQ decides). */
  may: (operation: string) => boolean;
}

export const SessionContext = createContext<ConsoleSession | null>(null);

export function useSession(): ConsoleSession {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside a signed-in console');
  return session;
}
