/**
 * What the rules read: one event per thing a staff member did, made from an audit entry (the till's
 * own, or one a till uploaded to HQ) by ./audit-activity.ts. Ids only: no name or contact.
 */
export const ACTIVITY_KINDS = [
  /** A search at the counter (by card, phone, e-mail or name). */
  'lookup',
  /** A member's record opened. */
  'member_opened',
  /** A member's full contacts shown (at the till, or fetched from HQ). */
  'contacts_revealed',
  /** A member's data export handed over. */
  'member_exported',
  /** Something done for the member: earn, redeem, enrolment, profile or consent change. */
  'transaction',
  /** An adjustment or a reversal, with the points it moved (absolute). */
  'correction',
  /** A wrong PIN typed as this staff member (sign-in or approval). */
  'pin_failure',
] as const;
export type ActivityKind = (typeof ACTIVITY_KINDS)[number];

/** Whose record it is, when the member is known to be a staff member of the chain. */
export type MemberRelation = 'self' | 'colleague';

export interface ActivityEvent {
  /** ISO 8601 instant. */
  at: string;
  staffId: string;
  kind: ActivityKind;
  memberId?: string | null;
  /** correction: the points moved, absolute. */
  points?: number;
  /** lookup: what the search matched as (member.searched details.by: card, phone, email, name). */
  by?: string;
  /**
   * lookup: the members the search listed (member.searched details.memberIds), in list order, at
   * most MAX_LISTED_MEMBERS. The list shows names, cards and balances: reading it is a look too.
   */
  listedMemberIds?: string[];
  /** member_opened: set when the member is this staff member or a colleague. */
  relation?: MemberRelation;
  /** The till it happened on (HQ reads several). */
  deviceId?: string;
  /** The audit entry it came from, so an alert can name what triggered it. */
  auditSeq?: number;
}

/** One rule firing: what an alert records and shows. */
export interface DetectionFinding {
  rule: import('./policy').DetectionRuleId;
  staffId: string;
  /** When it fired: the time of the event that crossed the threshold. */
  at: string;
  windowStart: string;
  windowEnd: string;
  /** What was counted (distinct members, lookups, failures, points…) and the threshold it passed. */
  count: number;
  threshold: number;
  /** The members involved, at most MAX_FINDING_MEMBERS, ids only. */
  memberIds: string[];
  /** The audit entries that triggered it (at most MAX_FINDING_MEMBERS), per device at HQ. */
  auditRefs: { deviceId?: string; seq: number }[];
}

export const MAX_FINDING_MEMBERS = 50;

/** A search lists at most this many members (members.find's limit); the audit records as many ids. */
export const MAX_LISTED_MEMBERS = 50;
