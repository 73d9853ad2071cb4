import { randomUUID } from 'node:crypto';
import type { Database } from 'better-sqlite3-multiple-ciphers';
import { AppError } from '../../shared/errors';
import { DayEndReport } from '../../shared/sync/protocol';
import { OP_TYPES, type OpType } from '../../shared/sync/ops';
import type { SyncStatus } from '../../shared/sync/status';
import type { AuditLog } from '../audit/audit-log';
import type { CipherScheme } from '../db/cipher-scheme';
import { rotateKeyWrapping } from '../db/database-keys';
import type { Keychain } from '../keychain/keychain';
import { hqTokenAccount } from '../keychain/device-secrets';
import type { Logger } from '../logging/logger';
import { createDayEnd } from './engine/day-end';
import { createSyncState } from './engine/sync-state';
import { owedRekey, settleOwedRekey, type OwedRekey } from './engine/rekey-request';
import { auditRolledBack, readRolledBack } from './engine/rollback-state';
import { probeHqCertificate, HqRequestError } from './hq-client';
import { pairTill, pairedEndpoint, type PairTillRequest } from './pair-till';
import { startSyncWorker, SyncJobError, type SyncWorker } from './worker/worker-client';
import type { Commit } from '../requests/request-log';

export interface SyncTiming {
  intervalMs: number;
  baseBackoffMs: number;
  maxBackoffMs: number;
}

export const DEFAULT_SYNC_TIMING: SyncTiming = { intervalMs: 30_000, baseBackoffMs: 2_000, maxBackoffMs: 5 * 60_000 };

export interface SyncServiceDeps {
  db: Database;
  dbPath: string;
  /** The database key now (a rekey changes it): the worker's connection opens with it. */
  databaseKey: () => string;
  /** The file's page cipher (DeviceDatabase.cipher), for the worker's connection. */
  cipher?: CipherScheme;
  /** The key-info file (DeviceDatabase.keyInfoPath): each pairing rotates the key wrapping. */
  keyInfoPath?: string;
  lookupKey: string;
  installId: string;
  keychain: Keychain;
  audit: AuditLog;
  logger: Logger;
  now: () => Date;
  /** out/main/sync-worker.js; without it (unit tests) the till does not sync in the background. */
  workerPath: string | null;
  nativeBinding?: string;
  /** The counter's write gate (db/write-gate.ts), handed to the worker so it makes way for counter writes. */
  writeGate?: SharedArrayBuffer | null;
  timing?: SyncTiming;
  /** The app restarts its services with the chain-wide secrets pairing stored. */
  onPaired: () => void;
  /** HQ revoked this till: the app wipes it and restarts. */
  onRevoked: () => void;
  /** A sync run succeeded (the background loop's): e.g. PIN peppers a pull brought are kept. */
  onSynced?: () => void;
  /**
   * Re-encrypts the database under a new key (db/rekey-database.ts), audited; `settle` runs in the
   * audit entry's transaction. The worker is stopped while it runs. Without it (unit tests) an owed
   * rekey waits.
   */
  rekeyDatabase?: (owed: OwedRekey, staffId: string | null, settle: () => void) => Promise<void>;
  /**
   * Nobody is signed in at the counter: the background loop's runs carry out an owed rekey only then,
   * because the counter waits for it (the pages are re-encrypted on its connection).
   */
  counterIdle?: () => boolean;
}

/** A refusal's code for a log line (never its message): keychain_unavailable, an SQLite code, or error. */
function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[a-z_A-Z]{1,40}$/.test(code) ? code : 'error';
}

/** HQ error codes a manual run can answer with, as the till's own error codes. */
function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  const code = error instanceof SyncJobError ? error.code : error instanceof HqRequestError ? error.kind : 'error';
  if (code === 'not_paired') return new AppError('not_paired', 'This till is not paired with HQ yet.');
  if (code === 'pin_mismatch')
    return new AppError('hq_certificate_changed', 'HQ presented another certificate than the pinned one.');
  return new AppError('hq_unreachable', `HQ could not be reached (${code}).`);
}

/**
 * The main process's side of sync: pairing, the sync worker (where the engine runs, off the main
 * thread), manual runs and day end for managers, and the status the sync screen shows.
 */
export function createSyncService(deps: SyncServiceDeps) {
  const { db } = deps;
  const state = createSyncState(db);
  const dayEnds = createDayEnd({ db, now: deps.now });
  const pendingByType = db.prepare<[], { type: OpType; n: number }>(
    "SELECT type, count(*) AS n FROM outbox WHERE state = 'pending' GROUP BY type",
  );
  const rejected = db.prepare<[], { seq: number; type: OpType; result: string | null; payload: string }>(
    "SELECT seq, type, result, payload FROM outbox WHERE state = 'rejected' ORDER BY seq DESC LIMIT 50",
  );
  const rejectedTotal = db.prepare<[], { n: number }>("SELECT count(*) AS n FROM outbox WHERE state = 'rejected'");
  let worker: SyncWorker | null = null;
  let running: SyncStatus['running'] = null;
  let online: boolean | null = null;
  let retryInMs: number | null = null;
  let closed = false;

  /**
   * HQ refused this till as restored from an old copy: one audit entry per detection (the worker
   * kept HQ's figures in sync_state; the audit key is the main process's), and a log line of codes.
   */
  function noteRolledBack(): void {
    const kept = auditRolledBack(db, deps.audit);
    if (kept === null) return;
    online = false;
    retryInMs = null;
    if (kept.written) deps.logger.warn('sync.rolled_back', { code: kept.info.reason ?? 'device_rolled_back' });
  }

  /** At start the counter is not in use yet: a rekey owed from before is carried out first. */
  async function start(): Promise<void> {
    if (pairedEndpoint(db) && owedRekey(state) !== null) await rekeyOwed(null);
    await startWorker();
  }

  async function startWorker(): Promise<void> {
    const endpoint = pairedEndpoint(db);
    if (!endpoint || !deps.workerPath || closed || worker !== null) return;
    const token = await deps.keychain.get(hqTokenAccount(deps.installId));
    if (token === null) {
      deps.logger.warn('sync.not_started', { code: 'token_missing' });
      return;
    }
    worker = await startSyncWorker(deps.workerPath, {
      dbPath: deps.dbPath,
      databaseKey: deps.databaseKey(),
      ...(deps.cipher ? { cipher: deps.cipher } : {}),
      ...(deps.nativeBinding ? { nativeBinding: deps.nativeBinding } : {}),
      ...(deps.writeGate ? { writeGate: deps.writeGate } : {}),
    });
    // The worker checkpoints after each part it writes (engine/apply-pull.ts) and each run: were
    // the counter's connection to do it, a counter write would first copy the worker's pages.
    db.pragma('wal_autocheckpoint = 0');
    worker.onEvent((event) => {
      if (event.type === 'sync.progress') running = { phase: event.phase, done: event.done, total: event.total };
      else if (event.type === 'sync.attempt') {
        running = null;
        online = event.ok;
        retryInMs = event.ok ? null : (event.retryInMs ?? null);
        if (!event.ok) deps.logger.info('sync.attempt_failed', { code: event.code ?? 'error' });
        else {
          deps.onSynced?.();
          if (deps.counterIdle?.() !== false) rekeyIfAsked();
        }
      } else if (event.type === 'sync.rolled_back') {
        running = null;
        noteRolledBack();
      } else if (event.type === 'sync.revoked') {
        deps.logger.warn('sync.revoked', { code: 'device_revoked' });
        deps.onRevoked();
      }
    });
    worker.send({
      type: 'sync.start',
      endpoint,
      token,
      lookupKey: deps.lookupKey,
      ...(deps.timing ?? DEFAULT_SYNC_TIMING),
    });
  }

  /**
   * A rekey the till owes (engine/rekey-request.ts: HQ's request, or pairing's). The worker is
   * stopped (its connection holds the old key), the database rekeyed on this connection, and the
   * worker started again with the new key; its next pull tells HQ. Counter calls wait while the pages
   * are re-encrypted (PRAGMA rekey runs on this thread), so the background loop starts one only while
   * nobody is signed in; a manager's Sync now or Day end, pairing and a start do it at once. A
   * failure is logged with its code; the debt stays for the next start (an interrupted rekey is
   * finished by the next open in any case), and this process does not try again.
   */
  let rekeying: Promise<void> | null = null;
  let rekeyFailed = false;
  function rekeyIfAsked(staffId: string | null = null): void {
    if (rekeying !== null || closed || rekeyFailed || !deps.rekeyDatabase || owedRekey(state) === null) return;
    rekeying = (async () => {
      const w = worker;
      worker = null;
      await w?.stop();
      // No worker to checkpoint the WAL meanwhile: this connection does it again.
      if (db.open) db.pragma('wal_autocheckpoint = 1000');
      await rekeyOwed(staffId);
      await restartWorker(0);
    })().finally(() => {
      rekeying = null;
    });
  }

  async function rekeyOwed(staffId: string | null): Promise<void> {
    const owed = owedRekey(state);
    if (owed === null || !deps.rekeyDatabase || rekeyFailed) return;
    try {
      await deps.rekeyDatabase(owed, staffId, () => settleOwedRekey(state, owed));
      deps.logger.info('sync.rekeyed', { code: owed.reason });
    } catch (error) {
      rekeyFailed = true;
      deps.logger.warn('sync.rekey_failed', { code: errorCode(error) });
    }
  }

  /** The worker again after a rekey; a start that fails (the secret store, say) is tried again. */
  async function restartWorker(attempt: number): Promise<void> {
    if (closed) return;
    try {
      await startWorker();
    } catch (error) {
      deps.logger.warn('sync.not_started', { code: errorCode(error) });
      const wait = Math.min(30_000 * 2 ** attempt, 10 * 60_000);
      setTimeout(() => void restartWorker(attempt + 1), wait).unref();
    }
  }

  function status(): SyncStatus {
    const byType: SyncStatus['pending']['byType'] = {};
    let total = 0;
    for (const row of pendingByType.all()) {
      if ((OP_TYPES as readonly string[]).includes(row.type)) byType[row.type] = row.n;
      total += row.n;
    }
    const last = dayEnds.lastReport();
    return {
      paired: pairedEndpoint(db) !== null,
      storeName: state.get('store_name'),
      hqUrl: state.get('hq_url'),
      online,
      lastSuccessAt: state.get('last_success_at'),
      lastAttemptAt: state.get('last_attempt_at'),
      lastError: state.get('last_error'),
      auditRefused: state.get('audit_refused'),
      rolledBack: readRolledBack(db),
      retryInMs,
      pending: { total, byType },
      rejected: rejected.all().map((row) => {
        const result = row.result === null ? {} : (JSON.parse(row.result) as { reason?: string; at?: string });
        const memberId = (JSON.parse(row.payload) as { memberId?: unknown }).memberId;
        return {
          seq: row.seq,
          type: row.type,
          reason: result.reason ?? 'unknown',
          memberId: typeof memberId === 'string' ? memberId : null,
          at: result.at ?? '',
        };
      }),
      rejectedTotal: rejectedTotal.get()?.n ?? 0,
      running,
      lastDayEnd: last
        ? { status: last.status as 'sent' | 'reconciled' | 'mismatch', at: last.at, report: last.report }
        : null,
    };
  }

  function requireWorker(): SyncWorker {
    if (!pairedEndpoint(db)) throw new AppError('not_paired', 'This till is not paired with HQ yet.');
    if (!worker) throw new AppError('hq_unreachable', 'Sync is not running on this till.');
    return worker;
  }

  return {
    start,
    status,
    /** Cheap reads for app info, without the status's counts. */
    paired: () => pairedEndpoint(db) !== null,
    storeName: () => state.get('store_name'),

    /** "Sync now" (managers): a run at once, audited. */
    async runNow(staffId: string): Promise<SyncStatus> {
      const w = requireWorker();
      try {
        await w.request({ type: 'sync.now', jobId: randomUUID() });
      } catch (error) {
        // Refused as restored from an old copy: the answer is the status, which says what to do.
        if (error instanceof SyncJobError && error.code === 'device_rolled_back') {
          noteRolledBack();
          return status();
        }
        throw toAppError(error);
      } finally {
        running = null;
      }
      online = true;
      db.transaction(() => deps.audit.append({ staffId, action: 'sync.run', details: { manual: true } })).immediate();
      // A rekey this run brought is carried out now (the manager is waiting on sync anyway).
      rekeyIfAsked(staffId);
      return status();
    },

    /** "Day end" (managers): push, pull, manifest, HQ's reconciliation; audited with its outcome. */
    async dayEnd(staffId: string): Promise<DayEndReport> {
      const w = requireWorker();
      let report: DayEndReport;
      try {
        report = DayEndReport.parse(await w.request({ type: 'sync.dayEnd', jobId: randomUUID(), staffId }));
      } catch (error) {
        // Refused as restored from an old copy: said as that (the status says what to do), not as unreachable.
        if (error instanceof SyncJobError && error.code === 'device_rolled_back') {
          noteRolledBack();
          throw new AppError('device_rolled_back', 'HQ refused this till as restored from an old copy.');
        }
        throw toAppError(error);
      } finally {
        running = null;
      }
      db.transaction(() =>
        deps.audit.append({
          staffId,
          action: 'sync.day_end',
          details: { status: report.status, toSeq: report.toSeq, dayEndId: report.dayEndId },
        }),
      ).immediate();
      rekeyIfAsked(staffId);
      return report;
    },

    /** A counter write was recorded: sync it soon. */
    kick(): void {
      worker?.send({ type: 'sync.kick' });
    },

    async probe(hqUrl: string): Promise<{ certSha256: string }> {
      try {
        return await probeHqCertificate(hqUrl);
      } catch (error) {
        throw toAppError(error);
      }
    },

    async pair(request: PairTillRequest, staffId: string | null, commit?: Commit): Promise<{ storeName: string }> {
      const paired = await pairTill(
        {
          db,
          keychain: deps.keychain,
          installId: deps.installId,
          audit: deps.audit,
          now: deps.now,
          ...(commit ? { commit } : {}),
        },
        request,
        staffId,
      );
      deps.logger.info('sync.paired', { code: 'paired' });
      // A pairing is a new start for the till: a new key-encryption key, the database key rewrapped
      // (a few milliseconds, the file untouched). The pairing stands if the secret store refuses.
      if (deps.keyInfoPath) {
        await rotateKeyWrapping({ keychain: deps.keychain, keyInfoPath: deps.keyInfoPath, now: deps.now() }).catch(
          (error: unknown) => deps.logger.warn('sync.kek_rotation_failed', { code: errorCode(error) }),
        );
      }
      // And a new database key: an installation made from a copied disk image shares its key with
      // every other copy until now. Owed from the pairing's commit (pair-till.ts); the file holds
      // next to nothing yet, so this takes milliseconds. If it fails here, the next start does it.
      await rekeyOwed(staffId);
      deps.onPaired();
      return { storeName: paired.storeName };
    },

    async close(): Promise<void> {
      closed = true;
      // A rekey under way finishes first: the database is not closed under it.
      await rekeying;
      const w = worker;
      worker = null;
      await w?.stop();
      if (w && db.open) db.pragma('wal_autocheckpoint = 1000');
    },
  };
}
export type SyncService = ReturnType<typeof createSyncService>;
