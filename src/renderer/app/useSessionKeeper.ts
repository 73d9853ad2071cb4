import { useEffect, useRef } from 'react';
import { api, type SessionInfo } from '../api/client';
import { createTouchThrottle, idleTimeoutMs, SESSION_POLL_MS } from './activity';

/**
 * While a staff member is signed in: reports their key presses and taps to the main process (at
 * most every 20 s) so it keeps the session, asks every 5 s whether the session still exists (the
 * main process locks it after the idle time, on OS lock or suspend), and locks the till itself
 * after `idleLockSeconds` without activity, in case the main process has not yet.
 *
 * `sessionKey` changes with each sign-in, which restarts the timers.
 */
export function useSessionKeeper({
  sessionKey,
  idleLockSeconds,
  onIdle,
  onSeen,
}: {
  sessionKey: string | null;
  idleLockSeconds: number;
  onIdle: () => void;
  onSeen: (session: SessionInfo | null) => void;
}): void {
  const callbacks = useRef({ onIdle, onSeen });
  useEffect(() => {
    callbacks.current = { onIdle, onSeen };
  });

  useEffect(() => {
    if (sessionKey === null) return;
    let stopped = false;
    const timeout = idleTimeoutMs(idleLockSeconds);
    const throttle = createTouchThrottle(Date.now());
    const seen = (session: SessionInfo | null) => {
      if (!stopped) callbacks.current.onSeen(session);
    };

    let idle = setTimeout(() => callbacks.current.onIdle(), timeout);
    const onActivity = () => {
      clearTimeout(idle);
      idle = setTimeout(() => callbacks.current.onIdle(), timeout);
      if (throttle.shouldTouch(Date.now())) api.touch().then(seen, () => undefined);
    };
    const poll = setInterval(() => {
      api.currentSession().then(seen, () => undefined);
    }, SESSION_POLL_MS);

    // Capture phase: activity counts even where a view stops the event.
    window.addEventListener('keydown', onActivity, true);
    window.addEventListener('pointerdown', onActivity, true);
    return () => {
      stopped = true;
      clearTimeout(idle);
      clearInterval(poll);
      window.removeEventListener('keydown', onActivity, true);
      window.removeEventListener('pointerdown', onActivity, true);
    };
  }, [sessionKey, idleLockSeconds]);
}
