import { z } from 'zod';
import { MAX_FINDING_MEMBERS, type ActivityEvent } from '../../../../src/shared/detection/activity';
import { activityFromAudit } from '../../../../src/shared/detection/audit-activity';
import { detectFindings, ruleMode } from '../../../../src/shared/detection/evaluate';
import { TILL_RULES, type DetectionPolicy } from '../../../../src/shared/detection/policy';
import type { StoredAuditEntry } from '../audit-upload/store-audit-entries';
import type { Queryable } from '../db/database';
import type { AuthenticatedDevice } from '../push/push';
import { logChange } from '../change-log';
import { insertAlert, raisedAlerts } from './alert-rows';
import { readDetectionPolicy } from './policy-store';
import { storeActivity } from './store-activity';

const MINUTE_MS = 60_000;

/** A till's `detection.alert` audit entry's details (other keys a later till adds are ignored). */
const TillAlertDetails = z.object({
  alertId: z.string().min(1).max(64),
  rule: z.enum(TILL_RULES),
  mode: z.enum(['notify', 'enforce']),
  count: z.number().int().min(0),
  threshold: z.number().int().min(0),
  windowStart: z.iso.datetime({ offset: true }),
  windowEnd: z.iso.datetime({ offset: true }),
  /** The staff member the alert is about, when it is not the one the entry records. */
  staffId: z.string().min(1).max(64).optional(),
});

/** A till's `detection.acknowledged` entry's details: a store manager read its alert there. */
const TillAcknowledgedDetails = z.object({
  alertId: z.string().min(1).max(64),
  rule: z.enum(TILL_RULES),
});

/** The resolution code of a till's alert its store manager acknowledged at the till (no operator: resolved_by null). */
export const ACKNOWLEDGED_AT_TILL = 'acknowledged_at_till';

/** Kinds whose member counts as "involved" in an alert HQ could not reproduce. */
const MEMBER_KINDS: ReadonlySet<ActivityEvent['kind']> = new Set([
  'member_opened',
  'contacts_revealed',
  'member_exported',
  'correction',
]);

function longestWindowMs(policy: DetectionPolicy): number {
  const minutes = TILL_RULES.filter((rule) => policy.rules[rule].mode !== 'off').map(
    (rule) => policy.rules[rule].windowMinutes,
  );
  return Math.max(0, ...minutes) * MINUTE_MS;
}

export interface DetectionOutcome {
  tillAlerts: number;
  hqAlerts: number;
  /** Till alerts marked acknowledged from the till's own acknowledgement. */
  acknowledged: number;
}

/**
 * Detection over an upload HQ just stored, in its transaction:
 * 1. each `detection.alert` entry becomes a 'till' alert; HQ recomputes the finding from that till's
 *    own uploaded entries and stores the members it finds itself (the till's count is kept as said;
 *    hq_confirmed says whether HQ reproduced it — the till's member list is never taken);
 * 2. each `detection.acknowledged` entry marks that till's alert acknowledged (unless an operator
 *    resolved it first);
 * 3. the rules run over the batch's staff members' activity on every till of the store within the
 *    longest window, and a finding no single till could see (its entries span tills) that no alert
 *    already covers becomes an 'hq' alert, notify-only: a till holds its staff only for what it saw
 *    itself, so HQ's alert could hold nobody and does not claim to.
 * `now` is HQ's clock: what HQ records of its own (the change log, a resolution) is never in a till's time.
 */
export async function detectAfterUpload(
  tx: Queryable,
  device: AuthenticatedDevice,
  stored: readonly StoredAuditEntry[],
  now: Date = new Date(),
): Promise<DetectionOutcome> {
  const { policy } = await readDetectionPolicy(tx, device.storeId);
  let tillAlerts = 0;
  for (const entry of stored) {
    if (entry.action !== 'detection.alert') continue;
    const details = TillAlertDetails.safeParse(entry.details);
    const staffId = details.data?.staffId ?? entry.staffId;
    if (!details.success || staffId === null) continue;
    const alert = details.data;
    const windowMs = policy.rules[alert.rule].windowMinutes * MINUTE_MS;
    const start = new Date(alert.windowStart);
    const end = new Date(alert.windowEnd);
    const events = await storeActivity(
      tx,
      device.storeId,
      [staffId],
      new Date(start.getTime() - windowMs),
      end,
      device.deviceId,
    );
    const reproduced = detectFindings(policy, events, { now: end.toISOString() }).find(
      (finding) =>
        finding.rule === alert.rule &&
        Date.parse(finding.at) >= start.getTime() - windowMs &&
        Date.parse(finding.at) <= end.getTime(),
    );
    const inWindow = events.filter((e) => Date.parse(e.at) >= start.getTime() && MEMBER_KINDS.has(e.kind));
    const memberIds =
      reproduced?.memberIds ??
      [...new Set(inWindow.map((e) => e.memberId).filter((id): id is string => !!id))].slice(-MAX_FINDING_MEMBERS);
    const id = await insertAlert(tx, {
      storeId: device.storeId,
      source: 'till',
      deviceId: device.deviceId,
      tillAlertId: alert.alertId,
      mode: alert.mode,
      raisedAt: new Date(entry.at),
      loggedAt: now,
      finding: {
        rule: alert.rule,
        staffId,
        windowStart: alert.windowStart,
        windowEnd: alert.windowEnd,
        count: alert.count,
        threshold: alert.threshold,
        memberIds,
        auditRefs: [{ deviceId: device.deviceId, seq: entry.seq }],
      },
      hqConfirmed: reproduced !== undefined,
    });
    if (id !== null) tillAlerts += 1;
  }

  // After the batch's alerts are in: an alert and its acknowledgement may come in one upload.
  let acknowledged = 0;
  for (const entry of stored) {
    if (entry.action !== 'detection.acknowledged') continue;
    const details = TillAcknowledgedDetails.safeParse(entry.details);
    if (!details.success) continue;
    const marked = await tx.query(
      `UPDATE detection_alerts
          SET status = 'acknowledged', resolved_by = NULL, resolved_at = $3, resolution_code = $4
        WHERE device_id = $1 AND till_alert_id = $2 AND source = 'till' AND status = 'open'
        RETURNING id`,
      [device.deviceId, details.data.alertId, now, ACKNOWLEDGED_AT_TILL],
    );
    acknowledged += marked.rows.length;
  }

  // Whose activity the batch holds: a wrong PIN is the staff member's it was typed as, not the actor's.
  const staffIds = [
    ...new Set(stored.map((e) => activityFromAudit(e)?.staffId ?? e.staffId).filter((id): id is string => !!id)),
  ];
  const windowMs = longestWindowMs(policy);
  if (staffIds.length === 0 || windowMs === 0) return { tillAlerts, hqAlerts: 0, acknowledged };
  const times = stored.map((e) => Date.parse(e.at));
  const earliest = Math.min(...times);
  const latest = Math.max(...times);
  const events = await storeActivity(tx, device.storeId, staffIds, new Date(earliest - windowMs), new Date(latest));
  const raised = await raisedAlerts(tx, device.storeId, staffIds, new Date(earliest - 2 * windowMs));
  // Findings that fire at or after the batch's first entry: earlier ones cannot have changed.
  const findings = detectFindings(policy, events, {
    after: new Date(earliest - 1).toISOString(),
    raised,
    now: new Date(latest).toISOString(),
  });
  let hqAlerts = 0;
  for (const finding of findings) {
    const devices = new Set(finding.auditRefs.map((ref) => ref.deviceId));
    // One till saw all of it and evaluates the same rules with the same policy: its alert comes with its entries.
    if (devices.size <= 1) continue;
    if (ruleMode(policy, finding.rule) === 'off') continue;
    const id = await insertAlert(tx, {
      storeId: device.storeId,
      source: 'hq',
      deviceId: null,
      tillAlertId: null,
      // Notify whatever the rule's mode: the tills enforce what each sees itself; HQ holds nobody.
      mode: 'notify',
      // When it fired, in the tills' time like a till's alert, so the cool-down compares like with like.
      raisedAt: new Date(finding.at),
      loggedAt: now,
      finding,
      hqConfirmed: null,
    });
    if (id !== null) hqAlerts += 1;
  }
  await growOpenBursts(tx, device.storeId, policy, events, now);
  return { tillAlerts, hqAlerts, acknowledged };
}

/**
 * An HQ members_opened alert fires at the member that crossed the threshold; the tills' entries that
 * arrive later for the rest of its window (the cool-down, when no new alert fires) are the same
 * burst, so the alert's count, end and members grow to cover them: the operator sees 50 members
 * opened in the hour, not the 41st. Only while it is open: an alert an operator or the store has
 * dealt with is left as it was judged (what grew later is a new alert's, once its window has passed).
 */
async function growOpenBursts(
  tx: Queryable,
  storeId: string,
  policy: DetectionPolicy,
  events: readonly ActivityEvent[],
  now: Date,
): Promise<void> {
  const setting = policy.rules.members_opened;
  if (setting.mode === 'off' || events.length === 0) return;
  const windowMs = setting.windowMinutes * MINUTE_MS;
  const staffIds = [...new Set(events.map((e) => e.staffId))];
  const earliest = Math.min(...events.map((e) => Date.parse(e.at)));
  const open = await tx.query<{ id: string; staff_id: string; window_start: Date; count: number }>(
    `SELECT id, staff_id, window_start, count FROM detection_alerts
      WHERE store_id = $1 AND source = 'hq' AND rule = 'members_opened' AND staff_id = ANY($2::text[])
        AND window_start >= $3 AND status = 'open'`,
    [storeId, staffIds, new Date(earliest - windowMs)],
  );
  for (const alert of open.rows) {
    const start = new Date(alert.window_start).getTime();
    // The whole window as HQ holds it now, every till's entries (a batch may end before another till's).
    const inWindow = await storeActivity(
      tx,
      storeId,
      [alert.staff_id],
      new Date(start),
      new Date(start + windowMs - 1),
    );
    const burst = inWindow.filter((e) => {
      const at = Date.parse(e.at);
      return (
        e.staffId === alert.staff_id &&
        at >= start &&
        at < start + windowMs &&
        (e.kind === 'member_opened' || e.kind === 'contacts_revealed') &&
        !!e.memberId
      );
    });
    const members = [...new Set(burst.map((e) => e.memberId as string))];
    if (members.length <= Number(alert.count)) continue;
    const end = Math.max(...burst.map((e) => Date.parse(e.at)));
    const refs = burst
      .filter((e) => e.auditSeq !== undefined)
      .map((e) => ({ deviceId: e.deviceId, seq: e.auditSeq }))
      .slice(-MAX_FINDING_MEMBERS);
    await tx.query(
      `UPDATE detection_alerts SET count = $2, window_end = $3, member_ids = $4::jsonb, audit_refs = $5::jsonb
        WHERE id = $1 AND status = 'open'`,
      [
        alert.id,
        members.length,
        new Date(end),
        JSON.stringify(members.slice(-MAX_FINDING_MEMBERS)),
        JSON.stringify(refs),
      ],
    );
    // HQ's clock, not the burst's end in the till's time: a backdated till must not log it before the horizon.
    await logChange(tx, 'alert', alert.id, storeId, now);
  }
}
