import { z } from 'zod';
import { CONSENT_PURPOSES, type ConsentPurpose } from '../consents/purposes';
import { LANGUAGES } from '../i18n/languages';
import { TIERS } from '../points/rules';
import { LEDGER_KINDS } from '../points/schemas';
import { EXPORT_PURPOSES } from './requests';

/**
 * One data-subject export (GDPR Art. 15 access, Art. 20 portability; CCPA right to know): what
 * the chain holds about one member, and nothing about anyone else (DESIGN §6). HQ and a till
 * produce the same document; a till offline produces part of it and says, in `missing`, which
 * part. The published JSON Schema (docs/schemas/member-export.v1.schema.json) is generated from
 * this one, so a change here is a change of the published format: a new version, not an edit.
 */
export const MEMBER_EXPORT_SCHEMA_ID = 'https://loyalty-desk.example/schemas/member-export/v1';

/**
 * What a partial export lacks, each a part only HQ holds: the till keeps contacts as masks and
 * keyed hashes, its own store's ledger and consent records, and none of HQ's audit, disclosures
 * or request records.
 */
export const MEMBER_EXPORT_MISSING = [
  'contacts_held_at_hq',
  'ledger_from_other_stores',
  'consent_history_at_hq',
  'audit_at_hq',
  'disclosures_at_hq',
  'requests_at_hq',
] as const;
export type MemberExportMissing = (typeof MEMBER_EXPORT_MISSING)[number];

/** Who recorded what at HQ: the erasure request's origin, and an export's. */
export const ERASURE_REQUEST_SOURCES = ['till', 'console', 'retention'] as const;
export const ERASURE_REQUEST_STATUSES = ['pending', 'completed', 'cancelled'] as const;
export const EXPORT_SOURCES = ['till', 'console'] as const;

const id = z.string().min(1).max(64);
const uuid = z.uuid();
const at = z.iso.datetime({ offset: true });
// Codes recorded by HQ (an audit action, a reason, a consent channel): open lists that grow with
// HQ, so the format takes any code-shaped value and the document explains the ones it knows.
const code = z.string().regex(/^[a-z][a-z0-9_.]{0,63}$/);
// Whole numbers a JSON reader can hold exactly.
const integer = z.number().int().min(Number.MIN_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER);

const Member = z.strictObject({
  memberId: id,
  cardNumber: z.string().max(19).nullable(),
  givenName: z.string().max(60),
  familyName: z.string().max(60),
  phone: z.string().max(32).nullable(),
  email: z.string().max(254).nullable(),
  birthDate: z.iso.date().nullable(),
  homeStoreId: id,
  enrolledAt: at,
  tier: z.enum(TIERS),
  points: integer,
  /** An erasure request is pending: the member is restricted (Art. 18) until it is carried out. */
  erasureRequested: z.boolean(),
});

/** The state of one purpose now: the latest record's; never recorded is not granted. */
const CurrentConsent = z.strictObject({
  granted: z.boolean(),
  noticeVersion: z.string().max(40).nullable(),
  since: at.nullable(),
});

const ConsentRecord = z.strictObject({
  purpose: z.enum(CONSENT_PURPOSES),
  granted: z.boolean(),
  at,
  /** How it was recorded: 'counter' at a till; HQ adds its own (a withdrawal by erasure request). */
  channel: code,
  noticeVersion: z.string().max(40),
  noticeLanguage: z.enum(LANGUAGES),
  storeId: id,
  deviceId: id.nullable(),
  staffId: id.nullable(),
});

const currentConsents = {
  terms: CurrentConsent,
  /** Marketing e-mail counts only once the member confirmed the address (double opt-in). */
  marketing_email: CurrentConsent.extend({ confirmedAt: at.nullable() }),
  marketing_sms: CurrentConsent,
} satisfies Record<ConsentPurpose, z.ZodType>;

const LedgerEntry = z.strictObject({
  opId: uuid,
  kind: z.enum(LEDGER_KINDS),
  points: integer,
  at,
  storeId: id,
  reference: z.string().max(40).nullable(),
  amountMinor: integer.nullable(),
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/)
    .nullable(),
  rewardId: id.nullable(),
  reasonCode: z.string().max(40).nullable(),
  reversesOpId: uuid.nullable(),
});

const Redemption = z.strictObject({
  opId: uuid,
  at,
  rewardId: id.nullable(),
  /** The catalogue's names for the reward; null when the catalogue no longer has it. */
  rewardName: z.strictObject({ en: z.string().max(200), ru: z.string().max(200) }).nullable(),
  /** As in the ledger: negative, the points spent. */
  points: integer,
  /** Undone later by a reversal (the points came back). */
  reversed: z.boolean(),
});

/** An HQ operator's action about the member; who did it is left out (that is about someone else). */
const AccessLogEntry = z.strictObject({
  action: code,
  at,
  reasonCode: code.nullable(),
});

const Disclosure = z.strictObject({
  disclosedAt: at,
  recipient: z.string().min(1).max(200),
  purpose: code,
  fields: z.array(z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/)).max(50),
  pseudonymised: z.boolean(),
});

const ErasureRequest = z.strictObject({
  requestedAt: at,
  source: z.enum(ERASURE_REQUEST_SOURCES),
  reasonCode: code,
  status: z.enum(ERASURE_REQUEST_STATUSES),
  dueAt: at,
  completedAt: at.nullable(),
});

const EarlierExport = z.strictObject({
  createdAt: at,
  purpose: z.enum(EXPORT_PURPOSES),
  source: z.enum(EXPORT_SOURCES),
});

export const MemberExport = z
  .strictObject({
    schema: z.literal(MEMBER_EXPORT_SCHEMA_ID),
    exportId: uuid,
    generatedAt: at,
    purpose: z.enum(EXPORT_PURPOSES),
    producedBy: z.strictObject({
      kind: z.enum(['hq', 'till']),
      /** The till's store; null for HQ. */
      storeId: id.nullable(),
    }),
    language: z.enum(LANGUAGES),
    complete: z.boolean(),
    missing: z.array(z.enum(MEMBER_EXPORT_MISSING)).max(MEMBER_EXPORT_MISSING.length),
    member: Member,
    consents: z.strictObject({
      current: z.strictObject(currentConsents),
      history: z.array(ConsentRecord),
    }),
    ledger: z.array(LedgerEntry),
    redemptions: z.array(Redemption),
    accessLog: z.array(AccessLogEntry),
    disclosures: z.array(Disclosure),
    requests: z.strictObject({
      erasure: z.array(ErasureRequest),
      exports: z.array(EarlierExport),
    }),
  })
  // JSON Schema as zod generates it cannot say these two; a reader of the JSON alone sees them in
  // the schema's description.
  .superRefine((doc, ctx) => {
    if (doc.complete !== (doc.missing.length === 0))
      ctx.addIssue({ code: 'custom', path: ['complete'], message: 'complete_means_nothing_missing' });
    if (new Set(doc.missing).size !== doc.missing.length)
      ctx.addIssue({ code: 'custom', path: ['missing'], message: 'missing_repeated' });
  })
  .meta({
    title: 'Loyalty Desk member data export, version 1',
    description:
      "Everything the loyalty programme holds about one member (GDPR Art. 15 and 20, CCPA right to know). 'complete' is true exactly when 'missing' is empty; no code appears twice in 'missing'.",
  });
export type MemberExport = z.infer<typeof MemberExport>;
