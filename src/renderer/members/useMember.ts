import { useCallback, useEffect, useRef, useState } from 'react';
import { api, asApiError, type ApiError, type MemberView } from '../api/client';

/** Loads one member's screen and reloads it after every change made from it. */
export function useMember(memberId: string) {
  const [view, setView] = useState<MemberView | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const ticket = useRef(0);

  const reload = useCallback(async () => {
    const mine = ++ticket.current;
    try {
      const fresh = await api.getMember(memberId);
      if (mine !== ticket.current) return null;
      setView(fresh);
      setError(null);
      return fresh;
    } catch (caught) {
      if (mine === ticket.current) setError(asApiError(caught));
      return null;
    }
  }, [memberId]);

  // The first load; later ones come from `reload` after a change made on the member screen.
  useEffect(() => {
    let live = true;
    api.getMember(memberId).then(
      (fresh) => {
        if (live) setView(fresh);
      },
      (caught: unknown) => {
        if (live) setError(asApiError(caught));
      },
    );
    return () => {
      live = false;
    };
  }, [memberId]);

  return { view, error, reload, replace: setView };
}
