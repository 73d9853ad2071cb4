import { randomUUID } from 'node:crypto';
import { RollbackInfo, type DeviceHead, type RollbackReason } from '../../../../src/shared/sync/protocol';
import { toInt, type HqDatabase, type Queryable } from '../db/database';
import { CodedError, HqHttpError } from '../errors';
import type { AuthenticatedDevice } from '../push/push';
import type { RollbackClearReason } from './rollback-codes';

/**
 * Rollback caught at HQ (issue 15; the rule is written out in docs/SECURITY.md). A till restored
 * from an old copy of its own files comes back believing less than HQ knows it did: its outbox ends
 * before the last seq HQ settled from it, it sends a seq HQ holds under another op id, or its audit
 * chain ends before (or forks from) the head HQ holds. Such a till's new
 * ops would reuse seqs HQ already applied under other op ids, and its balances are hours old, so HQ
 * refuses it (409 device_rolled_back) and keeps it refused until an operator clears the flag; the
 * usual fix is a new pairing.
 *
 * The honest cases are not rollbacks: a lost push answer leaves the till's acked seq behind HQ's
 * last seq but its outbox still holds the op it sent (so the acked seq alone decides nothing: the
 * sync worker commits it with synchronous=NORMAL, and a power cut may take the last one back; the
 * outbox seq and the audit chain are the counter connection's, fully synced); a till that never uploaded audit entries
 * leaves HQ's head at 0; a till paired anew is a new device. A till older than this HQ sends no
 * head and is not checked.
 */

export const ROLLBACK_ROUTES = ['push', 'pull', 'audit', 'day_end', 'member_data'] as const;
export type RollbackRoute = (typeof ROLLBACK_ROUTES)[number];

/** What HQ holds of a device, compared with its claim. Seqs and a hash only. */
export interface HeldHead {
  lastSeq: number;
  auditSeq: number;
  auditHash: string | null;
}

/** A rollback found in a route's transaction; the route's work is undone and the flag recorded after. */
export class RollbackDetected extends Error {
  constructor(
    readonly reason: RollbackReason,
    readonly held: HeldHead,
    readonly claimed: DeviceHead | null,
  ) {
    super(`Device rolled back (${reason}).`);
    this.name = 'RollbackDetected';
  }
}

/** The pure rule: why `claimed` is behind `held`, or null when it is not. */
export function rollbackReason(held: HeldHead, claimed: DeviceHead): RollbackReason | null {
  if (claimed.lastSeq < held.lastSeq) return 'seq_behind';
  if (claimed.audit.seq < held.auditSeq) return 'audit_behind';
  if (held.auditSeq > 0 && claimed.audit.seq === held.auditSeq && claimed.audit.hash !== held.auditHash)
    return 'audit_forked';
  return null;
}

/**
 * Reasons a request from the live till can give too, when it is delivered late (or twice) after a
 * newer one: its head was true when it was sent. A push of nothing but ops HQ already holds under
 * the same ids changes nothing and is answered as before (push.ts); anything else is refused.
 */
export const STALE_REASONS: ReadonlySet<RollbackReason> = new Set(['seq_behind', 'audit_behind']);

/**
 * Compares a device's claim with what HQ holds, in the caller's transaction, before the route does
 * anything. Throws RollbackDetected for a device already flagged (claim or not); returns what HQ
 * held and why the claim is behind (null when it is not). Reads only: the route's own lock orders it
 * with the device's other requests. A revoked or unknown device passes (held null): the route's own
 * check refuses it.
 */
export async function checkDeviceHead(
  tx: Queryable,
  device: AuthenticatedDevice,
  claimed: DeviceHead | undefined,
): Promise<{ held: HeldHead | null; behind: RollbackReason | null }> {
  const found = await tx.query<{
    last_seq: unknown;
    audit_seq: unknown;
    audit_hash: string | null;
    rolled_back_at: Date | null;
    revoked_at: Date | null;
  }>('SELECT last_seq, audit_seq, audit_hash, rolled_back_at, revoked_at FROM devices WHERE id = $1', [
    device.deviceId,
  ]);
  const row = found.rows[0];
  if (!row || row.revoked_at !== null) return { held: null, behind: null };
  const held: HeldHead = {
    lastSeq: toInt(row.last_seq),
    auditSeq: toInt(row.audit_seq),
    auditHash: row.audit_hash,
  };
  // Flagged: refused whatever it says now, until an operator has looked (clearRollback).
  if (row.rolled_back_at !== null) throw new RollbackDetected('seq_behind', held, claimed ?? null);
  if (claimed === undefined) return { held, behind: null };
  return { held, behind: rollbackReason(held, claimed) };
}

/** checkDeviceHead, and a claim behind HQ refused (pull, audit upload, day end). */
export async function assertDeviceHead(
  tx: Queryable,
  device: AuthenticatedDevice,
  claimed: DeviceHead | undefined,
): Promise<HeldHead | null> {
  const { held, behind } = await checkDeviceHead(tx, device, claimed);
  if (held !== null && behind !== null) throw new RollbackDetected(behind, held, claimed ?? null);
  return held;
}

function infoOf(row: { reason: string; detected_at: Date | string; held: unknown }): RollbackInfo {
  const held = row.held as HeldHead;
  return RollbackInfo.parse({
    reason: row.reason,
    detectedAt: new Date(row.detected_at).toISOString(),
    hqLastSeq: held.lastSeq,
    hqAuditSeq: held.auditSeq,
  });
}

/**
 * Flags the device (devices.rolled_back_at) and records what HQ held against what the till claimed,
 * in its own transaction: the route's was undone. A device already flagged keeps its first record.
 */
export async function recordRollback(
  deps: { db: HqDatabase; now: () => Date },
  device: AuthenticatedDevice,
  route: RollbackRoute,
  detected: RollbackDetected,
): Promise<RollbackInfo> {
  return deps.db.transaction(async (tx) => {
    const at = deps.now();
    await tx.query('SELECT 1 FROM devices WHERE id = $1 FOR UPDATE', [device.deviceId]);
    const open = await tx.query<{ reason: string; detected_at: Date; held: unknown }>(
      'SELECT reason, detected_at, held FROM device_rollbacks WHERE device_id = $1 AND cleared_at IS NULL',
      [device.deviceId],
    );
    const existing = open.rows[0];
    if (existing) return infoOf(existing);
    await tx.query(
      `INSERT INTO device_rollbacks (id, device_id, store_id, detected_at, route, reason, held, claimed)
       VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8::jsonb)`,
      [
        randomUUID(),
        device.deviceId,
        device.storeId,
        at,
        route,
        detected.reason,
        JSON.stringify(detected.held),
        JSON.stringify(detected.claimed),
      ],
    );
    await tx.query('UPDATE devices SET rolled_back_at = $2 WHERE id = $1 AND rolled_back_at IS NULL', [
      device.deviceId,
      at,
    ]);
    return infoOf({ reason: detected.reason, detected_at: at, held: detected.held });
  });
}

export function rolledBackError(info: RollbackInfo): HqHttpError {
  return new HqHttpError(
    'device_rolled_back',
    'This till is behind what HQ holds of it (restored from an old copy?): refused until HQ clears it.',
    [],
    { rollback: info },
  );
}

/**
 * Runs a till route's work; a rollback it detected is recorded and answered as 409
 * device_rolled_back with HQ's figures.
 */
export async function refusingRolledBack<T>(
  deps: { db: HqDatabase; now: () => Date },
  device: AuthenticatedDevice,
  route: RollbackRoute,
  work: () => Promise<T>,
): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (!(error instanceof RollbackDetected)) throw error;
    throw rolledBackError(await recordRollback(deps, device, route, error));
  }
}

export class RollbackClearError extends CodedError<'device_not_found' | 'not_rolled_back'> {}

/**
 * Lifts the refusal, in the caller's transaction (the console audits it in the same one). HQ's
 * figures stay: a till still behind them is flagged again at its next contact, so clearing cannot
 * wave a restored till through; that one is revoked and paired anew.
 */
export async function clearRollback(
  tx: Queryable,
  input: { deviceId: string; operatorId: string; reason: RollbackClearReason; now: Date },
): Promise<{ clearedAt: Date; rollbackId: string }> {
  const device = await tx.query<{ rolled_back_at: Date | null }>(
    'SELECT rolled_back_at FROM devices WHERE id = $1 FOR UPDATE',
    [input.deviceId],
  );
  if (!device.rows[0]) throw new RollbackClearError('device_not_found', `No device ${input.deviceId}.`);
  const cleared = await tx.query<{ id: string }>(
    `UPDATE device_rollbacks SET cleared_at = $2, cleared_by = $3, clear_reason = $4
      WHERE device_id = $1 AND cleared_at IS NULL RETURNING id`,
    [input.deviceId, input.now, input.operatorId, input.reason],
  );
  const rollbackId = cleared.rows[0]?.id;
  if (device.rows[0].rolled_back_at === null || rollbackId === undefined)
    throw new RollbackClearError('not_rolled_back', `Device ${input.deviceId} is not flagged as rolled back.`);
  await tx.query('UPDATE devices SET rolled_back_at = NULL WHERE id = $1', [input.deviceId]);
  return { clearedAt: input.now, rollbackId };
}

/** The open flag of each listed device, for the console's devices page. */
export async function openRollbacks(q: Queryable, deviceIds: readonly string[]): Promise<Map<string, RollbackInfo>> {
  const found = await q.query<{ device_id: string; reason: string; detected_at: Date; held: unknown }>(
    `SELECT device_id, reason, detected_at, held FROM device_rollbacks
      WHERE cleared_at IS NULL AND device_id = ANY($1::text[])`,
    [deviceIds],
  );
  return new Map(found.rows.map((row) => [row.device_id, infoOf(row)]));
}
