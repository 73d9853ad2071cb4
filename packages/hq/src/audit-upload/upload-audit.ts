import type { AuditUploadEntry, AuditUploadResponse, DeviceHead } from '../../../../src/shared/sync/protocol';
import type { HqDatabase, Queryable } from '../db/database';
import { detectAfterUpload } from '../detection/detect-after-upload';
import { assertDeviceHead } from '../devices/rollback';
import { HqHttpError } from '../errors';
import type { AuthenticatedDevice } from '../push/push';
import { countAttempt, type RateLimit } from '../rate-limit';
import { storeAuditEntries, type StoredAuditEntry } from './store-audit-entries';

/**
 * Uploads per device: 120 in 10 minutes (400 entries each, 48,000 entries). A till uploads after each
 * sync, about once a minute at a busy counter, and catches up a long offline spell batch after
 * batch; a till (or a stolen token) posting in a loop is refused with Retry-After and, like any
 * 429, the till tries again at its next sync. Counted in the pairing limiter's table, per device id.
 */
export const AUDIT_UPLOAD_RATE_LIMIT: RateLimit = { max: 120, windowMs: 10 * 60 * 1000 };
const AUDIT_UPLOAD_BUCKET = 'POST /v1/audit per device';

export interface AuditUploadDeps {
  db: HqDatabase;
  now: () => Date;
  /** The per-device budget (default AUDIT_UPLOAD_RATE_LIMIT). */
  uploadLimit?: RateLimit;
  /** Runs in the upload's transaction over the entries it added, with HQ's now (default: HQ's detection). */
  detect?: (tx: Queryable, device: AuthenticatedDevice, stored: StoredAuditEntry[], now: Date) => Promise<unknown>;
  /** Told when detection failed for a batch that was stored all the same (the server logs its name only). */
  onDetectionError?: (error: unknown) => void;
}

/**
 * A device's audit upload (POST /v1/audit): the entries that continue its chain are stored and the
 * detection rules run over them, in one transaction, so a retried batch neither stores nor alerts twice.
 *
 * Detection runs inside a savepoint: if it fails (a bug, a policy it cannot read), its writes are
 * undone and the batch is stored and acknowledged all the same. Keeping the chain whole matters more
 * than one evaluation, and a till whose upload kept failing would retry the same batch forever.
 */
export async function uploadAuditEntries(
  deps: AuditUploadDeps,
  device: AuthenticatedDevice,
  entries: AuditUploadEntry[],
  head?: DeviceHead,
): Promise<AuditUploadResponse> {
  const detect = deps.detect ?? detectAfterUpload;
  const budget = await countAttempt(deps.db, {
    bucket: AUDIT_UPLOAD_BUCKET,
    key: device.deviceId,
    limit: deps.uploadLimit ?? AUDIT_UPLOAD_RATE_LIMIT,
    now: deps.now(),
  });
  if (!budget.allowed) {
    throw new HqHttpError('too_many_requests', 'Too many audit uploads from this device; try again later.', [], {
      retryAfterSeconds: budget.retryAfterSeconds,
    });
  }
  return deps.db.transaction(async (tx) => {
    const now = deps.now();
    await assertDeviceHead(tx, device, head);
    const result = await storeAuditEntries(tx, device, entries, now);
    if (result.stored.length > 0) {
      await tx.query('SAVEPOINT detection');
      try {
        await detect(tx, device, result.stored, now);
        await tx.query('RELEASE SAVEPOINT detection');
      } catch (error) {
        await tx.query('ROLLBACK TO SAVEPOINT detection');
        deps.onDetectionError?.(error);
      }
    }
    return result.response;
  });
}
