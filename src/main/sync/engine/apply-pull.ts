import type { Database } from 'better-sqlite3-multiple-ciphers';
import type { PullResponse, PulledMember } from '../../../shared/sync/protocol';
import { NO_WORKER_GATE, type WorkerWriteGate } from '../../db/write-gate';
import { createSnapshotIngest, type SnapshotMember } from '../../members/ingest-snapshot';
import { createMemberErasure, type ErasureOutcome } from './erase-member';
import { createMemberRebase } from './rebase';
import { createSyncState } from './sync-state';
import { createWalTruncate } from './wal-truncate';
import { createWalBackgroundFlush } from './wal-background-flush';
import { storeStaffProofKey } from '../device-identity';
import { notePulledPinPeppers } from './pulled-pin-peppers';

export interface PullPageResult {
  members: number;
  rebased: number;
  erased: number;
  staff: number;
  rewards: number;
  settings: boolean;
}

function toSnapshotMember(member: PulledMember): SnapshotMember {
  return {
    id: member.id,
    cardNumber: member.cardNumber,
    givenName: member.givenName,
    familyName: member.familyName,
    phoneHash: member.phoneHash === null ? null : Buffer.from(member.phoneHash, 'hex'),
    emailHash: member.emailHash === null ? null : Buffer.from(member.emailHash, 'hex'),
    phoneMasked: member.phoneMasked,
    emailMasked: member.emailMasked,
    tier: member.tier,
    pointsConfirmed: member.points,
    termsVersion: member.termsVersion ?? '',
    marketingEmail: member.marketingEmail,
    marketingSms: member.marketingSms,
    birthDate: member.birthDate,
    enrolledAt: member.enrolledAt,
    updatedAt: member.updatedAt,
    hqVersion: member.version,
  };
}

/**
 * Applies one pull page and its cursor in one IMMEDIATE transaction (DESIGN §5): a kill at any
 * point leaves the page and the cursor both applied or both not, so the page is simply fetched
 * again. A snapshot page HQ gave resume points is committed in parts instead, each with the cursor
 * of where it ends (the same guarantee, part by part): a part ends early when a counter write
 * waits at the write gate (db/write-gate.ts). Members with ops still pending here are rebased
 * onto HQ's state.
 */
export interface PullApplierDeps {
  db: Database;
  lookupKey: string;
  now: () => Date;
  /** Makes way for the counter's writes between parts (the sync worker's; none in engine tests). */
  gate?: WorkerWriteGate;
  /** Longest part when no counter write waits (a bigger part writes fewer index pages twice). */
  partMs?: number;
  /** After each committed part, with the index of the next change (tests hold the gate here). */
  onPart?: (next: number) => void;
  /** Members read per step of a finished snapshot's sweep (tests make it small). */
  sweepStep?: number;
}

/** A part's length when nothing waits: long enough to batch, short enough to bound one commit. */
const DEFAULT_PART_MS = 10;
/** Members read per step of a finished snapshot's sweep. */
const SWEEP_STEP = 500;

export function createPullApplier(deps: PullApplierDeps) {
  const { db } = deps;
  const gate = deps.gate ?? NO_WORKER_GATE;
  const partMs = deps.partMs ?? DEFAULT_PART_MS;
  const sweepLimit = deps.sweepStep ?? SWEEP_STEP;
  const state = createSyncState(db);
  const ingest = createSnapshotIngest(db);
  const rebase = createMemberRebase(db, deps.lookupKey);
  const erase = createMemberErasure(db);
  const wal = createWalTruncate(db);
  const flushWal = createWalBackgroundFlush(db);
  const anyMember = db.prepare<[], { n: number }>('SELECT EXISTS (SELECT 1 FROM members) AS n');
  const cardHolder = db.prepare<[string, string], { id: string }>(
    'SELECT id FROM members WHERE card_number = ? AND id <> ?',
  );
  const moveCard = db.prepare<[string]>("UPDATE members SET card_number = 'conflict:' || id WHERE id = ?");
  const pendingMembers = db.prepare<[], { id: string }>(
    `SELECT DISTINCT json_extract(payload, '$.memberId') AS id FROM outbox
      WHERE state = 'pending' AND json_extract(payload, '$.memberId') IS NOT NULL`,
  );
  const pendingPin = db.prepare<[string], { n: number }>(
    `SELECT count(*) AS n FROM outbox WHERE state = 'pending' AND type = 'staff.pin_changed'
        AND json_extract(payload, '$.staffId') = ?`,
  );
  const upsertStaff = db.prepare(
    `INSERT INTO staff (id, display_name, role, status, pin_hash, must_change_pin, roster_version, created_at, updated_at)
     VALUES (@id, @displayName, @role, @status, @pinHash, @mustChangePin, @version, @at, @at)
     ON CONFLICT (id) DO UPDATE SET display_name = excluded.display_name, role = excluded.role,
       status = excluded.status, roster_version = excluded.roster_version, updated_at = excluded.updated_at,
       pin_hash = iif(@keepPin, staff.pin_hash, excluded.pin_hash),
       must_change_pin = iif(@keepPin, staff.must_change_pin, excluded.must_change_pin)
     WHERE excluded.roster_version >= staff.roster_version`,
  );
  const currentPin = db.prepare<[string], { pin_hash: string }>('SELECT pin_hash FROM staff WHERE id = ?');
  // A PIN reset at HQ also lifts this till's lockout of that staff member (as a reset here does).
  const clearFailures = db.prepare<[string]>('DELETE FROM auth_failures WHERE subject = ?');
  const deactivateStaffExcept = db.prepare<[string]>(
    "UPDATE staff SET status = 'inactive' WHERE id NOT IN (SELECT value FROM json_each(?))",
  );
  const upsertReward = db.prepare(
    `INSERT INTO rewards (id, name_en, name_ru, cost_points, active, sort) VALUES (@id, @en, @ru, @cost, @active, @sort)
     ON CONFLICT (id) DO UPDATE SET name_en = excluded.name_en, name_ru = excluded.name_ru,
       cost_points = excluded.cost_points, active = excluded.active, sort = excluded.sort`,
  );
  const withdrawRewardsExcept = db.prepare<[string]>(
    'UPDATE rewards SET active = 0 WHERE id NOT IN (SELECT value FROM json_each(?))',
  );
  const setSetting = db.prepare<[string, string]>(
    'INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
  );
  // HQ's own alerts about this store's staff (across tills, or against their baseline): shown to the
  // store manager beside the till's. An acknowledgement made here is kept; one made at HQ is taken.
  const upsertHqAlert = db.prepare(
    `INSERT INTO detection_alerts (id, rule, source, staff_id, mode, raised_at, window_start, window_end, count,
                                   threshold, member_ids, audit_refs, acknowledged_at, acknowledged_by)
     VALUES (@id, @rule, 'hq', @staffId, @mode, @raisedAt, @windowStart, @windowEnd, @count, @threshold, @memberIds,
             '[]', @resolvedAt, NULL)
     ON CONFLICT (id) DO UPDATE SET window_end = excluded.window_end, count = excluded.count,
       member_ids = excluded.member_ids,
       acknowledged_at = coalesce(detection_alerts.acknowledged_at, excluded.acknowledged_at)
     WHERE detection_alerts.source = 'hq'`,
  );
  const setRules = db.prepare<[string]>(
    'INSERT INTO earn_rules (id, rules) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET rules = excluded.rules',
  );
  // The members after `after` in id order, and whether each is gone from HQ (not in the snapshot
  // just finished, nothing pending here): read a step at a time, not in one scan of the cache.
  const sweepStep = db.prepare<[{ mark: number; after: string; limit: number }], { id: string; gone: number }>(
    `SELECT id, (erased_at IS NULL AND hq_version > 0 AND (snapshot_mark IS NULL OR snapshot_mark <> @mark)
        AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.state = 'pending'
                          AND json_extract(o.payload, '$.memberId') = m.id)) AS gone
       FROM members m WHERE id > @after ORDER BY id LIMIT @limit`,
  );

  /**
   * One step of the sweep a finished snapshot owes (state 'snapshot_sweep' holds its mark, kept
   * across a crash): members HQ no longer sends were erased while this till was away longer than
   * the log keeps. In steps of SWEEP_STEP members, each its own transaction through the gate, so a
   * million-member cache is not scanned while a counter write waits.
   */
  const sweepOnce = db.transaction((result: PullPageResult): void => {
    const mark = Number(state.get('snapshot_sweep'));
    const after = state.get('snapshot_sweep_after') ?? '';
    const rows = sweepStep.all({ mark, after, limit: sweepLimit });
    const at = deps.now().toISOString();
    let wiped = false;
    for (const row of rows) {
      if (row.gone !== 1) continue;
      const outcome = erase(row.id, at);
      if (outcome.erased) result.erased += 1;
      wiped ||= outcome.wiped;
    }
    if (wiped) wal.owe();
    const last = rows.at(-1)?.id;
    if (rows.length < sweepLimit || last === undefined) {
      state.set('snapshot_sweep', null);
      state.set('snapshot_sweep_after', null);
    } else {
      state.set('snapshot_sweep_after', last);
    }
  });
  const finishSweep = (result: PullPageResult) => {
    while (state.get('snapshot_sweep') !== null) gate.run(() => sweepOnce.immediate(result));
  };

  /**
   * Where the page may be committed in parts: HQ's resume points, if each is followed by members
   * only (so the roster, catalogue and settings of a first page go in its first part) and they
   * rise. Anything else (an older HQ, a log page) is applied whole.
   */
  function partEnds(page: PullResponse): Map<number, string> {
    const ends = new Map<number, string>();
    const points = page.resumePoints ?? [];
    if (!page.snapshot || points.length === 0) return ends;
    let lastOther = -1;
    page.changes.forEach((change, i) => {
      if (change.kind !== 'member') lastOther = i;
    });
    let previous = 0;
    for (const point of points) {
      if (point.after <= previous || point.after >= page.changes.length || point.after <= lastOther) {
        return new Map();
      }
      ends.set(point.after, point.cursor);
      previous = point.after;
    }
    return ends;
  }

  /** What a page collects across its parts (the first part's roster is checked against it). */
  interface PageProgress {
    result: PullPageResult;
    staffIds: string[];
    rewardIds: string[];
  }

  /**
   * Applies the page from change `from` on, in one IMMEDIATE transaction, up to the page's end or
   * to a resume point reached once a counter write waits (or the part has run `partMs`). Commits
   * the cursor of where it stopped with it. Returns the index of the next change.
   */
  const applyPart = db.transaction(
    (page: PullResponse, from: number, ends: Map<number, string>, progress: PageProgress): number => {
      const started = performance.now();
      const at = deps.now().toISOString();
      const { result } = progress;
      if (page.snapshotStart && from === 0) {
        state.set('snapshot_mark', String(deps.now().getTime()));
        // Into an empty cache (a newly paired till) nothing needs its old name tokens cleared. The
        // lookup indexes stay: phone, e-mail and card lookups are served from them during the load.
        state.set('snapshot_bulk', anyMember.get()?.n === 1 ? null : '1');
      }
      const bulk = page.snapshot && state.get('snapshot_bulk') === '1';
      const markText = page.snapshot ? state.get('snapshot_mark') : null;
      const mark = markText === null ? null : Number(markText);

      let wiped = false;
      const countErasure = (outcome: ErasureOutcome) => {
        if (outcome.erased) result.erased += 1;
        wiped ||= outcome.wiped;
      };
      const members: SnapshotMember[] = [];
      const flushMembers = () => {
        if (members.length === 0) return;
        ingest.writeRows(members, { mark, fresh: bulk });
        result.members += members.length;
        members.length = 0;
      };
      const partMembers = new Set<string>();
      let next = from;
      for (; next < page.changes.length; next++) {
        if (next > from && ends.has(next)) {
          flushMembers();
          if (gate.wanted() || performance.now() - started >= partMs) break;
        }
        const change = page.changes[next];
        if (change === undefined) break;
        switch (change.kind) {
          case 'member': {
            // A card HQ gives this member may be held here by an enrolment HQ will refuse
            // (card_in_use): HQ's member keeps the card, the local row shows the conflict.
            const holder = cardHolder.get(change.member.cardNumber, change.member.id);
            if (holder) moveCard.run(holder.id);
            members.push(toSnapshotMember(change.member));
            partMembers.add(change.member.id);
            break;
          }
          case 'member_erased':
            countErasure(erase(change.id, at));
            break;
          case 'staff': {
            const s = change.staff;
            const keepPin = (pendingPin.get(s.id)?.n ?? 0) > 0;
            const before = currentPin.get(s.id)?.pin_hash;
            if (!keepPin && before !== undefined && before !== s.pinHash) clearFailures.run(`staff:${s.id}`);
            upsertStaff.run({
              id: s.id,
              displayName: s.displayName,
              role: s.role,
              status: s.status,
              pinHash: s.pinHash,
              mustChangePin: s.mustChangePin ? 1 : 0,
              version: s.version,
              at,
              // A PIN changed here and not yet at HQ is newer than the roster's: keep it.
              keepPin: keepPin ? 1 : 0,
            });
            progress.staffIds.push(s.id);
            result.staff += 1;
            break;
          }
          case 'reward': {
            const r = change.reward;
            upsertReward.run({
              id: r.id,
              en: r.name.en,
              ru: r.name.ru,
              cost: r.costPoints,
              active: r.active ? 1 : 0,
              sort: r.sort,
            });
            progress.rewardIds.push(r.id);
            result.rewards += 1;
            break;
          }
          case 'store_settings': {
            const s = change.settings;
            setSetting.run('language', s.language);
            setSetting.run('store_region', s.storeRegion);
            setSetting.run('idle_lock_seconds', String(s.idleLockSeconds));
            state.set('store_name', s.storeName);
            if (s.earnRules !== null) setRules.run(JSON.stringify(s.earnRules));
            if (s.maxAdjustPoints !== undefined) setSetting.run('max_adjust_points', String(s.maxAdjustPoints));
            if (s.secondApproverAbovePoints !== undefined) {
              setSetting.run('second_approver_above_points', String(s.secondApproverAbovePoints));
            }
            if (s.auditRetentionYears !== undefined)
              setSetting.run('audit_retention_years', String(s.auditRetentionYears));
            if (s.detection !== undefined) setSetting.run('detection_policy', JSON.stringify(s.detection));
            result.settings = true;
            break;
          }
          case 'alert': {
            const a = change.alert;
            upsertHqAlert.run({
              id: a.id,
              rule: a.rule,
              staffId: a.staffId,
              mode: a.mode,
              raisedAt: a.raisedAt,
              windowStart: a.windowStart,
              windowEnd: a.windowEnd,
              count: a.count,
              threshold: a.threshold,
              memberIds: JSON.stringify(a.memberIds),
              resolvedAt: a.resolved ? at : null,
            });
            break;
          }
        }
      }
      flushMembers();
      if (partMembers.size > 0) {
        for (const { id } of pendingMembers.all()) {
          if (partMembers.has(id)) {
            rebase.rebase(id);
            result.rebased += 1;
          }
        }
      }
      if (page.snapshotStart && from === 0) {
        // The first snapshot page carries the whole roster and catalogue (all before its first
        // resume point): anything else is gone.
        deactivateStaffExcept.run(JSON.stringify(progress.staffIds));
        withdrawRewardsExcept.run(JSON.stringify(progress.rewardIds));
      }
      const pageDone = next >= page.changes.length;
      if (pageDone && page.snapshotEnd && mark !== null) {
        // Owed from this commit on, and swept right after it (finishSweep), before any other page.
        state.set('snapshot_sweep', String(mark));
        state.set('snapshot_sweep_after', '');
        state.set('snapshot_mark', null);
      }
      if (pageDone && page.snapshotEnd) state.set('snapshot_bulk', null);
      // With the page's first part, as the v2 roster hashes they check (a till paired before per-store
      // peppers); the later parts carry the same ones (it prepared three statements every part).
      if (page.pinPeppers !== undefined && from === 0) notePulledPinPeppers(db, page.pinPeppers);
      // A till paired before HQ handed its staff-proof key out at pairing gets it here.
      if (pageDone && page.staffProofKey !== undefined) storeStaffProofKey(db, page.staffProofKey);
      // Owed in this transaction, so a crash before the wipe still leaves it to do.
      if (wiped) wal.owe();
      const cursor = pageDone ? page.cursor : ends.get(next);
      if (cursor === undefined) throw new Error('a part of a pull page ends only at a resume point');
      state.set('pull_cursor', cursor);
      state.set('last_pull_at', at);
      return next;
    },
  );

  /**
   * The page part by part: yields after each committed part, so a caller may let the event loop
   * run between parts (applyYielding), and returns what the page applied.
   */
  function* applySteps(page: PullResponse): Generator<void, PullPageResult, void> {
    const ends = partEnds(page);
    const progress: PageProgress = {
      result: { members: 0, rebased: 0, erased: 0, staff: 0, rewards: 0, settings: false },
      staffIds: [],
      rewardIds: [],
    };
    // A sweep a crash interrupted is finished before anything else is applied.
    finishSweep(progress.result);
    let from = 0;
    do {
      // Between parts the counter's waiting write goes first (the gate parks this thread).
      from = gate.run(() => applyPart.immediate(page, from, ends, progress));
      // Outside the gate: the part's frames start for the disk while the next part is written.
      flushWal();
      deps.onPart?.(from);
      if (from < page.changes.length) yield;
    } while (from < page.changes.length);
    finishSweep(progress.result);
    // Once a page, outside the gate: a PASSIVE checkpoint lets the counter write meanwhile, and
    // the counter's connection (which leaves checkpoints to this one while sync runs) never
    // copies this worker's pages inside a counter write. Every part measured 10% of the worker.
    // Not rarer: once every 12,000 changes the till wrote 16% less at 1M members, but its WAL grew
    // to 2.2 GB (426 MB checkpointing every page) and the snapshot was no faster.
    db.pragma('wal_checkpoint(PASSIVE)');
    // No copy of an erased member may stay in the write-ahead log (DESIGN §6); a wipe another
    // connection kept from finishing before is tried again here.
    gate.run(() => wal.settle());
    return progress.result;
  }

  return {
    /** The whole page at once, without giving the event loop a turn (tests, tools). */
    apply(page: PullResponse): PullPageResult {
      const steps = applySteps(page);
      for (;;) {
        const step = steps.next();
        if (step.done) return step.value;
      }
    },

    /**
     * The page with a turn of the event loop after each committed part: the sync worker's next
     * page (fetched while this one is written, sync-engine.ts) is sent, received and parsed
     * meanwhile. Applied whole in one synchronous call, the next request did not even leave
     * until the page was written, and the worker waited for HQ for about half of a snapshot.
     * Each part is committed with its cursor before the turn, so nothing else is needed for a
     * kill between parts.
     */
    async applyYielding(page: PullResponse): Promise<PullPageResult> {
      const steps = applySteps(page);
      for (;;) {
        const step = steps.next();
        if (step.done) return step.value;
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    },
  };
}
