/** Pure timing rules for keeping a staff session alive (no DOM, no React) so they are unit-tested. */

/** Activity is reported to the main process at most this often. */
export const TOUCH_INTERVAL_MS = 20_000;
/** How often the renderer asks whether the session still exists (the main process may lock it). */
export const SESSION_POLL_MS = 5_000;

/**
 * Decides when a key press or tap should be reported as activity: the first one after `start`
 * waits for the interval, then at most one per interval.
 */
export function createTouchThrottle(start: number, intervalMs: number = TOUCH_INTERVAL_MS) {
  let last = start;
  return {
    /** True when this activity at `now` should be sent; it then starts the next interval. */
    shouldTouch(now: number): boolean {
      if (now - last < intervalMs) return false;
      last = now;
      return true;
    },
  };
}

/** The client-side idle timeout, as milliseconds, from the session's setting (never below 1 s). */
export function idleTimeoutMs(idleLockSeconds: number): number {
  return Math.max(1, Math.floor(idleLockSeconds)) * 1000;
}
