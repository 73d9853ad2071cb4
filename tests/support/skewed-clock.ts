/**
 * A wall clock and a monotonic clock moved separately: `advance` is time passing (both move),
 * `stepWall` is someone setting the system clock (only the wall clock jumps).
 */
export function skewedClock(start = Date.parse('2026-11-24T09:00:00Z')) {
  let wall = start;
  let monotonic = 1_000_000;
  return {
    now: () => new Date(wall),
    monotonicMs: () => monotonic,
    advance(seconds: number) {
      wall += seconds * 1000;
      monotonic += seconds * 1000;
    },
    stepWall(seconds: number) {
      wall += seconds * 1000;
    },
  };
}
