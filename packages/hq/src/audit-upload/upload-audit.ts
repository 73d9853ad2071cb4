import type { AuditUploadEntry, AuditUploadResponse } from '../../../../src/shared/sync/protocol';
import type { HqDatabase, Queryable } from '../db/database';
import { detectAfterUpload } from '../detection/detect-after-upload';
import type { AuthenticatedDevice } from '../push/push';
import { storeAuditEntries, type StoredAuditEntry } from './store-audit-entries';

export interface AuditUploadDeps {
  db: HqDatabase;
  now: () => Date;
  /** Runs in the upload's transaction over the entries it added (default: HQ's detection). */
  detect?: (tx: Queryable, device: AuthenticatedDevice, stored: StoredAuditEntry[]) => Promise<unknown>;
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
): Promise<AuditUploadResponse> {
  const detect = deps.detect ?? detectAfterUpload;
  return deps.db.transaction(async (tx) => {
    const now = deps.now();
    const result = await storeAuditEntries(tx, device, entries, now);
    if (result.stored.length > 0) {
      await tx.query('SAVEPOINT detection');
      try {
        await detect(tx, device, result.stored);
        await tx.query('RELEASE SAVEPOINT detection');
      } catch (error) {
        await tx.query('ROLLBACK TO SAVEPOINT detection');
        deps.onDetectionError?.(error);
      }
    }
    return result.response;
  });
}
