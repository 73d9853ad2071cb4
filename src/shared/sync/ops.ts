import { z } from 'zod';
import { CONSENT_CHANNELS, CONSENT_PURPOSES } from '../consents/purposes';
import { ERASURE_REASONS } from '../privacy/requests';
import { LANGUAGES } from '../i18n/languages';
import { MAX_PURCHASE_MINOR } from '../points/rules';
import { LEDGER_KINDS } from '../points/schemas';
import { StaffProof } from './staff-proof';

/**
 * What a till records for HQ (DESIGN §5). Every business write puts one of these in the outbox in
 * the same transaction; sync delivers them in `seq` order, exactly once by (device, seq) and op id.
 */
export const OP_TYPES = [
  'member.enrolled',
  'member.updated',
  'consent.changed',
  'points.earned',
  'points.redeemed',
  'points.adjusted',
  'points.reversed',
  'staff.pin_changed',
  'member.erasure_requested',
] as const;
export type OpType = (typeof OP_TYPES)[number];

const id = z.string().min(1).max(64);
const at = z.iso.datetime({ offset: true });

const MemberProfile = z.strictObject({
  givenName: z.string().max(60),
  familyName: z.string().max(60),
  phone: z.string().max(32).nullable(),
  email: z.string().max(254).nullable(),
  birthDate: z.string().max(10).nullable(),
});

export const LedgerOp = z.strictObject({
  memberId: id,
  kind: z.enum(LEDGER_KINDS),
  // Bounded so HQ's 32-bit column can always hold it (a bigger figure is a bug, not a purchase).
  points: z.number().int().min(-1_000_000_000).max(1_000_000_000),
  at,
  reference: z.string().max(40).nullable(),
  amountMinor: z.number().int().min(1).max(MAX_PURCHASE_MINOR).nullable(),
  currency: z.string().max(3).nullable(),
  rewardId: id.nullable(),
  reasonCode: z.string().max(40).nullable(),
  approvedBy: id.nullable(),
  approvalId: id.nullable(),
  reversesOpId: id.nullable(),
  /** Rules version an earn was computed with, so HQ can explain the figure. */
  rulesVersion: z.number().int().nullable(),
});

/**
 * A manager-approved correction carries the manager's PIN sealed to HQ (shared/sync/staff-proof.ts),
 * bound to approvalId, approvedBy and the approved subject: HQ believes the approval only if it
 * opens. Optional in the schema so that a correction without one is refused as proof_missing (a
 * reason a manager can act on), not as an unreadable payload.
 */
const ApprovedLedgerOp = LedgerOp.extend({ staffProof: StaffProof.optional() });

export const OP_PAYLOADS = {
  'member.enrolled': MemberProfile.extend({
    memberId: id,
    cardNumber: z.string().max(19),
    enrolledAt: at,
  }),
  'member.updated': z.strictObject({
    memberId: id,
    changes: MemberProfile.partial(),
    updatedAt: at,
  }),
  'consent.changed': z.strictObject({
    memberId: id,
    purpose: z.enum(CONSENT_PURPOSES),
    granted: z.boolean(),
    noticeVersion: z.string().max(40),
    noticeLanguage: z.enum(LANGUAGES),
    channel: z.enum(CONSENT_CHANNELS),
    at,
  }),
  'points.earned': LedgerOp,
  'points.redeemed': LedgerOp,
  'points.adjusted': ApprovedLedgerOp,
  'points.reversed': ApprovedLedgerOp,
  // A PIN set at a till: HQ keeps the roster, so without this the next roster pull would bring the
  // old PIN back. No hash travels: HQ opens the proof (the current PIN and the new one for a
  // change; the approving manager's PIN and the temporary one for a reset), checks the PIN that
  // proves who acts against its own roster and hashes the new PIN itself.
  'staff.pin_changed': z.strictObject({
    staffId: id,
    /**
     * change: the staff member's own, proven by their current PIN; reset: by a manager's. rehash: no
     * new PIN: the PIN just typed at sign-in, so HQ re-hashes a v1 (chain pepper) hash under the
     * store's pepper (issue 15, per-store PIN peppers); HQ checks it against the v1 hash first.
     */
    kind: z.enum(['change', 'reset', 'rehash']),
    /** The manager who approved a reset (null for a change). */
    approvedBy: id.nullable(),
    approvalId: id.nullable(),
    at,
    staffProof: StaffProof.optional(),
  }),
  // A manager asked at the counter, with the member present, that the member be erased (GDPR
  // Art. 17). It travels like any op, so it works offline; HQ records it, holds it while a purchase
  // may be disputed, then erases and publishes the tombstone. The manager's PIN is sealed for HQ,
  // bound to this op and member: a till alone cannot make HQ erase anyone.
  'member.erasure_requested': z.strictObject({
    memberId: id,
    reasonCode: z.enum(ERASURE_REASONS),
    requestedBy: id,
    at,
    staffProof: StaffProof.optional(),
  }),
} as const satisfies Record<OpType, z.ZodType>;

export type OpPayload<T extends OpType> = z.input<(typeof OP_PAYLOADS)[T]>;
