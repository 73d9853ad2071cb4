/**
 * Milliseconds from an arbitrary start that only ever move forward, whatever is done to the
 * wall clock (NTP steps, a till set a day ahead, daylight-saving mistakes). Durations — delays,
 * idle locks, expiries — are measured with it; the wall clock only says what time to record.
 */
export type MonotonicMs = () => number;

export const systemMonotonicMs: MonotonicMs = () => performance.now();
