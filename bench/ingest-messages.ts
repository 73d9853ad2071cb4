import { z } from 'zod';

/**
 * Messages of the bench-only ingest worker (bench/ingest-worker.ts): a synthetic snapshot written
 * from a worker thread, as HQ pages would arrive, while the counter works on the main thread. The
 * shipped sync worker has no such path. Both sides parse what they receive.
 */
export const ToIngestWorker = z.discriminatedUnion('type', [
  /** `count` members generated in the worker from index `from`, written `batchSize` per transaction. */
  z.strictObject({
    type: z.literal('ingestSynthetic'),
    jobId: z.string(),
    from: z.number().int().nonnegative(),
    count: z.number().int().positive(),
    batchSize: z.number().int().min(1).max(20_000),
    lookupKey: z.string().regex(/^[0-9a-f]{64}$/),
  }),
  z.strictObject({ type: z.literal('stop') }),
]);
export type ToIngestWorker = z.infer<typeof ToIngestWorker>;

export const FromIngestWorker = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('ready') }),
  z.strictObject({ type: z.literal('progress'), jobId: z.string(), done: z.number().int(), total: z.number().int() }),
  z.strictObject({ type: z.literal('done'), jobId: z.string(), done: z.number().int(), seconds: z.number() }),
  z.strictObject({ type: z.literal('failed'), jobId: z.string().nullable(), code: z.string() }),
]);
export type FromIngestWorker = z.infer<typeof FromIngestWorker>;
