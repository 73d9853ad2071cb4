import { z } from 'zod';
import { AdjustPayload, ReversePayload } from '../points/schemas';
import { ResetPinPayload, UnlockStaffPayload, pinInput, staffId } from '../staff/schemas';
import { approvalId } from './approval-id';

/**
 * Restricted actions need a one-time manager approval bound to the exact action: which channel,
 * and an HMAC of its canonical payload. The approval is consumed in the same transaction as the
 * action, so it can never approve a second line.
 */
export const RESTRICTED_ACTIONS = ['staff.resetPin', 'staff.unlock', 'points.adjust', 'points.reverse'] as const;
export type RestrictedAction = (typeof RESTRICTED_ACTIONS)[number];

/** Actions whose payload holds no secret may wait in the queue for a manager (a PIN reset may not). */
export const QUEUEABLE_ACTIONS: readonly RestrictedAction[] = ['staff.unlock', 'points.adjust', 'points.reverse'];

export const STAFF_REASON_CODES = ['forgot_pin', 'locked_out', 'staff_request', 'correction', 'other'] as const;
/** Why points are added or taken by hand, or an earn is reversed; recorded with the ledger entry. */
export const POINTS_REASON_CODES = [
  'missed_purchase',
  'returned_goods',
  'goodwill',
  'entry_error',
  'correction',
  'other',
] as const;
export const REASON_CODES = [...new Set([...STAFF_REASON_CODES, ...POINTS_REASON_CODES])] as [
  ReasonCode,
  ...ReasonCode[],
];
export type ReasonCode = (typeof STAFF_REASON_CODES)[number] | (typeof POINTS_REASON_CODES)[number];

/** The reason codes that make sense for each restricted action (the UI offers only these). */
export const REASONS_FOR: Readonly<Record<RestrictedAction, readonly ReasonCode[]>> = {
  'staff.resetPin': STAFF_REASON_CODES,
  'staff.unlock': STAFF_REASON_CODES,
  'points.adjust': POINTS_REASON_CODES,
  'points.reverse': POINTS_REASON_CODES,
};
export const REASON_TEXT_MAX = 200;

/** How long an on-the-spot approval stays usable. */
export const APPROVAL_TTL_SECONDS = 120;
/** How long a queued request waits for a manager before it lapses. */
export const QUEUE_TTL_SECONDS = 24 * 60 * 60;

const reasonText = {
  reasonText: z
    .string({ error: 'invalid_type' })
    .max(REASON_TEXT_MAX * 4, { error: 'too_long' })
    .optional()
    .transform((value) => value?.replace(/\s+/g, ' ').trim() || undefined),
};

const staffReason = { reasonCode: z.enum(STAFF_REASON_CODES, { error: 'invalid_choice' }), ...reasonText };
const pointsReason = { reasonCode: z.enum(POINTS_REASON_CODES, { error: 'invalid_choice' }), ...reasonText };

export const ApprovalSubject = z
  .discriminatedUnion('action', [
    z.strictObject({ action: z.literal('staff.resetPin'), payload: ResetPinPayload, ...staffReason }),
    z.strictObject({ action: z.literal('staff.unlock'), payload: UnlockStaffPayload, ...staffReason }),
    z.strictObject({ action: z.literal('points.adjust'), payload: AdjustPayload, ...pointsReason }),
    z.strictObject({ action: z.literal('points.reverse'), payload: ReversePayload, ...pointsReason }),
  ])
  .superRefine((value, ctx) => {
    if (value.reasonText !== undefined && value.reasonText.length > REASON_TEXT_MAX) {
      ctx.addIssue({ code: 'custom', path: ['reasonText'], message: 'too_long' });
    }
    if (value.reasonCode === 'other' && !value.reasonText) {
      ctx.addIssue({ code: 'custom', path: ['reasonText'], message: 'required' });
    }
  });
export type ApprovalSubject = z.output<typeof ApprovalSubject>;

/** On the spot: the manager picks themselves and types their PIN at the same till. */
export const GrantApprovalRequest = z.strictObject({ subject: ApprovalSubject, managerId: staffId, pin: pinInput });
export const GrantApprovalResponse = z.strictObject({ approvalId: z.string(), expiresAt: z.string() });

export { approvalId };

export const ApprovalStatus = z.enum(['pending', 'approved', 'used', 'denied', 'expired']);
export const QueueEntry = z.strictObject({
  approvalId: z.string(),
  action: z.enum(RESTRICTED_ACTIONS),
  /** The staff member the action is about (ids only; names are looked up from the roster). */
  targetStaffId: z.string().nullable(),
  /** The member a points action is about. */
  targetMemberId: z.string().nullable(),
  /** The staff member's or the member's name, as this till knows it. */
  targetName: z.string().nullable(),
  /** For points actions: the points the ledger entry will carry (negative takes points away). */
  points: z.number().int().nullable(),
  reasonCode: z.enum(REASON_CODES),
  reasonText: z.string().nullable(),
  requestedBy: z.string(),
  requestedByName: z.string(),
  requestedAt: z.string(),
  status: ApprovalStatus,
  decidedBy: z.string().nullable(),
  decidedAt: z.string().nullable(),
});
export type QueueEntry = z.infer<typeof QueueEntry>;

export const ListApprovalsRequest = z.strictObject({ status: z.enum(['pending', 'all']).optional() });
export const DecideApprovalRequest = z.strictObject({
  approvalId,
  decision: z.enum(['approve', 'deny'], { error: 'invalid_choice' }),
  pin: pinInput,
});

export const RestrictedStaffRequest = {
  resetPin: ResetPinPayload.extend({ approvalId }),
  unlock: UnlockStaffPayload.extend({ approvalId }),
};
export { staffId, pinInput };
