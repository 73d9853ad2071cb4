import { randomBytes, randomInt } from 'node:crypto';
import type { HqDatabase, Queryable } from '../db/database';
import { CodedError } from '../errors';
import { KeyWrapError, type KeyWrapper } from './key-wrapper';
import { openText, sealText, sealedKeyId, type SealedAt } from './sealed-value';

/**
 * HQ's data keys (issue 15, envelope encryption at rest): one random 32-byte AES-256-GCM key per
 * purpose, kept in the `data_keys` table (HQ migration 15) only wrapped by a KeyWrapper (the master
 * key now, a KMS later: key-wrapper.ts). openDataKeys unwraps every key once at start and holds them
 * in memory; sealing and opening a column value (sealed-value.ts) is then synchronous and local, so no
 * request path ever calls the wrapper (a KMS round trip) per row.
 *
 * Rotation: the master key by rewrapDataKeys (cheap: the rows of this table only); a data key by
 * rotateDataKey, after which sealed-columns.ts's resealColumns re-encrypts rows in batches. A
 * retired key stays (and opens what it sealed) until nothing names it.
 *
 * The purposes are a closed list, like derived-keys.ts's: a key leaked from one use opens nothing of
 * another. Add a purpose here to seal a new kind of value.
 */
export const DATA_KEY_PURPOSES = [
  /** members.phone, members.email. */
  'member-contacts',
  /** The chain row's secrets, and HQ-only secrets of the same weight (PIN pepper roots). */
  'chain-secrets',
  /** Operators' TOTP secrets (operators.totp_secret, operator_enrolments.totp_secret). */
  'operator-totp',
] as const;
export type DataKeyPurpose = (typeof DATA_KEY_PURPOSES)[number];

export const DATA_KEY_BYTES = 32;

export const DATA_KEY_ERROR_CODES = [
  /** data_keys rows were wrapped by another key than the one HQ started with (wrapped_by differs). */
  'master_key_mismatch',
  /** A data key row says it is wrapped by this key but does not unwrap (altered row or wrong key). */
  'data_key_unwrap_failed',
  /** A value names a data key HQ does not hold, or a key of another purpose. */
  'data_key_missing',
  /** A value does not open: altered, or moved from another row, column or table. */
  'sealed_value_invalid',
] as const;
export type DataKeyErrorCode = (typeof DATA_KEY_ERROR_CODES)[number];

/** Messages name tables, columns, purposes and key ids, never a key, a value or a row's data. */
export class DataKeyError extends CodedError<DataKeyErrorCode> {}

/** The data keys in memory: seal and open column values for one purpose at a time. */
export interface DataKeys {
  /** The wrapper the keys were unwrapped with (KeyWrapper.id): safe to log. */
  readonly wrapperId: string;
  /** The id of the key new values of `purpose` are sealed with. */
  currentKeyId(purpose: DataKeyPurpose): number;
  /** `plaintext` sealed for its place (sealed-value.ts): a fresh nonce every call. */
  seal(purpose: DataKeyPurpose, plaintext: string, where: SealedAt): string;
  sealOrNull(purpose: DataKeyPurpose, plaintext: string | null, where: SealedAt): string | null;
  /** The plaintext of a sealed value, or DataKeyError (never a garbled value). */
  open(purpose: DataKeyPurpose, sealed: string, where: SealedAt): string;
  openOrNull(purpose: DataKeyPurpose, sealed: string | null, where: SealedAt): string | null;
}

interface KeyRow {
  id: number | string;
  purpose: string;
  wrapped_key: string;
  wrapped_by: string;
  retired_at: Date | null;
}

/** What a wrapped data key is bound to: its row id and purpose (a row swapped into another purpose does not unwrap). */
function wrapAad(id: number, purpose: string): Buffer {
  return Buffer.from(`loyalty-desk/hq/data-key/v1\0${id}\0${purpose}`, 'utf8');
}

async function readKeyRows(q: Queryable): Promise<KeyRow[]> {
  return (await q.query<KeyRow>('SELECT id, purpose, wrapped_key, wrapped_by, retired_at FROM data_keys ORDER BY id'))
    .rows;
}

/**
 * The current key of `purpose`, made (random, wrapped, inserted) when there is none. Two HQ processes
 * racing here end with one key: the insert does nothing when another committed first (one current
 * key per purpose, a unique index), and both read that one back.
 */
export async function getOrCreateDataKey(
  q: Queryable,
  wrapper: KeyWrapper,
  purpose: DataKeyPurpose | typeof DERIVATION_ROOT_PURPOSE,
  now: Date,
  make: () => Buffer = () => randomBytes(DATA_KEY_BYTES),
): Promise<{ id: number; key: Buffer }> {
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const current = await q.query<KeyRow>(
      'SELECT id, purpose, wrapped_key, wrapped_by, retired_at FROM data_keys WHERE purpose = $1 AND retired_at IS NULL',
      [purpose],
    );
    const row = current.rows[0];
    if (row) return { id: Number(row.id), key: await unwrapRow(wrapper, row) };
    await insertNewKey(q, wrapper, purpose, now, make());
  }
  throw new DataKeyError('data_key_missing', `No data key for ${purpose} could be made.`);
}

/**
 * The root HQ's own keys are derived from (derived-keys.ts: the operator audit chain's MAC key,
 * approval bindings, console CSRF tokens, double opt-in links, audience pseudonyms). It is kept here,
 * wrapped like a data key, so rotating the master key rewraps it and changes none of those keys: an
 * operator audit chain written before a rotation still verifies after it, sessions and pending
 * approvals survive, pseudonyms stay. It is made once, from the master key HQ holds when it is first
 * needed, so every key derived before it existed stays what it was. It seals nothing and is not a
 * DATA_KEY_PURPOSE: rotate-data-keys leaves it (replacing it would end every verification of the
 * chain so far: docs/SECURITY.md).
 */
export const DERIVATION_ROOT_PURPOSE = 'derivation-root';

export async function openDerivationRoot(
  q: Queryable,
  wrapper: KeyWrapper,
  masterKey: Buffer,
  now: Date,
): Promise<Buffer> {
  return (await getOrCreateDataKey(q, wrapper, DERIVATION_ROOT_PURPOSE, now, () => Buffer.from(masterKey))).key;
}

async function insertNewKey(q: Queryable, wrapper: KeyWrapper, purpose: string, now: Date, key: Buffer): Promise<void> {
  // A random id (it is in every sealed value, 4 bytes): nothing to coordinate between processes.
  const id = randomInt(1, 2 ** 31);
  const wrapped = await wrapper.wrap(key, wrapAad(id, purpose));
  key.fill(0);
  await q.query(
    `INSERT INTO data_keys (id, purpose, wrapped_key, wrapped_by, created_at) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT DO NOTHING`,
    [id, purpose, wrapped.toString('base64url'), wrapper.id, now],
  );
}

async function unwrapRow(wrapper: KeyWrapper, row: KeyRow): Promise<Buffer> {
  if (row.wrapped_by !== wrapper.id) {
    throw new DataKeyError(
      'master_key_mismatch',
      `HQ's data keys are wrapped by ${row.wrapped_by}, not by the master key HQ started with (${wrapper.id}). ` +
        'Start HQ with the master key it was using, or rewrap the data keys (docs/SECURITY.md, HQ encryption at rest).',
    );
  }
  try {
    const key = await wrapper.unwrap(Buffer.from(row.wrapped_key, 'base64url'), wrapAad(Number(row.id), row.purpose));
    if (key.length !== DATA_KEY_BYTES) throw new KeyWrapError('unwrap_failed', 'wrong length');
    return key;
  } catch (error) {
    if (!(error instanceof KeyWrapError)) throw error;
    throw new DataKeyError('data_key_unwrap_failed', `Data key ${row.id} (${row.purpose}) did not unwrap.`);
  }
}

/**
 * Unwraps every data key (retired ones too: they still open what they sealed) and makes the missing
 * purposes' keys. Every existing row is checked before anything is made, so HQ started with the wrong
 * master key refuses (DataKeyError master_key_mismatch / data_key_unwrap_failed) and adds nothing.
 */
export async function openDataKeys(
  db: Queryable,
  wrapper: KeyWrapper,
  options: { now?: () => Date } = {},
): Promise<DataKeys> {
  const now = options.now ?? (() => new Date());
  const held = new Map<number, { purpose: DataKeyPurpose; key: Buffer }>();
  for (const row of await readKeyRows(db)) {
    const key = await unwrapRow(wrapper, row);
    if ((DATA_KEY_PURPOSES as readonly string[]).includes(row.purpose)) {
      held.set(Number(row.id), { purpose: row.purpose as DataKeyPurpose, key });
    }
  }
  const current = new Map<DataKeyPurpose, number>();
  for (const purpose of DATA_KEY_PURPOSES) {
    const made = await getOrCreateDataKey(db, wrapper, purpose, now());
    held.set(made.id, { purpose, key: made.key });
    current.set(purpose, made.id);
  }
  return dataKeysFrom(wrapper.id, held, current);
}

function dataKeysFrom(
  wrapperId: string,
  held: ReadonlyMap<number, { purpose: DataKeyPurpose; key: Buffer }>,
  current: ReadonlyMap<DataKeyPurpose, number>,
): DataKeys {
  const currentKeyId = (purpose: DataKeyPurpose): number => {
    const id = current.get(purpose);
    if (id === undefined) throw new DataKeyError('data_key_missing', `No current data key for ${purpose}.`);
    return id;
  };
  const seal = (purpose: DataKeyPurpose, plaintext: string, where: SealedAt): string => {
    const id = currentKeyId(purpose);
    const entry = held.get(id);
    if (!entry) throw new DataKeyError('data_key_missing', `Data key ${id} is not held.`);
    return sealText(id, entry.key, plaintext, where);
  };
  const open = (purpose: DataKeyPurpose, sealed: string, where: SealedAt): string => {
    const id = sealedKeyId(sealed);
    if (id === null) {
      throw new DataKeyError(
        'sealed_value_invalid',
        `${where.table}.${where.column} of row ${where.rowId} is not sealed.`,
      );
    }
    const entry = held.get(id);
    if (!entry || entry.purpose !== purpose) {
      throw new DataKeyError(
        'data_key_missing',
        `${where.table}.${where.column} names data key ${id}, not held for ${purpose}.`,
      );
    }
    const opened = openText(id, entry.key, sealed, where);
    if (opened === null) {
      throw new DataKeyError(
        'sealed_value_invalid',
        `${where.table}.${where.column} of row ${where.rowId} does not open there (altered, or moved from elsewhere).`,
      );
    }
    return opened;
  };
  return {
    wrapperId,
    currentKeyId,
    seal,
    sealOrNull: (purpose, plaintext, where) => (plaintext === null ? null : seal(purpose, plaintext, where)),
    open,
    openOrNull: (purpose, sealed, where) => (sealed === null ? null : open(purpose, sealed, where)),
  };
}

/**
 * Master key rotation: every data key unwrapped with `from` and wrapped with `to`, in one
 * transaction (all rows or none). Rows encrypt nothing new; no column value changes. Returns the
 * number of keys rewrapped. Run while no HQ process is starting (a running one keeps its keys in
 * memory and goes on working; it must be restarted with the new key).
 */
export async function rewrapDataKeys(db: HqDatabase, from: KeyWrapper, to: KeyWrapper): Promise<number> {
  return db.transaction(async (tx) => {
    await tx.query('LOCK TABLE data_keys IN EXCLUSIVE MODE');
    let count = 0;
    for (const row of await readKeyRows(tx)) {
      if (row.wrapped_by === to.id) continue;
      const key = await unwrapRow(from, row);
      const wrapped = await to.wrap(key, wrapAad(Number(row.id), row.purpose));
      key.fill(0);
      await tx.query('UPDATE data_keys SET wrapped_key = $2, wrapped_by = $3 WHERE id = $1', [
        row.id,
        wrapped.toString('base64url'),
        to.id,
      ]);
      count += 1;
    }
    return count;
  });
}

/**
 * Data key rotation: the current key of `purpose` is retired and a new one made, in one transaction.
 * New values are sealed with the new key once each HQ process has reopened its keys (a restart);
 * sealed-columns.ts's resealColumns then moves existing rows to it. Returns the new key's id.
 */
export async function rotateDataKey(
  db: HqDatabase,
  wrapper: KeyWrapper,
  purpose: DataKeyPurpose,
  now: Date,
): Promise<number> {
  return db.transaction(async (tx) => {
    await tx.query('LOCK TABLE data_keys IN EXCLUSIVE MODE');
    // Refuses (master_key_mismatch) before retiring anything when `wrapper` is not the keys' own.
    for (const row of await readKeyRows(tx)) await unwrapRow(wrapper, row);
    await tx.query('UPDATE data_keys SET retired_at = $2 WHERE purpose = $1 AND retired_at IS NULL', [purpose, now]);
    const made = await getOrCreateDataKey(tx, wrapper, purpose, now);
    made.key.fill(0);
    return made.id;
  });
}
