import { useCallback, useEffect, useRef, useState } from 'react';
import { api } from '../api/client';

/** How often the header badge asks for the open count (a passive call: it never keeps the till awake). */
export const OPEN_ALERTS_POLL_MS = 30_000;

/**
 * The number of open alerts, for the header badge: read at once, then every half minute, and again
 * whenever `refresh` is called (after an acknowledgement). Null until the first answer, or when
 * this session may not see alerts.
 */
export function useOpenAlerts(enabled: boolean): { count: number | null; refresh: () => void } {
  const [count, setCount] = useState<number | null>(null);
  const latest = useRef(0);

  const refresh = useCallback(() => {
    if (!enabled) return;
    const ticket = ++latest.current;
    api.openAlerts().then(
      (open) => {
        if (ticket === latest.current) setCount(open);
      },
      // A failed read keeps the last count: the badge is a reminder, the Alerts tab says what failed.
      () => undefined,
    );
  }, [enabled]);

  useEffect(() => {
    if (!enabled) return;
    refresh();
    const timer = window.setInterval(refresh, OPEN_ALERTS_POLL_MS);
    return () => window.clearInterval(timer);
  }, [enabled, refresh]);

  return { count: enabled ? count : null, refresh };
}
