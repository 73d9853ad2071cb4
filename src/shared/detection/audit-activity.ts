import { MAX_LISTED_MEMBERS, type ActivityEvent, type MemberRelation } from './activity';

/** An audit entry as the till keeps it (AuditEntry) or as HQ stores a till's (till_audit, with its device). */
export interface AuditLike {
  seq: number;
  at: string;
  staffId: string | null;
  action: string;
  subjectType: string | null;
  subjectId: string | null;
  details: Readonly<Record<string, string | number | boolean | null>>;
  deviceId?: string;
}

/** Things done for a member at the counter: each one is the sale that follows a lookup. */
const TRANSACTIONS: ReadonlySet<string> = new Set([
  'points.earned',
  'points.redeemed',
  'member.enrolled',
  'member.updated',
  'consent.changed',
]);

/**
 * approval.refused reasons that mean the approver's PIN was wrong (not a reused or expired approval).
 * Today's till writes a wrong approval PIN as session.login_failed (purpose approval, approverId) and
 * gives approval.refused other reasons only; these are read in case an entry says otherwise, and
 * are never written alongside a session.login_failed for the same PIN (that would count it twice).
 */
export const WRONG_PIN_REASONS: ReadonlySet<string> = new Set(['wrong_pin', 'login_failed']);

/**
 * The activity event an audit entry stands for, or null when no rule reads it (or it names no staff
 * member). `relationOf` says whether a member is the staff member or a colleague; without it no
 * open carries a relation. Only ids and codes are read: the mapping sees no personal data.
 */
export function activityFromAudit(
  entry: AuditLike,
  relationOf?: (memberId: string, staffId: string) => MemberRelation | undefined,
): ActivityEvent | null {
  const member = entry.subjectType === 'member' ? entry.subjectId : null;
  const base = (staffId: string, kind: ActivityEvent['kind'], memberId: string | null): ActivityEvent => ({
    at: entry.at,
    staffId,
    kind,
    memberId,
    auditSeq: entry.seq,
    ...(entry.deviceId === undefined ? {} : { deviceId: entry.deviceId }),
  });

  switch (entry.action) {
    case 'session.login_failed': {
      // The PIN was typed as the staff member named: theirs is the failure, whoever stood at the till
      // (an approval's entry names the signed-in staff member and the claimed approver apart).
      const typedFor = text(entry.details.approverId) ?? (entry.subjectType === 'staff' ? entry.subjectId : null);
      const staffId = typedFor ?? entry.staffId;
      return staffId ? base(staffId, 'pin_failure', null) : null;
    }
    case 'approval.refused': {
      const reason = text(entry.details.reason);
      if (reason === null || !WRONG_PIN_REASONS.has(reason)) return null;
      // Older entries recorded the claimed approver as the actor; newer ones as details.approverId.
      const staffId = text(entry.details.approverId) ?? entry.staffId;
      return staffId ? base(staffId, 'pin_failure', null) : null;
    }
  }

  const staffId = entry.staffId;
  if (!staffId) return null;
  switch (entry.action) {
    case 'member.searched': {
      const by = text(entry.details.by);
      const listed = listedIds(entry.details.memberIds);
      return {
        ...base(staffId, 'lookup', null),
        ...(by ? { by } : {}),
        ...(listed.length > 0 ? { listedMemberIds: listed } : {}),
      };
    }
    case 'member.viewed': {
      if (!member) return null;
      const relation = relationOf?.(member, staffId);
      return relation
        ? { ...base(staffId, 'member_opened', member), relation }
        : base(staffId, 'member_opened', member);
    }
    case 'member.contacts_revealed':
      return member ? base(staffId, 'contacts_revealed', member) : null;
    case 'member.exported':
      return member ? base(staffId, 'member_exported', member) : null;
    case 'points.adjusted':
    case 'points.reversed': {
      if (!member) return null;
      // corrections.ts records the signed points moved in details.points.
      const points = entry.details.points;
      return {
        ...base(staffId, 'correction', member),
        points: typeof points === 'number' && Number.isFinite(points) ? Math.abs(points) : 0,
      };
    }
    default:
      return TRANSACTIONS.has(entry.action) && member ? base(staffId, 'transaction', member) : null;
  }
}

/** member.searched details.memberIds: ids joined by ',' (details are flat scalars); older entries have none. */
function listedIds(value: string | number | boolean | null | undefined): string[] {
  if (typeof value !== 'string' || value.length === 0) return [];
  return [...new Set(value.split(',').filter((id) => id.length > 0))].slice(0, MAX_LISTED_MEMBERS);
}

function text(value: string | number | boolean | null | undefined): string | null {
  return typeof value === 'string' && value.length > 0 ? value : null;
}
