import {
  describeAuditDetails,
  describeAuditEntry,
  shortRef,
  type AuditEntryLike,
  type AuditMemberLabel,
  type AuditNameBook,
  type DescribedAuditEntry,
} from '../../../../../src/shared/audit/describe';
import { datePattern, typedInstantRange, type DatePattern } from '../../../../../src/shared/audit/typed-date';
import { localeOf, type ConsoleLanguage } from '../app/format';

/**
 * The audit page's pure logic: the operators' trail and the tills' entries said in words, in the
 * page language, and the filters (dates typed in the page language's pattern, not the browser's).
 * The tills' entries use the same sentences as the till's own log (src/shared/audit/describe.ts).
 */

/** Action groups of the operators' trail: the part of the action before its dot. */
export const OPERATOR_ACTION_PREFIXES = [
  'operator',
  'operators',
  'roles',
  'approval',
  'api_token',
  'stores',
  'policies',
  'devices',
  'staff',
  'catalog',
  'reviews',
  'overdrafts',
  'rejected',
  'flagged',
  'reports',
  'dashboard',
  'member',
  'privacy',
  'audience',
  'consent',
  'mail',
  'incidents',
  'breach',
  'alerts',
  'detection',
  'audit',
] as const;
export type OperatorActionPrefix = (typeof OPERATOR_ACTION_PREFIXES)[number];

/** Subject types of operator entries the page names in words; others show as their short reference. */
export const OPERATOR_SUBJECT_TYPES = [
  'operator',
  'store',
  'device',
  'staff',
  'member',
  'approval',
  'api_token',
  'incident',
  'alert',
] as const;

/** The date pattern of the page language (en: the console's en-GB, ru: ДД.ММ.ГГГГ). */
export function consoleDatePattern(language: ConsoleLanguage): DatePattern {
  return datePattern(localeOf(language), language);
}

export interface TypedDates {
  from: string;
  to: string;
}

/** The `from`/`to` instants of typed dates, or which field is wrong. */
export function auditDateRange(dates: TypedDates, pattern: DatePattern) {
  return typedInstantRange(dates.from, dates.to, pattern);
}

export interface OperatorEntryLike {
  operatorName: string | null;
  operatorId: string | null;
  action: string;
  subjectType: string | null;
  subjectId: string | null;
  details: Readonly<Record<string, string | number | boolean | null>>;
}

export interface OperatorWords {
  /** The action's name in the page language, or null when the console has none. */
  actionName(action: string): string | null;
  subjectName(type: string): string | null;
  system: string;
  unknownOperator: (ref: string) => string;
}

/**
 * One operator entry in words: "Alice Admin: Revoke till — till #3F9C2A", details in words.
 * The chain holds ids; the operator's name is today's, shown beside, never a bare id.
 */
export function describeOperatorEntry(
  entry: OperatorEntryLike,
  language: ConsoleLanguage,
  words: OperatorWords,
  book: AuditNameBook,
): DescribedAuditEntry {
  const actor =
    entry.operatorName ??
    (entry.operatorId === null ? words.system : words.unknownOperator(shortRef(entry.operatorId)));
  const action = words.actionName(entry.action) ?? entry.action;
  const subject =
    entry.subjectType && entry.subjectId
      ? `${words.subjectName(entry.subjectType) ?? entry.subjectType} ${shortRef(entry.subjectId)}`
      : null;
  return {
    actor,
    sentence: subject ? `${actor}: ${action} — ${subject}` : `${actor}: ${action}`,
    details: describeAuditDetails(entry.details, language, book),
  };
}

/** A till's entry in words, with the names the listTillAudit answer carries. */
export function describeTillEntry(
  entry: AuditEntryLike,
  language: ConsoleLanguage,
  names: { staff: Readonly<Record<string, string>>; members: Readonly<Record<string, AuditMemberLabel>> },
): DescribedAuditEntry {
  return describeAuditEntry(entry, language, {
    staff: (id) => names.staff[id] ?? null,
    member: (id) => names.members[id] ?? null,
  });
}
