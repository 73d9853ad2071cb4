import { useCallback, useEffect, useRef, useState } from 'react';
import { secondsLeft } from '../auth/pin';

/** A whole-second countdown for "try again in N s"; `remaining` is 0 when nothing is counting. */
export function useCountdown(): { remaining: number; start: (seconds: number) => void; stop: () => void } {
  const [remaining, setRemaining] = useState(0);
  const deadline = useRef(0);
  const running = remaining > 0;

  useEffect(() => {
    if (!running) return;
    const timer = setInterval(() => setRemaining(secondsLeft(deadline.current, Date.now())), 250);
    return () => clearInterval(timer);
  }, [running]);

  const start = useCallback((seconds: number) => {
    deadline.current = Date.now() + seconds * 1000;
    setRemaining(seconds);
  }, []);
  const stop = useCallback(() => {
    deadline.current = 0;
    setRemaining(0);
  }, []);
  return { remaining, start, stop };
}
