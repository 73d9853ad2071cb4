import { z } from 'zod';
import { CIPHER_SCHEMES } from '../../db/cipher-scheme';

/**
 * Messages between the main process and the sync worker thread. Both sides parse what they
 * receive: a worker is in-process, but a malformed message must fail loudly, not half-apply.
 */
export const WorkerData = z.strictObject({
  dbPath: z.string(),
  /** The database key, passed in memory only (never on disk or in a log). */
  databaseKey: z.string().regex(/^[0-9a-f]{64}$/),
  /** The page cipher of the file (key-info's current scheme); without it the worker reads the key-info. */
  cipher: z.enum(CIPHER_SCHEMES).optional(),
  nativeBinding: z.string().optional(),
  /** The counter's write gate (db/write-gate.ts), shared memory: the worker makes way for counter writes. */
  writeGate: z.instanceof(SharedArrayBuffer).optional(),
});
export type WorkerData = z.infer<typeof WorkerData>;

export const ToWorker = z.discriminatedUnion('type', [
  /**
   * Start syncing with HQ in the background (DESIGN §5). The token and the lookup key travel in
   * memory only, like the database key.
   */
  z.strictObject({
    type: z.literal('sync.start'),
    endpoint: z.strictObject({ url: z.string().url(), certSha256: z.string().min(1).max(200) }),
    token: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
    lookupKey: z.string().regex(/^[0-9a-f]{64}$/),
    intervalMs: z.number().int().min(0),
    baseBackoffMs: z.number().int().min(1),
    maxBackoffMs: z.number().int().min(1),
  }),
  z.strictObject({ type: z.literal('sync.now'), jobId: z.string() }),
  z.strictObject({ type: z.literal('sync.dayEnd'), jobId: z.string(), staffId: z.string().nullable() }),
  /** A counter write happened: sync soon rather than at the end of the interval. */
  z.strictObject({ type: z.literal('sync.kick') }),
  z.strictObject({ type: z.literal('stop') }),
]);
export type ToWorker = z.infer<typeof ToWorker>;

export const FromWorker = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('ready') }),
  z.strictObject({
    type: z.literal('sync.progress'),
    phase: z.enum(['push', 'pull', 'day_end']),
    done: z.number().int(),
    total: z.number().int().nullable(),
  }),
  z.strictObject({
    type: z.literal('sync.attempt'),
    ok: z.boolean(),
    code: z.string().optional(),
    retryInMs: z.number().int().optional(),
  }),
  z.strictObject({ type: z.literal('sync.revoked') }),
  /** HQ refused this till as restored from an old copy (engine/rollback-state.ts): background sync stopped. */
  z.strictObject({ type: z.literal('sync.rolled_back') }),
  /** A sync job's result (a run summary or a day-end report), as JSON the caller parses. */
  z.strictObject({ type: z.literal('sync.done'), jobId: z.string(), result: z.json() }),
  /** Codes only: an error message could quote member data. */
  z.strictObject({ type: z.literal('failed'), jobId: z.string().nullable(), code: z.string() }),
]);
export type FromWorker = z.infer<typeof FromWorker>;
