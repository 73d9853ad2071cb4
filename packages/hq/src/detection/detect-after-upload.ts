import { z } from 'zod';
import { MAX_FINDING_MEMBERS, type ActivityEvent } from '../../../../src/shared/detection/activity';
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
}

/**
 * Detection over an upload HQ just stored, in its transaction:
 * 1. each `detection.alert` entry becomes a 'till' alert; HQ recomputes the finding from that till's
 *    own uploaded entries and stores the members it finds itself (the till's count is kept as said;
 *    hq_confirmed says whether HQ reproduced it — the till's member list is never taken);
 * 2. the rules run over the batch's staff members' activity on every till of the store within the
 *    longest window, and a finding no single till could see (its entries span tills) that no alert
 *    already covers becomes an 'hq' alert.
 */
export async function detectAfterUpload(
  tx: Queryable,
  device: AuthenticatedDevice,
  stored: readonly StoredAuditEntry[],
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

  const staffIds = [...new Set(stored.map((e) => e.staffId).filter((id): id is string => id !== null))];
  const windowMs = longestWindowMs(policy);
  if (staffIds.length === 0 || windowMs === 0) return { tillAlerts, hqAlerts: 0 };
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
    const mode = ruleMode(policy, finding.rule);
    if (mode === 'off') continue;
    const id = await insertAlert(tx, {
      storeId: device.storeId,
      source: 'hq',
      deviceId: null,
      tillAlertId: null,
      mode,
      // When it fired, in the tills' time like a till's alert, so the cool-down compares like with like.
      raisedAt: new Date(finding.at),
      finding,
      hqConfirmed: null,
    });
    if (id !== null) hqAlerts += 1;
  }
  await growOpenBursts(tx, device.storeId, policy, events);
  return { tillAlerts, hqAlerts };
}

/**
 * An HQ members_opened alert fires at the member that crossed the threshold; the tills' entries that
 * arrive later for the rest of its window (the cool-down, when no new alert fires) are the same
 * burst, so the alert's count, end and members grow to cover them: the operator sees 50 members
 * opened in the hour, not the 41st.
 */
async function growOpenBursts(
  tx: Queryable,
  storeId: string,
  policy: DetectionPolicy,
  events: readonly ActivityEvent[],
): Promise<void> {
  const setting = policy.rules.members_opened;
  if (setting.mode === 'off' || events.length === 0) return;
  const windowMs = setting.windowMinutes * MINUTE_MS;
  const staffIds = [...new Set(events.map((e) => e.staffId))];
  const earliest = Math.min(...events.map((e) => Date.parse(e.at)));
  const open = await tx.query<{ id: string; staff_id: string; window_start: Date; count: number }>(
    `SELECT id, staff_id, window_start, count FROM detection_alerts
      WHERE store_id = $1 AND source = 'hq' AND rule = 'members_opened' AND staff_id = ANY($2::text[])
        AND window_start >= $3`,
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
        WHERE id = $1`,
      [
        alert.id,
        members.length,
        new Date(end),
        JSON.stringify(members.slice(-MAX_FINDING_MEMBERS)),
        JSON.stringify(refs),
      ],
    );
    await logChange(tx, 'alert', alert.id, storeId, new Date(end));
  }
}
