import type { Database } from 'better-sqlite3-multiple-ciphers';
import {
  AuditUploadResponse,
  HQ_ROUTES,
  MAX_AUDIT_UPLOAD_ENTRIES,
  type AuditUploadEntry,
} from '../../../shared/sync/protocol';
import { HqRequestError, type HqClient } from '../hq-client';
import { createSyncState } from './sync-state';
import { readDeviceHead } from './rollback-state';

interface AuditRow {
  seq: number;
  at: string;
  staff_id: string | null;
  action: string;
  subject_type: string | null;
  subject_id: string | null;
  details: string;
  prev_hash: string;
  hash: string;
}

export interface AuditUploadTotals {
  uploaded: number;
  /** HQ is older and has no /v1/audit: nothing sent, sync goes on. */
  unsupported: boolean;
  /** HQ refused the chain (fork, rewritten) or a batch it could not read: uploading stops until it is looked at. */
  refused: string | null;
  /** HQ answered 5xx or 429 this time: retried at the next sync. */
  failed: string | null;
}

function toEntry(row: AuditRow): AuditUploadEntry {
  return {
    seq: row.seq,
    at: row.at,
    staffId: row.staff_id,
    action: row.action,
    subjectType: row.subject_type,
    subjectId: row.subject_id,
    details: JSON.parse(row.details) as AuditUploadEntry['details'],
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

/**
 * Sends this till's audit entries to HQ (POST /v1/audit) in seq order, in batches, after the last
 * one HQ said it holds. That seq is kept in sync_state only once HQ has answered, and HQ's answer
 * is what counts: after a crash or a lost answer the till resends from the older seq and HQ answers
 * the entries it holds as duplicates (stored once); when HQ holds less (restored), it refuses with a
 * gap and says where it stands, and the till resends from there. Entries written offline are simply
 * the next ones at the next sync.
 *
 * A HQ without the route (404: older than the till) is skipped quietly. A refusal that resending
 * cannot fix (fork, rewritten, a batch HQ cannot read) stops the upload and is kept in
 * `audit_refused`; HQ failing (5xx, 429) stops it until the next sync; push and pull go on either
 * way. A broken connection and a revoked device's refusal are thrown to the caller, as at push.
 */
export async function uploadAudit(deps: {
  db: Database;
  client: HqClient;
  batchSize?: number;
}): Promise<AuditUploadTotals> {
  const { db, client } = deps;
  const state = createSyncState(db);
  const batchSize = Math.min(deps.batchSize ?? MAX_AUDIT_UPLOAD_ENTRIES, MAX_AUDIT_UPLOAD_ENTRIES);
  const after = db.prepare<[number, number], AuditRow>(
    `SELECT seq, at, staff_id, action, subject_type, subject_id, details, prev_hash, hash
       FROM audit WHERE seq > ? ORDER BY seq LIMIT ?`,
  );
  const totals: AuditUploadTotals = { uploaded: 0, unsupported: false, refused: null, failed: null };
  let acked = Number(state.get('audit_acked_seq') ?? '0');
  // Bounded: each round HQ takes entries, or names a seq before the batch, or the loop stops.
  for (let round = 0; round < 100_000; round++) {
    const rows = after.all(acked, batchSize);
    if (rows.length === 0) break;
    let response: AuditUploadResponse;
    try {
      response = await client.post(
        HQ_ROUTES.audit,
        { entries: rows.map(toEntry), head: readDeviceHead(db) },
        AuditUploadResponse,
      );
    } catch (error) {
      if (error instanceof HqRequestError && error.kind === 'http' && error.status === 404) {
        totals.unsupported = true;
        return totals;
      }
      if (error instanceof HqRequestError && error.kind === 'http' && error.code === 'bad_request') {
        state.set('audit_refused', 'bad_request');
        totals.refused = 'bad_request';
        return totals;
      }
      // HQ failing or busy on this route: the next sync sends the same entries again. The pull that
      // follows still runs — erasures and roster changes must not wait on the audit copy.
      if (error instanceof HqRequestError && error.retryable && error.kind === 'http') {
        totals.failed = error.code ?? `http_${error.status ?? 0}`;
        return totals;
      }
      throw error;
    }
    const previous = acked;
    acked = response.ackedSeq;
    state.set('audit_acked_seq', String(acked));
    if (response.status === 'refused') {
      // A gap before what this till still holds (HQ behind, the start purged here) or a broken
      // chain: resending cannot help.
      if (response.reason !== 'gap' || acked >= previous || (rows[0]?.seq ?? 0) <= acked + 1) {
        state.set('audit_refused', response.reason);
        totals.refused = response.reason;
        return totals;
      }
      continue;
    }
    totals.uploaded += response.stored;
    state.set('audit_refused', null);
    if (acked <= previous) break;
  }
  return totals;
}
