import { randomUUID } from 'node:crypto';
import { RekeyRequest, type HqRekeyReason } from '../../../../src/shared/sync/protocol';
import type { Queryable } from '../db/database';
import { CodedError } from '../errors';

/**
 * Rekey on request (issue 15: a till's database is rekeyed on events, not on a timer). An operator
 * who suspects a till's database key was read asks for a rekey; every pull answer carries the open
 * request until the till says, in a later pull, that it re-encrypted its database under a new key
 * (src/main/sync/sync-service.ts). HQ never sees either key: the request and its completion are
 * all it holds. A rekey does not make copies taken before it unreadable to whoever holds the old
 * key; a lost or stolen till is revoked instead (docs/SECURITY.md).
 */

export type RekeyRequestError = 'device_not_found' | 'device_revoked' | 'device_rolled_back';

export interface DeviceRekey {
  rekeyId: string;
  reason: HqRekeyReason;
  requestedAt: Date;
  doneAt: Date | null;
}

/**
 * Opens a request for the device, or returns the one already open (asking twice asks once).
 * `created` says which. A revoked device is refused (it will not contact HQ again), and so is one
 * refused as rolled back (its pulls are refused).
 */
export async function requestRekey(
  tx: Queryable,
  input: { deviceId: string; operatorId: string; reason: HqRekeyReason; now: Date },
): Promise<DeviceRekey & { created: boolean }> {
  const device = await tx.query<{ revoked_at: Date | null; rolled_back_at: Date | null }>(
    'SELECT revoked_at, rolled_back_at FROM devices WHERE id = $1 FOR UPDATE',
    [input.deviceId],
  );
  const row = device.rows[0];
  if (!row) throw new CodedError<RekeyRequestError>('device_not_found', `No device ${input.deviceId}.`);
  if (row.revoked_at !== null)
    throw new CodedError<RekeyRequestError>('device_revoked', `Device ${input.deviceId} is revoked.`);
  // Its pulls are refused, so it would never hear the request (devices/rollback.ts comes first).
  if (row.rolled_back_at !== null)
    throw new CodedError<RekeyRequestError>(
      'device_rolled_back',
      `Device ${input.deviceId} is refused as rolled back.`,
    );
  const open = await tx.query<{ id: string; reason: HqRekeyReason; requested_at: Date }>(
    'SELECT id, reason, requested_at FROM device_rekeys WHERE device_id = $1 AND done_at IS NULL',
    [input.deviceId],
  );
  const existing = open.rows[0];
  if (existing) {
    return {
      rekeyId: existing.id,
      reason: existing.reason,
      requestedAt: new Date(existing.requested_at),
      doneAt: null,
      created: false,
    };
  }
  const rekeyId = randomUUID();
  await tx.query(
    `INSERT INTO device_rekeys (id, device_id, reason, requested_by, requested_at) VALUES ($1, $2, $3, $4, $5)`,
    [rekeyId, input.deviceId, input.reason, input.operatorId, input.now],
  );
  return { rekeyId, reason: input.reason, requestedAt: input.now, doneAt: null, created: true };
}

/**
 * The till says it carried out `rekeyId`: recorded once (a repeat, or another device's id, changes
 * nothing). Returns whether this call recorded it.
 */
export async function recordRekeyDone(
  q: Queryable,
  input: { deviceId: string; rekeyId: string; now: Date },
): Promise<boolean> {
  const done = await q.query(
    'UPDATE device_rekeys SET done_at = $3 WHERE id = $1 AND device_id = $2 AND done_at IS NULL RETURNING id',
    [input.rekeyId, input.deviceId, input.now],
  );
  return done.rows.length > 0;
}

/** The device's open request, as a pull answer carries it. */
export async function openRekeyRequest(q: Queryable, deviceId: string): Promise<RekeyRequest | null> {
  const open = await q.query<{ id: string; reason: string }>(
    'SELECT id, reason FROM device_rekeys WHERE device_id = $1 AND done_at IS NULL',
    [deviceId],
  );
  const row = open.rows[0];
  return row ? RekeyRequest.parse({ rekeyId: row.id, reason: row.reason }) : null;
}

/** Each listed device's latest request (open or done), for the console's devices page. */
export async function latestRekeys(q: Queryable, deviceIds: readonly string[]): Promise<Map<string, DeviceRekey>> {
  const found = await q.query<{
    id: string;
    device_id: string;
    reason: HqRekeyReason;
    requested_at: Date;
    done_at: Date | null;
  }>(
    `SELECT DISTINCT ON (device_id) id, device_id, reason, requested_at, done_at FROM device_rekeys
      WHERE device_id = ANY($1::text[]) ORDER BY device_id, requested_at DESC, id`,
    [deviceIds],
  );
  return new Map(
    found.rows.map((row) => [
      row.device_id,
      {
        rekeyId: row.id,
        reason: row.reason,
        requestedAt: new Date(row.requested_at),
        doneAt: row.done_at === null ? null : new Date(row.done_at),
      },
    ]),
  );
}
