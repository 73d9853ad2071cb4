import { createHmac, randomUUID } from 'node:crypto';
import { z } from 'zod';
import {
  audienceFieldProblems,
  IDENTIFYING_FIELDS,
  type AudienceField,
  type AudiencePurpose,
  type AudienceRequest,
} from './audience-purposes';
import type { Queryable } from '../db/database';
import { CodedError } from '../errors';
import { marketingEmailConfirmedSql } from './consent-confirmation';
import type { DataKeys } from '../keys/data-keys';
import { openMemberContacts } from '../keys/sealed-columns';

/**
 * Audiences by purpose (GDPR Art. 5(1)(b)-(c), 6, 21; DESIGN §6): HQ hands member data to a
 * recipient only for a purpose, only for members whose consent covers it (marketing e-mail: granted
 * and confirmed by double opt-in), and only the fields the purpose allows. Members are named by a
 * pseudonym keyed per recipient, never by their id, so two recipients cannot join their lists.
 * Every export is a disclosure: who received what, for what, how many, when and by whom, and which
 * members were in it (their own data export lists it). Analytics is the purpose with no identity:
 * no names, no contacts, pseudonyms only.
 */

/** Who may be in each purpose's audience: SQL over `members m`. */
const CONSENT_SQL: Record<AudiencePurpose, string> = {
  marketing_email: marketingEmailConfirmedSql('m'),
  marketing_sms: 'm.marketing_sms',
  // Everyone not erased: analytics carries no identity (audience-purposes.ts).
  analytics: 'true',
};

export class AudienceError extends CodedError<'field_not_allowed' | 'field_required'> {}

export type AudienceRow = { memberRef: string } & Partial<Record<AudienceField, string | number | null>>;

export interface Audience {
  disclosureId: string;
  purpose: AudiencePurpose;
  recipient: string;
  fields: AudienceField[];
  pseudonymised: boolean;
  memberCount: number;
  rows: AudienceRow[];
}

/** The recipient's pseudonym for a member: HMAC under HQ's key of (recipient, member id), 128 bits. */
export function memberPseudonym(key: Buffer, recipient: string, memberId: string): string {
  return createHmac('sha256', key).update(`${recipient}\u0000${memberId}`, 'utf8').digest('base64url').slice(0, 22);
}

interface MemberAudienceRow {
  id: string;
  given_name: string;
  email: string | null;
  phone: string | null;
  language: string | null;
  tier: string;
  points: unknown;
  home_store_id: string;
  enrolled_at: Date;
}

/**
 * Builds the audience and records the disclosure in the caller's transaction. Fields outside the
 * purpose are refused before anything is read or written.
 */
export async function exportAudience(
  tx: Queryable,
  request: AudienceRequest,
  context: { operatorId: string; now: Date; pseudonymKey: Buffer; keys: DataKeys },
): Promise<Audience> {
  const fields = [...new Set(request.fields)];
  // Checked again here: a caller that skipped the schema must not widen what leaves HQ.
  const problems = audienceFieldProblems(request.purpose, fields);
  if (problems.notAllowed.length > 0) {
    throw new AudienceError(
      'field_not_allowed',
      `The purpose ${request.purpose} does not allow: ${problems.notAllowed.join(', ')}.`,
    );
  }
  if (problems.missing.length > 0) {
    throw new AudienceError('field_required', `The purpose ${request.purpose} needs: ${problems.missing.join(', ')}.`);
  }
  const found = await tx.query<MemberAudienceRow>(
    `SELECT m.id, m.given_name, m.email, m.phone, m.tier, m.points, m.home_store_id, m.enrolled_at,
            (SELECT c.notice_language FROM consents c WHERE c.member_id = m.id ORDER BY c.at DESC, c.op_id DESC LIMIT 1)
              AS language
       FROM members m
      WHERE m.erased_at IS NULL AND ${CONSENT_SQL[request.purpose]}
        AND NOT EXISTS (SELECT 1 FROM erasure_requests r WHERE r.member_id = m.id AND r.status = 'pending')
      ORDER BY m.id`,
  );
  // A contact the purpose needs but the member has not given leaves the member out (nothing to send to).
  // Sealed at rest (keys/sealed-columns.ts): opened only when the audience carries a contact.
  const withContacts = fields.includes('email') || fields.includes('phone');
  const members = found.rows
    .map((row) => (withContacts ? { ...row, ...openMemberContacts(context.keys, row.id, row) } : row))
    .filter(
      (row) => !(fields.includes('email') && row.email === null) && !(fields.includes('phone') && row.phone === null),
    );
  const rows = members.map((row) => {
    const out: AudienceRow = { memberRef: memberPseudonym(context.pseudonymKey, request.recipient, row.id) };
    for (const field of fields) {
      out[field] =
        field === 'givenName'
          ? row.given_name
          : field === 'email'
            ? row.email
            : field === 'phone'
              ? row.phone
              : field === 'language'
                ? (row.language ?? 'en')
                : field === 'tier'
                  ? row.tier
                  : field === 'points'
                    ? Number(row.points)
                    : field === 'homeStoreId'
                      ? row.home_store_id
                      : new Date(row.enrolled_at).toISOString().slice(0, 7);
    }
    return out;
  });
  const disclosureId = randomUUID();
  const pseudonymised = !fields.some((field) => IDENTIFYING_FIELDS.includes(field));
  await tx.query(
    `INSERT INTO disclosures (id, recipient, purpose, fields, pseudonymised, member_count, operator_id, disclosed_at)
     VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7, $8)`,
    [
      disclosureId,
      request.recipient,
      request.purpose,
      JSON.stringify(fields),
      pseudonymised,
      rows.length,
      context.operatorId,
      context.now,
    ],
  );
  if (members.length > 0) {
    await tx.query(`INSERT INTO disclosure_members (disclosure_id, member_id) SELECT $1, unnest($2::text[])`, [
      disclosureId,
      members.map((row) => row.id),
    ]);
  }
  return {
    disclosureId,
    purpose: request.purpose,
    recipient: request.recipient,
    fields,
    pseudonymised,
    memberCount: rows.length,
    rows,
  };
}

export interface DisclosureEntry {
  disclosureId: string;
  recipient: string;
  purpose: string;
  fields: string[];
  pseudonymised: boolean;
  memberCount: number;
  operatorId: string;
  disclosedAt: string;
}

/** The disclosure log, newest first. */
export async function listDisclosures(q: Queryable, limit: number): Promise<DisclosureEntry[]> {
  const found = await q.query<{
    id: string;
    recipient: string;
    purpose: string;
    fields: unknown;
    pseudonymised: boolean;
    member_count: unknown;
    operator_id: string;
    disclosed_at: Date;
  }>(
    `SELECT id, recipient, purpose, fields, pseudonymised, member_count, operator_id, disclosed_at
       FROM disclosures ORDER BY disclosed_at DESC, id LIMIT $1`,
    [limit],
  );
  return found.rows.map((row) => ({
    disclosureId: row.id,
    recipient: row.recipient,
    purpose: row.purpose,
    fields: z.array(z.string()).parse(typeof row.fields === 'string' ? JSON.parse(row.fields) : row.fields),
    pseudonymised: row.pseudonymised,
    memberCount: Number(row.member_count),
    operatorId: row.operator_id,
    disclosedAt: new Date(row.disclosed_at).toISOString(),
  }));
}
