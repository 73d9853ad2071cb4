import { createHash } from 'node:crypto';
import type { Database } from 'better-sqlite3-multiple-ciphers';
import { TillPinPeppers } from '../../../shared/sync/protocol';

/**
 * PIN peppers that came with a pull page (issue 15): a till paired before per-store peppers has
 * them only from HQ's pages. The sync worker has no secret store, so it parks them in sync_state
 * (inside the encrypted database, in the page's own transaction, so they are there before the first
 * v2 hash they check), and the main process moves them into the secret store and deletes them here
 * (staff/till-pin-peppers.ts). A digest of the last peppers taken keeps every later page, which
 * carries the same ones, from parking them again. SHA-256 of 512 random bits gives nothing away.
 */
const PENDING = 'pin_peppers_pending';
const DIGEST = 'pin_peppers_digest';

export const pinPeppersDigest = (peppers: TillPinPeppers): string =>
  createHash('sha256').update(`${peppers.store}:${peppers.chainStaff}`, 'utf8').digest('hex');

function stateStatements(db: Database) {
  return {
    read: db.prepare<[string], { value: string }>('SELECT value FROM sync_state WHERE key = ?'),
    write: db.prepare<[string, string]>(
      'INSERT INTO sync_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    ),
    remove: db.prepare<[string]>('DELETE FROM sync_state WHERE key = ?'),
  };
}

/** Worker side, inside the pull page's transaction. */
export function notePulledPinPeppers(db: Database, peppers: TillPinPeppers): void {
  const state = stateStatements(db);
  const digest = pinPeppersDigest(peppers);
  if (state.read.get(DIGEST)?.value === digest) return;
  state.write.run(PENDING, JSON.stringify(peppers));
  state.write.run(DIGEST, digest);
}

/** Main side: peppers a page brought that are not in the secret store yet. */
export function pendingPulledPinPeppers(db: Database): TillPinPeppers | null {
  const text = stateStatements(db).read.get(PENDING)?.value;
  if (text === undefined) return null;
  const parsed = TillPinPeppers.safeParse(JSON.parse(text));
  return parsed.success ? parsed.data : null;
}

/** Main side: these peppers are in the secret store (adopted, or given at pairing). */
export function settlePinPeppers(db: Database, peppers: TillPinPeppers): void {
  const state = stateStatements(db);
  db.transaction(() => {
    // Only what was adopted: a page may have parked other peppers meanwhile.
    const parked = state.read.get(PENDING)?.value;
    if (parked !== undefined && parked !== JSON.stringify(peppers)) return;
    state.remove.run(PENDING);
    state.write.run(DIGEST, pinPeppersDigest(peppers));
  }).immediate();
}
