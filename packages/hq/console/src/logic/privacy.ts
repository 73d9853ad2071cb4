import type { TFunction } from 'i18next';
import { CONSOLE_ENDPOINTS, type ConsoleInput, type ConsoleOutput } from '../../../src/console/contract';
import { AUDIENCE_PURPOSE_FIELDS } from '../../../src/privacy/audience-purposes';
import { formatNumber, localeOf, type ConsoleLanguage } from '../app/format';

/**
 * The privacy pages' pure logic: the codes and rules HQ accepts, the policy in plain words, the
 * chart's bars and the audience CSV.
 *
 * The lists and bounds are read off the contract's schemas (built from src/shared/privacy/requests.ts
 * and privacy/policy-schema.ts) and the audience rules come from privacy/audience-purposes.ts: one
 * source, so the console offers exactly what HQ accepts. tests/hq-console/privacy-logic.test.ts pins
 * each against its module.
 */

export const ERASURE_REASON_CODES = CONSOLE_ENDPOINTS.eraseMember.input.shape.reasonCode.options;
export type ErasureReasonCode = (typeof ERASURE_REASON_CODES)[number];

export const LEGAL_HOLD_REASON_CODES = CONSOLE_ENDPOINTS.setLegalHold.input.shape.reason.unwrap().options;
export type LegalHoldReasonCode = (typeof LEGAL_HOLD_REASON_CODES)[number];

export const EXPORT_PURPOSE_CODES = CONSOLE_ENDPOINTS.exportMember.input.shape.purpose.options;
export type ExportPurposeCode = (typeof EXPORT_PURPOSE_CODES)[number];

export const EXPORT_LANGUAGES = CONSOLE_ENDPOINTS.exportMember.input.shape.language.unwrap().options;
export type ExportLanguage = (typeof EXPORT_LANGUAGES)[number];

/** Where a pending erasure came from (the overview's `source`). */
export const ERASURE_SOURCES =
  CONSOLE_ENDPOINTS.getPrivacyOverview.output.shape.pendingErasures.element.shape.source.options;

/** The one erasure reason people do not choose: the retention job's (shown, never offered). */
export const RETENTION_ERASURE_REASON = 'inactivity';

const AUDIENCE_INPUT = CONSOLE_ENDPOINTS.exportAudience.input;
export const AUDIENCE_PURPOSE_CODES = AUDIENCE_INPUT.shape.purpose.options;
export type AudiencePurposeCode = (typeof AUDIENCE_PURPOSE_CODES)[number];
/** The form's first choice (a literal, so a purpose HQ dropped fails the type check). */
export const FIRST_AUDIENCE_PURPOSE: AudiencePurposeCode = 'marketing_email';
export const AUDIENCE_FIELD_CODES = AUDIENCE_INPUT.shape.fields.element.options;
export type AudienceFieldCode = (typeof AUDIENCE_FIELD_CODES)[number];

export interface AudienceRule {
  /** The fields the purpose allows, in AUDIENCE_FIELD_CODES order. */
  allowed: readonly AudienceFieldCode[];
  /** Those the list cannot go without (an e-mail list needs e-mails). */
  required: readonly AudienceFieldCode[];
}

/** Each purpose's field rule, HQ's own (privacy/audience-purposes.ts), in AUDIENCE_FIELD_CODES order. */
function ruleOf(purpose: AudiencePurposeCode): AudienceRule {
  const rule: { allowed: readonly AudienceFieldCode[]; required: readonly AudienceFieldCode[] } =
    AUDIENCE_PURPOSE_FIELDS[purpose];
  return {
    allowed: AUDIENCE_FIELD_CODES.filter((field) => rule.allowed.includes(field)),
    required: AUDIENCE_FIELD_CODES.filter((field) => rule.required.includes(field)),
  };
}

export const AUDIENCE_RULES: Readonly<Record<AudiencePurposeCode, AudienceRule>> = {
  marketing_email: ruleOf('marketing_email'),
  marketing_sms: ruleOf('marketing_sms'),
  analytics: ruleOf('analytics'),
};

/**
 * The fields kept when the purpose changes: what the new purpose allows of the ticked ones, plus
 * its required fields, in the schema's order.
 */
export function fieldsForPurpose(
  purpose: AudiencePurposeCode,
  ticked: readonly AudienceFieldCode[],
): AudienceFieldCode[] {
  const rule = AUDIENCE_RULES[purpose];
  return rule.allowed.filter((field) => rule.required.includes(field) || ticked.includes(field));
}

// --- the policy ------------------------------------------------------------------------------

type PolicyInput = ConsoleInput<'savePrivacyPolicy'>['policy'];
export type PrivacyPolicyValues = Pick<
  ConsoleOutput<'getPrivacyOverview'>['policy'],
  'erasureHoldDays' | 'inactiveMemberMonths' | 'auditRetentionYears' | 'exportRetentionDays' | 'confirmationTtlHours'
>;
export const POLICY_RULES = [
  'erasureHoldDays',
  'inactiveMemberMonths',
  'auditRetentionYears',
  'exportRetentionDays',
  'confirmationTtlHours',
] as const satisfies readonly (keyof PolicyInput)[];
export type PolicyRule = (typeof POLICY_RULES)[number];

export type DurationUnit = 'hour' | 'day' | 'month' | 'year';
export const POLICY_UNITS: Readonly<Record<PolicyRule, DurationUnit>> = {
  erasureHoldDays: 'day',
  inactiveMemberMonths: 'month',
  auditRetentionYears: 'year',
  exportRetentionDays: 'day',
  confirmationTtlHours: 'hour',
};

const POLICY_SHAPE = CONSOLE_ENDPOINTS.savePrivacyPolicy.input.shape.policy.shape;

function boundsOf(schema: { minValue: number | null; maxValue: number | null }): { min: number; max: number } {
  // Every policy number has both bounds in policy-schema.ts; a missing one would be a schema change.
  if (schema.minValue === null || schema.maxValue === null) throw new Error('A policy bound is missing.');
  return { min: schema.minValue, max: schema.maxValue };
}

/** The bounds HQ accepts for each rule (inactive months: when not 'never'). */
export const POLICY_BOUNDS: Readonly<Record<PolicyRule, { min: number; max: number }>> = {
  erasureHoldDays: boundsOf(POLICY_SHAPE.erasureHoldDays),
  inactiveMemberMonths: boundsOf(POLICY_SHAPE.inactiveMemberMonths.unwrap()),
  auditRetentionYears: boundsOf(POLICY_SHAPE.auditRetentionYears),
  exportRetentionDays: boundsOf(POLICY_SHAPE.exportRetentionDays),
  confirmationTtlHours: boundsOf(POLICY_SHAPE.confirmationTtlHours),
};

/** The edit form's values: text as typed, and whether inactive members are never anonymised. */
export interface PolicyDraft {
  values: Record<PolicyRule, string>;
  inactiveNever: boolean;
}

export function draftFromPolicy(policy: PrivacyPolicyValues): PolicyDraft {
  return {
    values: {
      erasureHoldDays: String(policy.erasureHoldDays),
      inactiveMemberMonths: policy.inactiveMemberMonths === null ? '' : String(policy.inactiveMemberMonths),
      auditRetentionYears: String(policy.auditRetentionYears),
      exportRetentionDays: String(policy.exportRetentionDays),
      confirmationTtlHours: String(policy.confirmationTtlHours),
    },
    inactiveNever: policy.inactiveMemberMonths === null,
  };
}

/**
 * A draft moved onto a newer policy (after a save refused as a conflict): the rules the operator
 * changed keep their typed values, the others take the newer policy's, so saving again does not
 * quietly undo the other operator's change. 'Never' and the months count as one rule.
 */
export function rebaseDraft(draft: PolicyDraft, opened: PrivacyPolicyValues, latest: PrivacyPolicyValues): PolicyDraft {
  const before = draftFromPolicy(opened);
  const now = draftFromPolicy(latest);
  const changed = (rule: PolicyRule) =>
    rule === 'inactiveMemberMonths'
      ? draft.inactiveNever !== before.inactiveNever ||
        (!draft.inactiveNever && draft.values.inactiveMemberMonths !== before.values.inactiveMemberMonths)
      : draft.values[rule] !== before.values[rule];
  const values = { ...now.values };
  for (const rule of POLICY_RULES) if (changed(rule)) values[rule] = draft.values[rule];
  return {
    values,
    inactiveNever: changed('inactiveMemberMonths') ? draft.inactiveNever : now.inactiveNever,
  };
}

/**
 * The policy a draft asks for. Text that is not a whole number becomes NaN, which the contract's
 * schema refuses for that field (Number('') would be 0, a value HQ accepts for the hold).
 */
export function policyFromDraft(draft: PolicyDraft): PolicyInput {
  const number = (text: string) => (/^\s*\d+\s*$/.test(text) ? Number(text) : Number.NaN);
  return {
    erasureHoldDays: number(draft.values.erasureHoldDays),
    inactiveMemberMonths: draft.inactiveNever ? null : number(draft.values.inactiveMemberMonths),
    auditRetentionYears: number(draft.values.auditRetentionYears),
    exportRetentionDays: number(draft.values.exportRetentionDays),
    confirmationTtlHours: number(draft.values.confirmationTtlHours),
  };
}

/**
 * "2 days", "1 день", "5 дней": the unit's plural form chosen by the language's plural rules.
 * Every form (one, few, many, other) is in both languages, so their key lists stay equal.
 */
export function durationText(t: TFunction, language: ConsoleLanguage, unit: DurationUnit, count: number): string {
  const form = new Intl.PluralRules(localeOf(language)).select(count);
  return t(`privacy.units.${unit}.${form}`, { count: formatNumber(count, language) });
}

/** Each rule of the policy as one sentence in the page's language. */
export function policySentences(
  policy: PrivacyPolicyValues,
  t: TFunction,
  language: ConsoleLanguage,
): { rule: PolicyRule; text: string }[] {
  const duration = (rule: PolicyRule, count: number) => durationText(t, language, POLICY_UNITS[rule], count);
  return [
    {
      rule: 'erasureHoldDays',
      text:
        policy.erasureHoldDays === 0
          ? t('privacy.rules.erasureHoldNone')
          : t('privacy.rules.erasureHold', { duration: duration('erasureHoldDays', policy.erasureHoldDays) }),
    },
    {
      rule: 'inactiveMemberMonths',
      text:
        policy.inactiveMemberMonths === null
          ? t('privacy.rules.inactiveNever')
          : t('privacy.rules.inactive', {
              duration: duration('inactiveMemberMonths', policy.inactiveMemberMonths),
            }),
    },
    {
      rule: 'auditRetentionYears',
      text: t('privacy.rules.audit', { duration: duration('auditRetentionYears', policy.auditRetentionYears) }),
    },
    {
      rule: 'exportRetentionDays',
      text: t('privacy.rules.exports', { duration: duration('exportRetentionDays', policy.exportRetentionDays) }),
    },
    {
      rule: 'confirmationTtlHours',
      text: t('privacy.rules.confirmation', {
        duration: duration('confirmationTtlHours', policy.confirmationTtlHours),
      }),
    },
  ];
}

// --- the chart -------------------------------------------------------------------------------

export interface Bar {
  /** Where the bar ends, 0..maxWidth; a count above zero is at least `minWidth` wide, so it shows. */
  width: number;
  value: number;
}

/** Bar lengths proportional to the largest value; all zero when every value is zero. */
export function barWidths(values: readonly number[], maxWidth: number, minWidth = 2): Bar[] {
  const largest = Math.max(0, ...values);
  return values.map((value) => ({
    value,
    width: largest === 0 || value <= 0 ? 0 : Math.max(minWidth, Math.round((value / largest) * maxWidth)),
  }));
}

// --- the audience CSV -------------------------------------------------------------------------

export type CsvValue = string | number | null | undefined;

/**
 * One CSV field (RFC 4180): quoted when it holds a comma, a quote, a line break or edge spaces,
 * quotes doubled; null is empty. Values are kept exact (no formula guard): the file is for a
 * processor's import, and a guard would change values such as phone numbers starting with '+'.
 */
export function csvField(value: CsvValue): string {
  if (value === null || value === undefined) return '';
  const text = String(value);
  return /[",\r\n]|^\s|\s$/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** A header line of `columns`, then one line per row; CRLF line ends as RFC 4180 has them. */
export function buildCsv(columns: readonly string[], rows: readonly Readonly<Record<string, CsvValue>>[]): string {
  const lines = [columns.map(csvField), ...rows.map((row) => columns.map((column) => csvField(row[column])))];
  return lines.map((fields) => `${fields.join(',')}\r\n`).join('');
}

/** An audience's columns: the recipient's pseudonym, then the fields in the order HQ answered them. */
export function audienceCsv(answer: Pick<ConsoleOutput<'exportAudience'>, 'fields' | 'rows'>): string {
  return buildCsv(['memberRef', ...answer.fields], answer.rows);
}

/** File names with no personal data: the purpose and the disclosure's reference. */
export function audienceFileName(answer: Pick<ConsoleOutput<'exportAudience'>, 'purpose' | 'disclosureId'>): string {
  return `audience-${answer.purpose}-${answer.disclosureId.slice(0, 8)}.csv`;
}
