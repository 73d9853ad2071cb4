import { toInt, type Queryable } from '../db/database';
import type { ExposureSource } from './codes';
import { freshErasedSubject } from './erased-subject';

/**
 * Whose data a lost or stolen till held, and in what form, from what HQ knows (issue 14). A till
 * holds (src/main/sync/engine/apply-pull.ts, PulledMember): every member of the chain its pulls
 * delivered, as name, card, birth date, points, masked contacts and keyed lookup hashes; the full
 * contacts of its own enrolments and profile edits only in the outbox, until it records HQ's answer
 * (apply-push.ts reduces the row to its receipt, shared/sync/op-receipt.ts); revealed contacts only
 * on screen (reveal-contacts.ts writes nothing). Hence three forms, strongest first:
 *
 * - revealed: full contacts shown on this till during the incident's window: its audit entries
 *   member.contacts_revealed and member.exported (the export document holds the contacts), and
 *   HQ's own record of contacts or exports it sent to this till (till_member_requests).
 * - full_contacts: an op of this device carrying a phone or an e-mail (member.enrolled, or a
 *   member.updated changing one) whose answer the till may not have recorded. RULE: HQ counts the
 *   answer recorded only when it heard from the device again MORE THAN A MINUTE after receiving the
 *   op (devices.last_seen_at, a later op, day end, till audit upload or member-data request). Why: the
 *   sync engine records a push's answers before it asks anything else, and HQ refuses a pull until
 *   the till reports them (push_first), so a later exchange means the answer was applied; the
 *   minute because one push settles its ops at slightly different times and last_seen_at is
 *   written at most once a minute (server.ts noteContact). Not covered: a later exchange that was
 *   itself a retry whose answer was lost again; it ends with the device's last contact, so those
 *   ops are the ones this rule keeps.
 * - masked: every member HQ held by the device's last contact plus a minute (tills pull the WHOLE
 *   chain: a member's change_log row has no store, so other stores' members are held too), except
 *   members erased before that contact (their tombstone reached it) and members enrolled elsewhere
 *   after it (no pull delivered them). HQ does not record pulls, so the last contact stands for the
 *   last pull: the engine pulls after every push.
 *
 * What HQ cannot know: anything recorded on the till after its last contact (enrolments with
 * contacts among them). The last day-end manifest says how many ops the till had counted; when it
 * names more than HQ received, the difference is shown as a warning.
 */

export type TillExposure = 'masked' | 'full_contacts' | 'revealed';
const RANK: Readonly<Record<TillExposure, number>> = { masked: 1, full_contacts: 2, revealed: 3 };

export interface ExposedMember {
  memberId: string;
  exposure: TillExposure;
  sources: ExposureSource[];
  erased: boolean;
}

export interface TillContext {
  deviceId: string;
  storeId: string;
  name: string;
  pairedAt: Date;
  revokedAt: Date | null;
  lastSeq: number;
  /** The latest time HQ heard from the device, from any record (null: never after pairing). */
  lastContactAt: Date | null;
  /** The last day-end manifest, with how many of its ops HQ never received. */
  dayEnd: { receivedAt: Date; toSeq: number; counts: Record<string, number>; opsNotReceived: number } | null;
}

export interface LostTillExposure {
  till: TillContext;
  members: ExposedMember[];
  /** Entries naming a member id HQ does not hold (renamed by an erasure): counted, not listed. */
  unresolved: number;
}

/** A contact exchange less than this after an op does not prove its answer was recorded (see above). */
export const ACK_MARGIN_MS = 60_000;

export async function readTillContext(q: Queryable, deviceId: string): Promise<TillContext | null> {
  const found = await q.query<{
    id: string;
    store_id: string;
    name: string;
    created_at: Date;
    revoked_at: Date | null;
    last_seq: unknown;
    last_contact: Date | null;
  }>(
    `SELECT d.id, d.store_id, d.name, d.created_at, d.revoked_at, d.last_seq,
            GREATEST(d.last_seen_at,
                     (SELECT max(o.received_at) FROM ops o WHERE o.device_id = d.id),
                     (SELECT max(a.received_at) FROM till_audit a WHERE a.device_id = d.id),
                     (SELECT max(r.at) FROM till_member_requests r WHERE r.device_id = d.id),
                     (SELECT max(e.received_at) FROM day_ends e WHERE e.device_id = d.id)) AS last_contact
       FROM devices d WHERE d.id = $1`,
    [deviceId],
  );
  const row = found.rows[0];
  if (!row) return null;
  const lastSeq = toInt(row.last_seq);
  const dayEnds = await q.query<{ received_at: Date; to_seq: unknown; manifest: unknown }>(
    'SELECT received_at, to_seq, manifest FROM day_ends WHERE device_id = $1 ORDER BY to_seq DESC, received_at DESC LIMIT 1',
    [deviceId],
  );
  const dayEnd = dayEnds.rows[0];
  let dayEndInfo: TillContext['dayEnd'] = null;
  if (dayEnd) {
    const manifest = (typeof dayEnd.manifest === 'string' ? JSON.parse(dayEnd.manifest) : dayEnd.manifest) as {
      counts?: Record<string, unknown>;
    };
    const counts: Record<string, number> = {};
    for (const [type, n] of Object.entries(manifest.counts ?? {})) if (typeof n === 'number') counts[type] = n;
    const toSeq = toInt(dayEnd.to_seq);
    dayEndInfo = {
      receivedAt: new Date(dayEnd.received_at),
      toSeq,
      counts,
      opsNotReceived: Math.max(0, toSeq - lastSeq),
    };
  }
  return {
    deviceId: row.id,
    storeId: row.store_id,
    name: row.name,
    pairedAt: new Date(row.created_at),
    revokedAt: row.revoked_at === null ? null : new Date(row.revoked_at),
    lastSeq,
    lastContactAt: row.last_contact === null ? null : new Date(row.last_contact),
    dayEnd: dayEndInfo,
  };
}

type Payload = Record<string, unknown>;
const hasContact = (value: unknown): boolean =>
  typeof value === 'object' &&
  value !== null &&
  ((typeof (value as Payload).phone === 'string' && (value as Payload).phone !== '') ||
    (typeof (value as Payload).email === 'string' && (value as Payload).email !== ''));

/** The computation, read-only (the caller stores it in incident_members). Null: no such device. */
export async function computeLostTillExposure(
  q: Queryable,
  input: { deviceId: string; windowStart: Date; windowEnd: Date },
): Promise<LostTillExposure | null> {
  const till = await readTillContext(q, input.deviceId);
  if (!till) return null;
  const found = new Map<string, { exposure: TillExposure; sources: Set<ExposureSource> }>();
  const add = (memberId: string, exposure: TillExposure, source: ExposureSource) => {
    const held = found.get(memberId);
    if (!held) {
      found.set(memberId, { exposure, sources: new Set([source]) });
      return;
    }
    held.sources.add(source);
    if (RANK[exposure] > RANK[held.exposure]) held.exposure = exposure;
  };

  if (till.lastContactAt !== null) {
    const lastContact = till.lastContactAt;
    const pulledBy = new Date(lastContact.getTime() + ACK_MARGIN_MS);
    // When HQ first held each member: its enrolment op's arrival (the op id is the member id), or,
    // for members HQ made itself (demo, imports), the enrolment time.
    const held = await q.query<{ id: string; here: boolean }>(
      `WITH enrol AS (
         SELECT op_id::text AS member_id, min(received_at) AS known_at, bool_or(device_id = $1) AS here
           FROM ops WHERE type = 'member.enrolled' AND outcome = 'applied' GROUP BY op_id)
       SELECT m.id, COALESCE(e.here, false) AS here
         FROM members m LEFT JOIN enrol e ON e.member_id = m.id
        WHERE (COALESCE(e.known_at, m.enrolled_at) <= $2 OR COALESCE(e.here, false))
          AND (m.erased_at IS NULL OR m.erased_at >= $3)
        ORDER BY m.id`,
      [input.deviceId, pulledBy, lastContact],
    );
    for (const row of held.rows) add(row.id, 'masked', row.here ? 'enrolled_here' : 'pulled');

    const unacknowledged = await q.query<{ type: string; payload: unknown }>(
      `SELECT type, payload FROM ops WHERE device_id = $1 AND type IN ('member.enrolled', 'member.updated')
          AND received_at > $2 ORDER BY seq`,
      [input.deviceId, new Date(lastContact.getTime() - ACK_MARGIN_MS)],
    );
    for (const op of unacknowledged.rows) {
      const payload = (typeof op.payload === 'string' ? JSON.parse(op.payload) : op.payload) as Payload;
      const memberId = payload.memberId;
      if (typeof memberId !== 'string') continue;
      if (op.type === 'member.enrolled' && hasContact(payload))
        add(memberId, 'full_contacts', 'enrolment_unacknowledged');
      if (op.type === 'member.updated' && hasContact(payload.changes))
        add(memberId, 'full_contacts', 'update_unacknowledged');
    }
  }

  const shown = await q.query<{ member_id: string; source: ExposureSource }>(
    `SELECT subject_id AS member_id,
            CASE action WHEN 'member.contacts_revealed' THEN 'till_reveal' ELSE 'till_export' END AS source
       FROM till_audit
      WHERE device_id = $1 AND subject_type = 'member' AND subject_id IS NOT NULL
        AND action IN ('member.contacts_revealed', 'member.exported') AND at >= $2 AND at <= $3
     UNION ALL
     SELECT member_id, CASE kind WHEN 'contacts' THEN 'hq_contacts' ELSE 'hq_export' END AS source
       FROM till_member_requests WHERE device_id = $1 AND at >= $2 AND at <= $3`,
    [input.deviceId, input.windowStart, input.windowEnd],
  );
  for (const row of shown.rows) add(row.member_id, 'revealed', row.source);

  // Only members HQ holds are listed. One erased after the till's last contact was still on it, so
  // it counts, but under a fresh erased-subject token, never its id (nobody is left to notify, and
  // the erasure promised the id would not come back).
  const ids = [...found.keys()];
  const known = await q.query<{ id: string; erased: boolean }>(
    'SELECT id, erased_at IS NOT NULL AS erased FROM members WHERE id = ANY($1::text[])',
    [ids],
  );
  const erased = new Map(known.rows.map((row) => [row.id, row.erased]));
  const members: ExposedMember[] = [];
  for (const [memberId, held] of [...found.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const isErased = erased.get(memberId);
    if (isErased === undefined) continue;
    members.push({
      memberId: isErased ? freshErasedSubject() : memberId,
      exposure: held.exposure,
      sources: [...held.sources].sort(),
      erased: isErased,
    });
  }
  return { till, members, unresolved: ids.length - members.length };
}
