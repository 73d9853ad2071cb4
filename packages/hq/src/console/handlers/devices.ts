import { issuePairingCode, revokeDevice } from '../../admin/devices';
import { toInt } from '../../db/database';
import { latestRekeys, requestRekey, type DeviceRekey } from '../../devices/rekey';
import { clearRollback, openRollbacks, RollbackClearError } from '../../devices/rollback';
import { CodedError } from '../../errors';
import { ConsoleHttpError } from '../console-error';
import type { ConsoleHandler } from '../console-context';

const iso = (value: unknown): string | null =>
  value === null || value === undefined ? null : new Date(value as string).toISOString();

async function assertStore(ctx: Parameters<ConsoleHandler<'listDevices'>>[0], storeId: string | undefined) {
  if (storeId === undefined) return;
  const found = await ctx.tx.query('SELECT 1 FROM stores WHERE id = $1', [storeId]);
  if (found.rows.length === 0) throw new ConsoleHttpError('store_not_found', `No store ${storeId}.`);
}

export const listDevices: ConsoleHandler<'listDevices'> = async (ctx, input) => {
  await assertStore(ctx, input.storeId);
  const found = await ctx.tx.query<{
    id: string;
    store_id: string;
    store_name: string;
    name: string;
    created_at: Date;
    last_seen_at: Date | null;
    last_seq: unknown;
    app_version: string | null;
    revoked_at: Date | null;
  }>(
    `SELECT d.id, d.store_id, s.name AS store_name, d.name, d.created_at, d.last_seen_at, d.last_seq, d.app_version,
            d.revoked_at
       FROM devices d JOIN stores s ON s.id = d.store_id
      WHERE ($1::text IS NULL OR d.store_id = $1)
      ORDER BY s.name, d.created_at, d.id`,
    [input.storeId ?? null],
  );
  const ids = found.rows.map((row) => row.id);
  const rolledBack = await openRollbacks(ctx.tx, ids);
  const rekeys = await latestRekeys(ctx.tx, ids);
  return {
    devices: found.rows.map((row) => ({
      deviceId: row.id,
      storeId: row.store_id,
      storeName: row.store_name,
      name: row.name,
      pairedAt: new Date(row.created_at).toISOString(),
      lastContactAt: iso(row.last_seen_at),
      lastSeq: toInt(row.last_seq),
      appVersion: row.app_version,
      revokedAt: iso(row.revoked_at),
      rolledBack: rolledBack.get(row.id) ?? null,
      rekey: rekeyRow(rekeys.get(row.id)),
    })),
  };
};

function rekeyRow(rekey: DeviceRekey | undefined) {
  if (rekey === undefined) return null;
  return {
    reason: rekey.reason,
    requestedAt: rekey.requestedAt.toISOString(),
    doneAt: rekey.doneAt === null ? null : rekey.doneAt.toISOString(),
  };
}

export const issuePairingCodeHandler: ConsoleHandler<'issuePairingCode'> = async (ctx, input) => {
  const issued = await issuePairingCode({ db: ctx.db, now: () => ctx.now }, input.storeId);
  await ctx.audit({
    action: 'devices.issue_pairing_code',
    subjectType: 'store',
    subjectId: input.storeId,
    details: { expiresAt: issued.expiresAt.toISOString() },
  });
  return {
    pairingCode: issued.pairingCode,
    expiresAt: issued.expiresAt.toISOString(),
    hqCertSha256: ctx.deps.hqCertSha256,
  };
};

export const revokeDeviceHandler: ConsoleHandler<'revokeDevice'> = async (ctx, input) => {
  const { revokedAt } = await revokeDevice({ db: ctx.db, now: () => ctx.now }, input.deviceId);
  await ctx.audit({ action: 'devices.revoke', subjectType: 'device', subjectId: input.deviceId });
  return { revokedAt: revokedAt instanceof Date ? revokedAt.toISOString() : new Date(revokedAt).toISOString() };
};

/** Lifts a rolled-back till's refusal (devices/rollback.ts), audited with the reason code. */
export const clearDeviceRollbackHandler: ConsoleHandler<'clearDeviceRollback'> = async (ctx, input) => {
  let cleared;
  try {
    cleared = await clearRollback(ctx.tx, {
      deviceId: input.deviceId,
      operatorId: ctx.actor.operatorId,
      reason: input.reasonCode,
      now: ctx.now,
    });
  } catch (error) {
    if (!(error instanceof RollbackClearError)) throw error;
    throw new ConsoleHttpError(error.code === 'device_not_found' ? 'device_not_found' : 'conflict', error.message);
  }
  await ctx.audit({
    action: 'devices.clear_rollback',
    subjectType: 'device',
    subjectId: input.deviceId,
    details: { reasonCode: input.reasonCode, rollbackId: cleared.rollbackId },
  });
  return { clearedAt: cleared.clearedAt.toISOString() };
};

/** Asks a till to rekey its database at its next contact (devices/rekey.ts), audited with the reason code. */
export const requestDeviceRekeyHandler: ConsoleHandler<'requestDeviceRekey'> = async (ctx, input) => {
  let requested;
  try {
    requested = await requestRekey(ctx.tx, {
      deviceId: input.deviceId,
      operatorId: ctx.actor.operatorId,
      reason: input.reasonCode,
      now: ctx.now,
    });
  } catch (error) {
    if (!(error instanceof CodedError)) throw error;
    throw new ConsoleHttpError(error.code === 'device_not_found' ? 'device_not_found' : 'conflict', error.message);
  }
  // Asking again while a request is open changes nothing, and is not audited as a new request.
  if (requested.created) {
    await ctx.audit({
      action: 'devices.request_rekey',
      subjectType: 'device',
      subjectId: input.deviceId,
      details: { reasonCode: input.reasonCode, rekeyId: requested.rekeyId },
    });
  }
  return { rekeyId: requested.rekeyId, requestedAt: requested.requestedAt.toISOString() };
};
