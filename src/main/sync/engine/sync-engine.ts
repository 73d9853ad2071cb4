import type { Database } from 'better-sqlite3-multiple-ciphers';
import {
  DayEndReport,
  HQ_ROUTES,
  MAX_PUSH_OPS,
  PullResponse,
  PushResponse,
  type PullRequest,
} from '../../../shared/sync/protocol';
import type { WorkerWriteGate } from '../../db/write-gate';
import { HqRequestError, type HqClient } from '../hq-client';
import { createPullApplier } from './apply-pull';
import { createPushRecorder } from './apply-push';
import { createDayEnd } from './day-end';
import { noteRekeyAnswer, rekeyToReport } from './rekey-request';
import { createSyncState } from './sync-state';
import { uploadAudit } from './upload-audit';
import { clearRolledBack, DeviceRolledBackError, readDeviceHead, rethrowRolledBack } from './rollback-state';

/** What a run reports as it goes; the sync screen draws its progress bar from it. */
export type SyncProgress =
  | { phase: 'push'; done: number; total: number }
  | { phase: 'pull'; done: number; total: number | null; snapshot: boolean }
  | { phase: 'day_end' };

export interface SyncRunResult {
  pushed: { applied: number; rejected: number; duplicate: number };
  pulled: { members: number; erased: number; staff: number; rewards: number; pages: number; snapshot: boolean };
}

/** HQ revoked this device (DESIGN §4): the caller wipes the local data and says so. */
export class DeviceRevokedError extends Error {
  constructor() {
    super('HQ has revoked this device.');
    this.name = 'DeviceRevokedError';
  }
}

export interface SyncEngineDeps {
  db: Database;
  client: HqClient;
  lookupKey: string;
  now: () => Date;
  onProgress?: (progress: SyncProgress) => void;
  pushBatchSize?: number;
  pullLimit?: number;
  /** Audit entries per upload (default and most: MAX_AUDIT_UPLOAD_ENTRIES). */
  auditBatchSize?: number;
  /** The worker's side of the counter's write gate: pulled pages make way for counter writes. */
  gate?: WorkerWriteGate;
}

function rethrowRevoked(error: unknown, db?: Database): never {
  if (error instanceof HqRequestError && error.code === 'device_revoked') throw new DeviceRevokedError();
  // Behind what HQ holds (restored from an old copy): kept for the sync screen, and sync stops.
  if (db) rethrowRolledBack(db, error);
  throw error;
}

/**
 * One device's sync with HQ (DESIGN §5): push the outbox in seq order, then pull pages until HQ
 * has no more. Every answer is recorded in its own local transaction before the next request, so
 * a kill or a dropped connection at any point loses nothing and the next run carries on.
 */
export function createSyncEngine(deps: SyncEngineDeps) {
  const { db, client } = deps;
  const state = createSyncState(db);
  const push = createPushRecorder({ db, now: deps.now });
  const pull = createPullApplier({
    db,
    lookupKey: deps.lookupKey,
    now: deps.now,
    ...(deps.gate ? { gate: deps.gate } : {}),
  });
  const dayEnd = createDayEnd({ db, now: deps.now });
  const batchSize = Math.min(deps.pushBatchSize ?? MAX_PUSH_OPS, MAX_PUSH_OPS);

  async function pushAll(): Promise<SyncRunResult['pushed']> {
    const totals = { applied: 0, rejected: 0, duplicate: 0 };
    let after = push.ackedSeq();
    const total = push.pendingCount();
    let done = 0;
    // Bounded: each round either advances or HQ names the seq to resend from.
    for (let round = 0; round < 1_000_000; round++) {
      const ops = push.batch(after, batchSize);
      if (ops.length === 0) break;
      const response = await client
        .post(HQ_ROUTES.push, { ops, head: readDeviceHead(db) }, PushResponse)
        .catch((error: unknown) => rethrowRevoked(error, db));
      const recorded = push.record(response);
      totals.applied += recorded.applied;
      totals.rejected += recorded.rejected;
      totals.duplicate += recorded.duplicate;
      done += response.outcomes.length;
      deps.onProgress?.({ phase: 'push', done: Math.min(done, total), total });
      if (response.gapAt !== undefined) {
        // HQ holds fewer ops than this till thought (restored from a backup): resend from there.
        after = response.lastSeq;
        continue;
      }
      const last = response.outcomes.at(-1)?.seq;
      if (last === undefined) break;
      after = last;
    }
    return totals;
  }

  function requestPage(cursor: string | null): Promise<PullResponse> {
    const request: PullRequest = { cursor, ackedSeq: push.ackedSeq(), head: readDeviceHead(db) };
    if (deps.pullLimit !== undefined) request.limit = deps.pullLimit;
    const rekeyed = rekeyToReport(state);
    if (rekeyed !== undefined) request.rekeyed = rekeyed;
    return client.post(HQ_ROUTES.pull, request, PullResponse);
  }

  async function pullAll(): Promise<SyncRunResult['pulled']> {
    const totals = { members: 0, erased: 0, staff: 0, rewards: 0, pages: 0, snapshot: false };
    let next: Promise<PullResponse> | null = null;
    for (let page = 0; page < 1_000_000; page++) {
      let response: PullResponse;
      try {
        response = await (next ?? requestPage(state.get('pull_cursor')));
      } catch (error) {
        next = null;
        if (error instanceof HqRequestError && error.code === 'cursor_expired') {
          // Too long away: a fresh snapshot. The outbox is kept and rebased onto it.
          state.set('pull_cursor', null);
          continue;
        }
        if (error instanceof HqRequestError && error.code === 'push_first') {
          await pushAll();
          continue;
        }
        return rethrowRevoked(error, db);
      }
      // The next page is fetched while this one is written: HQ and the network work while the
      // local transaction runs. It is only ever applied after this page and its cursor committed.
      next = response.more ? requestPage(response.cursor) : null;
      // An unawaited failure is seen when the loop awaits it; never an unhandled rejection.
      next?.catch(() => undefined);
      let applied;
      try {
        applied = await pull.applyYielding(response);
      } catch (error) {
        await next?.catch(() => undefined);
        throw error;
      }
      noteRekeyAnswer(state, response);
      totals.pages += 1;
      totals.members += applied.members;
      totals.erased += applied.erased;
      totals.staff += applied.staff;
      totals.rewards += applied.rewards;
      totals.snapshot ||= response.snapshot;
      // HQ does not say how many members a snapshot holds: the bar shows progress without an end.
      deps.onProgress?.({ phase: 'pull', done: totals.members, total: null, snapshot: response.snapshot });
      if (!response.more) break;
    }
    return totals;
  }

  return {
    /** Push, then pull. Throws HqRequestError (retry later) or DeviceRevokedError. */
    async run(): Promise<SyncRunResult> {
      state.set('last_attempt_at', deps.now().toISOString());
      try {
        const pushed = await pushAll();
        // The audit chain follows the ops it records; HQ's detection reads it across the store's tills.
        await uploadAudit({ db, client, ...(deps.auditBatchSize ? { batchSize: deps.auditBatchSize } : {}) }).catch(
          (error: unknown) => rethrowRevoked(error, db),
        );
        const pulled = await pullAll();
        // HQ took every request: whatever it refused before, an operator has cleared it.
        clearRolledBack(db);
        state.set('last_success_at', deps.now().toISOString());
        state.set('last_error', null);
        return { pushed, pulled };
      } catch (error) {
        state.set(
          'last_error',
          error instanceof DeviceRolledBackError
            ? 'device_rolled_back'
            : error instanceof HqRequestError
              ? (error.code ?? error.kind)
              : 'error',
        );
        throw error;
      }
    },

    /** Day end: everything pushed and pulled, then the manifest reconciled and acknowledged by HQ. */
    async dayEnd(staffId: string | null): Promise<DayEndReport> {
      await this.run();
      deps.onProgress?.({ phase: 'day_end' });
      const { dayEndId, manifest } = dayEnd.prepare.immediate(staffId);
      const report = await client
        .post(HQ_ROUTES.dayEnd, { dayEndId, manifest, head: readDeviceHead(db) }, DayEndReport)
        .catch((error: unknown) => rethrowRevoked(error, db));
      dayEnd.record(report);
      return report;
    },

    pendingCount: () => push.pendingCount(),
  };
}
export type SyncEngine = ReturnType<typeof createSyncEngine>;
