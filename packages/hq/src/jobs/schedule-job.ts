/**
 * Runs `run` now and then every `intervalMs` until stopped: HQ's periodic jobs (privacy, baseline).
 * One run at a time: a slow run is not overtaken by the next tick. A failure is reported, not fatal;
 * the timer does not keep the process alive.
 */
export function scheduleJob<R>(
  run: () => Promise<R>,
  report: { done(result: R): void; failed(error: unknown): void },
  intervalMs: number,
): { stop(): void } {
  let running: Promise<void> | null = null;
  const tick = () => {
    if (running) return;
    running = run()
      .then(report.done, report.failed)
      .finally(() => {
        running = null;
      });
  };
  tick();
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
