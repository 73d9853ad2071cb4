import type { AuditUploadEntry, AuditUploadResponse } from '../../../../src/shared/sync/protocol';
import { canonicalJson } from '../../../../src/shared/canonical-json';
import { toInt, type Queryable } from '../db/database';
import { HqHttpError } from '../errors';
import { freshErasedSubject } from '../incidents/erased-subject';
import type { AuthenticatedDevice } from '../push/push';

export interface StoredAuditEntry extends AuditUploadEntry {
  deviceId: string;
}

export interface AuditUploadResult {
  response: AuditUploadResponse;
  /** The entries this upload added (none for a refusal or a pure retry), for detection. */
  stored: StoredAuditEntry[];
}

interface DeviceChain {
  seq: number;
  hash: string | null;
}

async function lockDeviceChain(tx: Queryable, device: AuthenticatedDevice): Promise<DeviceChain> {
  // The device row lock serializes one device's uploads, so its chain grows one entry at a time.
  const found = await tx.query<{ audit_seq: unknown; audit_hash: string | null; revoked_at: Date | null }>(
    'SELECT audit_seq, audit_hash, revoked_at FROM devices WHERE id = $1 FOR UPDATE',
    [device.deviceId],
  );
  const row = found.rows[0];
  if (!row || row.revoked_at !== null) throw new HqHttpError('device_revoked', 'This device has been revoked.');
  return { seq: toInt(row.audit_seq), hash: row.audit_hash };
}

type Plan =
  | { kind: 'store'; entries: AuditUploadEntry[]; duplicates: number; head: DeviceChain }
  | { kind: 'refuse'; reason: 'gap' | 'fork' | 'rewritten'; atSeq: number };

/**
 * Decides what to do with a batch before anything is written: every entry must either be one HQ
 * holds already, with the same hash (a retried batch), or the device's next, linked to the hash
 * before it. HQ cannot check the chain's MACs (the key never leaves the till); it checks the links,
 * so an entry cut out, inserted or changed after HQ took it shows as a gap, a fork or a rewrite.
 */
async function plan(tx: Queryable, deviceId: string, chain: DeviceChain, entries: AuditUploadEntry[]): Promise<Plan> {
  let head: DeviceChain = { ...chain };
  const fresh: AuditUploadEntry[] = [];
  let duplicates = 0;
  const held = await tx.query<{ seq: unknown; hash: string }>(
    'SELECT seq, hash FROM till_audit WHERE device_id = $1 AND seq = ANY($2::bigint[])',
    [deviceId, entries.filter((e) => e.seq <= chain.seq).map((e) => e.seq)],
  );
  const heldHash = new Map(held.rows.map((row) => [toInt(row.seq), row.hash]));
  for (const entry of entries) {
    if (entry.seq <= head.seq && fresh.length === 0) {
      const hash = heldHash.get(entry.seq);
      // An entry older than the first HQ took (the till's chain reached HQ from a later start) is
      // not held and cannot be compared: it changes nothing.
      if (hash !== undefined && hash !== entry.hash) return { kind: 'refuse', reason: 'rewritten', atSeq: entry.seq };
      duplicates += 1;
      continue;
    }
    const first = head.seq === 0 && head.hash === null;
    // The first upload of a device may start anywhere (a till's retention may have cut its start):
    // its prevHash is taken as given.
    if (!first && entry.seq !== head.seq + 1) {
      return { kind: 'refuse', reason: entry.seq > head.seq + 1 ? 'gap' : 'fork', atSeq: entry.seq };
    }
    if (!first && entry.prevHash !== head.hash) return { kind: 'refuse', reason: 'fork', atSeq: entry.seq };
    fresh.push(entry);
    head = { seq: entry.seq, hash: entry.hash };
  }
  return { kind: 'store', entries: fresh, duplicates, head };
}

/** member.searched's details.memberIds: the listed members' ids joined by ',' (details are flat scalars). */
const LISTED_IDS_KEY = 'memberIds';

/** Every member id an entry may name: its member subject, any detail value, the ids a search listed. */
function namedIds(entry: AuditUploadEntry): string[] {
  const ids: string[] = [];
  if (entry.subjectType === 'member' && entry.subjectId !== null) ids.push(entry.subjectId);
  for (const [key, value] of Object.entries(entry.details)) {
    if (typeof value !== 'string' || value === '') continue;
    if (key === LISTED_IDS_KEY) ids.push(...value.split(','));
    else ids.push(value);
  }
  return ids;
}

/**
 * The batch with every erased member's id replaced by an erased-subject token, as the erasure
 * renamed the entries HQ already held (privacy/erasure.ts). The erasure runs once and keeps no link
 * from a member to its token (by design: nothing turns one into the other), so a till that uploads
 * after it would otherwise bring the real id back, into till_audit and, through detection, into
 * detection_alerts. Each erased member gets one fresh random token per batch, so the rules still
 * count one member once within it. Which keys: the member subject, any detail whose whole value is
 * the id (memberId, an approval's target: the erasure's own rule) and the ids a search listed.
 */
async function renameErasedMembers(tx: Queryable, entries: AuditUploadEntry[]): Promise<AuditUploadEntry[]> {
  const candidates = [...new Set(entries.flatMap(namedIds))];
  if (candidates.length === 0) return entries;
  const erased = await tx.query<{ id: string }>(
    'SELECT id FROM members WHERE id = ANY($1::text[]) AND erased_at IS NOT NULL',
    [candidates],
  );
  if (erased.rows.length === 0) return entries;
  const token = new Map(erased.rows.map((row) => [row.id, freshErasedSubject()]));
  const rename = (id: string): string => token.get(id) ?? id;
  return entries.map((entry) => {
    const details: AuditUploadEntry['details'] = {};
    for (const [key, value] of Object.entries(entry.details)) {
      if (typeof value !== 'string' || value === '') details[key] = value;
      else details[key] = key === LISTED_IDS_KEY ? value.split(',').map(rename).join(',') : rename(value);
    }
    return {
      ...entry,
      subjectId: entry.subjectType === 'member' && entry.subjectId !== null ? rename(entry.subjectId) : entry.subjectId,
      details,
    };
  });
}

/**
 * Stores an upload of a device's audit entries (POST /v1/audit) in `tx`: all of the batch that is
 * new, with devices.audit_seq/audit_hash, or nothing. A fork or a rewritten entry is recorded in
 * till_audit_refusals for operators (ids and seqs only); a gap is not — it means HQ holds less than
 * the till thought (the till resends from ackedSeq).
 */
export async function storeAuditEntries(
  tx: Queryable,
  device: AuthenticatedDevice,
  entries: AuditUploadEntry[],
  receivedAt: Date,
): Promise<AuditUploadResult> {
  for (let i = 1; i < entries.length; i++) {
    if ((entries[i]?.seq ?? 0) !== (entries[i - 1]?.seq ?? 0) + 1)
      throw new HqHttpError('bad_request', 'Audit entries are sent in seq order, one after another.');
  }
  const chain = await lockDeviceChain(tx, device);
  const decided = await plan(tx, device.deviceId, chain, entries);
  if (decided.kind === 'refuse') {
    if (decided.reason !== 'gap') {
      await tx.query(
        `INSERT INTO till_audit_refusals (device_id, reason, at_seq, first_at, last_at) VALUES ($1, $2, $3, $4, $4)
         ON CONFLICT (device_id, reason, at_seq)
         DO UPDATE SET last_at = excluded.last_at, attempts = till_audit_refusals.attempts + 1`,
        [device.deviceId, decided.reason, decided.atSeq, receivedAt],
      );
    }
    return {
      response: {
        status: 'refused',
        reason: decided.reason,
        atSeq: decided.atSeq,
        ackedSeq: chain.seq,
        ackedHash: chain.hash,
      },
      stored: [],
    };
  }
  // Stored as the till sent them but for erased members' ids (the hash stays the till's: HQ checks
  // the links, never the MACs, and the erasure renames stored entries the same way).
  const fresh = await renameErasedMembers(tx, decided.entries);
  for (const entry of fresh) {
    await tx.query(
      `INSERT INTO till_audit (device_id, seq, at, staff_id, action, subject_type, subject_id, details, prev_hash,
                               hash, received_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9, $10, $11)`,
      [
        device.deviceId,
        entry.seq,
        entry.at,
        entry.staffId,
        entry.action,
        entry.subjectType,
        entry.subjectId,
        canonicalJson(entry.details),
        entry.prevHash,
        entry.hash,
        receivedAt,
      ],
    );
  }
  if (fresh.length > 0) {
    await tx.query('UPDATE devices SET audit_seq = $2, audit_hash = $3 WHERE id = $1', [
      device.deviceId,
      decided.head.seq,
      decided.head.hash,
    ]);
  }
  return {
    response: {
      status: 'accepted',
      ackedSeq: decided.head.seq,
      ackedHash: decided.head.hash,
      stored: fresh.length,
      duplicates: decided.duplicates,
    },
    stored: fresh.map((entry) => ({ ...entry, deviceId: device.deviceId })),
  };
}
