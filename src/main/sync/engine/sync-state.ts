import type { Database } from 'better-sqlite3-multiple-ciphers';

/** What sync keeps in sync_state, besides the device identity and outbox_last_seq. */
export const SYNC_KEYS = [
  'hq_url',
  'hq_cert_sha256',
  'store_name',
  /** The cursor of the last pull page applied (written with the page). */
  'pull_cursor',
  /** The last seq whose push outcome is recorded here. */
  'acked_seq',
  /** The last audit entry HQ said it holds (POST /v1/audit): the next upload starts after it. */
  'audit_acked_seq',
  /** Why HQ last refused this till's audit upload (fork, rewritten, bad_request); cleared when one is taken. */
  'audit_refused',
  /** HQ refused this till as restored from an old copy (rollback-state.ts): HQ's figures as JSON. */
  'rolled_back',
  /** The detection the main process last wrote an audit entry for (sync.rolled_back), once each. */
  'rolled_back_audited',
  /** The mark of the snapshot in progress, if one is. */
  'snapshot_mark',
  /** A first snapshot is loading into an empty cache: no old name tokens to clear. */
  'snapshot_bulk',
  /** A finished snapshot's mark while its sweep of members HQ no longer sends is owed (apply-pull.ts). */
  'snapshot_sweep',
  /** How far that sweep got (a member id): it goes on from there after a crash. */
  'snapshot_sweep_after',
  'last_push_at',
  'last_pull_at',
  'last_success_at',
  'last_attempt_at',
  /** A code, never a message: why the last attempt failed. */
  'last_error',
  'revoked_at',
  /** An operator's rekey request a pull answer carried, as JSON, until the main process carried it out (rekey-request.ts). */
  'rekey_request',
  /** The request carried out, reported in pulls until an answer shows HQ recorded it. */
  'rekey_done',
  /** The last request carried out: an answer still carrying it is not carried out again. */
  'rekey_last_done',
  /** 'reprovisioned' from the pairing's transaction until the rekey it owes is audited. */
  'rekey_owed',
] as const;
export type SyncKey = (typeof SYNC_KEYS)[number];

export interface SyncState {
  get(key: SyncKey): string | null;
  set(key: SyncKey, value: string | null): void;
}

export function createSyncState(db: Database): SyncState {
  const read = db.prepare<[string], { value: string }>('SELECT value FROM sync_state WHERE key = ?');
  const write = db.prepare<[string, string]>(
    'INSERT INTO sync_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
  );
  const remove = db.prepare<[string]>('DELETE FROM sync_state WHERE key = ?');
  return {
    get: (key) => read.get(key)?.value ?? null,
    set: (key, value) => {
      if (value === null) remove.run(key);
      else write.run(key, value);
    },
  };
}
