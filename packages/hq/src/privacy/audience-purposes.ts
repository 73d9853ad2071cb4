import { z } from 'zod';

/**
 * What an audience may hold, per purpose (privacy/audiences.ts builds them): pure, so the console's
 * form offers exactly what HQ allows. A purpose's `required` fields must be asked for (an e-mail
 * list without e-mails is no list); anything outside `allowed` is refused.
 */
export const AUDIENCE_FIELDS = [
  'givenName',
  'email',
  'phone',
  'language',
  'tier',
  'points',
  'homeStoreId',
  'enrolledMonth',
] as const;
export type AudienceField = (typeof AUDIENCE_FIELDS)[number];

/** Fields that identify the person: an audience without them is pseudonymised. */
export const IDENTIFYING_FIELDS: readonly AudienceField[] = ['givenName', 'email', 'phone'];

export const AUDIENCE_PURPOSE_FIELDS = {
  marketing_email: { allowed: ['givenName', 'email', 'language', 'tier', 'homeStoreId'], required: ['email'] },
  marketing_sms: { allowed: ['givenName', 'phone', 'language', 'tier', 'homeStoreId'], required: ['phone'] },
  // Legitimate interest on pseudonymised data: nobody identifiable.
  analytics: { allowed: ['tier', 'points', 'homeStoreId', 'enrolledMonth', 'language'], required: [] },
} as const satisfies Record<string, { allowed: readonly AudienceField[]; required: readonly AudienceField[] }>;
export type AudiencePurpose = keyof typeof AUDIENCE_PURPOSE_FIELDS;
export const AUDIENCE_PURPOSES = [
  'marketing_email',
  'marketing_sms',
  'analytics',
] as const satisfies readonly AudiencePurpose[];

/** The purpose's rule on a field list: fields it does not allow, and required ones left out. */
export function audienceFieldProblems(
  purpose: AudiencePurpose,
  fields: readonly AudienceField[],
): { notAllowed: AudienceField[]; missing: AudienceField[] } {
  const rule: { allowed: readonly AudienceField[]; required: readonly AudienceField[] } =
    AUDIENCE_PURPOSE_FIELDS[purpose];
  return {
    notAllowed: fields.filter((field) => !rule.allowed.includes(field)),
    missing: rule.required.filter((field) => !fields.includes(field)),
  };
}

// The purpose's rule is part of the schema, so a list HQ would refuse is refused before a second
// operator is asked to approve it.
export const AudienceRequest = z
  .strictObject({
    purpose: z.enum(AUDIENCE_PURPOSES),
    /** Who receives it: a code or name of the processor (no personal data), e.g. "mailer-eu". */
    recipient: z.string().regex(/^[A-Za-z0-9](?:[A-Za-z0-9 _.:-]{0,98}[A-Za-z0-9])?$/),
    fields: z.array(z.enum(AUDIENCE_FIELDS)).min(1).max(AUDIENCE_FIELDS.length),
  })
  .superRefine((request, ctx) => {
    const problems = audienceFieldProblems(request.purpose, request.fields);
    if (problems.notAllowed.length > 0)
      ctx.addIssue({ code: 'custom', path: ['fields'], message: 'field_not_allowed' });
    if (problems.missing.length > 0) ctx.addIssue({ code: 'custom', path: ['fields'], message: 'field_required' });
  });
export type AudienceRequest = z.infer<typeof AudienceRequest>;
