import type { Database } from 'better-sqlite3-multiple-ciphers';
import { cardLastDigits, memberInitials } from '../../shared/members/member-initials';
import type { AlertMember, TillAlert } from '../../shared/detection/alert-schemas';
import type { DetectionRuleId, EnforceAction } from '../../shared/detection/policy';
import { AppError } from '../../shared/errors';
import type { AuditLog } from '../audit/audit-log';
import type { Session } from '../auth/session';

export const ALERTS_PAGE_DEFAULT = 50;

interface AlertRow {
  id: string;
  rule: DetectionRuleId;
  source: 'till' | 'hq';
  staff_id: string;
  mode: 'notify' | 'enforce';
  raised_at: string;
  window_start: string;
  window_end: string;
  count: number;
  threshold: number;
  member_ids: string;
  acknowledged_at: string | null;
  acknowledged_by: string | null;
  hold_kind: EnforceAction | null;
}

const SELECT_ALERTS = `SELECT a.id, a.rule, a.source, a.staff_id, a.mode, a.raised_at, a.window_start, a.window_end,
    a.count, a.threshold, a.member_ids, a.acknowledged_at, a.acknowledged_by, h.kind AS hold_kind
  FROM detection_alerts a LEFT JOIN staff_holds h ON h.alert_id = a.id`;

/**
 * A member as an alert shows them: initials and the card's last four digits, enough for a manager
 * who knows the member to recognise them, nothing a passer-by can use. Never a contact.
 */
export function maskedMemberLabel(member: {
  givenName: string;
  familyName: string;
  cardNumber: string;
}): string | null {
  const label = [memberInitials(member.givenName, member.familyName), cardLastDigits(member.cardNumber)]
    .filter(Boolean)
    .join(' ');
  return label === '' ? null : label;
}

export interface AlertsStore {
  list(limit?: number): { alerts: TillAlert[]; openCount: number };
  openCount(): number;
  acknowledge(alertId: string, session: Session): TillAlert;
}

/** The store manager's view of detection alerts: list, count, acknowledge (audited). */
export function createAlertsStore(deps: { db: Database; audit: AuditLog; now: () => Date }): AlertsStore {
  const { db, audit } = deps;
  // Open ones first (newest first), then the rest by when they fired.
  const page = db.prepare<[number], AlertRow>(
    `${SELECT_ALERTS} ORDER BY (a.acknowledged_at IS NULL) DESC, a.raised_at DESC, a.id DESC LIMIT ?`,
  );
  const one = db.prepare<[string], AlertRow>(`${SELECT_ALERTS} WHERE a.id = ?`);
  const open = db.prepare<[], { n: number }>(
    'SELECT count(*) AS n FROM detection_alerts WHERE acknowledged_at IS NULL',
  );
  const member = db.prepare<[string], { given_name: string; family_name: string; card_number: string }>(
    'SELECT given_name, family_name, card_number FROM members WHERE id = ?',
  );
  const acknowledge = db.prepare<{ id: string; at: string; by: string }>(
    'UPDATE detection_alerts SET acknowledged_at = @at, acknowledged_by = @by WHERE id = @id AND acknowledged_at IS NULL',
  );

  function memberOf(memberId: string): AlertMember {
    const row = member.get(memberId);
    return {
      memberId,
      label: row
        ? maskedMemberLabel({ givenName: row.given_name, familyName: row.family_name, cardNumber: row.card_number })
        : null,
    };
  }

  function toAlert(row: AlertRow): TillAlert {
    const memberIds = JSON.parse(row.member_ids) as string[];
    return {
      alertId: row.id,
      rule: row.rule,
      source: row.source,
      staffId: row.staff_id,
      mode: row.mode,
      raisedAt: row.raised_at,
      windowStart: row.window_start,
      windowEnd: row.window_end,
      count: row.count,
      threshold: row.threshold,
      members: memberIds.map(memberOf),
      acknowledgedAt: row.acknowledged_at,
      acknowledgedBy: row.acknowledged_by,
      hold: row.hold_kind,
    };
  }

  return {
    list(limit = ALERTS_PAGE_DEFAULT) {
      return { alerts: page.all(limit).map(toAlert), openCount: open.get()?.n ?? 0 };
    },

    openCount: () => open.get()?.n ?? 0,

    acknowledge(alertId, session) {
      const row = one.get(alertId);
      if (!row) throw new AppError('alert_not_found', 'No such alert on this till.');
      // Nobody closes an alert about themselves: another manager reads it.
      if (row.staff_id === session.staffId) {
        throw new AppError('permission_denied', 'An alert about you is acknowledged by another store manager.');
      }
      if (row.acknowledged_at !== null) return toAlert(row);
      acknowledge.run({ id: alertId, at: deps.now().toISOString(), by: session.staffId });
      audit.append({
        staffId: session.staffId,
        action: 'detection.acknowledged',
        subjectType: 'alert',
        subjectId: alertId,
        details: { alertId, rule: row.rule },
      });
      const updated = one.get(alertId);
      if (!updated) throw new AppError('alert_not_found', 'No such alert on this till.');
      return toAlert(updated);
    },
  };
}
