import type { Database } from 'better-sqlite3-multiple-ciphers';

export interface DeviceIdentity {
  deviceId: string;
  /** `unpaired` until pairing with HQ assigns the store. */
  storeId: string;
}

/** Who this till is, as recorded in sync_state (set by migration 3, replaced at pairing). */
export function readDeviceIdentity(db: Database): DeviceIdentity {
  const read = db.prepare<[string], { value: string }>('SELECT value FROM sync_state WHERE key = ?');
  const deviceId = read.get('device_id')?.value;
  const storeId = read.get('store_id')?.value;
  if (!deviceId || !storeId) throw new Error('sync_state has no device identity');
  return { deviceId, storeId };
}
