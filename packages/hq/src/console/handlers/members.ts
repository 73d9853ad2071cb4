import { erasureResult, recordErasureRequest } from '../../privacy/erasure';
import { toInt } from '../../db/database';
import { contactLookup, refreshContactLookups } from '../../members/contact-lookups';
import { maskEmail, maskPhone } from '../../../../../src/shared/members/mask';
import { normalizeEmail } from '../../../../../src/shared/members/normalize';
import { normalizePhone } from '../../../../../src/shared/members/phone';
import { ConsoleHttpError } from '../console-error';
import type { ConsoleHandler } from '../console-context';
import type { DataKeys } from '../../keys/data-keys';
import { openMemberContacts } from '../../keys/sealed-columns';

interface MemberRow {
  id: string;
  card_number: string | null;
  given_name: string;
  family_name: string;
  phone: string | null;
  email: string | null;
  birth_date: string | null;
  home_store_id: string;
  points: unknown;
  tier: string;
  enrolled_at: Date;
  erased_at: Date | null;
}

const COLUMNS = `id, card_number, given_name, family_name, phone, email, birth_date, home_store_id, points, tier,
  enrolled_at, erased_at`;
const MAX_RESULTS = 20;

const initial = (name: string): string => (name.trim() === '' ? '' : `${[...name.trim()][0]?.toUpperCase() ?? ''}.`);

/** The row with its contacts opened (sealed at rest: keys/sealed-columns.ts), for masking or a reveal. */
function opened(keys: DataKeys, row: MemberRow): MemberRow {
  return { ...row, ...openMemberContacts(keys, row.id, row) };
}

function masked(row: MemberRow) {
  return {
    memberId: row.id,
    cardMasked: row.card_number === null ? null : `•••• ${row.card_number.slice(-4)}`,
    initials: [initial(row.given_name), initial(row.family_name)].filter((part) => part !== '').join(' '),
    phoneMasked: row.phone === null ? null : maskPhone(row.phone),
    emailMasked: row.email === null ? null : maskEmail(row.email),
    homeStoreId: row.home_store_id,
    points: toInt(row.points),
    tier: row.tier,
    enrolledAt: new Date(row.enrolled_at).toISOString(),
    erasedAt: row.erased_at === null ? null : new Date(row.erased_at).toISOString(),
  };
}

/**
 * Finds members by card number, or by phone or e-mail through the tills' keyed hashes. Answers are
 * masked; the search is audited by what was searched for (the kind) and how many it found, never
 * the value typed.
 */
export const searchMembers: ConsoleHandler<'searchMembers'> = async (ctx, input) => {
  let rows: MemberRow[];
  if (input.by === 'card') {
    const card = input.value.replace(/[\s-]/g, '');
    rows = (await ctx.tx.query<MemberRow>(`SELECT ${COLUMNS} FROM members WHERE card_number = $1`, [card])).rows;
  } else {
    await refreshContactLookups(ctx.tx, ctx.deps.keys);
    let hashes: string[];
    if (input.by === 'email') {
      hashes = [await contactLookup(ctx.tx, ctx.deps.keys, 'email', normalizeEmail(input.value))];
    } else {
      // A number typed without its country code is read in each region the chain's stores use.
      const regions = await ctx.tx.query<{ store_region: string }>('SELECT DISTINCT store_region FROM store_settings');
      const numbers = new Set<string>();
      for (const { store_region: region } of regions.rows) {
        const e164 = normalizePhone(input.value, region);
        if (e164 !== null) numbers.add(e164);
      }
      if (numbers.size === 0 && input.value.trim().startsWith('+')) {
        const e164 = normalizePhone(input.value, 'GB');
        if (e164 !== null) numbers.add(e164);
      }
      if (numbers.size === 0) {
        throw new ConsoleHttpError('invalid_argument', 'That is not a phone number.', {
          issues: [{ path: 'value', code: 'phone_invalid' }],
        });
      }
      hashes = await Promise.all([...numbers].map((number) => contactLookup(ctx.tx, ctx.deps.keys, 'phone', number)));
    }
    const column = input.by === 'email' ? 'email_lookup' : 'phone_lookup';
    rows = (
      await ctx.tx.query<MemberRow>(
        `SELECT ${COLUMNS} FROM members WHERE ${column} = ANY($1::text[]) ORDER BY enrolled_at, id LIMIT ${MAX_RESULTS}`,
        [hashes],
      )
    ).rows;
  }
  await ctx.audit({
    action: 'member.search',
    subjectType: rows.length === 1 ? 'member' : null,
    subjectId: rows.length === 1 ? (rows[0]?.id ?? null) : null,
    details: { by: input.by, found: rows.length },
  });
  return { members: rows.map((row) => masked(opened(ctx.deps.keys, row))) };
};

/** One member's contacts unmasked, for a recorded reason (and reference): the audit entry commits with the answer. */
export const revealMember: ConsoleHandler<'revealMember'> = async (ctx, input) => {
  const found = await ctx.tx.query<MemberRow>(`SELECT ${COLUMNS} FROM members WHERE id = $1`, [input.memberId]);
  const stored = found.rows[0];
  if (!stored) throw new ConsoleHttpError('member_not_found', `No member ${input.memberId}.`);
  const row = opened(ctx.deps.keys, stored);
  await ctx.audit({
    action: 'member.reveal',
    subjectType: 'member',
    subjectId: row.id,
    details: { reason: input.reason, reference: input.reference ?? null },
  });
  return {
    memberId: row.id,
    cardNumber: row.card_number,
    givenName: row.given_name,
    familyName: row.family_name,
    phone: row.phone,
    email: row.email,
    birthDate: row.birth_date,
  };
};

export const eraseMember: ConsoleHandler<'eraseMember'> = async (ctx, input) => {
  const outcome = await recordErasureRequest(
    ctx.tx,
    {
      id: input.requestId,
      memberId: input.memberId,
      source: 'console',
      reasonCode: input.reasonCode,
      operatorId: ctx.actor.operatorId,
    },
    ctx.now,
  );
  if (outcome.kind === 'member_not_found')
    throw new ConsoleHttpError('member_not_found', `No member ${input.memberId}.`);
  const result = erasureResult(input.memberId, outcome);
  await ctx.audit({
    action: 'member.erase',
    subjectType: 'member',
    subjectId: input.memberId,
    details: {
      reason: input.reasonCode,
      status: result.status,
      erasureRequest: result.requestId,
      dueAt: result.dueAt?.toISOString() ?? null,
      opsScrubbed: result.opsScrubbed,
    },
  });
  return {
    status: result.status,
    erasureRequestId: result.requestId,
    dueAt: result.dueAt?.toISOString() ?? null,
    erasedAt: result.erasedAt === null ? null : new Date(result.erasedAt).toISOString(),
    legalHold: result.legalHold,
    opsScrubbed: result.opsScrubbed,
  };
};
