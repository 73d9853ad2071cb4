import type { Database } from 'better-sqlite3-multiple-ciphers';
import type { AuditLog } from '../audit/audit-log';
import type { Keychain } from '../keychain/keychain';
import {
  addPendingKey,
  noSteps,
  promotePendingKey,
  readKeyState,
  withKeyInfoLock,
  type KeyState,
  type StepHook,
} from './database-keys';
import { mapSqliteError } from './errors';
import type { RekeyReason } from './key-info';

/**
 * `PRAGMA rekey` re-encrypts every page in one transaction. In WAL mode (SQLite3MultipleCiphers 2.x)
 * the new pages go to the -wal and commit together, so before the commit only the old key opens the
 * file and after it only the new one. The TRUNCATE checkpoint then writes them into the file and
 * empties the -wal, so no page under the old key stays on disk.
 */
export function rekeyOpenConnection(db: Database, state: KeyState, step: StepHook): void {
  if (!state.pending) throw new Error('rekey needs a pending key');
  db.pragma('busy_timeout = 5000');
  step('rekey.started');
  db.pragma(`rekey = "x'${state.pending.keyHex}'"`);
  step('rekey.committed');
  db.pragma('wal_checkpoint(TRUNCATE)');
  step('rekey.checkpointed');
}

export interface RekeyDeps {
  keychain: Keychain;
  audit: AuditLog;
  staffId: string | null;
  now: () => Date;
  /** HQ's request this rekey carries out (sync/engine/rekey-request.ts), recorded in the audit entry. */
  rekeyId?: string;
  /** Runs inside the audit entry's transaction, where the rekey becomes certain (a debt settled there). */
  onAudited?: () => void;
  step?: StepHook;
}

export interface RekeyTarget {
  db: Database;
  keyInfoPath: string;
  secrets: { databaseKey: string };
}

/**
 * Re-encrypts the till's database under a new key, for an event (a suspected compromise of the
 * key, the till re-provisioned). The new key is written to the pending slot durably first, then the
 * file is rekeyed, then the slot promoted: a kill at any point leaves a file that opens with one of
 * the two keys the key-info holds (openDeviceDatabase finishes the rekey). Audited as
 * database.rekeyed with the reason code, the new key's check value (and HQ's request id) only. The caller stops the sync worker first: its connection
 * holds the old key. Updates `device.secrets.databaseKey` for connections opened afterwards.
 */
export async function rekeyDeviceDatabase(device: RekeyTarget, reason: RekeyReason, deps: RekeyDeps): Promise<void> {
  await withKeyInfoLock(device.keyInfoPath, () => rekeyNow(device, reason, deps));
}

async function rekeyNow(device: RekeyTarget, reason: RekeyReason, deps: RekeyDeps): Promise<void> {
  const step = deps.step ?? noSteps;
  const start = await readKeyState(deps.keychain, device.keyInfoPath);
  const state = addPendingKey(start, start.current.scheme, reason, deps.now());
  step('rekey.pending_written');
  const pending = state.pending;
  const keyCheck = state.info.pending?.keyCheck;
  if (pending === null || keyCheck === undefined) throw new Error('rekey needs a pending key');
  // Audited before the pages are re-encrypted (and re-encrypted with them): from here the rekey is
  // certain, since any open finishes it from the durable pending slot. A kill before this entry is
  // committed is audited by the open that finishes the rekey (auditRekeyFinishedAtOpen).
  device.db
    .transaction(() => {
      deps.audit.append({
        staffId: deps.staffId,
        action: 'database.rekeyed',
        details: { reason, keyCheck, ...(deps.rekeyId === undefined ? {} : { rekeyId: deps.rekeyId }) },
      });
      deps.onAudited?.();
    })
    .immediate();
  step('rekey.audited');
  try {
    rekeyOpenConnection(device.db, state, step);
  } catch (error) {
    throw mapSqliteError(error);
  }
  // The file is under the new key from the commit on: connections opened from now (the sync
  // worker's) use it, even if the promote below fails (the next open promotes it).
  device.secrets.databaseKey = pending.keyHex;
  promotePendingKey(state, deps.now());
  step('rekey.promoted');
}

/** A rekey an open finished (open-device-database.ts): its reason and the new key's check value. */
export interface FinishedRekey {
  reason: RekeyReason;
  keyCheck: string;
}

/**
 * The audit entry of a rekey killed before it wrote one, written by the open that finished it. The
 * entry names the new key by its check value (key-info's keyCheck, an HMAC of a constant: not
 * secret), so the open knows whether the entry was written before the kill. Returns whether it wrote.
 */
export function auditRekeyFinishedAtOpen(db: Database, audit: AuditLog, finished: FinishedRekey): boolean {
  const written = db
    .prepare<[string], { n: number }>(
      "SELECT count(*) AS n FROM audit WHERE action = 'database.rekeyed' AND json_extract(details, '$.keyCheck') = ?",
    )
    .get(finished.keyCheck);
  if ((written?.n ?? 0) > 0) return false;
  db.transaction(() => {
    audit.append({
      staffId: null,
      action: 'database.rekeyed',
      details: { reason: finished.reason, keyCheck: finished.keyCheck, finishedAtStart: true },
    });
  }).immediate();
  return true;
}
