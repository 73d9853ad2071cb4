import type { Database } from 'better-sqlite3-multiple-ciphers';

export interface DeviceIdentity {
  deviceId: string;
  /** `unpaired` until pairing with HQ assigns the store. */
  storeId: string;
  /**
   * HQ's X25519 staff-proof key (shared/sync/staff-proof.ts), from pairing or, for a till paired
   * before HQ handed it out, from its next pull. Public, so the encrypted database is enough.
   */
  staffProofKey: string | null;
}

const STAFF_PROOF_KEY = 'hq_staff_proof_key';

/** The store id of a till never paired with HQ (migration 3 writes it; pairing replaces it). */
export const UNPAIRED_STORE_ID = 'unpaired';

/** Never paired: no HQ hears of this till's writes, so it is its own authority (and seals no proofs). */
export const isStandalone = (identity: DeviceIdentity): boolean => identity.storeId === UNPAIRED_STORE_ID;

/**
 * Who this till is, as recorded in sync_state (set by migration 3, replaced at pairing). Read on
 * every write, not cached, so pairing takes effect at once; the statement is prepared once.
 */
export function createDeviceIdentity(db: Database): () => DeviceIdentity {
  const read = db.prepare<
    [string],
    { device_id: string | null; store_id: string | null; staff_proof_key: string | null }
  >(
    `SELECT (SELECT value FROM sync_state WHERE key = 'device_id') AS device_id,
            (SELECT value FROM sync_state WHERE key = 'store_id') AS store_id,
            (SELECT value FROM sync_state WHERE key = ?) AS staff_proof_key`,
  );
  return () => {
    const row = read.get(STAFF_PROOF_KEY);
    if (!row?.device_id || !row.store_id) throw new Error('sync_state has no device identity');
    return { deviceId: row.device_id, storeId: row.store_id, staffProofKey: row.staff_proof_key };
  };
}

/** Records HQ's staff-proof key; call inside the pairing or pull-page transaction that brought it. */
export function storeStaffProofKey(db: Database, key: string): void {
  db.prepare(
    'INSERT INTO sync_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
  ).run(STAFF_PROOF_KEY, key);
}
