import type { Queryable } from '../db/database';
import type { TouchAction } from './codes';
import { freshErasedSubject } from './erased-subject';

/**
 * The members a named staff member touched in a window, across every till (issue 14, staff
 * misuse): from the tills' audit chains HQ holds (till_audit: opened, searched, contacts revealed,
 * exported) and the ops HQ received with that staff id (enrolled, profile or consent changed,
 * points). Times are the till's own (the audit entry's `at`, the op's device time), since they say
 * when the staff member acted. HQ's own record of contacts it sent to a till for them
 * (till_member_requests) counts when the till's audit entry of it has not reached HQ yet.
 */

export interface TouchedMember {
  memberId: string;
  erased: boolean;
  actions: Record<TouchAction, number>;
  devices: string[];
  firstAt: Date;
  lastAt: Date;
}

const AUDIT_ACTIONS: Readonly<Record<string, TouchAction>> = {
  'member.viewed': 'viewed',
  'member.searched': 'searched',
  'member.contacts_revealed': 'revealed',
  'member.exported': 'exported',
};

const OP_ACTIONS: Readonly<Record<string, TouchAction>> = {
  'member.enrolled': 'changed',
  'member.updated': 'changed',
  'consent.changed': 'changed',
  'member.erasure_requested': 'changed',
  'points.earned': 'points',
  'points.redeemed': 'points',
  'points.adjusted': 'points',
  'points.reversed': 'points',
};

const emptyActions = (): Record<TouchAction, number> => ({
  viewed: 0,
  searched: 0,
  revealed: 0,
  exported: 0,
  changed: 0,
  points: 0,
});

export async function computeStaffTouched(
  q: Queryable,
  input: { staffId: string; windowStart: Date; windowEnd: Date },
): Promise<{ members: TouchedMember[]; unresolved: number }> {
  const touched = new Map<
    string,
    { actions: Record<TouchAction, number>; devices: Set<string>; first: Date; last: Date }
  >();
  const note = (memberId: string, action: TouchAction, deviceId: string, at: Date, count = 1) => {
    let held = touched.get(memberId);
    if (!held) {
      held = { actions: emptyActions(), devices: new Set(), first: at, last: at };
      touched.set(memberId, held);
    }
    held.actions[action] += count;
    held.devices.add(deviceId);
    if (at < held.first) held.first = at;
    if (at > held.last) held.last = at;
  };
  const inWindow = (at: Date) => !Number.isNaN(at.getTime()) && at >= input.windowStart && at <= input.windowEnd;

  // A search has no subject: the members its result list showed (name, card, balance, masked phone)
  // are in details.memberIds, joined by ',' (src/main/detection/access-audit.ts). Each counts as
  // "searched": listed to this staff member, whom they may have been looking for.
  const audit = await q.query<{
    device_id: string;
    action: string;
    subject_id: string | null;
    listed: string | null;
    at: Date;
  }>(
    `SELECT device_id, action, CASE WHEN subject_type = 'member' THEN subject_id END AS subject_id,
            CASE WHEN action = 'member.searched' THEN details->>'memberIds' END AS listed, at
       FROM till_audit
      WHERE staff_id = $1 AND action = ANY($2::text[]) AND at >= $3 AND at <= $4
        AND ((subject_type = 'member' AND subject_id IS NOT NULL) OR action = 'member.searched')
      ORDER BY at`,
    [input.staffId, Object.keys(AUDIT_ACTIONS), input.windowStart, input.windowEnd],
  );
  const auditRevealed = new Map<string, number>();
  for (const row of audit.rows) {
    const action = AUDIT_ACTIONS[row.action];
    if (!action) continue;
    if (row.listed !== null) {
      for (const listed of new Set(row.listed.split(',').filter((id) => id !== '')))
        note(listed, action, row.device_id, new Date(row.at));
    }
    if (row.subject_id === null) continue;
    note(row.subject_id, action, row.device_id, new Date(row.at));
    if (action === 'revealed' || action === 'exported') {
      const key = `${row.subject_id} ${action}`;
      auditRevealed.set(key, (auditRevealed.get(key) ?? 0) + 1);
    }
  }

  // HQ's record of what it sent: counted only beyond what the tills' own entries already say.
  const requests = await q.query<{ device_id: string; member_id: string; kind: string; at: Date }>(
    `SELECT device_id, member_id, kind, at FROM till_member_requests
      WHERE staff_id = $1 AND at >= $2 AND at <= $3 ORDER BY at`,
    [input.staffId, input.windowStart, input.windowEnd],
  );
  const hqCounts = new Map<string, { count: number; deviceId: string; at: Date }>();
  for (const row of requests.rows) {
    const key = `${row.member_id} ${row.kind === 'contacts' ? 'revealed' : 'exported'}`;
    const held = hqCounts.get(key);
    hqCounts.set(key, { count: (held?.count ?? 0) + 1, deviceId: row.device_id, at: new Date(row.at) });
  }
  for (const [key, held] of hqCounts) {
    const missing = held.count - (auditRevealed.get(key) ?? 0);
    const [memberId = '', action = 'revealed'] = key.split(' ');
    if (missing > 0) note(memberId, action as TouchAction, held.deviceId, held.at, missing);
  }

  const ops = await q.query<{
    device_id: string;
    type: string;
    device_time: string;
    member_id: string | null;
    payload: unknown;
  }>(
    `SELECT device_id, type, device_time, COALESCE(member_id, payload->>'memberId') AS member_id, payload
       FROM ops WHERE staff_id = $1 AND outcome = 'applied' AND type = ANY($2::text[]) ORDER BY device_id, seq`,
    [input.staffId, Object.keys(OP_ACTIONS)],
  );
  for (const row of ops.rows) {
    const action = OP_ACTIONS[row.type];
    const at = new Date(row.device_time);
    if (!action || row.member_id === null || !inWindow(at)) continue;
    note(row.member_id, action, row.device_id, at);
  }

  const ids = [...touched.keys()];
  const known = await q.query<{ id: string; erased: boolean }>(
    'SELECT id, erased_at IS NOT NULL AS erased FROM members WHERE id = ANY($1::text[])',
    [ids],
  );
  const erased = new Map(known.rows.map((row) => [row.id, row.erased]));
  const members: TouchedMember[] = [];
  for (const [memberId, held] of [...touched.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const isErased = erased.get(memberId);
    if (isErased === undefined) continue;
    members.push({
      // An erased member touched in the window counts, under a fresh token (lost-till-exposure.ts).
      memberId: isErased ? freshErasedSubject() : memberId,
      erased: isErased,
      actions: held.actions,
      devices: [...held.devices].sort(),
      firstAt: held.first,
      lastAt: held.last,
    });
  }
  return { members, unresolved: ids.length - members.length };
}
