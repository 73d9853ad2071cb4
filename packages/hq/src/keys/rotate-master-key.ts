import type { HqDatabase } from '../db/database';
import { DATA_KEY_PURPOSES, openDataKeys, openDerivationRoot, rewrapDataKeys, rotateDataKey } from './data-keys';
import { resealColumns } from './sealed-columns';
import { masterKeyWrapper } from './key-wrapper';
import { MASTER_KEY_ENV, loadMasterKey, type MasterKeySource } from './master-key';

/** Where `hq rotate-master-key` reads the new key: the same forms as LOYALTY_HQ_MASTER_KEY. */
export const NEW_MASTER_KEY_ENV = 'LOYALTY_HQ_NEW_MASTER_KEY';

/**
 * Master key rotation (issue 15): HQ's data keys are unwrapped with the current master key and
 * wrapped with the new one in one transaction (keys/data-keys.ts rewrapDataKeys); no column value
 * changes. The new key is parsed like LOYALTY_HQ_MASTER_KEY (a malformed one is MasterKeyError
 * master_key_env_invalid); one not given is a TypeError. Returns what an operator needs to see:
 * how many keys were rewrapped and the new wrapper's id (a fingerprint, never the key).
 */
export async function rotateMasterKey(
  db: HqDatabase,
  current: MasterKeySource,
  env: Readonly<Record<string, string | undefined>>,
  dataDir: string,
): Promise<{ rewrapped: number; wrappedBy: string }> {
  const value = env[NEW_MASTER_KEY_ENV];
  if (value === undefined) throw new TypeError(`set ${NEW_MASTER_KEY_ENV} to the new master key`);
  const next = loadMasterKey({ dataDir, env: { [MASTER_KEY_ENV]: value } });
  const to = masterKeyWrapper(next);
  // The key root is made from the current master key if this HQ never started on this version:
  // made from the new one at the next start, it would change every key derived so far.
  await openDerivationRoot(db, masterKeyWrapper(current), current.key(), new Date());
  const rewrapped = await rewrapDataKeys(db, masterKeyWrapper(current), to);
  return { rewrapped, wrappedBy: to.id };
}

/**
 * Data key rotation with HQ stopped (`npm run hq -- rotate-data-keys`): each purpose's current key is
 * retired and a new one made (rotateDataKey), then every sealed column is re-encrypted under the new
 * keys in batches (resealColumns). Safe to run again after a kill: a second run rotates once more and
 * reseals whatever still names an older key. Retired keys stay in data_keys (a value they sealed
 * elsewhere, an op payload or an export document, still opens).
 */
export async function rotateDataKeysOffline(
  db: HqDatabase,
  current: MasterKeySource,
  now: Date,
): Promise<{ rotated: string[]; resealed: Record<string, number> }> {
  const wrapper = masterKeyWrapper(current);
  const rotated: string[] = [];
  for (const purpose of DATA_KEY_PURPOSES) {
    await rotateDataKey(db, wrapper, purpose, now);
    rotated.push(purpose);
  }
  const keys = await openDataKeys(db, wrapper, { now: () => now });
  return { rotated, resealed: await resealColumns(db, keys) };
}
