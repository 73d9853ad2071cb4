import { hkdfSync } from 'node:crypto';
import { PIN_PEPPER_KEY_IDS, chainPepperHashSql, pinHashKeyId } from '../../../../src/node-shared/pin-hash-key-id';
import type { Queryable } from '../db/database';
import type { DataKeys } from '../keys/data-keys';
import { isSealedText, type SealedAt } from '../keys/sealed-value';
import { hashStaffPin, verifyStaffPin } from './pin-hash';
import { chainSecret } from '../keys/chain-secrets';

/**
 * Per-store PIN peppers (issue 15; docs/SECURITY.md "Staff PIN peppers"). A till holds the pepper
 * of its own store, so whoever takes a till's secret store can guess offline only the PINs that
 * till could check anyway: its store's staff and the chain-wide staff. Another store's roster
 * hashes (a stolen backup, a leaked HQ dump) need that store's pepper.
 *
 * The peppers are HKDF-SHA256 of HQ's pepper root (chain.pin_pepper_root, migration 16: 32 random
 * bytes made in the database, sealed at rest under the chain-secrets data key, never sent anywhere),
 * one `info` per store, and one for the
 * chain-wide staff, who sign in at every store: every till must be able to check their PIN offline,
 * so every till holds a guessable hash of it whatever the pepper, and one hash under one pepper
 * costs HQ one argon2 run per PIN change instead of one per store.
 *
 * The old chain pepper (chain.pin_pepper, v1) stays only to check hashes made before: HQ never
 * makes a new v1 hash, and hands the chain pepper only to tills whose roster still holds one.
 */
export const STORE_PIN_PEPPER_INFO = 'loyalty-desk/hq/store-pin-pepper/v1/';
export const CHAIN_STAFF_PIN_PEPPER_INFO = 'loyalty-desk/hq/chain-staff-pin-pepper/v1';

/** What HQ checks and makes staff PIN hashes with. Both hex; neither is ever logged. */
export interface PinPepperRing {
  /** v1: the chain-wide pepper every till paired before issue 15 holds. */
  chainPepper: string;
  /** The root the v2 peppers derive from. HQ only. */
  root: string;
}

const derive = (rootHex: string, info: string): string => {
  if (!/^[0-9a-f]{64}$/.test(rootHex)) throw new TypeError('the PIN pepper root must be 32 bytes of hex');
  return Buffer.from(hkdfSync('sha256', Buffer.from(rootHex, 'hex'), Buffer.alloc(0), info, 32)).toString('hex');
};

/** The pepper of one store's tills and staff. */
export const storePinPepper = (rootHex: string, storeId: string): string =>
  derive(rootHex, STORE_PIN_PEPPER_INFO + storeId);

/** The pepper of chain-wide staff (store_id NULL), held by every till. */
export const chainStaffPinPepper = (rootHex: string): string => derive(rootHex, CHAIN_STAFF_PIN_PEPPER_INFO);

/** The two peppers a till of `storeId` is given (at pairing and on every pull page). */
export function tillPinPeppers(ring: PinPepperRing, storeId: string): { store: string; chainStaff: string } {
  return { store: storePinPepper(ring.root, storeId), chainStaff: chainStaffPinPepper(ring.root) };
}

/** The pepper a hash names (by its keyid), for a staff member of `staffStoreId` (null: chain-wide). */
function pepperOfHash(ring: PinPepperRing, pinHash: string, staffStoreId: string | null): string | null {
  const keyId = pinHashKeyId(pinHash);
  if (keyId === null) return ring.chainPepper;
  if (keyId === PIN_PEPPER_KEY_IDS.chainStaff && staffStoreId === null) return chainStaffPinPepper(ring.root);
  if (keyId === PIN_PEPPER_KEY_IDS.store && staffStoreId !== null) return storePinPepper(ring.root, staffStoreId);
  return null;
}

/** True only for the right PIN under the pepper the stored hash names; anything malformed is false. */
export async function verifyRosterPin(
  ring: PinPepperRing,
  staff: { storeId: string | null; pinHash: string },
  pin: string,
): Promise<boolean> {
  const pepper = pepperOfHash(ring, staff.pinHash, staff.storeId);
  return pepper !== null && verifyStaffPin(pepper, staff.pinHash, pin);
}

/**
 * The v2 hash HQ stores for a PIN it learnt (a proof, a temporary PIN it drew): under the store's
 * pepper for a store's staff, under the chain-staff pepper for chain-wide staff. One argon2 run.
 */
export async function hashRosterPin(ring: PinPepperRing, staffStoreId: string | null, pin: string): Promise<string> {
  return staffStoreId === null
    ? hashStaffPin(chainStaffPinPepper(ring.root), pin, PIN_PEPPER_KEY_IDS.chainStaff)
    : hashStaffPin(storePinPepper(ring.root, staffStoreId), pin, PIN_PEPPER_KEY_IDS.store);
}

/** Where the root is sealed (keys/sealed-value.ts associated data): the chain row's column. */
export const PIN_PEPPER_ROOT_AT: SealedAt = { table: 'chain', column: 'pin_pepper_root', rowId: '1' };

/**
 * The ring from the chain row's columns. The root is kept sealed under the chain-secrets data key
 * (sealPinPepperRoot); one made by migration 16 and not sealed yet is read as it is.
 */
export function pinPepperRingOf(
  row: { pin_pepper: string; pin_pepper_root: string | null } | undefined,
  keys: DataKeys | undefined,
): PinPepperRing {
  if (!row?.pin_pepper_root) throw new Error('the chain row has no PIN pepper root (run the migrations)');
  const stored = row.pin_pepper_root;
  // The v1 chain pepper is sealed by the start pass like the chain's other secrets (keys/chain-secrets.ts).
  const chainPepper = chainSecret(keys, 'pin_pepper', row.pin_pepper);
  if (!isSealedText(stored)) return { chainPepper, root: stored };
  if (keys === undefined) throw new Error('the PIN pepper root is sealed: HQ needs its data keys to read it');
  return { chainPepper, root: keys.open('chain-secrets', stored, PIN_PEPPER_ROOT_AT) };
}

export async function readPinPepperRing(q: Queryable, keys?: DataKeys): Promise<PinPepperRing> {
  const found = await q.query<{ pin_pepper: string; pin_pepper_root: string | null }>(
    'SELECT pin_pepper, pin_pepper_root FROM chain WHERE id = 1',
  );
  return pinPepperRingOf(found.rows[0], keys);
}

/**
 * Seals a root still in clear under the chain-secrets data key (keys/data-keys.ts), at HQ's start
 * after the migrations. Idempotent, and safe with two HQ processes racing: the update names the
 * clear value it replaces, so the second finds it sealed and changes nothing. True when it sealed.
 */
export async function sealPinPepperRoot(db: Queryable, keys: DataKeys): Promise<boolean> {
  const found = await db.query<{ pin_pepper_root: string | null }>('SELECT pin_pepper_root FROM chain WHERE id = 1');
  const stored = found.rows[0]?.pin_pepper_root;
  if (!stored || isSealedText(stored)) return false;
  const sealed = keys.seal('chain-secrets', stored, PIN_PEPPER_ROOT_AT);
  const updated = await db.query(
    'UPDATE chain SET pin_pepper_root = $1 WHERE id = 1 AND pin_pepper_root = $2 RETURNING id',
    [sealed, stored],
  );
  return updated.rows.length > 0;
}

/**
 * Does a till of `storeId` still need the chain pepper: does an active staff member it may sign in
 * hold a v1 hash? (An inactive one signs in nowhere; reactivated with a v1 hash, they need a reset.)
 */
export async function rosterHasChainPepperHashes(q: Queryable, storeId: string): Promise<boolean> {
  const found = await q.query(
    `SELECT 1 FROM staff WHERE (store_id IS NULL OR store_id = $1) AND status = 'active'
        AND ${chainPepperHashSql('pin_hash')} LIMIT 1`,
    [storeId],
  );
  return found.rows.length > 0;
}
