import type { Database } from 'better-sqlite3-multiple-ciphers';
import type { ActivityEvent, DetectionFinding } from '../../shared/detection/activity';
import { activityFromAudit, type AuditLike } from '../../shared/detection/audit-activity';
import { detectFindings, ruleMode, type RaisedAlert } from '../../shared/detection/evaluate';
import {
  FOLLOW_UP_MINUTES,
  TILL_RULES,
  type DetectionPolicy,
  type DetectionRuleId,
} from '../../shared/detection/policy';
import type { AuditDetails, AuditLog } from '../audit/audit-log';
import { uuidv7 } from '../ids/uuidv7';
import type { StaffHolds } from './staff-holds';
import type { createStaffRelation } from './staff-relation';

const MINUTE_MS = 60_000;

/** What the rules act on: everything else an audit entry maps to (a sale) only informs them. */
const SENSITIVE_KINDS: ReadonlySet<ActivityEvent['kind']> = new Set([
  'lookup',
  'member_opened',
  'contacts_revealed',
  'member_exported',
  'correction',
  'pin_failure',
]);

/** Audit entries whose activity may belong to a staff member other than the entry's actor (the PIN typed as them). */
const TYPED_FOR_OTHERS = ['session.login_failed', 'approval.refused'] as const;

interface AuditRow {
  seq: number;
  at: string;
  staff_id: string | null;
  action: string;
  subject_type: string | null;
  subject_id: string | null;
  details: string;
}

const toAuditLike = (row: AuditRow): AuditLike => ({
  seq: row.seq,
  at: row.at,
  staffId: row.staff_id,
  action: row.action,
  subjectType: row.subject_type,
  subjectId: row.subject_id,
  details: JSON.parse(row.details) as AuditDetails,
});

export interface DetectionRun {
  /** The audit chain's last seq: a call's entries are those after it. */
  head(): number;
  /** Runs the rules for every staff member whose sensitive action was audited after `seq`. */
  afterAudit(seq: number): void;
  /**
   * Runs the rules again for staff members who searched or opened members lately: lookups without a
   * sale (an open, or a search's list only read) and colleagues' records are decided only once
   * FOLLOW_UP_MINUTES have passed with no sale.
   */
  followUp(): void;
  /** Runs the rules for one staff member now; returns the alerts raised. */
  evaluate(staffId: string): DetectionFinding[];
}

/**
 * The till's detection (issue 14): after a staff member's sensitive action, that staff member's
 * recent audit entries become activity events (shared/detection/audit-activity.ts), the store's
 * policy is run over them (shared/detection/evaluate.ts) with the alerts already raised, and each
 * finding is written as an alert, its audit entry and, when enforced, a hold: in one transaction.
 */
export function createDetectionRun(deps: {
  db: Database;
  audit: AuditLog;
  now: () => Date;
  policy: () => DetectionPolicy;
  holds: StaffHolds;
  relation: ReturnType<typeof createStaffRelation>;
}): DetectionRun {
  const { db, audit, holds } = deps;
  const since = db.prepare<[number], AuditRow>(
    `SELECT seq, at, staff_id, action, subject_type, subject_id, details FROM audit WHERE seq > ? ORDER BY seq`,
  );
  const firstSeqAt = db.prepare<[string], { seq: number | null }>('SELECT min(seq) AS seq FROM audit WHERE at >= ?');
  const staffEntries = db.prepare<{ fromSeq: number; staffId: string }, AuditRow>(
    `SELECT seq, at, staff_id, action, subject_type, subject_id, details FROM audit
     WHERE seq >= @fromSeq AND (staff_id = @staffId OR action IN (${TYPED_FOR_OTHERS.map((a) => `'${a}'`).join(', ')}))
     ORDER BY seq`,
  );
  const recentViewers = db.prepare<[number], { staff_id: string }>(
    `SELECT DISTINCT staff_id FROM audit
      WHERE seq >= ? AND action IN ('member.viewed', 'member.searched') AND staff_id IS NOT NULL`,
  );
  const raisedFor = db.prepare<[string, string], { rule: DetectionRuleId; staff_id: string; raised_at: string }>(
    'SELECT rule, staff_id, raised_at FROM detection_alerts WHERE staff_id = ? AND raised_at >= ?',
  );
  const insertAlert = db.prepare(
    `INSERT INTO detection_alerts (id, rule, source, staff_id, mode, raised_at, window_start, window_end, count,
       threshold, member_ids, audit_refs)
     VALUES (@id, @rule, 'till', @staffId, @mode, @raisedAt, @windowStart, @windowEnd, @count, @threshold,
       @memberIds, @auditRefs)`,
  );
  const head = db.prepare<[], { seq: number | null }>('SELECT max(seq) AS seq FROM audit');

  /** The longest window any rule in force looks back, plus the follow-up a lookup waits for a sale. */
  function lookbackMs(policy: DetectionPolicy): number {
    const windows = TILL_RULES.filter((rule) => policy.rules[rule].mode !== 'off').map(
      (rule) => policy.rules[rule].windowMinutes,
    );
    return windows.length === 0 ? 0 : (Math.max(...windows) + FOLLOW_UP_MINUTES) * MINUTE_MS;
  }

  function evaluate(staffId: string): DetectionFinding[] {
    const policy = deps.policy();
    const windowMs = lookbackMs(policy);
    if (windowMs === 0) return [];
    const now = deps.now();
    const from = new Date(now.getTime() - windowMs).toISOString();
    const fromSeq = firstSeqAt.get(from)?.seq;
    if (fromSeq === null || fromSeq === undefined) return [];
    const relationOf = deps.relation();
    const events: ActivityEvent[] = [];
    for (const row of staffEntries.iterate({ fromSeq, staffId })) {
      const event = activityFromAudit(toAuditLike(row), relationOf);
      if (event && event.staffId === staffId) events.push(event);
    }
    if (events.length === 0) return [];
    // An alert raised up to a window before the first event still cools the rule down (evaluate.ts).
    const raised: RaisedAlert[] = raisedFor
      .all(staffId, new Date(now.getTime() - 2 * windowMs).toISOString())
      .map((row) => ({ rule: row.rule, staffId: row.staff_id, at: row.raised_at }));
    const findings = detectFindings(policy, events, { raised, now: now.toISOString() });
    if (findings.length === 0) return [];
    let placedLock = false;
    db.transaction(() => {
      for (const finding of findings) {
        const mode = ruleMode(policy, finding.rule);
        if (mode === 'off') continue;
        const alertId = uuidv7(now.getTime());
        insertAlert.run({
          id: alertId,
          rule: finding.rule,
          staffId: finding.staffId,
          mode,
          // The time it fired, as the evaluator's cool-down compares it (RaisedAlert.at).
          raisedAt: finding.at,
          windowStart: finding.windowStart,
          windowEnd: finding.windowEnd,
          count: finding.count,
          threshold: finding.threshold,
          memberIds: JSON.stringify(finding.memberIds),
          auditRefs: JSON.stringify(finding.auditRefs.map((ref) => ({ seq: ref.seq }))),
        });
        // HQ reads exactly these keys from the uploaded chain; the staff member is the entry's actor.
        audit.append({
          staffId: finding.staffId,
          action: 'detection.alert',
          subjectType: 'alert',
          subjectId: alertId,
          details: {
            alertId,
            rule: finding.rule,
            mode,
            count: finding.count,
            threshold: finding.threshold,
            windowStart: finding.windowStart,
            windowEnd: finding.windowEnd,
          },
        });
        if (mode === 'enforce' && holds.place(finding.staffId, policy.enforceAction, alertId)) {
          placedLock ||= policy.enforceAction === 'lock';
        }
      }
    }).immediate();
    if (placedLock) holds.endSessionIfLocked(staffId);
    return findings;
  }

  return {
    head: () => head.get()?.seq ?? 0,

    afterAudit(seq) {
      const staff = new Set<string>();
      for (const row of since.iterate(seq)) {
        const event = activityFromAudit(toAuditLike(row));
        if (event && SENSITIVE_KINDS.has(event.kind)) staff.add(event.staffId);
      }
      for (const staffId of staff) evaluate(staffId);
    },

    followUp() {
      const from = new Date(deps.now().getTime() - (FOLLOW_UP_MINUTES + 5) * MINUTE_MS).toISOString();
      const fromSeq = firstSeqAt.get(from)?.seq;
      if (fromSeq === null || fromSeq === undefined) return;
      for (const { staff_id } of recentViewers.all(fromSeq)) evaluate(staff_id);
    },

    evaluate,
  };
}
