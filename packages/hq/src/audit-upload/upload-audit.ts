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
}

/**
 * A device's audit upload (POST /v1/audit): the entries that continue its chain are stored and the
 * detection rules run over them, in one transaction, so a retried batch neither stores nor alerts twice.
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
    if (result.stored.length > 0) await detect(tx, device, result.stored);
    return result.response;
  });
}
