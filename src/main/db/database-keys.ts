import { randomBytes } from 'node:crypto';
import { AppError } from '../../shared/errors';
import { loadLegacyDatabaseKey, secretAccounts } from '../keychain/device-secrets';
import {
  createKek,
  kekAccount,
  keyCheckValue,
  loadKek,
  otherKekLabel,
  unwrapDatabaseKey,
  wrapDatabaseKey,
} from '../keychain/key-wrapping';
import type { Keychain } from '../keychain/keychain';
import type { CipherScheme } from './cipher-scheme';
import {
  readKeyInfo,
  writeKeyInfo,
  type KeyInfoV1,
  type KeyInfoV2,
  type KeySlot,
  type PendingKeySlot,
} from './key-info';

/** A key as the database uses it: the raw hex key and the scheme it goes with. */
export interface DatabaseKey {
  scheme: CipherScheme;
  keyHex: string;
}

/** The key-info and the keys it wraps, unwrapped with the KEK: what open, migration and rekey work on. */
export interface KeyState {
  path: string;
  info: KeyInfoV2;
  kek: string;
  current: DatabaseKey;
  pending: (DatabaseKey & { purpose: PendingKeySlot['purpose'] }) | null;
}

/** Steps a test kills the process at (a child script passes a hook that SIGKILLs itself). */
export type StepHook = (step: string) => void;
export const noSteps: StepHook = () => undefined;

/** A KEK older than this is replaced at the next open (a few milliseconds: 32 bytes re-encrypted). */
export const KEK_MAX_AGE_DAYS = 90;

export function newDatabaseKeyHex(): string {
  return randomBytes(32).toString('hex');
}

function slotFor(
  kek: string,
  installId: string,
  slot: 'current' | 'pending',
  key: DatabaseKey,
  createdAt: string,
): KeySlot {
  return {
    scheme: key.scheme,
    wrappedKey: wrapDatabaseKey(kek, key.keyHex, { installId, slot, scheme: key.scheme }),
    keyCheck: keyCheckValue(key.keyHex),
    createdAt,
  };
}

function unwrapSlot(kek: string, installId: string, slot: 'current' | 'pending', stored: KeySlot): DatabaseKey {
  const keyHex = unwrapDatabaseKey(kek, stored.wrappedKey, { installId, slot, scheme: stored.scheme });
  // The GCM tag already authenticates the key; the check value is what an independent tool compares.
  if (keyCheckValue(keyHex) !== stored.keyCheck) {
    throw new AppError('database_key_wrong', 'A wrapped database key does not match its check value.');
  }
  return { scheme: stored.scheme, keyHex };
}

/** First run: a KEK in the secret store, then the key-info naming it with the new key wrapped. */
export async function createKeyState(deps: {
  keychain: Keychain;
  path: string;
  installId: string;
  scheme: CipherScheme;
  now: Date;
}): Promise<KeyState> {
  const kek = await createKek(deps.keychain, deps.installId, 'a');
  const current: DatabaseKey = { scheme: deps.scheme, keyHex: newDatabaseKeyHex() };
  const at = deps.now.toISOString();
  const info: KeyInfoV2 = {
    format: 2,
    installId: deps.installId,
    kek: { label: 'a', createdAt: at },
    current: slotFor(kek, deps.installId, 'current', current, at),
  };
  writeKeyInfo(deps.path, info);
  return { path: deps.path, info, kek, current, pending: null };
}

/**
 * A format-1 till (raw key in the secret store, SQLCipher v4): a KEK is made, the key is written
 * wrapped to the key-info durably, and only then is the raw entry deleted. Killed before the
 * key-info is written, the till is still format 1 (the stray KEK is overwritten next time); killed
 * after, loadKeyState deletes the raw entry it finds.
 */
export async function upgradeKeyInfoV1(deps: {
  keychain: Keychain;
  path: string;
  info: KeyInfoV1;
  now: Date;
  step?: StepHook;
}): Promise<KeyInfoV2> {
  const step = deps.step ?? noSteps;
  const { installId } = deps.info;
  const raw = await loadLegacyDatabaseKey(deps.keychain, installId);
  if (raw === null) {
    throw new AppError(
      'database_key_missing',
      'The encryption key of this device database is not in the secret store. The database was left untouched; restore the secret store entry or re-pair the device.',
    );
  }
  if (keyCheckValue(raw) !== deps.info.keyCheck) {
    throw new AppError(
      'database_key_wrong',
      'The secret store holds a different key than the one this database was encrypted with. The database was left untouched.',
    );
  }
  const kek = await createKek(deps.keychain, installId, 'a');
  step('wrap.kek_created');
  const at = deps.now.toISOString();
  const info: KeyInfoV2 = {
    format: 2,
    installId,
    ...(deps.info.databaseCreated === undefined ? {} : { databaseCreated: deps.info.databaseCreated }),
    kek: { label: 'a', createdAt: at },
    current: slotFor(kek, installId, 'current', { scheme: 'sqlcipher-v4', keyHex: raw }, at),
  };
  writeKeyInfo(deps.path, info);
  step('wrap.keyinfo_written');
  await deps.keychain.delete(secretAccounts(installId).databaseKey);
  step('wrap.raw_deleted');
  return info;
}

/** Reads a format-2 key-info and unwraps its slots. */
export async function loadKeyState(keychain: Keychain, path: string, info: KeyInfoV2): Promise<KeyState> {
  const kek = await loadKek(keychain, info.installId, info.kek.label);
  const current = unwrapSlot(kek, info.installId, 'current', info.current);
  const pending = info.pending
    ? { ...unwrapSlot(kek, info.installId, 'pending', info.pending), purpose: info.pending.purpose }
    : null;
  // A format-1 upgrade killed after its key-info was written leaves the raw entry: finish it now.
  await keychain.delete(secretAccounts(info.installId).databaseKey);
  return { path, info, kek, current, pending };
}

export async function readKeyState(keychain: Keychain, path: string): Promise<KeyState> {
  const info = readKeyInfo(path);
  if (info.format !== 2) throw new AppError('database_key_missing', 'The key information file is still format 1.');
  return loadKeyState(keychain, path, info);
}

/**
 * Key-info changes of one till run one at a time in this process. Each reads the file, may wait on the
 * secret store, then writes it: two interleaved (a pairing's KEK rotation and a rekey) would let the
 * later write put back the slots the earlier one replaced, leaving the file under a key no slot holds.
 */
const keyInfoQueues = new Map<string, Promise<void>>();

export async function withKeyInfoLock<T>(keyInfoPath: string, change: () => Promise<T>): Promise<T> {
  const before = keyInfoQueues.get(keyInfoPath) ?? Promise.resolve();
  const run = before.then(change);
  // The queue only orders the changes; each change's own caller receives its result or its error.
  const done = run.then(
    () => undefined,
    () => undefined,
  );
  keyInfoQueues.set(keyInfoPath, done);
  try {
    return await run;
  } finally {
    if (keyInfoQueues.get(keyInfoPath) === done) keyInfoQueues.delete(keyInfoPath);
  }
}

/**
 * Writes a new key into the pending slot, durably, before anything uses it. Refused while a pending
 * key is there: the file may already be under it (a rekey that committed and then failed), and
 * overwriting it would leave the file under a key no slot holds. openDeviceDatabase settles it.
 */
export function addPendingKey(
  state: KeyState,
  scheme: CipherScheme,
  purpose: PendingKeySlot['purpose'],
  now: Date,
): KeyState {
  if (state.info.pending) {
    throw new Error(
      'A previous key change of the till database is not settled yet; restart Loyalty Desk (it settles it at start) before another.',
    );
  }
  const pending = { scheme, keyHex: newDatabaseKeyHex(), purpose };
  const info: KeyInfoV2 = {
    ...state.info,
    pending: { ...slotFor(state.kek, state.info.installId, 'pending', pending, now.toISOString()), purpose },
  };
  writeKeyInfo(state.path, info);
  return { ...state, info, pending };
}

/** The file now uses the pending key: it becomes current (rewrapped for its slot), durably. */
export function promotePendingKey(state: KeyState, now: Date): KeyState {
  if (!state.pending) return state;
  const { purpose: _purpose, ...key } = state.pending;
  const { pending: _pending, ...rest } = state.info;
  const info: KeyInfoV2 = {
    ...rest,
    current: slotFor(state.kek, state.info.installId, 'current', key, now.toISOString()),
  };
  writeKeyInfo(state.path, info);
  return { ...state, info, current: key, pending: null };
}

/** The file never used the pending key (the step that would have was undone): forget it. */
export function dropPendingKey(state: KeyState): KeyState {
  if (!state.pending) return state;
  const { pending: _pending, ...info } = state.info;
  writeKeyInfo(state.path, info);
  return { ...state, info, pending: null };
}

export function recordDatabaseCreated(state: KeyState): KeyState {
  if (state.info.databaseCreated) return state;
  const info: KeyInfoV2 = { ...state.info, databaseCreated: true };
  writeKeyInfo(state.path, info);
  return { ...state, info };
}

/**
 * Rotates the wrapping: a new KEK in the other secret store entry, every slot rewrapped under it,
 * the key-info written durably, then the old KEK entry deleted. The database is not touched.
 * Killed before the key-info is written, the old KEK still opens it (the stray new entry is
 * overwritten by the next rotation); after, the old entry is merely left over until then.
 */
export async function rotateKeyWrapping(deps: {
  keychain: Keychain;
  keyInfoPath: string;
  now: Date;
  step?: StepHook;
}): Promise<KeyState> {
  return withKeyInfoLock(deps.keyInfoPath, () => rotateKeyWrappingNow(deps));
}

async function rotateKeyWrappingNow(deps: {
  keychain: Keychain;
  keyInfoPath: string;
  now: Date;
  step?: StepHook;
}): Promise<KeyState> {
  const step = deps.step ?? noSteps;
  const state = await readKeyState(deps.keychain, deps.keyInfoPath);
  const { installId } = state.info;
  const label = otherKekLabel(state.info.kek.label);
  const kek = await createKek(deps.keychain, installId, label);
  step('rotate.kek_created');
  const at = deps.now.toISOString();
  const info: KeyInfoV2 = {
    ...state.info,
    kek: { label, createdAt: at },
    current: { ...slotFor(kek, installId, 'current', state.current, state.info.current.createdAt) },
    ...(state.pending && state.info.pending
      ? {
          pending: {
            ...slotFor(kek, installId, 'pending', state.pending, state.info.pending.createdAt),
            purpose: state.pending.purpose,
          },
        }
      : {}),
  };
  writeKeyInfo(deps.keyInfoPath, info);
  step('rotate.keyinfo_written');
  await deps.keychain.delete(kekAccount(installId, state.info.kek.label));
  return { ...state, info, kek };
}

export function kekIsDue(info: KeyInfoV2, now: Date): boolean {
  return now.getTime() - Date.parse(info.kek.createdAt) > KEK_MAX_AGE_DAYS * 24 * 60 * 60 * 1000;
}
