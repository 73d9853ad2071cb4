import { randomUUID } from 'node:crypto';
import type { PairResponse } from '../../../src/shared/sync/protocol';
import { toInt, type HqDatabase } from './db/database';
import { HqHttpError } from './errors';
import { newDeviceToken, pairingCodeHash, secretHash } from './secrets';
import { pinPepperRingOf, rosterHasChainPepperHashes, tillPinPeppers } from './staff/pin-peppers';
import type { DataKeys } from './keys/data-keys';
import { chainSecret } from './keys/chain-secrets';

/**
 * Exchanges a one-time pairing code for a device id and token. Wrong, expired and used codes get
 * the same answer. The code is spent and the device created in one transaction, so two devices
 * racing with one code cannot both pair. The token is returned here and never again.
 */
export async function pairDevice(
  deps: { db: HqDatabase; now: () => Date; keys?: DataKeys | undefined },
  request: { pairingCode: string; deviceName: string },
): Promise<PairResponse> {
  const now = deps.now();
  const codeHash = pairingCodeHash(request.pairingCode);
  const deviceToken = newDeviceToken();
  const deviceId = randomUUID();
  const paired = await deps.db.transaction(async (tx) => {
    const found = await tx.query<{ store_id: string; expires_at: Date; used_at: Date | null }>(
      'SELECT store_id, expires_at, used_at FROM pairing_codes WHERE code_hash = $1 FOR UPDATE',
      [codeHash],
    );
    const code = found.rows[0];
    if (!code || code.used_at !== null || code.expires_at.getTime() <= now.getTime()) return null;
    await tx.query('INSERT INTO devices (id, store_id, name, token_hash, created_at) VALUES ($1, $2, $3, $4, $5)', [
      deviceId,
      code.store_id,
      request.deviceName,
      secretHash(deviceToken),
      now,
    ]);
    await tx.query('UPDATE pairing_codes SET used_at = $2, device_id = $3 WHERE code_hash = $1', [
      codeHash,
      now,
      deviceId,
    ]);
    // The device's own block of card numbers: two tills never hand out the same card.
    const chain = await tx.query<{
      pin_pepper: string;
      pin_pepper_root: string;
      lookup_key: string;
      card_prefix: string;
      card_width: number;
      staff_proof_public_key: string | null;
      first: unknown;
      last: unknown;
    }>(
      `UPDATE chain SET next_card = next_card + card_block_size WHERE id = 1
       RETURNING pin_pepper, pin_pepper_root, lookup_key, card_prefix, card_width, staff_proof_public_key,
                 next_card - card_block_size AS first, next_card - 1 AS last`,
    );
    const row = chain.rows[0];
    if (!row?.staff_proof_public_key) throw new Error('the chain row is missing (run the migrations)');
    await tx.query(
      'INSERT INTO card_blocks (device_id, prefix, width, first_number, last_number) VALUES ($1, $2, $3, $4, $5)',
      [deviceId, row.card_prefix, row.card_width, row.first, row.last],
    );
    const store = await tx.query<{ name: string }>('SELECT name FROM stores WHERE id = $1', [code.store_id]);
    // The chain pepper only while this till's roster still needs it (staff/pin-peppers.ts).
    const peppers = pinPepperRingOf(row, deps.keys);
    const legacy = await rosterHasChainPepperHashes(tx, code.store_id);
    return {
      storeId: code.store_id,
      storeName: store.rows[0]?.name ?? code.store_id,
      ...(legacy ? { pinPepper: peppers.chainPepper } : {}),
      pinPeppers: tillPinPeppers(peppers, code.store_id),
      lookupKey: chainSecret(deps.keys, 'lookup_key', row.lookup_key),
      staffProofKey: row.staff_proof_public_key,
      cardBlock: { prefix: row.card_prefix, width: row.card_width, next: toInt(row.first), last: toInt(row.last) },
    };
  });
  if (paired === null) throw new HqHttpError('pairing_code_invalid', 'The pairing code is wrong, used or expired.');
  return { deviceId, deviceToken, ...paired };
}
