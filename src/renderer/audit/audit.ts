import { AUDIT_ACTIONS, type AuditAction, type AuditActionGroup } from '../../shared/audit/schemas';
import type { AuditLanguage, AuditMemberLabel, AuditNameBook } from '../../shared/audit/describe';
import { parseTypedRange, type DatePattern } from './typed-date';

/** Pure helpers for the audit log view (no DOM, no React) so they are unit-tested in Node. */

export const AUDIT_PAGE_SIZE = 50;

const ACTIONS = new Set<string>(AUDIT_ACTIONS);

export function isAuditAction(action: string): action is AuditAction {
  return ACTIONS.has(action);
}

const pad = (value: number, width = 2) => String(value).padStart(width, '0');

/** An instant as ISO 8601 in local time with its UTC offset, e.g. `2026-03-29T00:00:00.000+02:00`. */
export function isoWithOffset(date: Date): string {
  const offset = -date.getTimezoneOffset();
  const sign = offset >= 0 ? '+' : '-';
  const abs = Math.abs(offset);
  return (
    `${pad(date.getFullYear(), 4)}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}` +
    `T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}` +
    `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`
  );
}

/**
 * A calendar date (`YYYY-MM-DD`, from typed-date.ts) turned
 * into the first or last instant of that day in this computer's time zone. Null when not a real date.
 */
export function localDayEdge(value: string, edge: 'start' | 'end'): string | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return null;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(2000, 0, 1, 0, 0, 0, 0);
  date.setFullYear(year, month - 1, day);
  if (edge === 'end') date.setHours(23, 59, 59, 999);
  else date.setHours(0, 0, 0, 0);
  if (date.getFullYear() !== year || date.getMonth() !== month - 1 || date.getDate() !== day) return null;
  return isoWithOffset(date);
}

export type DateRange = { ok: true; from?: string; to?: string } | { ok: false; problem: 'invalid' | 'order' };

/** The `from`/`to` instants of an audit query from two optional local dates, both days included. */
export function localDateRange(fromDate: string, toDate: string): DateRange {
  const range: { ok: true; from?: string; to?: string } = { ok: true };
  if (fromDate) {
    const from = localDayEdge(fromDate, 'start');
    if (!from) return { ok: false, problem: 'invalid' };
    range.from = from;
  }
  if (toDate) {
    const to = localDayEdge(toDate, 'end');
    if (!to) return { ok: false, problem: 'invalid' };
    range.to = to;
  }
  if (fromDate && toDate && fromDate > toDate) return { ok: false, problem: 'order' };
  return range;
}

/** A staff member's name from the roster; null when the roster does not know the id. */
export function rosterName(
  staffId: string,
  roster: readonly { staffId: string; displayName: string }[],
): string | null {
  return roster.find((entry) => entry.staffId === staffId)?.displayName ?? null;
}

export interface AuditFilters {
  staffId: string;
  group: '' | AuditActionGroup;
  /** One action, within the group when one is chosen. */
  action: '' | AuditAction;
  /** A card number as typed or scanned; main resolves it to the member. */
  memberCard: string;
  /** Dates as the manager typed them, in the page language's pattern, or empty. */
  from: string;
  to: string;
}

export interface AuditListQuery {
  staffId?: string;
  group?: AuditActionGroup;
  action?: AuditAction;
  memberCard?: string;
  from?: string;
  to?: string;
  beforeSeq?: number;
  limit: number;
}

export type AuditQueryProblem = 'invalid_from' | 'invalid_to' | 'order';

/** The `audit.list` request for the filters on screen (and the page before `beforeSeq`). */
export function auditQuery(
  filters: AuditFilters,
  pattern: DatePattern,
  beforeSeq?: number,
): { ok: true; query: AuditListQuery } | { ok: false; problem: AuditQueryProblem } {
  const typed = parseTypedRange(filters.from, filters.to, pattern);
  if (!typed.ok) return typed;
  const range = localDateRange(typed.from, typed.to);
  if (!range.ok) return { ok: false, problem: range.problem === 'order' ? 'order' : 'invalid_from' };
  const query: AuditListQuery = { limit: AUDIT_PAGE_SIZE };
  if (filters.staffId) query.staffId = filters.staffId;
  if (filters.group) query.group = filters.group;
  if (filters.action) query.action = filters.action;
  if (filters.memberCard.trim()) query.memberCard = filters.memberCard.trim();
  if (range.from) query.from = range.from;
  if (range.to) query.to = range.to;
  if (beforeSeq !== undefined) query.beforeSeq = beforeSeq;
  return { ok: true, query };
}

/** The page language as the audit sentences know it (English for any other). */
export function auditLanguage(language: string): AuditLanguage {
  return language.startsWith('ru') ? 'ru' : 'en';
}

/** Names for the sentences: staff from the roster, members and rewards from the list's answer. */
export function auditNameBook(
  roster: readonly { staffId: string; displayName: string }[],
  members: Readonly<Record<string, AuditMemberLabel>>,
  rewards: Readonly<Record<string, { en: string; ru: string }>>,
  language: AuditLanguage,
): AuditNameBook {
  return {
    staff: (id) => rosterName(id, roster),
    member: (id) => members[id] ?? null,
    reward: (id) => rewards[id]?.[language] ?? null,
  };
}
