import { z } from 'zod';
import { OP_TYPES } from './ops';
import { DayEndReport, RollbackInfo } from './protocol';

/** What the sync screen shows (DESIGN §5): online state, last run, pending per type, rejections, day end. */
export const SyncStatus = z.strictObject({
  paired: z.boolean(),
  storeName: z.string().nullable(),
  hqUrl: z.string().nullable(),
  /** null before the first attempt. */
  online: z.boolean().nullable(),
  lastSuccessAt: z.string().nullable(),
  lastAttemptAt: z.string().nullable(),
  /** A code (network, timeout, pin_mismatch, internal_error…), never a message. */
  lastError: z.string().nullable(),
  /**
   * HQ refused this till's audit chain (fork, rewritten, gap, bad_request): the till keeps working,
   * but HQ no longer gets its entries until someone looks at it. null while HQ takes them.
   */
  auditRefused: z.string().nullable(),
  /**
   * HQ refused this till as restored from an old copy of its files (issue 15), with HQ's figures (any
   * of which an HQ that sent none leaves out): sync stopped; the manager calls HQ. null otherwise.
   */
  rolledBack: RollbackInfo.partial().nullable(),
  /** When the background sync tries again after a failure. */
  retryInMs: z.number().int().nullable(),
  pending: z.strictObject({
    total: z.number().int(),
    byType: z.partialRecord(z.enum(OP_TYPES), z.number().int()),
  }),
  /** Ops HQ refused, newest first (at most 50): ids and codes only. */
  rejected: z.array(
    z.strictObject({
      seq: z.number().int(),
      type: z.enum(OP_TYPES),
      reason: z.string(),
      memberId: z.string().nullable(),
      at: z.string(),
    }),
  ),
  rejectedTotal: z.number().int(),
  /** A run in progress, for the progress bar. */
  running: z
    .strictObject({
      phase: z.enum(['push', 'pull', 'day_end']),
      done: z.number().int(),
      total: z.number().int().nullable(),
    })
    .nullable(),
  lastDayEnd: z
    .strictObject({
      status: z.enum(['sent', 'reconciled', 'mismatch']),
      at: z.string(),
      report: DayEndReport.nullable(),
    })
    .nullable(),
});
export type SyncStatus = z.infer<typeof SyncStatus>;

const hqUrl = z
  .string({ error: 'required' })
  .trim()
  .min(1, { error: 'required' })
  .max(200, { error: 'too_long' })
  .refine(
    (value) => {
      try {
        const url = new URL(value);
        return url.protocol === 'https:' && url.username === '' && url.password === '' && url.search === '';
      } catch {
        return false;
      }
    },
    { error: 'hq_url_invalid' },
  );

export const ProbeHqRequest = z.strictObject({ hqUrl });
export const ProbeHqResponse = z.strictObject({ certSha256: z.string() });

export const PairTillRequest = z.strictObject({
  hqUrl,
  pairingCode: z.string({ error: 'required' }).trim().min(1, { error: 'required' }).max(32, { error: 'too_long' }),
  deviceName: z.string({ error: 'required' }).trim().min(1, { error: 'required' }).max(60, { error: 'too_long' }),
  /** The fingerprint staff compared with HQ's and confirmed. */
  certSha256: z.string().regex(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/, { error: 'invalid' }),
});
export const PairTillResponse = z.strictObject({ storeName: z.string() });
