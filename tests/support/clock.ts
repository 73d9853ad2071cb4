/** A clock tests move by hand, so delays, expiries and idle locks are tested without waiting. */
export function manualClock(start = Date.parse('2026-11-24T09:00:00Z')) {
  let t = start;
  return {
    now: () => new Date(t),
    advance(seconds: number) {
      t += seconds * 1000;
    },
  };
}
