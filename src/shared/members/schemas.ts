import { z } from 'zod';
import { CARD_MAX_DIGITS, checkCardNumber, compactCardNumber } from './card-number';
import { tidyName } from './normalize';

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

export const EnrollRequest = z
  .strictObject({
    givenName: personName,
    familyName: personName,
    phone: optionalText(LIMITS.phone),
    email: optionalText(LIMITS.email),
    cardNumber: cardNumberSchema,
  })
  .superRefine((value, ctx) => {
    if (value.email !== undefined && !emailSchema.safeParse(value.email).success) {
      ctx.addIssue({ code: 'custom', path: ['email'], message: 'email_invalid' });
    }
    if (value.phone === undefined && value.email === undefined) {
      ctx.addIssue({ code: 'custom', path: ['phone'], message: 'contact_required' });
    }
  });
export type EnrollInput = z.input<typeof EnrollRequest>;
export type EnrollData = z.output<typeof EnrollRequest>;

export const MemberSummary = z.strictObject({
  id: z.string(),
  cardNumber: z.string(),
  givenName: z.string(),
  familyName: z.string(),
  phoneMasked: z.string().nullable(),
  emailMasked: z.string().nullable(),
  enrolledAt: z.string(),
});
export type MemberSummary = z.infer<typeof MemberSummary>;

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
