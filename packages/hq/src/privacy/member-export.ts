import { z } from 'zod';
import type { ConsentPurpose } from '../../../../src/shared/consents/purposes';
import { LANGUAGES, type Language } from '../../../../src/shared/i18n/languages';
import { MEMBER_EXPORT_SCHEMA_ID, MemberExport } from '../../../../src/shared/privacy/member-export';
import type { ExportPurpose } from '../../../../src/shared/privacy/requests';
import type { DataKeys } from '../keys/data-keys';
import { openMemberContacts } from '../keys/sealed-columns';
import { toInt, type Queryable } from '../db/database';

/**
 * A member's data export as HQ holds it (GDPR Art. 15 and 20, CCPA right to know; DESIGN §6).
 *
 * Every query below is keyed by the member's id on a table whose rows are about that member
 * (members, consents, ledger, erasure_requests, member_exports, disclosure_members, and the
 * operator audit's subject); the only other tables read are the reward catalogue and the
 * disclosures the member's own disclosure_members rows name. Staff and operator ids of the audit
 * trail, disclosure head counts and the operators who disclosed are never selected: they are
 * about someone else.
 *
 * Run it inside one transaction (REPEATABLE READ on PostgreSQL) so every section reads the same
 * moment; outside one, an op committed between two queries can show in one section and not another.
 */

export type MemberExportState = 'ok' | 'not_found' | 'erased';

/** Whether HQ can export this member: an erased member has nothing left to export. */
export async function memberExportState(q: Queryable, memberId: string): Promise<MemberExportState> {
  const row = (await q.query<{ erased_at: Date | null }>('SELECT erased_at FROM members WHERE id = $1', [memberId]))
    .rows[0];
  if (!row) return 'not_found';
  return row.erased_at === null ? 'ok' : 'erased';
}

export interface MemberExportInput {
  memberId: string;
  exportId: string;
  purpose: ExportPurpose;
  now: Date;
  /** The document's language; by default the one of the notice the member last consented under. */
  language?: Language;
  /** HQ's data keys: the member's sealed contacts are opened for the document. */
  keys: DataKeys;
}

type Timestamp = Date | string;

interface MemberRow {
  id: string;
  card_number: string | null;
  given_name: string;
  family_name: string;
  phone: string | null;
  email: string | null;
  birth_date: string | null;
  home_store_id: string;
  enrolled_at: Timestamp;
  tier: string;
  points: unknown;
  erased_at: Timestamp | null;
  marketing_email_confirmed_at: Timestamp | null;
  erasure_requested: boolean;
}

interface ConsentRow {
  purpose: string;
  granted: boolean;
  at: Timestamp;
  channel: string;
  notice_version: string;
  notice_language: string;
  store_id: string;
  device_id: string | null;
  staff_id: string | null;
}

interface LedgerRow {
  op_id: string;
  kind: string;
  points: unknown;
  at: Timestamp;
  store_id: string;
  reference: string | null;
  amount_minor: unknown;
  currency: string | null;
  reward_id: string | null;
  reason_code: string | null;
  reverses_op_id: string | null;
  reward_name_en: string | null;
  reward_name_ru: string | null;
}

const iso = (value: Timestamp): string => new Date(value).toISOString();
const isoOrNull = (value: Timestamp | null): string | null => (value === null ? null : iso(value));
const jsonColumn = (value: unknown): unknown => (typeof value === 'string' ? JSON.parse(value) : value);

// The audit keeps ids and codes in details (operators/operator-audit.ts); only a reason code is the
// member's business, and only one shaped like a code is taken, so nothing else can ride along.
const REASON_CODE = /^[a-z][a-z0-9_.]{0,63}$/;

/**
 * The member's export, checked against the published schema before it is returned; null when HQ
 * does not know the member or has erased them (memberExportState tells the two apart).
 */
export async function buildMemberExport(q: Queryable, input: MemberExportInput): Promise<MemberExport | null> {
  // A malformed id would otherwise fail as an SQL cast error in the middle of the reads.
  z.uuid().parse(input.exportId);
  const member = (
    await q.query<MemberRow>(
      `SELECT m.id, m.card_number, m.given_name, m.family_name, m.phone, m.email, m.birth_date, m.home_store_id,
              m.enrolled_at, m.tier, m.points, m.erased_at, m.marketing_email_confirmed_at,
              EXISTS (SELECT 1 FROM erasure_requests r WHERE r.member_id = m.id AND r.status = 'pending')
                AS erasure_requested
         FROM members m WHERE m.id = $1`,
      [input.memberId],
    )
  ).rows[0];
  if (!member || member.erased_at !== null) return null;

  const consents = (
    await q.query<ConsentRow>(
      `SELECT purpose, granted, at, channel, notice_version, notice_language, store_id, device_id, staff_id
         FROM consents WHERE member_id = $1 ORDER BY at, op_id`,
      [input.memberId],
    )
  ).rows;
  // The same order erasure.ts calls a purpose's latest record: by time, then op id.
  const latest = new Map<string, ConsentRow>();
  for (const row of consents) latest.set(row.purpose, row);
  const current = (purpose: ConsentPurpose) => {
    const row = latest.get(purpose);
    return {
      granted: row?.granted ?? false,
      noticeVersion: row?.notice_version ?? null,
      since: row ? iso(row.at) : null,
    };
  };
  const lastLanguage = consents.at(-1)?.notice_language;
  const language: Language = input.language ?? LANGUAGES.find((candidate) => candidate === lastLanguage) ?? 'en';

  const ledger = (
    await q.query<LedgerRow>(
      `SELECT l.op_id, l.kind, l.points, l.at, l.store_id, l.reference, l.amount_minor, l.currency, l.reward_id,
              l.reason_code, l.reverses_op_id, r.name_en AS reward_name_en, r.name_ru AS reward_name_ru
         FROM ledger l LEFT JOIN rewards r ON r.id = l.reward_id
        WHERE l.member_id = $1 ORDER BY l.at, l.op_id`,
      [input.memberId],
    )
  ).rows;
  // A reversal is always of the same member's entry (push/apply-op.ts), so the member's own rows say it all.
  const reversed = new Set(ledger.flatMap((row) => (row.reverses_op_id === null ? [] : [row.reverses_op_id])));

  const audit = (
    await q.query<{ action: string; at: Timestamp; details: unknown }>(
      `SELECT action, at, details FROM operator_audit
        WHERE subject_type = 'member' AND subject_id = $1 ORDER BY seq`,
      [input.memberId],
    )
  ).rows;

  const disclosures = (
    await q.query<{
      disclosed_at: Timestamp;
      recipient: string;
      purpose: string;
      fields: unknown;
      pseudonymised: boolean;
    }>(
      `SELECT d.disclosed_at, d.recipient, d.purpose, d.fields, d.pseudonymised
         FROM disclosure_members dm JOIN disclosures d ON d.id = dm.disclosure_id
        WHERE dm.member_id = $1 ORDER BY d.disclosed_at, d.id`,
      [input.memberId],
    )
  ).rows;

  const erasureRequests = (
    await q.query<{
      requested_at: Timestamp;
      source: string;
      reason_code: string;
      status: string;
      due_at: Timestamp;
      completed_at: Timestamp | null;
    }>(
      `SELECT requested_at, source, reason_code, status, due_at, completed_at
         FROM erasure_requests WHERE member_id = $1 ORDER BY requested_at, id`,
      [input.memberId],
    )
  ).rows;

  // This export's own row, if the caller recorded it first, is not an earlier export.
  const exports = (
    await q.query<{ created_at: Timestamp; purpose: string; source: string }>(
      `SELECT created_at, purpose, source FROM member_exports
        WHERE member_id = $1 AND id <> $2::uuid ORDER BY created_at, id`,
      [input.memberId, input.exportId],
    )
  ).rows;

  const document = {
    schema: MEMBER_EXPORT_SCHEMA_ID,
    exportId: input.exportId,
    generatedAt: input.now.toISOString(),
    purpose: input.purpose,
    producedBy: { kind: 'hq', storeId: null },
    language,
    complete: true,
    missing: [],
    member: {
      memberId: member.id,
      cardNumber: member.card_number,
      givenName: member.given_name,
      familyName: member.family_name,
      ...openMemberContacts(input.keys, member.id, member),
      birthDate: member.birth_date,
      homeStoreId: member.home_store_id,
      enrolledAt: iso(member.enrolled_at),
      tier: member.tier,
      points: toInt(member.points),
      erasureRequested: member.erasure_requested,
    },
    consents: {
      current: {
        terms: current('terms'),
        marketing_email: {
          ...current('marketing_email'),
          confirmedAt: isoOrNull(member.marketing_email_confirmed_at),
        },
        marketing_sms: current('marketing_sms'),
      } satisfies Record<ConsentPurpose, unknown>,
      history: consents.map((row) => ({
        purpose: row.purpose,
        granted: row.granted,
        at: iso(row.at),
        channel: row.channel,
        noticeVersion: row.notice_version,
        noticeLanguage: row.notice_language,
        storeId: row.store_id,
        deviceId: row.device_id,
        staffId: row.staff_id,
      })),
    },
    ledger: ledger.map((row) => ({
      opId: row.op_id,
      kind: row.kind,
      points: toInt(row.points),
      at: iso(row.at),
      storeId: row.store_id,
      reference: row.reference,
      amountMinor: row.amount_minor === null ? null : toInt(row.amount_minor),
      currency: row.currency,
      rewardId: row.reward_id,
      reasonCode: row.reason_code,
      reversesOpId: row.reverses_op_id,
    })),
    redemptions: ledger
      .filter((row) => row.kind === 'redeem')
      .map((row) => ({
        opId: row.op_id,
        at: iso(row.at),
        rewardId: row.reward_id,
        rewardName:
          row.reward_name_en === null || row.reward_name_ru === null
            ? null
            : { en: row.reward_name_en, ru: row.reward_name_ru },
        points: toInt(row.points),
        reversed: reversed.has(row.op_id),
      })),
    accessLog: audit.map((row) => {
      const details = jsonColumn(row.details);
      const reason =
        typeof details === 'object' && details !== null && 'reason' in details ? details.reason : undefined;
      return {
        action: row.action,
        at: iso(row.at),
        reasonCode: typeof reason === 'string' && REASON_CODE.test(reason) ? reason : null,
      };
    }),
    disclosures: disclosures.map((row) => ({
      disclosedAt: iso(row.disclosed_at),
      recipient: row.recipient,
      purpose: row.purpose,
      fields: jsonColumn(row.fields),
      pseudonymised: row.pseudonymised,
    })),
    requests: {
      erasure: erasureRequests.map((row) => ({
        requestedAt: iso(row.requested_at),
        source: row.source,
        reasonCode: row.reason_code,
        status: row.status,
        dueAt: iso(row.due_at),
        completedAt: isoOrNull(row.completed_at),
      })),
      exports: exports.map((row) => ({ createdAt: iso(row.created_at), purpose: row.purpose, source: row.source })),
    },
  };
  // Enum columns are plain text in the database: the schema is what vouches for them.
  return MemberExport.parse(document);
}
