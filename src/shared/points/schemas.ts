import { z } from 'zod';
import { approvalId } from '../approvals/approval-id';
import { Balance, memberId } from '../members/schemas';
import { EarnRules, MAX_ADJUST_POINTS, MAX_PURCHASE_MINOR } from './rules';

export const LEDGER_KINDS = ['earn', 'redeem', 'adjust', 'reversal'] as const;
export type LedgerKind = (typeof LEDGER_KINDS)[number];

/** A purchase amount in minor units of the store currency: a whole number, above zero, bounded. */
export const amountMinor = z
  .number({ error: 'invalid_type' })
  .int({ error: 'not_whole_number' })
  .min(1, { error: 'too_small' })
  .max(MAX_PURCHASE_MINOR, { error: 'too_big' });

/** The till's receipt or transaction number the points belong to. */
export const REFERENCE_MAX = 40;
/**
 * Normalized before it is stored or compared, so "r-1001", "R-1001" and "Ｒ-１００１" are the same
 * receipt and earn once: compatibility forms folded (NFKC), upper case, single spaces.
 */
export const reference = z
  .string({ error: 'required' })
  .max(REFERENCE_MAX * 4, { error: 'too_long' })
  .transform((value) => value.normalize('NFKC').toUpperCase().replace(/\s+/g, ' ').trim())
  .superRefine((value, ctx) => {
    if (value.length === 0) ctx.addIssue({ code: 'custom', message: 'required' });
    else if (value.length > REFERENCE_MAX) ctx.addIssue({ code: 'custom', message: 'too_long' });
    else if (!/^[A-Z0-9][A-Z0-9 ./#_-]*$/.test(value)) ctx.addIssue({ code: 'custom', message: 'invalid_characters' });
  });

export const rewardId = z.string({ error: 'required' }).min(1, { error: 'required' }).max(64, { error: 'too_long' });
export const opId = z.string({ error: 'required' }).uuid({ error: 'invalid' });

/** Plus or minus points; never zero. */
export const adjustPoints = z
  .number({ error: 'invalid_type' })
  .int({ error: 'not_whole_number' })
  .min(-MAX_ADJUST_POINTS, { error: 'too_small' })
  .max(MAX_ADJUST_POINTS, { error: 'too_big' })
  .refine((value) => value !== 0, { error: 'not_zero' });

export const QuoteEarnRequest = z.strictObject({ memberId, amountMinor });
export const QuoteEarnResponse = z.strictObject({
  points: z.number().int(),
  multiplierPermille: z.number().int(),
  tier: z.string(),
  currency: z.string(),
  rulesVersion: z.number().int(),
});

export const EarnRequest = z.strictObject({
  memberId,
  amountMinor,
  reference,
  /** The points the cashier was shown; refused if the rules changed in between. */
  expectedPoints: z
    .number({ error: 'invalid_type' })
    .int({ error: 'not_whole_number' })
    .min(0, { error: 'too_small' })
    .optional(),
});

export const RedeemRequest = z.strictObject({ memberId, rewardId });

/** The payloads a manager approves (bound by the approval's MAC), and the calls that carry them out. */
export const AdjustPayload = z.strictObject({ memberId, points: adjustPoints });
export const ReversePayload = z.strictObject({ opId });
export const AdjustRequest = AdjustPayload.extend({ approvalId });
export const ReverseRequest = ReversePayload.extend({ approvalId });

export const LedgerEntry = z.strictObject({
  opId: z.string(),
  kind: z.enum(LEDGER_KINDS),
  points: z.number().int(),
  state: z.enum(['pending', 'confirmed']),
  at: z.string(),
  staffId: z.string().nullable(),
  approvedBy: z.string().nullable(),
  reference: z.string().nullable(),
  amountMinor: z.number().int().nullable(),
  currency: z.string().nullable(),
  rewardId: z.string().nullable(),
  reasonCode: z.string().nullable(),
  reversesOpId: z.string().nullable(),
  /** For an earn: it has been reversed (by this ledger entry). */
  reversedBy: z.string().nullable(),
});
export type LedgerEntry = z.infer<typeof LedgerEntry>;

export const LedgerWriteResponse = z.strictObject({ entry: LedgerEntry, balance: Balance });

export const Reward = z.strictObject({
  id: z.string(),
  name: z.strictObject({ en: z.string(), ru: z.string() }),
  costPoints: z.number().int().positive(),
});
export type Reward = z.infer<typeof Reward>;
export const RewardsResponse = z.strictObject({ rewards: z.array(Reward) });

export const RulesResponse = z.strictObject({ rules: EarnRules.nullable() });
