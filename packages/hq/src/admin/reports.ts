import { toInt, type Queryable } from '../db/database';
import { HqAdminError } from '../errors';
import { FLAG_REASONS } from '../push/op-flags';

/**
 * Review lists for HQ operators (DESIGN §5): ids, codes, figures and times only. Never a name, a
 * contact or an op's payload, so a list can be pasted into a ticket. Read page by page (keyset
 * order), so a long list never sits in memory at once.
 */

export interface OverdraftRow {
  opId: string;
  kind: string;
  memberId: string;
  storeId: string;
  deviceId: string;
  staffId: string | null;
  points: number;
  rewardId: string | null;
  reasonCode: string | null;
  /** The member's balance at HQ now (negative while the overdraft is not made good). */
  memberPoints: number;
  at: string;
  receivedAt: string;
}

export interface RejectedOpRow {
  deviceId: string;
  storeId: string;
  seq: number;
  opId: string;
  type: string;
  reason: string;
  staffId: string | null;
  deviceTime: string;
  receivedAt: string;
}

const PAGE = 500;

async function assertExists(q: Queryable, table: 'stores' | 'devices', id: string | undefined): Promise<void> {
  if (id === undefined) return;
  const found = await q.query(`SELECT 1 FROM ${table} WHERE id = $1`, [id]);
  if (found.rows.length > 0) return;
  if (table === 'stores') throw new HqAdminError('store_not_found', `No store ${id}.`);
  throw new HqAdminError('device_not_found', `No device ${id}.`);
}

/** Redemptions (and negative adjustments) HQ accepted though the balance did not cover them. */
export async function* listOverdrafts(
  q: Queryable,
  filter: { storeId?: string; pageSize?: number } = {},
): AsyncGenerator<OverdraftRow> {
  const pageSize = filter.pageSize ?? PAGE;
  await assertExists(q, 'stores', filter.storeId);
  let after: { receivedAt: Date; opId: string } | null = null;
  for (;;) {
    const params: unknown[] = [filter.storeId ?? null, pageSize];
    let keyset = '';
    if (after) {
      params.push(after.receivedAt, after.opId);
      keyset = 'AND (l.received_at, l.op_id) > ($3, $4::uuid)';
    }
    const page = await q.query<{
      op_id: string;
      kind: string;
      member_id: string;
      store_id: string;
      device_id: string;
      staff_id: string | null;
      points: unknown;
      reward_id: string | null;
      reason_code: string | null;
      member_points: unknown;
      at: Date;
      received_at: Date;
    }>(
      `SELECT l.op_id::text AS op_id, l.kind, l.member_id, l.store_id, l.device_id, l.staff_id, l.points, l.reward_id,
              l.reason_code, m.points AS member_points, l.at, l.received_at
         FROM ledger l JOIN members m ON m.id = l.member_id
        WHERE l.flagged_overdraft AND ($1::text IS NULL OR l.store_id = $1) ${keyset}
        ORDER BY l.received_at, l.op_id LIMIT $2`,
      params,
    );
    for (const row of page.rows) {
      yield {
        opId: row.op_id,
        kind: row.kind,
        memberId: row.member_id,
        storeId: row.store_id,
        deviceId: row.device_id,
        staffId: row.staff_id,
        points: toInt(row.points),
        rewardId: row.reward_id,
        reasonCode: row.reason_code,
        memberPoints: toInt(row.member_points),
        at: row.at.toISOString(),
        receivedAt: row.received_at.toISOString(),
      };
    }
    const last = page.rows.at(-1);
    if (!last || page.rows.length < pageSize) return;
    after = { receivedAt: last.received_at, opId: last.op_id };
  }
}

/** Ops HQ recorded as rejected, with their reason codes; optionally one store's or one device's. */
export async function* listRejectedOps(
  q: Queryable,
  filter: { storeId?: string; deviceId?: string; pageSize?: number } = {},
): AsyncGenerator<RejectedOpRow> {
  const pageSize = filter.pageSize ?? PAGE;
  await assertExists(q, 'stores', filter.storeId);
  await assertExists(q, 'devices', filter.deviceId);
  let after: { receivedAt: Date; deviceId: string; seq: unknown } | null = null;
  for (;;) {
    const params: unknown[] = [filter.storeId ?? null, filter.deviceId ?? null, pageSize];
    let keyset = '';
    if (after) {
      params.push(after.receivedAt, after.deviceId, after.seq);
      keyset = 'AND (o.received_at, o.device_id, o.seq) > ($4, $5, $6::bigint)';
    }
    const page = await q.query<{
      device_id: string;
      store_id: string;
      seq: unknown;
      op_id: string;
      type: string;
      reason: string;
      staff_id: string | null;
      device_time: string;
      received_at: Date;
    }>(
      `SELECT o.device_id, d.store_id, o.seq, o.op_id::text AS op_id, o.type, o.reason, o.staff_id, o.device_time,
              o.received_at
         FROM ops o JOIN devices d ON d.id = o.device_id
        WHERE o.outcome = 'rejected' AND ($1::text IS NULL OR d.store_id = $1) AND ($2::text IS NULL OR o.device_id = $2)
              ${keyset}
        ORDER BY o.received_at, o.device_id, o.seq LIMIT $3`,
      params,
    );
    for (const row of page.rows) {
      yield {
        deviceId: row.device_id,
        storeId: row.store_id,
        seq: toInt(row.seq),
        opId: row.op_id,
        type: row.type,
        reason: row.reason,
        staffId: row.staff_id,
        deviceTime: row.device_time,
        receivedAt: row.received_at.toISOString(),
      };
    }
    const last = page.rows.at(-1);
    if (!last || page.rows.length < pageSize) return;
    after = { receivedAt: last.received_at, deviceId: last.device_id, seq: last.seq };
  }
}

export interface FlaggedOpRow {
  opId: string;
  /** push/op-flags.ts FLAG_REASONS: what HQ corrected. */
  reason: string;
  storeId: string;
  deviceId: string;
  seq: number;
  type: string;
  staffId: string | null;
  memberId: string | null;
  /** What the till claimed, and what HQ applied instead. */
  claimedPoints: number | null;
  appliedPoints: number | null;
  claimedRulesVersion: number | null;
  appliedRulesVersion: number | null;
  receivedAt: string;
}

const intOrNull = (value: unknown): number | null => (value === null || value === undefined ? null : toInt(value));

/**
 * Ops HQ applied with its own figure instead of the till's (DESIGN §4 "HQ trusts no till"): each
 * flag with both figures, so an operator can tell a till on stale rules from one that lies.
 */
export async function* listFlaggedOps(
  q: Queryable,
  filter: { storeId?: string; reason?: string; pageSize?: number } = {},
): AsyncGenerator<FlaggedOpRow> {
  const pageSize = filter.pageSize ?? PAGE;
  if (filter.reason !== undefined && !(FLAG_REASONS as readonly string[]).includes(filter.reason)) {
    throw new HqAdminError('invalid_argument', `A flag reason is one of ${FLAG_REASONS.join(', ')}.`);
  }
  await assertExists(q, 'stores', filter.storeId);
  let after: { flaggedAt: Date; opId: string; reason: string } | null = null;
  for (;;) {
    const params: unknown[] = [filter.storeId ?? null, filter.reason ?? null, pageSize];
    let keyset = '';
    if (after) {
      params.push(after.flaggedAt, after.opId, after.reason);
      keyset = 'AND (f.flagged_at, f.op_id, f.reason) > ($4, $5::uuid, $6)';
    }
    const page = await q.query<{
      op_id: string;
      reason: string;
      store_id: string;
      device_id: string;
      seq: unknown;
      type: string;
      staff_id: string | null;
      member_id: string | null;
      claimed_points: unknown;
      applied_points: unknown;
      claimed_rules_version: unknown;
      applied_rules_version: unknown;
      flagged_at: Date;
    }>(
      `SELECT f.op_id::text AS op_id, f.reason, f.store_id, f.device_id, o.seq, o.type, o.staff_id, f.member_id,
              f.claimed_points, f.applied_points, f.claimed_rules_version, f.applied_rules_version, f.flagged_at
         FROM op_flags f JOIN ops o ON o.op_id = f.op_id AND o.outcome = 'applied'
        WHERE ($1::text IS NULL OR f.store_id = $1) AND ($2::text IS NULL OR f.reason = $2) ${keyset}
        ORDER BY f.flagged_at, f.op_id, f.reason LIMIT $3`,
      params,
    );
    for (const row of page.rows) {
      yield {
        opId: row.op_id,
        reason: row.reason,
        storeId: row.store_id,
        deviceId: row.device_id,
        seq: toInt(row.seq),
        type: row.type,
        staffId: row.staff_id,
        memberId: row.member_id,
        claimedPoints: intOrNull(row.claimed_points),
        appliedPoints: intOrNull(row.applied_points),
        claimedRulesVersion: intOrNull(row.claimed_rules_version),
        appliedRulesVersion: intOrNull(row.applied_rules_version),
        receivedAt: row.flagged_at.toISOString(),
      };
    }
    const last = page.rows.at(-1);
    if (!last || page.rows.length < pageSize) return;
    after = { flaggedAt: last.flagged_at, opId: last.op_id, reason: last.reason };
  }
}
