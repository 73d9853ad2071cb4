import { AUDIT_ACTIONS, type AuditAction } from '../../shared/audit/schemas';
import { formatPlain } from '../app/format-number';

/** Pure helpers for the audit log view (no DOM, no React) so they are unit-tested in Node. */

export const AUDIT_PAGE_SIZE = 50;

/** Subject types the log names in words; any other is shown as recorded. */
export const AUDIT_SUBJECTS = ['staff', 'approval', 'member', 'settings'] as const;
export type AuditSubject = (typeof AUDIT_SUBJECTS)[number];

export function isAuditSubject(type: string): type is AuditSubject {
  return (AUDIT_SUBJECTS as readonly string[]).includes(type);
}

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
 * A calendar date as the manager typed it (`YYYY-MM-DD`, the value of `<input type="date">`) turned
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

export type AuditDetailValue = string | number | boolean | null;

/** Details as short `key=value` text; ids stay ids (the log never holds names or contacts). */
export function formatDetails(details: Readonly<Record<string, AuditDetailValue>>): string {
  return Object.entries(details)
    .map(
      ([key, value]) =>
        `${key}=${value === null ? '—' : typeof value === 'number' ? formatPlain(value) : String(value)}`,
    )
    .join(', ');
}

/** A staff member's name from the roster; an id the roster does not know is shown as it is. */
export function staffName(
  staffId: string | null,
  roster: readonly { staffId: string; displayName: string }[],
): string | null {
  if (staffId === null) return null;
  return roster.find((entry) => entry.staffId === staffId)?.displayName ?? staffId;
}

export interface AuditFilters {
  staffId: string;
  action: '' | AuditAction;
  /** Local calendar dates as `YYYY-MM-DD`, or empty. */
  from: string;
  to: string;
}

export interface AuditListQuery {
  staffId?: string;
  action?: AuditAction;
  from?: string;
  to?: string;
  beforeSeq?: number;
  limit: number;
}

/** The `audit.list` request for the filters on screen (and the page before `beforeSeq`). */
export function auditQuery(
  filters: AuditFilters,
  beforeSeq?: number,
): { ok: true; query: AuditListQuery } | { ok: false; problem: 'invalid' | 'order' } {
  const range = localDateRange(filters.from, filters.to);
  if (!range.ok) return range;
  const query: AuditListQuery = { limit: AUDIT_PAGE_SIZE };
  if (filters.staffId) query.staffId = filters.staffId;
  if (filters.action) query.action = filters.action;
  if (range.from) query.from = range.from;
  if (range.to) query.to = range.to;
  if (beforeSeq !== undefined) query.beforeSeq = beforeSeq;
  return { ok: true, query };
}
