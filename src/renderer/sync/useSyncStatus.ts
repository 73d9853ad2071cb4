import { useCallback, useEffect, useRef, useState } from 'react';
import { api, asApiError, type ClientErrorCode, type SyncStatus } from '../api/client';
import { SYNC_POLL_BACKGROUND_MS, SYNC_POLL_MS, SYNC_POLL_RUNNING_MS } from './sync-rules';

export interface SyncStatusState {
  status: SyncStatus | null;
  /** Why the last read failed (the status shown is then the last one read). */
  error: ClientErrorCode | null;
  /** When this screen first saw the current failed attempt: `retryInMs` counts from about then. */
  retrySeenAt: number | null;
}

/**
 * Reads `sync.status` while `enabled` (a signed-in staff member who may see sync), one call at a
 * time: every 5 s for the header indicator, every 2 s while the sync screen is `open`, and twice a
 * second there while a run shows progress (or the screen is `busy` starting one). A change of pace,
 * or `refresh()`, reads at once. The status needs a session: a refusal for want of one sends the
 * till to the lock screen (api/client.ts), which unmounts whoever polls.
 */
export function useSyncStatus({ enabled, open, busy }: { enabled: boolean; open: boolean; busy: boolean }) {
  const [state, setState] = useState<SyncStatusState>({ status: null, error: null, retrySeenAt: null });
  const [reads, setReads] = useState(0);
  const running = state.status?.running != null;
  const intervalMs = !open ? SYNC_POLL_BACKGROUND_MS : running || busy ? SYNC_POLL_RUNNING_MS : SYNC_POLL_MS;
  const retryKey = useRef<string | null>(null);

  const accept = useCallback((status: SyncStatus) => {
    const key =
      status.online === false && status.retryInMs !== null ? `${status.lastAttemptAt ?? ''}|${status.retryInMs}` : null;
    let seenAt: number | null | undefined;
    if (key !== retryKey.current) {
      retryKey.current = key;
      seenAt = key === null ? null : Date.now();
    }
    setState((previous) => ({
      status,
      error: null,
      retrySeenAt: seenAt === undefined ? previous.retrySeenAt : seenAt,
    }));
  }, []);

  useEffect(() => {
    if (!enabled) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const read = async () => {
      try {
        const status = await api.syncStatus();
        if (!stopped) accept(status);
      } catch (caught) {
        if (!stopped) setState((previous) => ({ ...previous, error: asApiError(caught).code }));
      }
      if (!stopped) timer = setTimeout(() => void read(), intervalMs);
    };
    void read();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [enabled, intervalMs, reads, accept]);

  const refresh = useCallback(() => setReads((n) => n + 1), []);

  return { ...state, refresh, accept };
}

export type SyncFeed = ReturnType<typeof useSyncStatus>;
