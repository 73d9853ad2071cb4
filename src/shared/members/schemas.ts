import { z } from 'zod';
import { CARD_MAX_DIGITS, checkCardNumber, compactCardNumber } from './card-number';
import { tidyName } from './normalize';
import { OPTIONAL_PURPOSES } from '../consents/purposes';
import { TIERS } from '../points/rules';
import { LANGUAGES } from '../i18n/languages';

/**
 * Field limits. Anything longer is refused with `too_long` before it reaches a service, so a
 * 10 kB paste gets a clear message and writes nothing.
 */
export const LIMITS = {
  name: 60,
  phone: 32,
  email: 254,
  card: CARD_MAX_DIGITS + 8,
  query: 120,
} as const;

// Letters of any script, combining marks, spaces, hyphens, apostrophes and periods ("St. John").
const NAME_PATTERN = /^[\p{L}\p{M}][\p{L}\p{M} .'’-]*$/u;

const personName = z
  .string({ error: 'required' })
  .max(LIMITS.name * 4, { error: 'too_long' })
  .transform(tidyName)
  .superRefine((value, ctx) => {
    if (value.length === 0) ctx.addIssue({ code: 'custom', message: 'required' });
    else if (value.length > LIMITS.name) ctx.addIssue({ code: 'custom', message: 'too_long' });
    else if (!NAME_PATTERN.test(value)) ctx.addIssue({ code: 'custom', message: 'invalid_characters' });
  });

/** Optional free text: blank means absent. */
function optionalText(max: number) {
  return z
    .string({ error: 'invalid_type' })
    .max(max, { error: 'too_long' })
    .optional()
    .transform((value) => {
      const trimmed = value?.trim();
      return trimmed ? trimmed : undefined;
    });
}

export const cardNumberSchema = z
  .string({ error: 'required' })
  .max(LIMITS.card, { error: 'too_long' })
  .transform(compactCardNumber)
  .superRefine((value, ctx) => {
    if (value.length === 0) {
      ctx.addIssue({ code: 'custom', message: 'required' });
      return;
    }
    const problem = checkCardNumber(value);
    if (problem) ctx.addIssue({ code: 'custom', message: `card_${problem}` });
  });

export const emailSchema = z.email({ error: 'email_invalid' });

/** The earliest birth date the till accepts; anything before is a typing mistake. */
export const BIRTH_DATE_MIN = '1900-01-01';

/**
 * Checks a calendar date typed as YYYY-MM-DD: a real day, not before 1900 and not after `today`.
 * Returns an issue code, or null when the date is fine.
 */
export function checkBirthDate(
  value: string,
  today: string,
): 'date_invalid' | 'date_in_future' | 'date_too_early' | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return 'date_invalid';
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) {
    return 'date_invalid';
  }
  if (value < BIRTH_DATE_MIN) return 'date_too_early';
  if (value > today) return 'date_in_future';
  return null;
}

/** Optional birth date; blank means not given. "Today" is read when the request is parsed. */
const birthDate = z
  .string({ error: 'invalid_type' })
  .max(10, { error: 'date_invalid' })
  .optional()
  .transform((value) => value?.trim() || undefined)
  .superRefine((value, ctx) => {
    if (value === undefined) return;
    const problem = checkBirthDate(value, new Date().toISOString().slice(0, 10));
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

export const noticeVersion = z
  .string({ error: 'required' })
  .min(1, { error: 'required' })
  .max(40, { error: 'too_long' });

/**
 * What the member agreed to at enrolment. Terms must be accepted (literally `true`); marketing by
 * e-mail and SMS are separate choices. The notice version is the one shown, in the language shown.
 */
export const EnrollConsents = z.strictObject({
  // A boolean here and `true` required below, so a missing tick is reported with the other fields.
  terms: z.boolean({ error: 'terms_required' }),
  marketingEmail: z.boolean({ error: 'invalid_type' }),
  marketingSms: z.boolean({ error: 'invalid_type' }),
  noticeVersion,
  noticeLanguage: z.enum(LANGUAGES, { error: 'invalid_choice' }),
});

export const EnrollRequest = z
  .strictObject({
    givenName: personName,
    familyName: personName,
    phone: optionalText(LIMITS.phone),
    email: optionalText(LIMITS.email),
    birthDate,
    cardNumber: cardNumberSchema,
    consents: EnrollConsents,
  })
  .superRefine((value, ctx) => {
    if (value.email !== undefined && !emailSchema.safeParse(value.email).success) {
      ctx.addIssue({ code: 'custom', path: ['email'], message: 'email_invalid' });
    }
    if (value.phone === undefined && value.email === undefined) {
      ctx.addIssue({ code: 'custom', path: ['phone'], message: 'contact_required' });
    }
    if (value.consents.terms !== true) {
      ctx.addIssue({ code: 'custom', path: ['consents', 'terms'], message: 'terms_required' });
    }
    // Marketing needs somewhere to send it: a yes without the contact is a mistake at the till.
    if (value.consents.marketingEmail && value.email === undefined) {
      ctx.addIssue({ code: 'custom', path: ['consents', 'marketingEmail'], message: 'consent_needs_email' });
    }
    if (value.consents.marketingSms && value.phone === undefined) {
      ctx.addIssue({ code: 'custom', path: ['consents', 'marketingSms'], message: 'consent_needs_phone' });
    }
  });
export type EnrollInput = z.input<typeof EnrollRequest>;
export type EnrollData = z.output<typeof EnrollRequest>;

/**
 * Points as the till knows them: `confirmed` is HQ's figure as of the last sync, `pending` the sum
 * of this till's ledger entries HQ has not confirmed yet. The total is what the member has.
 */
export const Balance = z.strictObject({
  confirmed: z.number().int(),
  pending: z.number().int(),
  total: z.number().int(),
});
export type Balance = z.infer<typeof Balance>;

export const MemberSummary = z.strictObject({
  id: z.string(),
  cardNumber: z.string(),
  givenName: z.string(),
  familyName: z.string(),
  phoneMasked: z.string().nullable(),
  emailMasked: z.string().nullable(),
  tier: z.enum(TIERS),
  balance: Balance,
  enrolledAt: z.string(),
});
export type MemberSummary = z.infer<typeof MemberSummary>;

export const memberId = z.string({ error: 'required' }).min(1, { error: 'required' }).max(64, { error: 'too_long' });

export const MemberRequest = z.strictObject({ memberId });

/**
 * Profile changes: only the fields sent change. `null` removes an optional field (a contact, the
 * birth date); the member must keep at least one contact.
 */
export const UpdateMemberRequest = z
  .strictObject({
    memberId,
    givenName: personName.optional(),
    familyName: personName.optional(),
    phone: z.union([z.null(), optionalText(LIMITS.phone)]).optional(),
    email: z.union([z.null(), optionalText(LIMITS.email)]).optional(),
    birthDate: z.union([z.null(), birthDate]).optional(),
  })
  .superRefine((value, ctx) => {
    if (typeof value.email === 'string' && !emailSchema.safeParse(value.email).success) {
      ctx.addIssue({ code: 'custom', path: ['email'], message: 'email_invalid' });
    }
  });
export type UpdateMemberData = z.output<typeof UpdateMemberRequest>;

export const SetConsentRequest = z.strictObject({
  memberId,
  purpose: z.enum(OPTIONAL_PURPOSES, { error: 'invalid_choice' }),
  granted: z.boolean({ error: 'invalid_type' }),
  /** The notice shown when the member said yes (or no), and its language. */
  noticeVersion,
  noticeLanguage: z.enum(LANGUAGES, { error: 'invalid_choice' }),
});

/** Why a manager needs a member's full contacts; recorded in the audit log. */
export const REVEAL_REASONS = ['member_request', 'identity_check', 'delivery_problem', 'data_correction'] as const;
export const RevealContactsRequest = z.strictObject({
  memberId,
  reasonCode: z.enum(REVEAL_REASONS, { error: 'invalid_choice' }),
});
export const RevealContactsResponse = z.strictObject({
  phone: z.string().nullable(),
  email: z.string().nullable(),
});

export const ConsentState = z.strictObject({
  granted: z.boolean(),
  noticeVersion: z.string().nullable(),
  at: z.string().nullable(),
});

export const FindRequest = z.strictObject({
  query: z.string({ error: 'required' }).max(LIMITS.query, { error: 'too_long' }),
});

export const FIND_KINDS = ['card', 'phone', 'email', 'name', 'none'] as const;
export const FindResponse = z.strictObject({
  /** How the query was understood; `none` when it was blank or could match nothing. */
  matchedAs: z.array(z.enum(FIND_KINDS)),
  members: z.array(MemberSummary),
  /** True when more members matched than were returned. */
  truncated: z.boolean(),
});
export type FindResponse = z.infer<typeof FindResponse>;
