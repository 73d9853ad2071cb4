import { AUDIT_ACTIONS, type AuditAction, type AuditActionGroup } from '../../shared/audit/schemas';
import type { AuditLanguage, AuditMemberLabel, AuditNameBook } from '../../shared/audit/describe';
import { typedInstantRange, type DatePattern } from '../../shared/audit/typed-date';

export { isoWithOffset, localDateRange, localDayEdge } from '../../shared/audit/typed-date';

/** Pure helpers for the audit log view (no DOM, no React) so they are unit-tested in Node. */

export const AUDIT_PAGE_SIZE = 50;

const ACTIONS = new Set<string>(AUDIT_ACTIONS);

export function isAuditAction(action: string): action is AuditAction {
  return ACTIONS.has(action);
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
  const range = typedInstantRange(filters.from, filters.to, pattern);
  if (!range.ok) return range;
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
