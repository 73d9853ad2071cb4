import type { TFunction } from 'i18next';
import { CONSOLE_ENDPOINTS, mayResolve, type ConsoleInput, type ConsoleOutput } from '../../../src/console/contract';
import { parseTypedDate, type DatePattern } from '../../../../../src/shared/audit/typed-date';
import { formatDateTime, formatNumber, type ConsoleLanguage } from '../app/format';

/**
 * The Alerts page's pure logic: the codes HQ accepts (read off the contract's schemas, so the page
 * offers exactly those), each alert in plain words, the filters as the listAlerts input, and the
 * detection policy as a form draft and back. tests/hq-console/alerts-logic.test.ts covers it.
 */

const LIST_INPUT = CONSOLE_ENDPOINTS.listAlerts.input.shape;
const RESOLVE_INPUT = CONSOLE_ENDPOINTS.resolveAlert.input.shape;
const POLICY = CONSOLE_ENDPOINTS.saveDetectionPolicy.input.shape.policy;

export const RULE_CODES = LIST_INPUT.rule.unwrap().options;
export type RuleCode = (typeof RULE_CODES)[number];
export const STATUS_CODES = LIST_INPUT.status.unwrap().options;
export type StatusCode = (typeof STATUS_CODES)[number];
export const ACTION_CODES = RESOLVE_INPUT.action.options;
export type ActionCode = (typeof ACTION_CODES)[number];
export const REASON_CODES = RESOLVE_INPUT.reasonCode.options;
export type ReasonCode = (typeof REASON_CODES)[number];
/** The rules a store's policy sets one by one (baseline_deviation has its own settings). */
export const TILL_RULE_CODES = POLICY.shape.rules.keyof().options;
export type TillRuleCode = (typeof TILL_RULE_CODES)[number];
/** A till rule's modes (off, notify, enforce). */
export const MODE_CODES = POLICY.shape.rules.shape.members_opened.shape.mode.options;
/** The baseline's: HQ's own alerts hold nobody, so it is off or notify (shared/detection/policy.ts). */
export const BASELINE_MODE_CODES = POLICY.shape.baseline.shape.mode.options;
export const ENFORCE_ACTION_CODES = POLICY.shape.enforceAction.options;

export type Alert = ConsoleOutput<'listAlerts'>['alerts'][number];
export type DetectionPolicy = ConsoleOutput<'getDetectionPolicy'>['policy'];

export const PAGE_SIZE = 25;

/**
 * Resolutions HQ records itself and never offers an operator: a till's alert its store manager
 * acknowledged at the till (detection/detect-after-upload.ts, ACKNOWLEDGED_AT_TILL).
 */
export const RECORDED_RESOLUTION_CODES = ['acknowledged_at_till'] as const;

/** A resolution in words; a code this console does not know (a newer HQ) as recorded. */
export function resolutionText(code: string, t: TFunction): string {
  const known: readonly string[] = [...REASON_CODES, ...RECORDED_RESOLUTION_CODES];
  return known.includes(code) ? t(`alerts.reasons.${code}`) : code;
}

/** The resolutions an alert in `status` may still take, in ACTION_CODES order. */
export function actionsFor(status: StatusCode): ActionCode[] {
  return ACTION_CODES.filter((action) => mayResolve(status, action));
}

/** Who the alert is about: the roster's name, or the id HQ does not know. */
export function staffText(alert: Pick<Alert, 'staffId' | 'staffName'>, t: TFunction): string {
  return alert.staffName ?? t('alerts.unknownStaff', { id: alert.staffId });
}

/** A member as an alert may show them: initials and card digits, or that they were erased. */
export function memberText(member: Alert['members'][number], t: TFunction): string {
  if (member.erased) return t('alerts.memberErased');
  return member.label ?? t('alerts.memberUnknown');
}

/** The window in the page's language: "2 Mar 2026, 10:00 – 10:49". */
export function windowText(alert: Pick<Alert, 'windowStart' | 'windowEnd'>, language: ConsoleLanguage): string {
  const start = formatDateTime(alert.windowStart, language);
  if (alert.windowEnd === alert.windowStart) return start;
  const end = formatDateTime(alert.windowEnd, language);
  // The same day: its date once.
  const sameDay = alert.windowStart.slice(0, 10) === alert.windowEnd.slice(0, 10);
  const endTime = sameDay
    ? new Intl.DateTimeFormat(language === 'ru' ? 'ru-RU' : 'en-GB', { timeStyle: 'short' }).format(
        new Date(alert.windowEnd),
      )
    : end;
  return `${start} – ${endTime}`;
}

/** One sentence for what happened: who did what, how many against the threshold. */
export function alertSentence(alert: Alert, t: TFunction, language: ConsoleLanguage): string {
  return t(`alerts.sentence.${alert.rule}`, {
    staff: staffText(alert, t),
    count: formatNumber(alert.count, language),
    threshold: formatNumber(alert.threshold, language),
  });
}

/** Where it was seen and by whom: the store, the till (a till's alert) or HQ across the store's tills. */
export function originText(alert: Alert, t: TFunction): string {
  return alert.source === 'till'
    ? t('alerts.fromTill', { store: alert.storeName, till: alert.deviceName ?? alert.deviceId ?? '' })
    : t('alerts.fromHq', { store: alert.storeName });
}

export interface AlertFilters {
  storeId: string;
  rule: '' | RuleCode;
  status: '' | StatusCode;
  staffId: string;
  /**
   * Dates as typed in the page language's pattern (shared/audit/typed-date.ts: not the browser's
   * date input, which follows the operating system's locale), days of the browser's time zone.
   */
  fromDate: string;
  toDate: string;
}

export const NO_FILTERS: AlertFilters = {
  storeId: '',
  rule: '',
  status: 'open',
  staffId: '',
  fromDate: '',
  toDate: '',
};

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

function startOfDay(typed: string, pattern: DatePattern, plusDays = 0): string | null {
  const day = parseTypedDate(typed, pattern);
  const match = day === null ? null : DAY.exec(day);
  if (!match) return null;
  const date = new Date(Number(match[1]), Number(match[2]) - 1, Number(match[3]) + plusDays);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

/**
 * The filters as listAlerts' input, or which field is wrong. The "to" day is included: the range
 * ends at the start of the day after it.
 */
export function listInput(
  filters: AlertFilters,
  offset: number,
  pattern: DatePattern,
): { input: ConsoleInput<'listAlerts'> } | { error: 'fromDate' | 'toDate' | 'order' } {
  const input: ConsoleInput<'listAlerts'> = { limit: PAGE_SIZE, offset };
  if (filters.storeId) input.storeId = filters.storeId;
  if (filters.rule) input.rule = filters.rule;
  if (filters.status) input.status = filters.status;
  if (filters.staffId) input.staffId = filters.staffId;
  if (filters.fromDate) {
    const from = startOfDay(filters.fromDate, pattern);
    if (from === null) return { error: 'fromDate' };
    input.from = from;
  }
  if (filters.toDate) {
    const to = startOfDay(filters.toDate, pattern, 1);
    if (to === null) return { error: 'toDate' };
    if (input.from !== undefined && to <= input.from) return { error: 'order' };
    input.to = to;
  }
  return { input };
}

/** "26–50 of 73", or null when nothing matches. */
export function pageRange(offset: number, shown: number, total: number): { first: number; last: number } | null {
  if (total === 0 || shown === 0) return null;
  return { first: offset + 1, last: offset + shown };
}

// --- the policy form ---------------------------------------------------------------------------

export interface RuleDraft {
  mode: string;
  threshold: string;
  windowMinutes: string;
}

export interface PolicyDraft {
  rules: Record<TillRuleCode, RuleDraft>;
  baseline: { mode: string; days: string; sigmas: string; minEvents: string };
  enforceAction: string;
  hoursSet: boolean;
  opens: string;
  closes: string;
  timeZone: string;
}

export function draftFromPolicy(policy: DetectionPolicy): PolicyDraft {
  const rules = {} as Record<TillRuleCode, RuleDraft>;
  for (const rule of TILL_RULE_CODES) {
    const setting = policy.rules[rule];
    rules[rule] = {
      mode: setting.mode,
      threshold: String(setting.threshold),
      windowMinutes: String(setting.windowMinutes),
    };
  }
  return {
    rules,
    baseline: {
      mode: policy.baseline.mode,
      days: String(policy.baseline.days),
      sigmas: String(policy.baseline.sigmas),
      minEvents: String(policy.baseline.minEvents),
    },
    enforceAction: policy.enforceAction,
    hoursSet: policy.storeHours !== null,
    opens: policy.storeHours?.opens ?? '08:00',
    closes: policy.storeHours?.closes ?? '20:00',
    timeZone: policy.storeHours?.timeZone ?? '',
  };
}

/** A typed number, or NaN (which the schema refuses as that field's error). */
function numberOf(text: string): number {
  const trimmed = text.trim().replace(',', '.');
  return /^-?\d+(\.\d+)?$/.test(trimmed) ? Number(trimmed) : Number.NaN;
}

/**
 * The draft as a policy, checked with the contract's own schema: the policy HQ would accept, or the
 * issues by field path (the paths HQ answers with, under `policy.`), so the form marks the same fields.
 */
export function policyFromDraft(draft: PolicyDraft): { policy: DetectionPolicy } | { issues: Record<string, string> } {
  const rules: Record<string, unknown> = {};
  for (const rule of TILL_RULE_CODES) {
    const setting = draft.rules[rule];
    rules[rule] = {
      mode: setting.mode,
      threshold: numberOf(setting.threshold),
      windowMinutes: numberOf(setting.windowMinutes),
    };
  }
  const candidate = {
    rules,
    baseline: {
      mode: draft.baseline.mode,
      days: numberOf(draft.baseline.days),
      sigmas: numberOf(draft.baseline.sigmas),
      minEvents: numberOf(draft.baseline.minEvents),
    },
    enforceAction: draft.enforceAction,
    storeHours: draft.hoursSet ? { opens: draft.opens, closes: draft.closes, timeZone: draft.timeZone.trim() } : null,
  };
  const parsed = POLICY.safeParse(candidate);
  if (parsed.success) return { policy: parsed.data };
  const issues: Record<string, string> = {};
  for (const issue of parsed.error.issues) {
    const path = ['policy', ...issue.path.map(String)].join('.');
    if (!(path in issues))
      issues[path] = issue.message === 'too_small' || issue.message === 'too_big' ? issue.message : 'invalid';
  }
  return { issues };
}
