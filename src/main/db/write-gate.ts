/**
 * Counter writes go first (issue 15 item 5). SQLite has one writer at a time: while the sync
 * worker's transaction holds the write lock, a counter write sleeps in SQLite's busy handler,
 * whose back-off (1, 2, 5, 10, 15, 20 … ms) makes it wait longer than the transaction itself.
 *
 * The gate is two 32-bit cells in a SharedArrayBuffer the main thread hands the worker:
 *   WANT — counter writes waiting or running on the main thread (re-entrant: nested holds count);
 *   BUSY — 1 while the worker runs a write transaction.
 * The main thread raises WANT, then waits (Atomics.wait, no polling) until BUSY is 0 and writes.
 * The worker sets BUSY, then looks at WANT: if a counter write waits it lowers BUSY again and
 * parks until WANT is 0. Both steps are sequentially consistent, so at least one side sees the
 * other (Dekker): the two never start a write together. Inside a transaction the worker asks
 * `wanted()` between small steps and commits early, so the counter waits at most one step.
 *
 * SQLite's own locking stays the safety net: a wait past its bound (a bug, a worker stuck in a
 * long statement) falls through to busy_timeout, never to a lost or doubled write.
 */

const WANT = 0;
const BUSY = 1;
const CELLS = 2;

/** How long the counter waits for the worker's step before it leaves the rest to busy_timeout. */
const COUNTER_MAX_WAIT_MS = 2_000;
/** How long the worker parks in one go before it looks again (a counter writing without pause). */
const WORKER_PARK_MS = 50;
/**
 * The worker goes ahead after this long parked in a row: counter writes come at a person's pace,
 * so only a stuck WANT would last this long, and sync must not stop for good behind it.
 */
const WORKER_MAX_PARK_MS = 5_000;

/** The main thread's side: hold it around each counter write transaction. */
export interface CounterWriteGate {
  /** Runs `write` (synchronous: a whole transaction) after the worker's current step. */
  hold<T>(write: () => T): T;
  /** What the worker thread is given (in workerData) to take part. */
  readonly buffer: SharedArrayBuffer | null;
}

/** The worker's side: runs each write transaction through `run` and yields inside it at `wanted`. */
export interface WorkerWriteGate {
  run<T>(transaction: () => T): T;
  /** A counter write is waiting: finish the current step and commit. */
  wanted(): boolean;
}

export function createWriteGateBuffer(): SharedArrayBuffer {
  return new SharedArrayBuffer(CELLS * Int32Array.BYTES_PER_ELEMENT);
}

function cells(buffer: SharedArrayBuffer): Int32Array {
  if (buffer.byteLength !== CELLS * Int32Array.BYTES_PER_ELEMENT) throw new Error('write gate: wrong buffer size');
  return new Int32Array(buffer);
}

export function counterWriteGate(
  buffer: SharedArrayBuffer,
  now: () => number = () => performance.now(),
): CounterWriteGate {
  const gate = cells(buffer);
  return {
    buffer,
    hold(write) {
      Atomics.add(gate, WANT, 1);
      try {
        const deadline = now() + COUNTER_MAX_WAIT_MS;
        while (Atomics.load(gate, BUSY) === 1) {
          const left = deadline - now();
          if (left <= 0) break;
          Atomics.wait(gate, BUSY, 1, left);
        }
        return write();
      } finally {
        if (Atomics.sub(gate, WANT, 1) === 1) Atomics.notify(gate, WANT);
      }
    },
  };
}

/** No worker to make way for (a standalone till, a unit test): writes run as they come. */
export const NO_WRITE_GATE: CounterWriteGate = { hold: (write) => write(), buffer: null };

export function workerWriteGate(
  buffer: SharedArrayBuffer,
  now: () => number = () => performance.now(),
): WorkerWriteGate {
  const gate = cells(buffer);
  const enter = () => {
    const parkedSince = now();
    for (;;) {
      Atomics.store(gate, BUSY, 1);
      const want = Atomics.load(gate, WANT);
      if (want === 0 || now() - parkedSince >= WORKER_MAX_PARK_MS) return;
      Atomics.store(gate, BUSY, 0);
      Atomics.notify(gate, BUSY);
      Atomics.wait(gate, WANT, want, WORKER_PARK_MS);
    }
  };
  const leave = () => {
    Atomics.store(gate, BUSY, 0);
    Atomics.notify(gate, BUSY);
  };
  return {
    run(transaction) {
      enter();
      try {
        return transaction();
      } finally {
        leave();
      }
    },
    wanted: () => Atomics.load(gate, WANT) > 0,
  };
}

/** A worker without a main thread to make way for (tests of the engine alone, tools). */
export const NO_WORKER_GATE: WorkerWriteGate = { run: (transaction) => transaction(), wanted: () => false };
