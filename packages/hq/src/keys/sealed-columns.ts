import type { HqDatabase, Queryable } from '../db/database';
import type { DataKeyPurpose, DataKeys } from './data-keys';
import { isSealedText, sealedKeyId, unsealedSql, type SealedAt } from './sealed-value';

/**
 * Every column HQ keeps sealed (keys/sealed-value.ts), with the data key purpose it is sealed under
 * and the primary key its values are bound to. Each column's read and write sites open and seal
 * through DataKeys; the passes below bring existing rows along (encrypting what an older HQ wrote in
 * clear, re-encrypting under a rotated key).
 */
export interface SealedColumn {
  table: string;
  column: string;
  /** The single-column primary key; its text is the rowId in the value's associated data. */
  idColumn: string;
  purpose: DataKeyPurpose;
}

export const SEALED_COLUMNS: readonly SealedColumn[] = [
  { table: 'members', column: 'phone', idColumn: 'id', purpose: 'member-contacts' },
  { table: 'members', column: 'email', idColumn: 'id', purpose: 'member-contacts' },
  { table: 'operators', column: 'totp_secret', idColumn: 'id', purpose: 'operator-totp' },
  { table: 'operator_enrolments', column: 'totp_secret', idColumn: 'token_hash', purpose: 'operator-totp' },
  // Read through keys/chain-secrets.ts (the PIN pepper root is sealed by staff/pin-peppers.ts).
  { table: 'chain', column: 'pin_pepper', idColumn: 'id', purpose: 'chain-secrets' },
  { table: 'chain', column: 'lookup_key', idColumn: 'id', purpose: 'chain-secrets' },
  { table: 'chain', column: 'staff_proof_private_key', idColumn: 'id', purpose: 'chain-secrets' },
  // Sealed and read by staff/pin-peppers.ts; listed so a data key rotation re-encrypts it too.
  { table: 'chain', column: 'pin_pepper_root', idColumn: 'id', purpose: 'chain-secrets' },
];

/** Where a value of `column` in row `rowId` lives (its associated data). */
export function sealedAt(column: SealedColumn, rowId: string): SealedAt {
  return { table: column.table, column: column.column, rowId };
}

export const MEMBER_PHONE = sealedColumn('members', 'phone');
export const MEMBER_EMAIL = sealedColumn('members', 'email');

function sealedColumn(table: string, column: string): SealedColumn {
  const found = SEALED_COLUMNS.find((c) => c.table === table && c.column === column);
  if (!found) throw new TypeError(`${table}.${column} is not a sealed column`);
  return found;
}

interface MemberContacts {
  phone: string | null;
  email: string | null;
}

/** Each of a member's contacts through `map` with its place (sealing and opening bind to the same one). */
function mapMemberContacts(
  memberId: string,
  contacts: MemberContacts,
  map: (value: string | null, where: SealedAt) => string | null,
): MemberContacts {
  return {
    phone: map(contacts.phone, sealedAt(MEMBER_PHONE, memberId)),
    email: map(contacts.email, sealedAt(MEMBER_EMAIL, memberId)),
  };
}

/** A member's contacts as stored, from their plaintext (null stays null). */
export function sealMemberContacts(keys: DataKeys, memberId: string, contacts: MemberContacts): MemberContacts {
  return mapMemberContacts(memberId, contacts, (value, where) => keys.sealOrNull('member-contacts', value, where));
}

/** A member's contacts in clear, from the stored values. */
export function openMemberContacts(keys: DataKeys, memberId: string, stored: MemberContacts): MemberContacts {
  return mapMemberContacts(memberId, stored, (value, where) => keys.openOrNull('member-contacts', value, where));
}

const quoteIdent = (name: string): string => `"${name.replaceAll('"', '""')}"`;

export interface SealingPassOptions {
  /** Rows read and rewritten per transaction. */
  batch?: number;
}

/**
 * One pass over `column`: each row `pick` selects gets `rewrite(value)` written back, in batches of
 * their own transactions. The write is a compare-and-set on the value read, so two HQ processes
 * running the pass at once rewrite each row once (the loser's update matches nothing), and a row a
 * request changed meanwhile keeps the request's value. Returns the rows this call rewrote.
 */
async function pass(
  db: HqDatabase,
  column: SealedColumn,
  condition: string,
  rewrite: (value: string, rowId: string) => string | null,
  options: SealingPassOptions,
): Promise<number> {
  const batch = options.batch ?? 1000;
  const table = quoteIdent(column.table);
  const col = quoteIdent(column.column);
  const id = quoteIdent(column.idColumn);
  let after = '';
  let rewritten = 0;
  for (;;) {
    const rows = (
      await db.query<{ id: string; value: string }>(
        `SELECT ${id}::text AS id, ${col} AS value FROM ${table}
          WHERE ${id}::text > $1 AND ${condition} ORDER BY ${id}::text LIMIT ${batch}`,
        [after],
      )
    ).rows;
    if (rows.length === 0) return rewritten;
    after = rows.at(-1)?.id ?? after;
    const ids: string[] = [];
    const olds: string[] = [];
    const news: string[] = [];
    for (const row of rows) {
      const next = rewrite(row.value, row.id);
      if (next === null) continue;
      ids.push(row.id);
      olds.push(row.value);
      news.push(next);
    }
    if (ids.length > 0) {
      rewritten += await db.transaction(async (tx) => {
        await markResealing(tx);
        const done = await tx.query(
          `UPDATE ${table} AS t SET ${col} = u.next
             FROM unnest($1::text[], $2::text[], $3::text[]) AS u(id, old, next)
            WHERE t.${id}::text = u.id AND t.${col} = u.old RETURNING 1`,
          [ids, olds, news],
        );
        return done.rows.length;
      });
    }
    if (rows.length < batch) return rewritten;
  }
}

/** The transaction rewrites ciphertext, not contacts: migration 15's trigger keeps the lookup hashes. */
async function markResealing(tx: Queryable): Promise<void> {
  await tx.query(`SELECT set_config('loyalty_desk.resealing', 'on', true)`);
}

/**
 * Seals every value still in clear in the sealed columns (what an HQ before migration 15 wrote),
 * and the contacts in the stored ops' payloads ('ops.payload', counted in rows): run at every start
 * after openDataKeys, resumable (a killed pass leaves rows sealed or in clear, never half) and
 * idempotent. Returns how many values it sealed, per "table.column".
 */
export async function sealPlaintextColumns(
  db: HqDatabase,
  keys: DataKeys,
  options: SealingPassOptions = {},
): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const column of SEALED_COLUMNS) {
    counts[`${column.table}.${column.column}`] = await pass(
      db,
      column,
      unsealedSql(quoteIdent(column.column)),
      (value, rowId) => keys.seal(column.purpose, value, sealedAt(column, rowId)),
      options,
    );
  }
  counts['ops.payload'] = await sealOpPayloads(db, keys, options);
  return counts;
}

/** The SQL condition "this jsonb path holds a non-empty string not yet sealed" (what push would seal). */
const unsealedJsonString = (path: string): string =>
  `(jsonb_typeof(payload #> '{${path}}') = 'string' AND payload #>> '{${path}}' <> ''
    AND payload #>> '{${path}}' !~ '^sv1\\.[A-Za-z0-9_-]+$')`;

const UNSEALED_OP_CONTACTS = ['phone', 'email', 'changes,phone', 'changes,email'].map(unsealedJsonString).join(' OR ');

/**
 * The ops rows an HQ before migration 15 stored with an enrolment's or profile edit's phone or e-mail
 * in clear in the payload: sealed now by sealOpPayloadContacts, as push seals new ones (same place in
 * the associated data, so they open alike). Batched by (device_id, seq), each batch its own
 * transaction; the write is a compare-and-set on the payload read, so two HQ processes seal each row
 * once and a row erasure scrubbed meanwhile keeps the scrub. Returns the rows this call sealed.
 */
async function sealOpPayloads(db: HqDatabase, keys: DataKeys, options: SealingPassOptions): Promise<number> {
  const batch = options.batch ?? 1000;
  let afterDevice = '';
  let afterSeq = '0';
  let sealed = 0;
  for (;;) {
    const rows = (
      await db.query<{ device_id: string; seq: string; payload: string }>(
        `SELECT device_id, seq::text AS seq, payload::text AS payload FROM ops
          WHERE (device_id, seq) > ($1::text, $2::bigint) AND (${UNSEALED_OP_CONTACTS})
          ORDER BY device_id, seq LIMIT ${batch}`,
        [afterDevice, afterSeq],
      )
    ).rows;
    if (rows.length === 0) return sealed;
    const last = rows.at(-1);
    if (last) {
      afterDevice = last.device_id;
      afterSeq = last.seq;
    }
    const devices: string[] = [];
    const seqs: string[] = [];
    const olds: string[] = [];
    const news: string[] = [];
    for (const row of rows) {
      const payload = JSON.parse(row.payload) as unknown;
      if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) continue;
      const next = sealOpPayloadContacts(keys, payload as JsonObject, row.device_id, Number(row.seq), {
        keepSealed: true,
      });
      devices.push(row.device_id);
      seqs.push(row.seq);
      olds.push(row.payload);
      news.push(JSON.stringify(next));
    }
    if (devices.length > 0) {
      sealed += await db.transaction(async (tx) => {
        const done = await tx.query(
          `UPDATE ops AS o SET payload = u.next::jsonb
             FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[]) AS u(device_id, seq, old, next)
            WHERE o.device_id = u.device_id AND o.seq = u.seq AND o.payload = u.old::jsonb RETURNING 1`,
          [devices, seqs, olds, news],
        );
        return done.rows.length;
      });
    }
    if (rows.length < batch) return sealed;
  }
}

/**
 * After rotateDataKey (and every HQ process restarted on the new key): re-encrypts every value sealed
 * under an older key of its purpose with the current one, in batches. Idempotent and resumable; once
 * it returns, no value names a retired key, which may then be deleted from data_keys.
 */
export async function resealColumns(
  db: HqDatabase,
  keys: DataKeys,
  options: SealingPassOptions = {},
): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const column of SEALED_COLUMNS) {
    const current = keys.currentKeyId(column.purpose);
    counts[`${column.table}.${column.column}`] = await pass(
      db,
      column,
      `${quoteIdent(column.column)} IS NOT NULL`,
      (value, rowId) => {
        const keyId = sealedKeyId(value);
        if (keyId === current) return null;
        const where = sealedAt(column, rowId);
        // A value still in clear is sealed too; one under an old key is opened and sealed again.
        const plaintext = keyId === null ? value : keys.open(column.purpose, value, where);
        return keys.seal(column.purpose, plaintext, where);
      },
      options,
    );
  }
  return counts;
}

type JsonObject = { [key: string]: unknown };

/**
 * A pushed op as HQ stores it (ops.payload): the enrolment's or profile edit's phone and e-mail sealed
 * like the member row's, bound to the op's row (device and seq) and their path in the payload. Only
 * whether an op carried a contact is read back (incidents/lost-till-exposure.ts), never the contact.
 */
export function sealOpPayloadContacts(
  keys: DataKeys,
  payload: JsonObject,
  deviceId: string,
  seq: number,
  options: {
    /** Leave a value already in the sealed form as it is (the start pass over stored ops; push seals all). */
    keepSealed?: boolean;
  } = {},
): JsonObject {
  return mapOpPayloadContacts(payload, deviceId, seq, (value, where) =>
    value !== '' && !(options.keepSealed === true && isSealedText(value))
      ? keys.seal('member-contacts', value, where)
      : value,
  );
}

/**
 * A stored op's payload with its contacts opened (what sealOpPayloadContacts sealed, at the same
 * places); values not in the sealed form (null, '', or left by an HQ before migration 15) as stored.
 */
export function openOpPayloadContacts(keys: DataKeys, stored: JsonObject, deviceId: string, seq: number): JsonObject {
  return mapOpPayloadContacts(stored, deviceId, seq, (value, where) =>
    isSealedText(value) ? keys.open('member-contacts', value, where) : value,
  );
}

/**
 * The one walk over an op's contacts that sealing and opening share, so both bind a value to the
 * same associated data: the top-level and `changes.` phone and e-mail, each string value passed to
 * `map` with its place (the op's row and its path in the payload). Returns a copy; non-strings as they are.
 */
function mapOpPayloadContacts(
  payload: JsonObject,
  deviceId: string,
  seq: number,
  map: (value: string, where: SealedAt) => string,
): JsonObject {
  const rowId = `${deviceId}/${seq}`;
  const mapIn = (object: JsonObject, path: string): JsonObject => {
    const out: JsonObject = { ...object };
    for (const field of ['phone', 'email'] as const) {
      const value = out[field];
      if (typeof value === 'string')
        out[field] = map(value, { table: 'ops', column: `payload.${path}${field}`, rowId });
    }
    return out;
  };
  const mapped = mapIn(payload, '');
  const changes = mapped.changes;
  if (changes !== null && typeof changes === 'object' && !Array.isArray(changes)) {
    mapped.changes = mapIn(changes as JsonObject, 'changes.');
  }
  return mapped;
}

/**
 * A data-subject export kept for download (member_exports.document, jsonb): the whole document sealed
 * as one JSON string, bound to the export's id.
 */
export function sealExportDocument(keys: DataKeys, exportId: string, document: unknown): string {
  return JSON.stringify(
    keys.seal('member-contacts', JSON.stringify(document), {
      table: 'member_exports',
      column: 'document',
      rowId: exportId,
    }),
  );
}

/** The stored document as read back (jsonb: a string when sealed), opened and parsed. */
export function openExportDocument(keys: DataKeys, exportId: string, stored: unknown): unknown {
  if (typeof stored !== 'string' || !isSealedText(stored)) {
    // Written by an HQ before migration 15: kept in clear until retention deletes it.
    return typeof stored === 'string' ? JSON.parse(stored) : stored;
  }
  return JSON.parse(
    keys.open('member-contacts', stored, { table: 'member_exports', column: 'document', rowId: exportId }),
  );
}
