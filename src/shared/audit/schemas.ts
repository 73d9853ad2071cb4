import { z } from 'zod';

/** What the audit log records. Entries hold ids and codes, never names, contacts or PINs. */
export const AUDIT_ACTIONS = [
  'staff.bootstrap',
  'staff.added',
  'session.login',
  'session.login_failed',
  'session.login_delayed',
  'session.lockout',
  'session.locked',
  'session.logout',
  'staff.pin_changed',
  'staff.pin_reset',
  'staff.unlocked',
  'approval.granted',
  'approval.refused',
  'approval.requested',
  'approval.denied',
  'approval.used',
  'member.enrolled',
  'member.updated',
  'member.contacts_revealed',
  'member.erasure_requested',
  'member.erased_here',
  /** A member's data export handed over at this till (from HQ, or this till's own partial one). */
  'member.exported',
  'consent.changed',
  'points.earned',
  'points.redeemed',
  'points.adjusted',
  'points.reversed',
  'settings.changed',
  'audit.verified',
  /** The till's retention job deleted audit entries older than the chain's policy. */
  'audit.purged',
  'device.paired',
  'device.revoked',
  'sync.run',
  'sync.day_end',
  /** A search at the counter: details { by: card|phone|email|name, results }. Never the search text. */
  'member.searched',
  /** A member's record opened (members.get): subject the member. */
  'member.viewed',
  /** A detection rule fired here: subject the alert, details { rule, mode, count, threshold }. */
  'detection.alert',
  /** A store manager acknowledged an alert. */
  'detection.acknowledged',
  /** An enforced rule's hold on a staff member began or a manager's PIN cleared it. */
  'detection.hold_placed',
  'detection.hold_cleared',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export const AuditEntry = z.strictObject({
  seq: z.number().int(),
  at: z.string(),
  staffId: z.string().nullable(),
  action: z.string(),
  subjectType: z.string().nullable(),
  subjectId: z.string().nullable(),
  details: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
});
export type AuditEntry = z.infer<typeof AuditEntry>;

export const ListAuditRequest = z.strictObject({
  staffId: z.string().max(64, { error: 'too_long' }).optional(),
  action: z.enum(AUDIT_ACTIONS, { error: 'invalid_choice' }).optional(),
  /** Instants (ISO 8601 with offset); the renderer turns the manager's local dates into these. */
  from: z.iso.datetime({ offset: true, error: 'invalid' }).optional(),
  to: z.iso.datetime({ offset: true, error: 'invalid' }).optional(),
  /** Page backwards from this sequence number (exclusive). */
  beforeSeq: z.number().int().positive().optional(),
  limit: z.number().int().min(1).max(200).optional(),
});

export const ListAuditResponse = z.strictObject({ entries: z.array(AuditEntry), hasMore: z.boolean() });

export const VerifyAuditResponse = z.strictObject({
  ok: z.boolean(),
  checked: z.number().int(),
  /** The first entry whose hash does not match (edited, deleted or reordered at or before it). */
  firstBrokenSeq: z.number().int().nullable(),
});
