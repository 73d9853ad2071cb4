import { readDetectionPolicy } from '../detection/policy-store';
import {
  MAX_PULL_CHANGES,
  type DeviceHead,
  type PullChange,
  type PullResponse,
  type PulledReward,
  type PulledStaff,
  type PulledStoreSettings,
} from '../../../../src/shared/sync/protocol';
import { EarnRules } from '../../../../src/shared/points/rules';
import { toInt, type HqDatabase, type Queryable } from '../db/database';
import { REPLICA_BEHIND, type ReadReplica } from '../db/read-replica';
import { assertDeviceHead } from '../devices/rollback';
import { HqHttpError } from '../errors';
import { readMemberPage, readMembers } from '../members/member-state';
import type { DataKeys } from '../keys/data-keys';
import type { AuthenticatedDevice } from '../push/push';
import { decodeCursor, encodeCursor, type Cursor } from './cursor';
import { readAlerts } from './read-alerts';
import { readPinPepperRing, tillPinPeppers } from '../staff/pin-peppers';
import { chainSecret } from '../keys/chain-secrets';

export interface PullDeps {
  db: HqDatabase;
  /** HQ's data keys: members' sealed contacts are opened to hash and mask them (keys/data-keys.ts). */
  keys: DataKeys;
  /** A streaming replica (DATABASE_REPLICA_URL) that serves the pages it can (pullPage). */
  replica?: ReadReplica | undefined;
  /** Told when the primary answered a page because the replica was behind the cursor or unavailable. */
  onPrimaryFallback?: ((why: PrimaryFallback) => void) | undefined;
}

export type PrimaryFallback = { reason: 'behind' } | { reason: 'unavailable'; error: { name: string; code?: string } };

export interface PullInput {
  cursor: string | null;
  ackedSeq: number;
  limit?: number | undefined;
  head?: DeviceHead | undefined;
}

/**
 * A snapshot page offers the till a resume cursor every this many members: the till commits a page
 * in parts of a few ms when a counter write waits (src/main/db/write-gate.ts), and its cursor must
 * still name exactly what it holds.
 */
export const SNAPSHOT_RESUME_EVERY = 10;

/**
 * Members in a snapshot page after the first when the till names no limit: a page holding members
 * only may fill the whole of what a till accepts (PullResponse: MAX_PULL_CHANGES * 2 changes), so a
 * first sync takes half as many round trips, each with its device checks and chain reads. The first
 * page keeps MAX_PULL_CHANGES members: it also carries the settings, roster, rewards and alerts.
 */
export const SNAPSHOT_PAGE_MEMBERS = MAX_PULL_CHANGES * 2;

/** Positions are (txid, seq); a snapshot resumes the log at (txid, 0). */
type Position = { txid: bigint; seq: bigint };
const before = (a: Position, b: Position): boolean => a.txid < b.txid || (a.txid === b.txid && a.seq < b.seq);

interface StaffRow {
  id: string;
  version: unknown;
  display_name: string;
  role: PulledStaff['role'];
  status: PulledStaff['status'];
  pin_hash: string;
  must_change_pin: boolean;
}

async function readStaff(q: Queryable, storeId: string, ids: readonly string[] | null): Promise<PullChange[]> {
  const result = await q.query<StaffRow>(
    `SELECT id, version, display_name, role, status, pin_hash, must_change_pin FROM staff
      WHERE (store_id IS NULL OR store_id = $1) AND ($2::text[] IS NULL OR id = ANY($2::text[])) ORDER BY id`,
    [storeId, ids],
  );
  return result.rows.map((row) => ({
    kind: 'staff',
    staff: {
      id: row.id,
      version: toInt(row.version),
      displayName: row.display_name,
      role: row.role,
      status: row.status,
      pinHash: row.pin_hash,
      mustChangePin: row.must_change_pin,
    },
  }));
}

async function readRewards(q: Queryable, ids: readonly string[] | null): Promise<PullChange[]> {
  const result = await q.query<{
    id: string;
    name_en: string;
    name_ru: string;
    cost_points: unknown;
    active: boolean;
    sort: unknown;
  }>(
    `SELECT id, name_en, name_ru, cost_points, active, sort FROM rewards
      WHERE $1::text[] IS NULL OR id = ANY($1::text[]) ORDER BY id`,
    [ids],
  );
  return result.rows.map((row) => {
    const reward: PulledReward = {
      id: row.id,
      name: { en: row.name_en, ru: row.name_ru },
      costPoints: toInt(row.cost_points),
      active: row.active,
      sort: toInt(row.sort),
    };
    return { kind: 'reward', reward };
  });
}

async function readStoreSettings(q: Queryable, storeId: string): Promise<PullChange[]> {
  const result = await q.query<{
    name: string;
    language: PulledStoreSettings['language'];
    store_region: string;
    idle_lock_seconds: unknown;
    earn_rules: unknown;
    max_adjust_points: unknown;
    second_approver_above_points: unknown;
    audit_retention_years: unknown;
  }>(
    `SELECT s.name, ss.language, ss.store_region, ss.idle_lock_seconds, ss.earn_rules, ss.max_adjust_points,
            ss.second_approver_above_points, p.audit_retention_years
       FROM store_settings ss JOIN stores s ON s.id = ss.store_id CROSS JOIN privacy_policy p
      WHERE ss.store_id = $1 AND p.id = 1`,
    [storeId],
  );
  const row = result.rows[0];
  if (!row) return [];
  const rules = row.earn_rules === null ? null : EarnRules.parse(row.earn_rules);
  const detection = await readDetectionPolicy(q, storeId);
  return [
    {
      kind: 'store_settings',
      settings: {
        storeName: row.name,
        language: row.language,
        storeRegion: row.store_region,
        idleLockSeconds: toInt(row.idle_lock_seconds),
        earnRules: rules,
        maxAdjustPoints: toInt(row.max_adjust_points),
        secondApproverAbovePoints: toInt(row.second_approver_above_points),
        auditRetentionYears: toInt(row.audit_retention_years),
        detection: detection.policy,
      },
    },
  ];
}

/**
 * One pull page (DESIGN §5). Read in one REPEATABLE READ transaction, so the page, the cursor
 * bound (pg_snapshot_xmin) and the states it carries are one consistent picture.
 *
 * The log part returns only change rows of transactions older than every transaction still
 * running: once returned, nothing can commit behind the cursor. A change row only names the
 * entity; the page carries its state as it is now (with its version), so changes that arrive in
 * any order still leave the device with the newest state.
 *
 * With a streaming replica (deps.replica) the page is read there when the replica has replayed
 * everything the cursor already covers (replicaCovers); otherwise, or when it cannot be reached,
 * the primary answers. The device's own checks always run on the primary first: its head is
 * compared and remembered there (a write), and push_first against the seq HQ settled last.
 */
export async function pullPage(deps: PullDeps, device: AuthenticatedDevice, input: PullInput): Promise<PullResponse> {
  if (deps.replica) {
    await deps.db.transaction((tx) => checkDevice(tx, device, input, 'primary'));
    const read = await deps.replica.read(
      async (tx) => {
        // Again in the replica's own snapshot: the states it reads must not hold ops the till has not heard.
        await checkDevice(tx, device, input, 'replica');
        return (await replicaCovers(tx, input.cursor)) ? readPage(tx, device, input, deps.keys) : REPLICA_BEHIND;
      },
      (error) => error instanceof HqHttpError,
    );
    if (read.served) return read.value;
    deps.onPrimaryFallback?.(read.reason === 'behind' ? { reason: 'behind' } : read);
  }
  return deps.db.transaction(async (tx) => {
    await tx.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
    await checkDevice(tx, device, input, 'primary');
    return readPage(tx, device, input, deps.keys);
  });
}

/**
 * Whether the replica's snapshot holds every transaction the cursor is past: a cursor made on the
 * primary (or on a replica further on) may name a position this one has not replayed. There the
 * snapshot part would read member states older than the snapshot's start, and the log part would
 * take the cursor for one from the future (cursor_expired); the primary answers it instead. A log
 * cursor the replica made itself is always covered: its txid is below the replica's xmin then, and
 * xmin only grows.
 */
async function replicaCovers(tx: Queryable, cursor: string | null): Promise<boolean> {
  if (cursor === null) return true;
  const decoded = decodeCursor(cursor);
  // readPage refuses a cursor HQ never made, wherever it runs.
  if (!decoded) return true;
  const xmin = await tx.query<{ xmin: string }>('SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS xmin');
  return decoded.txid <= BigInt(xmin.rows[0]?.xmin ?? '0');
}

/** Revoked, rolled back (primary only: it writes what the till heard) and push_first. */
async function checkDevice(
  tx: Queryable,
  device: AuthenticatedDevice,
  input: PullInput,
  where: 'primary' | 'replica',
): Promise<void> {
  const found = await tx.query<{ last_seq: unknown; revoked_at: Date | null }>(
    'SELECT last_seq, revoked_at FROM devices WHERE id = $1',
    [device.deviceId],
  );
  const row = found.rows[0];
  if (!row || row.revoked_at !== null) throw new HqHttpError('device_revoked', 'This device has been revoked.');
  // Before push_first: a restored till is behind HQ too, and pushing would not help it.
  if (where === 'primary') await assertDeviceHead(tx, device, input.head);
  if (toInt(row.last_seq) > input.ackedSeq) {
    throw new HqHttpError('push_first', 'HQ settled ops this device has not heard about: push, then pull.');
  }
}

/** The page, in the caller's REPEATABLE READ transaction on the primary or the replica: reads only. */
async function readPage(
  tx: Queryable,
  device: AuthenticatedDevice,
  input: PullInput,
  keys: DataKeys,
): Promise<PullResponse> {
  const chain = await tx.query<{ lookup_key: string; staff_proof_public_key: string | null }>(
    'SELECT lookup_key, staff_proof_public_key FROM chain WHERE id = 1',
  );
  const storedLookupKey = chain.rows[0]?.lookup_key;
  const lookupKey = storedLookupKey === undefined ? undefined : chainSecret(keys, 'lookup_key', storedLookupKey);
  // On every page: a till paired before pairing handed it out learns it here (staff proofs).
  const staffProofKey = chain.rows[0]?.staff_proof_public_key;
  if (!lookupKey || !staffProofKey) throw new Error('the chain row is missing (run the migrations)');
  // On every page too: a till paired before per-store peppers needs them before its first v2 hash.
  const pinPeppers = tillPinPeppers(await readPinPepperRing(tx, keys), device.storeId);
  const horizonRow = await tx.query<{ txid: string; seq: unknown }>(
    'SELECT txid::text AS txid, seq FROM change_log_horizon WHERE id = 1',
  );
  const horizon: Position | null = horizonRow.rows[0]
    ? { txid: BigInt(horizonRow.rows[0].txid), seq: BigInt(toInt(horizonRow.rows[0].seq)) }
    : null;

  let cursor: Cursor;
  if (input.cursor === null) {
    const xmin = await tx.query<{ xmin: string }>('SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS xmin');
    cursor = { kind: 'snapshot', txid: BigInt(xmin.rows[0]?.xmin ?? '0'), afterId: '' };
  } else {
    const decoded = decodeCursor(input.cursor);
    if (!decoded) throw new HqHttpError('bad_request', 'The pull cursor was not made by this HQ.');
    cursor = decoded;
  }
  // A cursor from the future: this HQ never made it, or was restored from an older backup. The
  // device's safe way back is a fresh snapshot (its outbox is kept and pushed again).
  const xmax = await tx.query<{ xmax: string }>('SELECT pg_snapshot_xmax(pg_current_snapshot())::text AS xmax');
  if (cursor.txid > BigInt(xmax.rows[0]?.xmax ?? '0')) {
    throw new HqHttpError('cursor_expired', 'The pull cursor is ahead of this HQ: pull a snapshot.');
  }
  const resumeAt: Position =
    cursor.kind === 'log' ? { txid: cursor.txid, seq: cursor.seq } : { txid: cursor.txid, seq: 0n };
  if (horizon && before(resumeAt, horizon)) {
    throw new HqHttpError('cursor_expired', 'The pull cursor is older than the change log: pull a snapshot.');
  }

  if (cursor.kind === 'snapshot') {
    const start = input.cursor === null;
    const limit = input.limit ?? (start ? MAX_PULL_CHANGES : SNAPSHOT_PAGE_MEMBERS);
    const page = await readMemberPage(tx, cursor.afterId, limit, lookupKey, keys);
    const { members } = page;
    const changes: PullChange[] = [];
    if (start) {
      changes.push(...(await readStoreSettings(tx, device.storeId)));
      changes.push(...(await readStaff(tx, device.storeId, null)));
      changes.push(...(await readRewards(tx, null)));
      changes.push(...(await readAlerts(tx, device.storeId, 'open')));
    }
    // Where the till may commit part of the page (protocol: resumePoints): every few members.
    const resumePoints: { after: number; cursor: string }[] = [];
    members.forEach((member, i) => {
      changes.push({ kind: 'member', member });
      if ((i + 1) % SNAPSHOT_RESUME_EVERY === 0 && i + 1 < members.length) {
        const resume = encodeCursor({ kind: 'snapshot', txid: cursor.txid, afterId: member.id });
        resumePoints.push({ after: changes.length, cursor: resume });
      }
    });
    const end = page.last;
    // Past erased members too: a page may end on one (or hold none and still not be the last).
    const last = page.lastId ?? cursor.afterId;
    return {
      changes,
      cursor: encodeCursor(
        end ? { kind: 'log', txid: cursor.txid, seq: 0n } : { kind: 'snapshot', txid: cursor.txid, afterId: last },
      ),
      // After the last snapshot page the log since the snapshot began follows at once.
      more: true,
      snapshot: true,
      snapshotStart: start,
      snapshotEnd: end,
      resumePoints,
      staffProofKey,
      pinPeppers,
    };
  }

  const limit = input.limit ?? MAX_PULL_CHANGES;
  const rows = await tx.query<{ txid: string; seq: unknown; entity: string; entity_id: string }>(
    `SELECT txid::text AS txid, seq, entity, entity_id FROM change_log
      WHERE (txid > $1::xid8 OR (txid = $1::xid8 AND seq > $2::bigint))
        AND txid < pg_snapshot_xmin(pg_current_snapshot())
        AND (store_id IS NULL OR store_id = $3)
      ORDER BY txid, seq LIMIT $4`,
    [cursor.txid.toString(), cursor.seq.toString(), device.storeId, limit],
  );
  const ids = {
    member: new Set<string>(),
    staff: new Set<string>(),
    reward: new Set<string>(),
    alert: new Set<string>(),
  };
  let settings = false;
  for (const change of rows.rows) {
    if (change.entity === 'member') ids.member.add(change.entity_id);
    else if (change.entity === 'staff') ids.staff.add(change.entity_id);
    else if (change.entity === 'reward') ids.reward.add(change.entity_id);
    else if (change.entity === 'store_settings') settings = true;
    else if (change.entity === 'alert') ids.alert.add(change.entity_id);
  }
  const changes: PullChange[] = [];
  if (settings) changes.push(...(await readStoreSettings(tx, device.storeId)));
  if (ids.staff.size > 0) changes.push(...(await readStaff(tx, device.storeId, [...ids.staff])));
  if (ids.reward.size > 0) changes.push(...(await readRewards(tx, [...ids.reward])));
  changes.push(...(await readMembers(tx, [...ids.member], lookupKey, keys)));
  changes.push(...(await readAlerts(tx, device.storeId, [...ids.alert])));
  const lastRow = rows.rows.at(-1);
  return {
    changes,
    cursor: lastRow
      ? encodeCursor({ kind: 'log', txid: BigInt(lastRow.txid), seq: BigInt(toInt(lastRow.seq)) })
      : encodeCursor(cursor),
    more: rows.rows.length === limit,
    snapshot: false,
    snapshotStart: false,
    snapshotEnd: false,
    staffProofKey,
    pinPeppers,
  };
}
