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
  /** A manager exported audit entries for an auditor: details { entries, fromSeq, toSeq, from, to }. */
  'audit.exported',
  'device.paired',
  'device.revoked',
  /** The till's database was re-encrypted under a new key (issue 15): details { reason } only. */
  'database.rekeyed',
  'sync.run',
  'sync.day_end',
  /**
   * HQ refused this till as restored from an old copy (issue 15): details { reason, hqLastSeq,
   * hqAuditSeq }, HQ's figures; sync stops until HQ clears it or the till is paired anew.
   */
  'sync.rolled_back',
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

/** The groups the log's action filter offers; each names the actions it holds. */
export const AUDIT_ACTION_GROUPS = {
  signin: [
    'session.login',
    'session.login_failed',
    'session.login_delayed',
    'session.lockout',
    'session.locked',
    'session.logout',
    'staff.bootstrap',
    'staff.added',
    'staff.pin_changed',
    'staff.pin_reset',
    'staff.unlocked',
  ],
  members: ['member.enrolled', 'member.updated', 'member.searched', 'member.viewed', 'consent.changed'],
  points: ['points.earned', 'points.redeemed', 'points.adjusted', 'points.reversed'],
  approvals: ['approval.granted', 'approval.refused', 'approval.requested', 'approval.denied', 'approval.used'],
  privacy: ['member.contacts_revealed', 'member.erasure_requested', 'member.erased_here', 'member.exported'],
  sync: ['device.paired', 'device.revoked', 'sync.run', 'sync.day_end', 'sync.rolled_back'],
  detection: ['detection.alert', 'detection.acknowledged', 'detection.hold_placed', 'detection.hold_cleared'],
  settings: ['settings.changed', 'audit.verified', 'audit.purged', 'audit.exported', 'database.rekeyed'],
} as const satisfies Record<string, readonly AuditAction[]>;
export type AuditActionGroup = keyof typeof AUDIT_ACTION_GROUPS;
export const AUDIT_ACTION_GROUP_NAMES = Object.keys(AUDIT_ACTION_GROUPS) as [AuditActionGroup, ...AuditActionGroup[]];

/** The log's filters, shared by the list and the export. */
const auditFilterShape = {
  staffId: z.string().max(64, { error: 'too_long' }).optional(),
  action: z.enum(AUDIT_ACTIONS, { error: 'invalid_choice' }).optional(),
  group: z.enum(AUDIT_ACTION_GROUP_NAMES, { error: 'invalid_choice' }).optional(),
  /**
   * A member's card number as typed or scanned: resolved in the main process to the member's id
   * (entries about that member), never stored in an entry or written anywhere.
   */
  memberCard: z.string().trim().max(32, { error: 'too_long' }).optional(),
  /** Instants (ISO 8601 with offset); the renderer turns the manager's local dates into these. */
  from: z.iso.datetime({ offset: true, error: 'invalid' }).optional(),
  to: z.iso.datetime({ offset: true, error: 'invalid' }).optional(),
};

export const ListAuditRequest = z.strictObject({
  ...auditFilterShape,
  /** Page backwards from this sequence number (exclusive). */
  beforeSeq: z.number().int().positive().optional(),
  limit: z.number().int().min(1).max(200).optional(),
});

/** A member named in the listed entries, as the log may show them: masked, or erased. */
export const AuditMemberLabel = z.union([
  z.strictObject({ maskedName: z.string(), maskedCard: z.string() }),
  z.strictObject({ erased: z.literal(true) }),
]);

export const ListAuditResponse = z.strictObject({
  entries: z.array(AuditEntry),
  hasMore: z.boolean(),
  /** Members the entries name (subject or detail), resolved in main: memberId → masked label. */
  members: z.record(z.string(), AuditMemberLabel).optional(),
  /** Rewards the entries name: rewardId → the reward's name in each language (not personal data). */
  rewards: z.record(z.string(), z.strictObject({ en: z.string(), ru: z.string() })).optional(),
  /** The member card filter matched no member (the list is then empty). */
  memberNotFound: z.boolean().optional(),
});

/**
 * The auditor's export, page by page: the first call (no `cursor`) fixes the range up to the
 * newest entry, counts it and records `audit.exported`; each call answers up to `limit` entries
 * oldest first as CSV lines in `language` and as JSON lines of the raw chained entries.
 */
export const ExportAuditRequest = z.strictObject({
  ...auditFilterShape,
  language: z.enum(['en', 'ru'], { error: 'invalid_choice' }),
  cursor: z
    .strictObject({
      /** The last seq already answered (exclusive lower bound). */
      afterSeq: z.number().int().min(0),
      /** The newest seq of the export, fixed by the first call. */
      throughSeq: z.number().int().min(0),
    })
    .optional(),
  limit: z.number().int().min(1).max(1000).optional(),
});

export const ExportAuditResponse = z.strictObject({
  /** The CSV header (first page only) and rows: time, staff, action, sentence, details. */
  csv: z.string(),
  /** JSON lines: a first line naming the chain's kept start (first page only), then one per entry. */
  jsonl: z.string(),
  /** Entries in this page. */
  count: z.number().int(),
  /** Entries in the whole export (fixed by the first call). */
  total: z.number().int(),
  /** Where the next page starts; null when this was the last. */
  next: z.strictObject({ afterSeq: z.number().int(), throughSeq: z.number().int() }).nullable(),
  memberNotFound: z.boolean().optional(),
});

export const VerifyAuditResponse = z.strictObject({
  ok: z.boolean(),
  checked: z.number().int(),
  /** The first entry whose hash does not match (edited, deleted or reordered at or before it). */
  firstBrokenSeq: z.number().int().nullable(),
});
