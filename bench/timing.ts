/** The benches' one way to read timings: nearest-rank percentiles, and p50/p95 of repeated async work. */

export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

/** Milliseconds to three decimals, as the reports print them. */
export const ms = (x: number) => Number(x.toFixed(3));

/** Runs `fn` `times` times one after another; p50 and p95 of their wall-clock times in ms. */
export async function timeEach(times: number, fn: (i: number) => Promise<void>): Promise<{ p50: number; p95: number }> {
  const taken: number[] = [];
  for (let i = 0; i < times; i += 1) {
    const start = performance.now();
    await fn(i);
    taken.push(performance.now() - start);
  }
  taken.sort((a, b) => a - b);
  return { p50: ms(percentile(taken, 50)), p95: ms(percentile(taken, 95)) };
}
