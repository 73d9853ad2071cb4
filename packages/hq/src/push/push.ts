import {
  PushOp,
  type DeviceHead,
  type MemberAfterOp,
  type PushOpOutcome,
  type PushResponse,
  type RejectReason,
  type WirePushOp,
} from '../../../../src/shared/sync/protocol';
import { sqlState, toInt, type HqDatabase, type Queryable } from '../db/database';
import { checkDeviceHead, RollbackDetected, STALE_REASONS } from '../devices/rollback';
import { HqHttpError } from '../errors';
import { deferChangeLog } from '../change-log';
import { scrubPayload } from '../../../../src/shared/sync/personal-data';
import { applyOp, type OpContext } from './apply-op';
import type { DataKeys } from '../keys/data-keys';
import { sealOpPayloadContacts } from '../keys/sealed-columns';
import { ProofBudgetSpent, withoutStaffProof } from './staff-proof';
import { newStoreReads, type StoreReads } from './verify-claims';
import { PendingOpRows, type OpRow } from './op-rows';

export interface PushDeps {
  db: HqDatabase;
  now: () => Date;
  /** HQ's data keys: members' contacts are sealed in the member row and in the stored op (keys/data-keys.ts). */
  keys: DataKeys;
}

/** The device a token belongs to. The device pushing is always the token's, never a body field. */
export interface AuthenticatedDevice {
  deviceId: string;
  storeId: string;
}

type Step =
  | { kind: 'settled'; outcome: PushOpOutcome; lastSeq: number }
  | { kind: 'gap'; lastSeq: number }
  | { kind: 'revoked' }
  /** The device's budget of failed staff proofs is spent: stop before this op (staff-proof.ts). */
  | { kind: 'throttled' };

function proofsThrottled(): HqHttpError {
  return new HqHttpError(
    'too_many_requests',
    'Too many staff proofs from this device could not be confirmed; the rest waits. Try again later.',
    [],
    { retryAfterSeconds: 600 },
  );
}

/** Integrity (23…) and data (22…) errors: the op itself, or a race on its op id. */
function isOpError(error: unknown): boolean {
  const state = sqlState(error);
  return state !== undefined && (state.startsWith('22') || state.startsWith('23'));
}

/** NUL cannot be stored in PostgreSQL text or jsonb; a rejected op is kept with it replaced. */
function storable(text: string): string {
  return text.replaceAll('\u0000', '\uFFFD').replaceAll('\\u0000', '\\ufffd');
}

/** Op kinds whose checks read `ops` (staff-proof.ts's failure budget, erasure.ts's stored ops). */
const READS_OPS: ReadonlySet<string> = new Set([
  'points.adjusted',
  'points.reversed',
  'staff.pin_changed',
  'member.erasure_requested',
]);

type HeadCheck = Awaited<ReturnType<typeof checkDeviceHead>>;

/**
 * The push's rollback refusal, decided before anything is locked or written: a head behind for a
 * reason a late request cannot give refuses at once; one behind only as a late request may be
 * (STALE_REASONS) is answered only while none of `ops` is new to HQ (seq > `last`).
 */
function refuseBehind(check: HeadCheck, head: DeviceHead | undefined, ops: readonly WirePushOp[], last: number): void {
  const { held, behind } = check;
  if (held === null || behind === null) return;
  if (!STALE_REASONS.has(behind) || ops.some((op) => op.seq > last))
    throw new RollbackDetected(behind, held, head ?? null);
}

/** A seq HQ holds under another op id, from a till that sent its head: its outbox forked. */
function forked(check: HeadCheck, head: DeviceHead, last: number): RollbackDetected {
  return new RollbackDetected(
    check.behind ?? 'op_id_mismatch',
    check.held ?? { lastSeq: last, auditSeq: 0, auditHash: null },
    head,
  );
}

async function lockDevice(tx: Queryable, device: AuthenticatedDevice): Promise<number | null> {
  // The device row lock serializes pushes of one device, so its seq advances by exactly one.
  const found = await tx.query<{ last_seq: unknown; revoked_at: Date | null }>(
    'SELECT last_seq, revoked_at FROM devices WHERE id = $1 FOR UPDATE',
    [device.deviceId],
  );
  const row = found.rows[0];
  if (!row || row.revoked_at !== null) return null;
  return toInt(row.last_seq);
}

/**
 * Settles one op. `batch` (the fast path) means the caller holds the device lock, knows `last` and
 * writes last_seq once at the end; the checks a unique index also enforces (an op id used before, a
 * receipt earned before) are left to the index: its error aborts the batch, which is then redone
 * op by op, where they are answered as rejections. So both paths give the same outcomes.
 * Op by op, each op's transaction checks the device's `head` as the batch does (refuseBehind, an
 * op id mismatch), so the fallback refuses a rolled-back till exactly as the batch would.
 */
async function settle(
  tx: Queryable,
  keys: DataKeys,
  device: AuthenticatedDevice,
  wire: WirePushOp,
  receivedAt: Date,
  forcedReason: RejectReason | null,
  batch: { last: number; reads: StoreReads; rows: PendingOpRows } | null = null,
  head?: DeviceHead,
): Promise<Step> {
  const parsed = PushOp.safeParse(wire);
  const op = wire;
  const opId = op.opId.toLowerCase();
  const last = batch ? batch.last : await lockDevice(tx, device);
  if (last === null) return { kind: 'revoked' };
  // The batch checked the head once under its device lock; op by op, each transaction does.
  const check = batch ? null : await checkDeviceHead(tx, device, head);
  if (check) refuseBehind(check, head, [op], last);
  if (op.seq <= last) {
    // Its first outcome may be among this batch's rows not yet written.
    if (batch) await batch.rows.flush(tx);
    const stored = await tx.query<{
      op_id: string;
      outcome: 'applied' | 'rejected';
      reason: RejectReason | null;
      member_id: string | null;
      member_version: unknown;
      member_points: unknown;
    }>(
      'SELECT op_id, outcome, reason, member_id, member_version, member_points FROM ops WHERE device_id = $1 AND seq = $2',
      [device.deviceId, op.seq],
    );
    const first = stored.rows[0];
    const outcome: PushOpOutcome = { seq: op.seq, opId: op.opId, outcome: 'duplicate' };
    if (first && first.op_id !== opId) {
      if (check && head !== undefined) throw forked(check, head, last);
      outcome.reason = 'op_id_mismatch';
    } else if (first) {
      // What the first response said: the device may never have heard it.
      outcome.firstOutcome = first.outcome;
      if (first.reason !== null) outcome.reason = first.reason;
      if (first.member_id !== null && first.member_version !== null) {
        outcome.member = {
          id: first.member_id,
          version: toInt(first.member_version),
          points: toInt(first.member_points),
        };
      }
    }
    return { kind: 'settled', outcome, lastSeq: last };
  }
  if (op.seq > last + 1) return { kind: 'gap', lastSeq: last };

  let reason = forcedReason ?? (parsed.success ? null : 'invalid_payload');
  if (reason === null && !batch) {
    const taken = await tx.query("SELECT 1 FROM ops WHERE op_id = $1 AND reason IS DISTINCT FROM 'duplicate_op'", [
      opId,
    ]);
    if (taken.rows.length > 0) reason = 'duplicate_op';
  }
  let member: MemberAfterOp | null = null;
  if (reason === null && parsed.success) {
    const ctx: OpContext = {
      deviceId: device.deviceId,
      storeId: device.storeId,
      receivedAt,
      fast: batch !== null,
      reads: batch?.reads,
      keys,
    };
    // A staff proof's failure budget and an erasure read this device's stored ops.
    if (batch && READS_OPS.has(parsed.data.type)) await batch.rows.flush(tx);
    let result;
    try {
      result = await applyOp(tx, ctx, parsed.data);
    } catch (error) {
      if (error instanceof ProofBudgetSpent) return { kind: 'throttled' };
      throw error;
    }
    if ('rejected' in result) reason = result.rejected;
    else member = result.member;
  }
  // An op about a member HQ has erased keeps no personal data here either (DESIGN §6). A staff
  // proof is never kept: HQ holds the key that opens it, so stored it would be PINs at rest.
  let payload = withoutStaffProof(op.payload);
  const memberId = op.payload.memberId;
  if (reason !== null && typeof memberId === 'string') {
    const erased = await tx.query('SELECT 1 FROM members WHERE id = $1 AND erased_at IS NOT NULL', [memberId]);
    if (erased.rows.length > 0) payload = scrubPayload(payload);
  }
  payload = sealOpPayloadContacts(keys, payload, device.deviceId, op.seq) as typeof payload;
  const row: OpRow = {
    deviceId: device.deviceId,
    seq: op.seq,
    opId,
    type: op.type,
    staffId: op.staffId === null ? null : storable(op.staffId),
    deviceTime: storable(op.deviceTime),
    payload: storable(JSON.stringify(payload)),
    outcome: reason === null ? 'applied' : 'rejected',
    reason,
    receivedAt,
    memberId: member?.id ?? null,
    memberVersion: member?.version ?? null,
    memberPoints: member?.points ?? null,
  };
  if (batch) batch.rows.add(row);
  else {
    const single = new PendingOpRows();
    single.add(row);
    await single.flush(tx);
  }
  if (!batch) {
    await tx.query('UPDATE devices SET last_seq = $2, last_seen_at = $3 WHERE id = $1', [
      device.deviceId,
      op.seq,
      receivedAt,
    ]);
  }
  const outcome: PushOpOutcome = { seq: op.seq, opId: op.opId, outcome: reason === null ? 'applied' : 'rejected' };
  if (reason !== null) outcome.reason = reason;
  if (member !== null) outcome.member = member;
  return { kind: 'settled', outcome, lastSeq: op.seq };
}

/**
 * One op, one transaction. An op the database refuses (a constraint or data error) is tried once
 * more — a race with another device on the same op id looks like that and settles as duplicate_op
 * — and then recorded as rejected ('unprocessable'), so a poison op never blocks the queue. Any
 * other error (connection, disk) is thrown: nothing of this op was committed and the device retries.
 */
async function settleOne(
  deps: PushDeps,
  device: AuthenticatedDevice,
  op: WirePushOp,
  head: DeviceHead | undefined,
): Promise<Step> {
  const receivedAt = deps.now();
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      return await deps.db.transaction((tx) => settle(tx, deps.keys, device, op, receivedAt, null, null, head));
    } catch (error) {
      if (!isOpError(error)) throw error;
    }
  }
  return deps.db.transaction((tx) => settle(tx, deps.keys, device, op, receivedAt, 'unprocessable', null, head));
}

/**
 * Locks every existing member the batch's new ops name, in id order, in one statement. Each op
 * would lock its member as it comes; two tills' batches naming the same members in another order
 * would then deadlock (found only after deadlock_timeout, then redone op by op). In one order they
 * queue instead. The per-op lock (lockMember) still runs and finds the lock already held.
 */
async function lockBatchMembers(tx: Queryable, ops: readonly WirePushOp[], last: number): Promise<void> {
  const ids = new Set<string>();
  for (const op of ops) {
    const memberId = op.seq > last ? op.payload.memberId : undefined;
    if (typeof memberId === 'string') ids.add(memberId);
  }
  if (ids.size < 2) return;
  await tx.query('SELECT 1 FROM members WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE', [[...ids].sort()]);
}

/** The whole batch in one transaction: one device lock, one last_seq write, one commit. */
async function pushBatch(
  tx: Queryable,
  keys: DataKeys,
  device: AuthenticatedDevice,
  ops: readonly WirePushOp[],
  receivedAt: Date,
  head: DeviceHead | undefined,
): Promise<PushResponse | 'revoked' | 'throttled'> {
  let last = await lockDevice(tx, device);
  if (last === null) return 'revoked';
  // Behind what HQ holds (restored from an old copy, or a request delivered late): refused here,
  // before lockBatchMembers (a deadlock there sends the batch op by op), unless only late and
  // every op is one HQ holds (settle writes nothing for those).
  const check = await checkDeviceHead(tx, device, head);
  refuseBehind(check, head, ops, last);
  const start = last;
  await lockBatchMembers(tx, ops, last);
  const reads = newStoreReads();
  const rows = new PendingOpRows();
  const outcomes: PushOpOutcome[] = [];
  let gapAt: number | undefined;
  let throttled = false;
  for (const op of ops) {
    const step = await settle(tx, keys, device, op, receivedAt, null, { last, reads, rows });
    if (step.kind === 'revoked') return 'revoked';
    if (step.kind === 'throttled') {
      throttled = true;
      break;
    }
    if (step.kind === 'gap') {
      gapAt = op.seq;
      break;
    }
    // A seq HQ holds under another op id: this till's outbox forked from what it sent before. A
    // till that says what it believes (head) is new enough to be told; an older one hears the
    // duplicate as before. A head already behind names why.
    if (head !== undefined && step.outcome.reason === 'op_id_mismatch') throw forked(check, head, start);
    outcomes.push(step.outcome);
    last = step.lastSeq;
  }
  await rows.flush(tx);
  if (last !== start) {
    await tx.query('UPDATE devices SET last_seq = $2, last_seen_at = $3 WHERE id = $1', [
      device.deviceId,
      last,
      receivedAt,
    ]);
  }
  // The ops before the throttled one are committed; the 429 makes the till resend them later and
  // hear their outcomes as duplicates.
  if (throttled) return 'throttled';
  return gapAt === undefined ? { lastSeq: last, outcomes } : { lastSeq: last, outcomes, gapAt };
}

/**
 * Applies a batch in order (DESIGN §5): seq ≤ last is a duplicate, seq = last + 1 is applied or
 * rejected (both advance last), a gap stops the batch. The batch commits as one transaction; if
 * the database refuses any op in it (a constraint: an op id or a receipt seen before, a poison
 * op), nothing of it is kept and the batch is redone one op per transaction, where each such op is
 * recorded as rejected. Either way a response lost on the way back costs nothing: the resent batch
 * comes back all 'duplicate'.
 */
export async function pushOps(
  deps: PushDeps,
  device: AuthenticatedDevice,
  ops: readonly WirePushOp[],
  head?: DeviceHead,
): Promise<PushResponse> {
  const receivedAt = deps.now();
  try {
    const result = await deps.db.transaction(async (tx) => {
      // Each applied op logs a change: held and written in one statement before commit.
      const changes = deferChangeLog(tx);
      const settled = await pushBatch(tx, deps.keys, device, ops, receivedAt, head);
      await changes.flush();
      return settled;
    });
    if (result === 'revoked') throw new HqHttpError('device_revoked', 'This device has been revoked.');
    if (result === 'throttled') throw proofsThrottled();
    return result;
  } catch (error) {
    // A deadlock with another till's batch (40P01) or a serialization failure: per op, neither can
    // happen (one member row per transaction).
    const state = sqlState(error);
    if (!isOpError(error) && !(state?.startsWith('40') ?? false)) throw error;
  }
  return pushOneByOne(deps, device, ops, head);
}

async function pushOneByOne(
  deps: PushDeps,
  device: AuthenticatedDevice,
  ops: readonly WirePushOp[],
  head: DeviceHead | undefined,
): Promise<PushResponse> {
  const outcomes: PushOpOutcome[] = [];
  let lastSeq: number | undefined;
  for (const op of ops) {
    const step = await settleOne(deps, device, op, head);
    if (step.kind === 'revoked') throw new HqHttpError('device_revoked', 'This device has been revoked.');
    if (step.kind === 'throttled') throw proofsThrottled();
    lastSeq = step.lastSeq;
    if (step.kind === 'gap') return { lastSeq, outcomes, gapAt: op.seq };
    outcomes.push(step.outcome);
  }
  return { lastSeq: lastSeq ?? 0, outcomes };
}
