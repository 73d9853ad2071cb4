import { HqRequestError } from '../hq-client';
import { DeviceRevokedError } from './sync-engine';
import { DeviceRolledBackError } from './rollback-state';

/**
 * Full-jitter exponential backoff: a random wait between 0 and min(max, base × 2^(failures-1)), so
 * a hundred tills coming back after an outage do not knock on HQ in step.
 */
export function backoffDelay(failures: number, baseMs: number, maxMs: number, random: () => number): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, failures - 1));
  return Math.floor(random() * ceiling);
}

export interface SyncLoopOptions {
  /** One sync run (push, then pull). */
  run: () => Promise<unknown>;
  intervalMs: number;
  baseBackoffMs: number;
  maxBackoffMs: number;
  random?: () => number;
  onRevoked: () => void;
  /**
   * HQ refused this till as restored from an old copy: the loop stops (asking again would only be
   * refused again) until `resume`, after a manual run HQ took.
   */
  onRolledBack?: () => void;
  /** After each attempt: ok, or the failure's code (never a message). */
  onAttempt?: (outcome: { ok: true } | { ok: false; code: string; retryInMs: number }) => void;
}

/**
 * Runs sync continuously while the till is on (DESIGN §5): a run every `intervalMs` when all is
 * well, sooner when kicked (a counter write, "Sync now"), and after a failure a jittered backoff
 * that grows while HQ stays out of reach. Nothing is dropped while waiting: the outbox holds it.
 * Manual work (day end) goes through `exclusive`, so it never overlaps a background run.
 */
export function createSyncLoop(options: SyncLoopOptions) {
  const random = options.random ?? Math.random;
  let stopped = true;
  /** Stopped because HQ refused this till as rolled back; `resume` starts it again. */
  let halted = false;
  let failures = 0;
  let wake: (() => void) | null = null;
  /** A kick while no wait is on (a run under way): the run may have read the outbox before the write. */
  let kicked = false;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let chain: Promise<unknown> = Promise.resolve();
  let loopDone: Promise<void> = Promise.resolve();

  /** One at a time: the loop's runs and manual commands share the engine. */
  function exclusive<T>(work: () => Promise<T>): Promise<T> {
    const next = chain.then(work, work);
    chain = next.catch(() => undefined);
    return next;
  }

  function sleep(ms: number): Promise<void> {
    if (kicked) {
      kicked = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      wake = () => {
        if (timer) clearTimeout(timer);
        timer = null;
        wake = null;
        resolve();
      };
      timer = setTimeout(() => wake?.(), ms);
    });
  }

  async function loop(): Promise<void> {
    while (!stopped) {
      let wait = options.intervalMs;
      try {
        await exclusive(options.run);
        failures = 0;
        options.onAttempt?.({ ok: true });
      } catch (error) {
        if (error instanceof DeviceRevokedError) {
          stopped = true;
          options.onRevoked();
          return;
        }
        if (error instanceof DeviceRolledBackError) {
          stopped = true;
          halted = true;
          options.onRolledBack?.();
          return;
        }
        failures += 1;
        wait = backoffDelay(failures, options.baseBackoffMs, options.maxBackoffMs, random);
        const code = error instanceof HqRequestError ? (error.code ?? error.kind) : 'error';
        options.onAttempt?.({ ok: false, code, retryInMs: wait });
      }
      if (!stopped) await sleep(wait);
    }
  }

  return {
    start(): void {
      if (!stopped) return;
      stopped = false;
      loopDone = loop();
    },
    /** After a manual run HQ took: a loop halted by a rollback refusal runs again. */
    resume(): void {
      if (!halted) return;
      halted = false;
      stopped = false;
      failures = 0;
      loopDone = loop();
    },
    /** Whether HQ's rollback refusal halted the loop. */
    halted: () => halted,
    /** Runs now instead of at the end of the current wait. */
    kick(): void {
      if (wake) wake();
      else kicked = true;
    },
    exclusive,
    failures: () => failures,
    async stop(): Promise<void> {
      stopped = true;
      halted = false;
      wake?.();
      await loopDone;
      await chain;
    },
  };
}
