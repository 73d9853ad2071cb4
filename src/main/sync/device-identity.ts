import type { Database } from 'better-sqlite3-multiple-ciphers';

export interface DeviceIdentity {
  deviceId: string;
  /** `unpaired` until pairing with HQ assigns the store. */
  storeId: string;
}

/**
 * Who this till is, as recorded in sync_state (set by migration 3, replaced at pairing). Read on
 * every write, not cached, so pairing takes effect at once; the statement is prepared once.
 */
export function createDeviceIdentity(db: Database): () => DeviceIdentity {
  const read = db.prepare<[], { device_id: string | null; store_id: string | null }>(
    `SELECT (SELECT value FROM sync_state WHERE key = 'device_id') AS device_id,
            (SELECT value FROM sync_state WHERE key = 'store_id') AS store_id`,
  );
  return () => {
    const row = read.get();
    if (!row?.device_id || !row.store_id) throw new Error('sync_state has no device identity');
    return { deviceId: row.device_id, storeId: row.store_id };
  };
}
