import type { Database } from 'better-sqlite3-multiple-ciphers';
import { CONSENT_PURPOSES, type ConsentPurpose } from '../../shared/consents/purposes';
import { AppError } from '../../shared/errors';
import type { Language } from '../../shared/i18n/languages';
import {
  MEMBER_EXPORT_MISSING,
  MEMBER_EXPORT_SCHEMA_ID,
  MemberExport,
  type MemberExportMissing,
} from '../../shared/privacy/member-export';
import { EXPORT_PURPOSES, type ExportPurpose } from '../../shared/privacy/requests';
import { isStandalone, type DeviceIdentity } from '../sync/device-identity';

/**
 * A member's export as this till holds it (GDPR Art. 15/20), for when HQ cannot be asked: built from
 * the till's own tables, in the published format, with `missing` naming each part only HQ holds.
 * A paired till keeps contacts of most members as masks, its own ledger entries and consent records,
 * and none of HQ's audit, disclosures or requests, so its export is partial. A standalone till (never
 * paired) is its own authority: there is no HQ holding anything else, and its export is complete.
 *
 * Read in one IMMEDIATE transaction (a deferred one can fail with SQLITE_BUSY_SNAPSHOT when the sync
 * worker commits meanwhile), so every section is of the same moment; nothing is written.
 */

/** HQ-side facts a till cannot know for a member from elsewhere: said as this, never guessed. */
export const UNKNOWN_HOME_STORE = 'unknown';

interface MemberRow {
  id: string;
  card_number: string;
  given_name: string;
  family_name: string;
  phone_e164: string | null;
  email: string | null;
  phone_masked: string | null;
  email_masked: string | null;
  birth_date: string | null;
  enrolled_at: string;
  tier: 'standard' | 'silver' | 'gold';
  points_confirmed: number;
  terms_version: string | null;
  marketing_email: number;
  marketing_sms: number;
  erased_at: string | null;
  erasure_requested_at: string | null;
}

interface ConsentRow {
  purpose: ConsentPurpose;
  granted: number;
  notice_version: string;
  language: string;
  channel: string;
  staff_id: string | null;
  store_id: string;
  at: string;
}

interface LedgerRow {
  op_id: string;
  kind: 'earn' | 'redeem' | 'adjust' | 'reversal';
  points: number;
  state: 'pending' | 'confirmed';
  at: string;
  store_id: string;
  reference: string | null;
  amount_minor: number | null;
  currency: string | null;
  reward_id: string | null;
  reason_code: string | null;
  reverses_op_id: string | null;
  name_en: string | null;
  name_ru: string | null;
}

export interface TillExportInput {
  memberId: string;
  exportId: string;
  purpose: ExportPurpose;
  language: Language;
  now: Date;
}

export function createTillExport(deps: { db: Database; identity: () => DeviceIdentity }) {
  const { db } = deps;
  const member = db.prepare<[string], MemberRow>(
    `SELECT id, card_number, given_name, family_name, phone_e164, email, phone_masked, email_masked, birth_date,
            enrolled_at, tier, points_confirmed, terms_version, marketing_email, marketing_sms, erased_at,
            erasure_requested_at
       FROM members WHERE id = ?`,
  );
  // Insertion order breaks ties of `at`, as the member view does (a stalled clock).
  const consents = db.prepare<[string], ConsentRow>(
    `SELECT purpose, granted, notice_version, language, channel, staff_id, store_id, at
       FROM consents WHERE member_id = ? ORDER BY at, rowid`,
  );
  const ledger = db.prepare<[string], LedgerRow>(
    `SELECT l.op_id, l.kind, l.points, l.state, l.at, l.store_id, l.reference, l.amount_minor, l.currency,
            l.reward_id, l.reason_code, l.reverses_op_id, r.name_en, r.name_ru
       FROM ledger l LEFT JOIN rewards r ON r.id = l.reward_id
      WHERE l.member_id = ? ORDER BY l.at, l.op_id`,
  );
  // Earlier exports handed over at this till (the audit keeps each, with its purpose).
  const earlierExports = db.prepare<[string], { at: string; details: string }>(
    "SELECT at, details FROM audit WHERE action = 'member.exported' AND subject_type = 'member' AND subject_id = ? ORDER BY seq",
  );

  return (input: TillExportInput): MemberExport =>
    db
      .transaction((): MemberExport => {
        const row = member.get(input.memberId);
        if (!row || row.erased_at !== null) throw new AppError('member_not_found', 'No such member on this till.');
        const identity = deps.identity();
        const standalone = isStandalone(identity);
        const history = consents.all(input.memberId);
        const entries = ledger.all(input.memberId);

        const latest = new Map<ConsentPurpose, ConsentRow>();
        for (const record of history) latest.set(record.purpose, record);
        // The flags are what the till knows now (HQ's, for a member from elsewhere); a local record
        // dates it only when it says the same.
        const current = (purpose: ConsentPurpose, granted: boolean, version: string | null = null) => {
          const record = latest.get(purpose);
          const agrees = record !== undefined && Boolean(record.granted) === granted;
          return {
            granted,
            noticeVersion: version ?? (agrees ? record.notice_version : null),
            since: agrees ? record.at : null,
          };
        };
        // Terms are recorded only at enrolment (a counter changes marketing consents alone), so a terms
        // record here means the member joined at this till: its store is where they joined.
        const enrolment = history.find((record) => record.purpose === 'terms');
        const homeStoreId = standalone ? identity.storeId : (enrolment?.store_id ?? UNKNOWN_HOME_STORE);

        const contactsOnlyAtHq =
          (row.phone_masked !== null && row.phone_e164 === null) || (row.email_masked !== null && row.email === null);
        const missing = new Set<MemberExportMissing>(
          standalone
            ? []
            : [
                ...(contactsOnlyAtHq ? (['contacts_held_at_hq'] as const) : []),
                'ledger_from_other_stores',
                'consent_history_at_hq',
                'audit_at_hq',
                'disclosures_at_hq',
                'requests_at_hq',
              ],
        );
        const pending = entries.filter((entry) => entry.state === 'pending').reduce((sum, e) => sum + e.points, 0);
        const reversed = new Set(entries.flatMap((entry) => (entry.reverses_op_id ? [entry.reverses_op_id] : [])));

        const document = {
          schema: MEMBER_EXPORT_SCHEMA_ID,
          exportId: input.exportId,
          generatedAt: input.now.toISOString(),
          purpose: input.purpose,
          producedBy: { kind: 'till', storeId: identity.storeId },
          language: input.language,
          complete: missing.size === 0,
          missing: MEMBER_EXPORT_MISSING.filter((code) => missing.has(code)),
          member: {
            memberId: row.id,
            cardNumber: row.card_number,
            givenName: row.given_name,
            familyName: row.family_name,
            phone: row.phone_e164,
            email: row.email,
            birthDate: row.birth_date,
            homeStoreId,
            enrolledAt: row.enrolled_at,
            tier: row.tier,
            // The balance this till shows: HQ's confirmed figure and this till's entries HQ has not confirmed.
            points: row.points_confirmed + pending,
            erasureRequested: row.erasure_requested_at !== null,
          },
          consents: {
            current: {
              terms: current('terms', row.terms_version !== null, row.terms_version),
              // Whether the member confirmed the address is HQ's to know (double opt-in).
              marketing_email: { ...current('marketing_email', row.marketing_email === 1), confirmedAt: null },
              marketing_sms: current('marketing_sms', row.marketing_sms === 1),
            } satisfies Record<(typeof CONSENT_PURPOSES)[number], unknown>,
            history: history.map((record) => ({
              purpose: record.purpose,
              granted: record.granted === 1,
              at: record.at,
              channel: record.channel,
              noticeVersion: record.notice_version,
              noticeLanguage: record.language,
              storeId: record.store_id,
              // Every consent row here was recorded at this till.
              deviceId: identity.deviceId,
              staffId: record.staff_id,
            })),
          },
          ledger: entries.map((entry) => ({
            opId: entry.op_id,
            kind: entry.kind,
            points: entry.points,
            at: entry.at,
            storeId: entry.store_id,
            reference: entry.reference,
            amountMinor: entry.amount_minor,
            currency: entry.currency,
            rewardId: entry.reward_id,
            reasonCode: entry.reason_code,
            reversesOpId: entry.reverses_op_id,
          })),
          redemptions: entries
            .filter((entry) => entry.kind === 'redeem')
            .map((entry) => ({
              opId: entry.op_id,
              at: entry.at,
              rewardId: entry.reward_id,
              rewardName:
                entry.name_en === null || entry.name_ru === null ? null : { en: entry.name_en, ru: entry.name_ru },
              points: entry.points,
              reversed: reversed.has(entry.op_id),
            })),
          accessLog: [],
          disclosures: [],
          requests: {
            erasure: [],
            exports: earlierExports.all(input.memberId).flatMap((earlier) => {
              const purpose = (JSON.parse(earlier.details) as { purpose?: unknown }).purpose;
              const known = EXPORT_PURPOSES.find((candidate) => candidate === purpose);
              return known ? [{ createdAt: earlier.at, purpose: known, source: 'till' as const }] : [];
            }),
          },
        };
        // Column types are SQLite's: the published schema is what vouches for the document.
        return MemberExport.parse(document);
      })
      .immediate();
}

export type TillExport = ReturnType<typeof createTillExport>;
