import type { Database } from 'better-sqlite3-multiple-ciphers';
import type { z } from 'zod';
import { RollbackInfo, type DeviceHead } from '../../../shared/sync/protocol';
import type { AuditLog } from '../../audit/audit-log';
import { HqRequestError } from '../hq-client';
import { outboxLastSeqReader } from '../outbox';
import { createSyncState } from './sync-state';

/**
 * HQ refused this till as rolled back (issue 15): its files were restored from an old copy, so it is
 * behind what HQ holds of it (packages/hq/src/devices/rollback.ts; the rule in docs/SECURITY.md).
 *
 * What the till does about it, and why: it stops syncing. Its next ops would reuse seqs HQ already
 * applied from the lost hours under other op ids, so pushing them can only be refused; the
 * background loop stops (no retry storm) and only a manager's "Sync now" or a restart asks HQ again,
 * once. The counter keeps working as it does offline (the offline spending rules hold, ops stay
 * queued in the outbox): the customer at the counter is served, and nothing recorded since the
 * restore is thrown away while HQ decides. The manager is told to call HQ, who either clears the
 * flag (the current files were put back) or revokes and pairs the till anew.
 */
export class DeviceRolledBackError extends Error {
  constructor(readonly info: RollbackInfo | null) {
    super('HQ refused this till as restored from an old copy.');
    this.name = 'DeviceRolledBackError';
  }
}

/** What this till believes HQ holds of it, sent with every request (protocol DeviceHead). */
export function readDeviceHead(db: Database): DeviceHead {
  const state = createSyncState(db);
  const audit = db
    .prepare<[], { seq: number; hash: string }>('SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1')
    .get();
  return {
    ackedSeq: Number(state.get('acked_seq') ?? '0'),
    lastSeq: outboxLastSeqReader(db)(),
    audit: audit ? { seq: audit.seq, hash: audit.hash } : { seq: 0, hash: null },
  };
}

/** As kept: HQ's figures, any of which an HQ that sent none leaves out. */
export const KeptRollback = RollbackInfo.partial();
export type KeptRollback = z.infer<typeof KeptRollback>;

/** HQ's refusal, as HQ sent it (kept in sync_state 'rolled_back'), or null while HQ takes this till. */
export function readRolledBack(db: Database): KeptRollback | null {
  const raw = createSyncState(db).get('rolled_back');
  if (raw === null) return null;
  const parsed = KeptRollback.safeParse(JSON.parse(raw));
  return parsed.success ? parsed.data : {};
}

/**
 * Turns HQ's device_rolled_back refusal into DeviceRolledBackError, keeping HQ's figures for the
 * sync screen; any other error is thrown as it was.
 */
export function rethrowRolledBack(db: Database, error: unknown): never {
  if (error instanceof HqRequestError && error.code === 'device_rolled_back') {
    const info = error.rollback ?? null;
    // Kept even without figures (an HQ that sent none): the screen still says what to do.
    createSyncState(db).set('rolled_back', JSON.stringify(info ?? {}));
    throw new DeviceRolledBackError(info);
  }
  throw error;
}

/** A run HQ took: whatever it refused before, an operator has cleared it. */
export function clearRolledBack(db: Database): void {
  createSyncState(db).set('rolled_back', null);
}

/**
 * The till's own record of HQ's refusal: one sync.rolled_back audit entry per detection (HQ's
 * detection time marks it), written by the main process, which holds the audit key. Returns what HQ
 * said, and whether this call wrote the entry; null when HQ refused nothing.
 */
export function auditRolledBack(
  db: Database,
  audit: Pick<AuditLog, 'append'>,
): { info: KeptRollback; written: boolean } | null {
  const state = createSyncState(db);
  return db
    .transaction(() => {
      const info = readRolledBack(db);
      if (info === null) return null;
      const mark = info.detectedAt ?? 'unknown';
      if (state.get('rolled_back_audited') === mark) return { info, written: false };
      audit.append({
        staffId: null,
        action: 'sync.rolled_back',
        details: {
          reason: info.reason ?? 'unknown',
          hqLastSeq: info.hqLastSeq ?? null,
          hqAuditSeq: info.hqAuditSeq ?? null,
        },
      });
      state.set('rolled_back_audited', mark);
      return { info, written: true };
    })
    .immediate();
}
