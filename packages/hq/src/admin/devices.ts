import { formatPairingCode } from '../../../../src/shared/sync/protocol';
import { HqAdminError } from '../errors';
import { newPairingCode, pairingCodeHash } from '../secrets';
import { clock, type AdminDeps } from './deps';

export const PAIRING_CODE_TTL_MS = 10 * 60 * 1000;

/**
 * A one-time pairing code for a new device of `storeId`, valid for 10 minutes. The code is
 * returned here once (formatted XXXX-XXXX-XXXX); HQ keeps only its hash.
 */
export async function issuePairingCode(
  deps: AdminDeps,
  storeId: string,
): Promise<{ pairingCode: string; expiresAt: Date }> {
  const now = clock(deps);
  const store = await deps.db.query('SELECT 1 FROM stores WHERE id = $1', [storeId]);
  if (store.rows.length === 0) throw new HqAdminError('store_not_found', `No store ${storeId}.`);
  const code = newPairingCode();
  const expiresAt = new Date(now.getTime() + PAIRING_CODE_TTL_MS);
  await deps.db.query(
    'INSERT INTO pairing_codes (code_hash, store_id, created_at, expires_at) VALUES ($1, $2, $3, $4)',
    [pairingCodeHash(code), storeId, now, expiresAt],
  );
  return { pairingCode: formatPairingCode(code), expiresAt };
}

/** Revokes a device: its token stops working at once (403 device_revoked). Idempotent. */
export async function revokeDevice(deps: AdminDeps, deviceId: string): Promise<{ revokedAt: Date }> {
  const now = clock(deps);
  const result = await deps.db.query<{ revoked_at: Date }>(
    'UPDATE devices SET revoked_at = COALESCE(revoked_at, $2) WHERE id = $1 RETURNING revoked_at',
    [deviceId, now],
  );
  const row = result.rows[0];
  if (!row) throw new HqAdminError('device_not_found', `No device ${deviceId}.`);
  return { revokedAt: row.revoked_at };
}
