import { randomUUID } from 'node:crypto';
import type { Queryable } from '../db/database';

/**
 * Once per interval across every HQ process on one database (migration 18, job_runs): a process
 * runs the job only when its single UPDATE moved the job's due time on, so N processes ticking at
 * their own times still run it once an interval, not N times. A run that dies mid-way is not
 * retried before the next due time: HQ's jobs are idempotent catch-ups (the next run does its work).
 */
export interface JobLease {
  db: Queryable;
  /** The job's row in job_runs. */
  name: string;
  now: () => Date;
  /** Who claimed it (logged nowhere; for an operator reading job_runs). Default: this pid and a random id. */
  holder?: string;
}

/** True when this caller claimed the run due at `now` (and moved the next one `intervalMs` on). */
export async function claimJobRun(lease: JobLease, intervalMs: number): Promise<boolean> {
  const at = lease.now();
  const claimed = await lease.db.query(
    `INSERT INTO job_runs (name, due_at, started_at, holder) VALUES ($1, $2, $3, $4)
     ON CONFLICT (name) DO UPDATE
        SET due_at = EXCLUDED.due_at, started_at = EXCLUDED.started_at, holder = EXCLUDED.holder,
            runs = job_runs.runs + 1
      WHERE job_runs.due_at <= EXCLUDED.started_at
     RETURNING name`,
    [lease.name, new Date(at.getTime() + intervalMs), at, lease.holder ?? DEFAULT_HOLDER],
  );
  return claimed.rows.length === 1;
}

const DEFAULT_HOLDER = `pid ${process.pid} ${randomUUID().slice(0, 8)}`;

/** A leased job looks for its due time this many times an interval, so a run is at most a quarter late. */
const CHECKS_PER_INTERVAL = 4;

/**
 * Runs `run` now and then every `intervalMs` until stopped: HQ's periodic jobs (privacy, baseline).
 * One run at a time: a slow run is not overtaken by the next tick. A failure is reported, not fatal;
 * the timer does not keep the process alive. With `lease`, a tick runs the job only if it claims the
 * due run in the database (claimJobRun), so several HQ processes run it once per interval between them.
 */
export function scheduleJob<R>(
  run: () => Promise<R>,
  report: { done(result: R): void; failed(error: unknown): void },
  intervalMs: number,
  lease?: JobLease,
): { stop(): void } {
  let running: Promise<void> | null = null;
  const attempt = async (): Promise<{ ran: true; result: R } | { ran: false }> => {
    if (lease && !(await claimJobRun(lease, intervalMs))) return { ran: false };
    return { ran: true, result: await run() };
  };
  const tick = () => {
    if (running) return;
    running = attempt()
      .then((outcome) => {
        if (outcome.ran) report.done(outcome.result);
      }, report.failed)
      .finally(() => {
        running = null;
      });
  };
  tick();
  const timer = setInterval(tick, lease ? Math.max(1, Math.floor(intervalMs / CHECKS_PER_INTERVAL)) : intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
