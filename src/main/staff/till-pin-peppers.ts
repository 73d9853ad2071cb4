import type { Database } from 'better-sqlite3-multiple-ciphers';
import { AppError } from '../../shared/errors';
import type { TillPinPeppers } from '../../shared/sync/protocol';
import type { Keychain } from '../keychain/keychain';
import type { Logger } from '../logging/logger';
import { forgetChainPinPepper, loadStorePinPeppers, saveStorePinPeppers } from '../keychain/store-pin-peppers';
import { pendingPulledPinPeppers, settlePinPeppers } from '../sync/engine/pulled-pin-peppers';
import { chainPepperHashSql } from '../../node-shared/pin-hash-key-id';

/** Set once this till has overwritten its copy of the chain pepper (never needed again). */
const CHAIN_PEPPER_FORGOTTEN = 'chain_pin_pepper_forgotten';

export interface TillPinPepperHolder {
  /** The peppers v2 hashes are checked with: the secret store's, else those a pull page parked. */
  current(): TillPinPeppers | null;
  /** Moves peppers a pull page parked into the secret store (main process: the worker has none). */
  adoptPulled(): Promise<void>;
  /**
   * Once this till has its store's peppers and no active staff member's hash is v1, overwrites its
   * copy of the chain pepper (keychain/store-pin-peppers.ts). True when it did so now.
   */
  forgetChainPepperWhenUnused(): Promise<boolean>;
}

/**
 * The main process's view of this till's per-store PIN peppers (issue 15). Loaded from the secret
 * store at start; adoptPulled and forgetChainPepperWhenUnused run at start and after each sync.
 */
export async function createTillPinPeppers(deps: {
  db: Database;
  keychain: Keychain;
  installId: string;
}): Promise<TillPinPepperHolder> {
  const { db } = deps;
  let held = await loadStorePinPeppers(deps.keychain, deps.installId);
  const roster = db.prepare<[], { active: number; v1: number; pulled: number }>(
    // Before the first pull page (just paired: HQ's roster not here yet) an empty roster says
    // nothing: pulled is 0 then.
    `SELECT count(*) AS active, coalesce(sum(${chainPepperHashSql('pin_hash')}), 0) AS v1,
            (SELECT count(*) FROM sync_state WHERE key = 'last_pull_at') AS pulled
       FROM staff WHERE status = 'active'`,
  );
  const forgotten = db.prepare<[string], { value: string }>('SELECT value FROM sync_state WHERE key = ?');
  const markForgotten = db.prepare<[string, string]>(
    'INSERT INTO sync_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
  );
  const current = () => held ?? pendingPulledPinPeppers(db);
  return {
    current,
    async adoptPulled() {
      const parked = pendingPulledPinPeppers(db);
      if (parked === null) return;
      // Against the secret store itself, not this process's copy: the entry is what the next start reads.
      const stored = await loadStorePinPeppers(deps.keychain, deps.installId);
      if (stored?.store !== parked.store || stored.chainStaff !== parked.chainStaff) {
        await saveStorePinPeppers(deps.keychain, deps.installId, parked);
      }
      held = parked;
      settlePinPeppers(db, parked);
    },
    async forgetChainPepperWhenUnused() {
      if (current() === null || forgotten.get(CHAIN_PEPPER_FORGOTTEN) !== undefined) return false;
      const seen = roster.get();
      if (!seen || seen.pulled === 0 || seen.active === 0 || seen.v1 > 0) return false;
      await forgetChainPinPepper(deps.keychain, deps.installId);
      markForgotten.run(CHAIN_PEPPER_FORGOTTEN, new Date().toISOString());
      return true;
    },
  };
}

/**
 * At start and after each successful sync: pulled peppers into the secret store, then the chain
 * pepper forgotten if unused. A failure (secret store unavailable) is logged by its code only and
 * tried again next time; the peppers parked in the database still check PINs meanwhile.
 */
export async function tidyPinPeppers(holder: TillPinPepperHolder, logger: Logger): Promise<void> {
  try {
    await holder.adoptPulled();
    if (await holder.forgetChainPepperWhenUnused()) logger.info('pin_peppers.chain_pepper_forgotten');
  } catch (error) {
    const code = error instanceof AppError ? error.code : 'error';
    logger.warn('pin_peppers.not_kept', { code });
  }
}
