import { randomUUID } from 'node:crypto';
import { toInt, type Queryable } from '../db/database';
import { CodedError } from '../errors';
import { incidentClock, type IncidentClock } from './clock';
import {
  ENTRY_TEXT_MAX,
  TILL_KINDS,
  TITLE_MAX,
  type DecisionCode,
  type EntryCode,
  type EntryKind,
  type IncidentKind,
} from './codes';

/**
 * The breach register (GDPR Art. 33/34, issue 14): incidents, their append-only entries, and the
 * optimistic version every change is made against (like the catalogue: a change names the version
 * it was made from, and one made from an older version is refused as a conflict). Titles and entry
 * texts are the officer's words: stored here, never put in a log or the operator audit (the
 * handlers audit ids and codes). Every function runs in the caller's transaction.
 */

export type IncidentErrorCode = 'not_found' | 'conflict' | 'invalid_argument' | 'device_not_found' | 'store_not_found';

/** A refused change; `issue` names the field and why (codes only). */
export class IncidentError extends CodedError<IncidentErrorCode> {
  readonly issue: { path: string; code: string } | undefined;
  constructor(code: IncidentErrorCode, message: string, issue?: { path: string; code: string }) {
    super(code, message);
    this.issue = issue;
  }
}

export interface Actor {
  operatorId: string;
  now: Date;
}

export interface OpenIncidentInput {
  kind: IncidentKind;
  title: string;
  /** When HQ became aware (Art. 33(1)'s clock starts here): now, or earlier; never in the future. */
  awareAt?: Date | undefined;
  storeId?: string | undefined;
  deviceId?: string | undefined;
  staffId?: string | undefined;
  windowStart?: Date | undefined;
  windowEnd?: Date | undefined;
}

const invalid = (path: string, code: string, message: string) =>
  new IncidentError('invalid_argument', message, { path, code });

/** Opens an incident; the clock runs from awareAt. The kind decides what must be named. */
export async function openIncident(
  tx: Queryable,
  input: OpenIncidentInput,
  actor: Actor,
): Promise<{ incidentId: string; version: number; storeId: string | null }> {
  const awareAt = input.awareAt ?? actor.now;
  if (awareAt.getTime() > actor.now.getTime())
    throw invalid('awareAt', 'in_future', 'Awareness cannot be in the future.');
  const title = input.title.trim();
  if (title.length === 0 || title.length > TITLE_MAX)
    throw invalid('title', 'length', 'The title is 1 to 120 characters.');
  const needsTill = TILL_KINDS.includes(input.kind);
  const needsStaff = input.kind === 'staff_misuse';
  if (needsTill && input.deviceId === undefined) throw invalid('deviceId', 'required', 'Name the till.');
  if (needsStaff && input.staffId === undefined) throw invalid('staffId', 'required', 'Name the staff member.');
  if ((needsTill || needsStaff) && (input.windowStart === undefined || input.windowEnd === undefined))
    throw invalid('windowStart', 'required', 'Give the window.');
  if (input.windowStart && input.windowEnd && input.windowStart.getTime() >= input.windowEnd.getTime())
    throw invalid('windowEnd', 'before_start', 'The window ends after it starts.');
  if (input.windowEnd && input.windowEnd.getTime() > actor.now.getTime())
    throw invalid('windowEnd', 'in_future', 'The window cannot end in the future.');

  let storeId = input.storeId ?? null;
  if (input.deviceId !== undefined) {
    const device = await tx.query<{ store_id: string }>('SELECT store_id FROM devices WHERE id = $1', [input.deviceId]);
    const found = device.rows[0];
    if (!found) throw new IncidentError('device_not_found', `No device ${input.deviceId}.`);
    if (storeId !== null && storeId !== found.store_id)
      throw invalid('storeId', 'not_the_tills_store', 'The till belongs to another store.');
    storeId = found.store_id;
  } else if (storeId !== null) {
    const store = await tx.query('SELECT 1 FROM stores WHERE id = $1', [storeId]);
    if (store.rows.length === 0) throw new IncidentError('store_not_found', `No store ${storeId}.`);
  }

  const incidentId = randomUUID();
  await tx.query(
    `INSERT INTO incidents (id, kind, title, status, aware_at, opened_at, opened_by, store_id, device_id, staff_id,
       window_start, window_end, version)
     VALUES ($1, $2, $3, 'open', $4, $5, $6, $7, $8, $9, $10, $11, 1)`,
    [
      incidentId,
      input.kind,
      title,
      awareAt,
      actor.now,
      actor.operatorId,
      storeId,
      input.deviceId ?? null,
      input.staffId ?? null,
      input.windowStart ?? null,
      input.windowEnd ?? null,
    ],
  );
  await appendEntry(tx, incidentId, { kind: 'action', code: 'opened', text: '' }, actor);
  return { incidentId, version: 1, storeId };
}

export async function appendEntry(
  tx: Queryable,
  incidentId: string,
  entry: { kind: EntryKind; code: EntryCode | null; text: string },
  actor: Actor,
): Promise<string> {
  const entryId = randomUUID();
  // The caller holds the incident's row lock (lockForChange, or the insert of openIncident), so the
  // next seq is this transaction's alone.
  await tx.query(
    `INSERT INTO incident_entries (id, incident_id, seq, kind, code, text, at, operator_id)
     SELECT $1::uuid, $2::uuid, COALESCE(max(seq), 0) + 1, $3::text, $4::text, $5::text, $6::timestamptz, $7::text
       FROM incident_entries WHERE incident_id = $2::uuid`,
    [entryId, incidentId, entry.kind, entry.code, entry.text, actor.now, actor.operatorId],
  );
  return entryId;
}

interface IncidentRow {
  id: string;
  kind: IncidentKind;
  title: string;
  status: 'open' | 'closed';
  aware_at: Date;
  opened_at: Date;
  opened_by: string;
  store_id: string | null;
  device_id: string | null;
  staff_id: string | null;
  window_start: Date | null;
  window_end: Date | null;
  regulator_notified_at: Date | null;
  regulator_reference: string | null;
  members_notified_at: Date | null;
  closed_at: Date | null;
  version: unknown;
}

/**
 * Takes the incident's row lock and checks the version the change was made from. A closed incident
 * takes no more changes: the register is the record.
 */
export async function lockForChange(
  tx: Queryable,
  incidentId: string,
  baseVersion: number,
): Promise<IncidentRow & { version: number }> {
  const found = await tx.query<IncidentRow>('SELECT * FROM incidents WHERE id = $1 FOR UPDATE', [incidentId]);
  const row = found.rows[0];
  if (!row) throw new IncidentError('not_found', `No incident ${incidentId}.`);
  const version = toInt(row.version);
  if (version !== baseVersion)
    throw new IncidentError('conflict', 'Another operator changed this incident first: reload and try again.');
  if (row.status === 'closed') throw invalid('incidentId', 'closed', 'The incident is closed.');
  return { ...row, version };
}

/** The next version, written; returns it. */
export async function bumpVersion(tx: Queryable, incidentId: string, version: number): Promise<number> {
  await tx.query('UPDATE incidents SET version = $2 WHERE id = $1', [incidentId, version + 1]);
  return version + 1;
}

const checkText = (text: string): string => {
  const trimmed = text.trim();
  if (trimmed.length === 0 || trimmed.length > ENTRY_TEXT_MAX)
    throw invalid('text', 'length', 'The text is 1 to 2000 characters.');
  return trimmed;
};

/** An assessment note or a decision (with its code), appended; never edited. */
export async function addEntry(
  tx: Queryable,
  incidentId: string,
  baseVersion: number,
  entry: { kind: 'assessment' } | { kind: 'decision'; code: DecisionCode },
  text: string,
  actor: Actor,
): Promise<{ entryId: string; version: number }> {
  const row = await lockForChange(tx, incidentId, baseVersion);
  const entryId = await appendEntry(
    tx,
    incidentId,
    { kind: entry.kind, code: entry.kind === 'decision' ? entry.code : null, text: checkText(text) },
    actor,
  );
  return { entryId, version: await bumpVersion(tx, incidentId, row.version) };
}

const checkPast = (at: Date, awareAt: Date, now: Date, path: string): void => {
  if (at.getTime() > now.getTime()) throw invalid(path, 'in_future', 'The date cannot be in the future.');
  if (at.getTime() < awareAt.getTime()) throw invalid(path, 'before_aware', 'The date is before awareness.');
};

/** The supervisory authority was told (Art. 33): when, and its reference. Recorded once. */
export async function recordRegulatorNotification(
  tx: Queryable,
  incidentId: string,
  baseVersion: number,
  notice: { notifiedAt: Date; reference: string },
  actor: Actor,
): Promise<{ version: number }> {
  const row = await lockForChange(tx, incidentId, baseVersion);
  if (row.regulator_notified_at !== null) throw invalid('notifiedAt', 'already_recorded', 'Already recorded.');
  checkPast(notice.notifiedAt, new Date(row.aware_at), actor.now, 'notifiedAt');
  await tx.query('UPDATE incidents SET regulator_notified_at = $2, regulator_reference = $3 WHERE id = $1', [
    incidentId,
    notice.notifiedAt,
    notice.reference,
  ]);
  await appendEntry(tx, incidentId, { kind: 'notification', code: 'regulator_notified', text: '' }, actor);
  return { version: await bumpVersion(tx, incidentId, row.version) };
}

/** The members were told (Art. 34): when. Recorded once. */
export async function recordMembersNotification(
  tx: Queryable,
  incidentId: string,
  baseVersion: number,
  notifiedAt: Date,
  actor: Actor,
): Promise<{ version: number }> {
  const row = await lockForChange(tx, incidentId, baseVersion);
  if (row.members_notified_at !== null) throw invalid('notifiedAt', 'already_recorded', 'Already recorded.');
  checkPast(notifiedAt, new Date(row.aware_at), actor.now, 'notifiedAt');
  await tx.query('UPDATE incidents SET members_notified_at = $2 WHERE id = $1', [incidentId, notifiedAt]);
  await appendEntry(tx, incidentId, { kind: 'notification', code: 'members_notified', text: '' }, actor);
  return { version: await bumpVersion(tx, incidentId, row.version) };
}

/** Whether the latest notifiable/not_notifiable decision says "not notifiable". */
async function decidedNotNotifiable(q: Queryable, incidentId: string): Promise<boolean> {
  const found = await q.query<{ code: string }>(
    `SELECT code FROM incident_entries WHERE incident_id = $1 AND kind = 'decision'
        AND code IN ('notifiable', 'not_notifiable') ORDER BY seq DESC LIMIT 1`,
    [incidentId],
  );
  return found.rows[0]?.code === 'not_notifiable';
}

/**
 * Closes with a decision (the officer's words). Only once the Art. 33 question is answered: the
 * regulator was told, or the incident was decided not notifiable.
 */
export async function closeIncident(
  tx: Queryable,
  incidentId: string,
  baseVersion: number,
  text: string,
  actor: Actor,
): Promise<{ version: number }> {
  const row = await lockForChange(tx, incidentId, baseVersion);
  const decision = checkText(text);
  if (row.regulator_notified_at === null && !(await decidedNotNotifiable(tx, incidentId)))
    throw invalid('incidentId', 'notification_undecided', 'Record the regulator notification or decide first.');
  await tx.query(`UPDATE incidents SET status = 'closed', closed_at = $2 WHERE id = $1`, [incidentId, actor.now]);
  await appendEntry(tx, incidentId, { kind: 'decision', code: 'closed', text: decision }, actor);
  return { version: await bumpVersion(tx, incidentId, row.version) };
}

export type ExposureCounts = Record<'masked' | 'full_contacts' | 'revealed' | 'touched', number>;

export interface IncidentSummary {
  incidentId: string;
  kind: IncidentKind;
  title: string;
  status: 'open' | 'closed';
  awareAt: string;
  openedAt: string;
  openedBy: string;
  storeId: string | null;
  deviceId: string | null;
  staffId: string | null;
  windowStart: string | null;
  windowEnd: string | null;
  regulatorNotifiedAt: string | null;
  regulatorReference: string | null;
  membersNotifiedAt: string | null;
  closedAt: string | null;
  version: number;
  clock: { state: IncidentClock['state']; deadlineAt: string; msLeft: number };
  exposure: ExposureCounts;
}

const isoOrNull = (value: Date | null): string | null => (value === null ? null : new Date(value).toISOString());

async function summarise(q: Queryable, rows: readonly IncidentRow[], now: Date): Promise<IncidentSummary[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((row) => row.id);
  const counts = await q.query<{ incident_id: string; exposure: keyof ExposureCounts; n: unknown }>(
    `SELECT incident_id::text AS incident_id, exposure, count(*) AS n FROM incident_members
      WHERE incident_id = ANY($1::uuid[]) GROUP BY incident_id, exposure`,
    [ids],
  );
  const decided = await q.query<{ incident_id: string; code: string }>(
    `SELECT DISTINCT ON (incident_id) incident_id::text AS incident_id, code FROM incident_entries
      WHERE incident_id = ANY($1::uuid[]) AND kind = 'decision' AND code IN ('notifiable', 'not_notifiable')
      ORDER BY incident_id, seq DESC`,
    [ids],
  );
  const notNotifiable = new Set(decided.rows.filter((row) => row.code === 'not_notifiable').map((r) => r.incident_id));
  return rows.map((row) => {
    const exposure: ExposureCounts = { masked: 0, full_contacts: 0, revealed: 0, touched: 0 };
    for (const count of counts.rows) if (count.incident_id === row.id) exposure[count.exposure] = toInt(count.n);
    const clock = incidentClock({
      awareAt: new Date(row.aware_at),
      regulatorNotifiedAt: row.regulator_notified_at === null ? null : new Date(row.regulator_notified_at),
      notNotifiable: notNotifiable.has(row.id),
      now,
    });
    return {
      incidentId: row.id,
      kind: row.kind,
      title: row.title,
      status: row.status,
      awareAt: new Date(row.aware_at).toISOString(),
      openedAt: new Date(row.opened_at).toISOString(),
      openedBy: row.opened_by,
      storeId: row.store_id,
      deviceId: row.device_id,
      staffId: row.staff_id,
      windowStart: isoOrNull(row.window_start),
      windowEnd: isoOrNull(row.window_end),
      regulatorNotifiedAt: isoOrNull(row.regulator_notified_at),
      regulatorReference: row.regulator_reference,
      membersNotifiedAt: isoOrNull(row.members_notified_at),
      closedAt: isoOrNull(row.closed_at),
      version: toInt(row.version),
      clock: { state: clock.state, deadlineAt: clock.deadlineAt.toISOString(), msLeft: clock.msLeft },
      exposure,
    };
  });
}

/** Open incidents first (the nearest deadline first), then closed ones, newest first. */
export async function listIncidents(q: Queryable, now: Date, limit = 200): Promise<IncidentSummary[]> {
  const found = await q.query<IncidentRow>(
    `SELECT * FROM incidents ORDER BY (status = 'open') DESC,
            CASE WHEN status = 'open' THEN aware_at END ASC, opened_at DESC, id LIMIT $1`,
    [limit],
  );
  return summarise(q, found.rows, now);
}

/** The open incidents (of one store, or all), nearest deadline first, each with the register's clock. */
export async function listOpenIncidents(q: Queryable, now: Date, storeId: string | null): Promise<IncidentSummary[]> {
  const found = await q.query<IncidentRow>(
    `SELECT * FROM incidents WHERE status = 'open' AND ($1::text IS NULL OR store_id = $1) ORDER BY aware_at, id`,
    [storeId],
  );
  return summarise(q, found.rows, now);
}

export async function readIncident(q: Queryable, incidentId: string, now: Date): Promise<IncidentSummary> {
  const found = await q.query<IncidentRow>('SELECT * FROM incidents WHERE id = $1', [incidentId]);
  const [summary] = await summarise(q, found.rows, now);
  if (!summary) throw new IncidentError('not_found', `No incident ${incidentId}.`);
  return summary;
}

export interface IncidentEntry {
  entryId: string;
  kind: EntryKind;
  code: string | null;
  text: string;
  at: string;
  operatorId: string | null;
}

export async function readEntries(q: Queryable, incidentId: string): Promise<IncidentEntry[]> {
  const found = await q.query<{
    id: string;
    kind: EntryKind;
    code: string | null;
    text: string;
    at: Date;
    operator_id: string | null;
  }>(
    `SELECT id::text AS id, kind, code, text, at, operator_id FROM incident_entries WHERE incident_id = $1
      ORDER BY seq`,
    [incidentId],
  );
  return found.rows.map((row) => ({
    entryId: row.id,
    kind: row.kind,
    code: row.code,
    text: row.text,
    at: new Date(row.at).toISOString(),
    operatorId: row.operator_id,
  }));
}
