import { isKnownTimeZone } from '../../../../../src/shared/detection/store-hours';
import { cardLastDigits, memberInitials } from '../../../../../src/shared/members/member-initials';
import { logChange } from '../../change-log';
import { toInt } from '../../db/database';
import { ALERT_ACTION_STATUS, mayResolve, type AlertStatus } from '../../detection/alert-codes';
import { readDetectionPolicy, writeDetectionPolicy } from '../../detection/policy-store';
import { ConsoleHttpError } from '../console-error';
import type { ConsoleHandler } from '../console-context';
import type { ConsoleOutput } from '../contract';

async function storeExists(ctx: Parameters<ConsoleHandler<'getDetectionPolicy'>>[0], storeId: string): Promise<void> {
  const found = await ctx.tx.query('SELECT 1 FROM stores WHERE id = $1', [storeId]);
  if (found.rows.length === 0) throw new ConsoleHttpError('store_not_found', `No store ${storeId}.`);
}

/** A store's detection policy (its own, or the default at version 0). */
export const getDetectionPolicy: ConsoleHandler<'getDetectionPolicy'> = async (ctx, input) => {
  await storeExists(ctx, input.storeId);
  const stored = await readDetectionPolicy(ctx.tx, input.storeId);
  return {
    storeId: input.storeId,
    policy: stored.policy,
    version: stored.version,
    updatedAt: stored.updatedAt === null ? null : stored.updatedAt.toISOString(),
  };
};

/**
 * Saves a store's detection policy on top of `baseVersion` (another operator's save first is a
 * conflict); its tills pull it with the store settings. Audited with the store, the version and
 * each rule's mode and threshold: codes and numbers only.
 */
export const saveDetectionPolicy: ConsoleHandler<'saveDetectionPolicy'> = async (ctx, input) => {
  await storeExists(ctx, input.storeId);
  // The schema checks a time zone's shape; Intl knows whether it exists (every evaluation would throw otherwise).
  if (input.policy.storeHours && !isKnownTimeZone(input.policy.storeHours.timeZone)) {
    throw new ConsoleHttpError('invalid_argument', 'Unknown time zone.', {
      issues: [{ path: 'policy.storeHours.timeZone', code: 'invalid' }],
    });
  }
  const version = await writeDetectionPolicy(
    ctx.tx,
    input.storeId,
    input.policy,
    input.baseVersion,
    ctx.actor.operatorId,
    ctx.now,
  );
  if (version === null) {
    throw new ConsoleHttpError('conflict', `The store's detection policy changed since version ${input.baseVersion}.`);
  }
  const { rules, baseline } = input.policy;
  const details: Record<string, string | number> = {
    version,
    enforceAction: input.policy.enforceAction,
    baselineMode: baseline.mode,
  };
  for (const [rule, setting] of Object.entries(rules)) details[`${rule}`] = `${setting.mode}:${setting.threshold}`;
  await ctx.audit({
    action: 'detection.policy_edit',
    subjectType: 'store',
    subjectId: input.storeId,
    details,
  });
  return { version };
};

interface AlertDbRow {
  id: string;
  store_id: string;
  store_name: string;
  device_id: string | null;
  device_name: string | null;
  source: 'till' | 'hq';
  rule: ConsoleOutput<'listAlerts'>['alerts'][number]['rule'];
  staff_id: string;
  staff_name: string | null;
  mode: 'notify' | 'enforce';
  raised_at: Date;
  window_start: Date;
  window_end: Date;
  count: unknown;
  threshold: unknown;
  member_ids: string[];
  hq_confirmed: boolean | null;
  status: AlertStatus;
  resolved_by: string | null;
  resolved_at: Date | null;
  resolution_code: string | null;
}

/** "A. P. ••1234": what an operator needs to tell members apart, never a name or a contact. */
async function memberLabels(
  ctx: Parameters<ConsoleHandler<'listAlerts'>>[0],
  ids: readonly string[],
): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const found = await ctx.tx.query<{
    id: string;
    given_name: string;
    family_name: string;
    card_number: string | null;
    erased_at: Date | null;
  }>('SELECT id, given_name, family_name, card_number, erased_at FROM members WHERE id = ANY($1::text[])', [[...ids]]);
  const labels = new Map<string, string>();
  for (const row of found.rows) {
    if (row.erased_at !== null) continue;
    const initials = memberInitials(row.given_name, row.family_name);
    labels.set(row.id, [initials, cardLastDigits(row.card_number)].filter((p) => p !== '').join(' '));
  }
  return labels;
}

/** Alerts matching the filters, newest first, a page at a time; members masked; chain refusals beside them. */
export const listAlerts: ConsoleHandler<'listAlerts'> = async (ctx, input) => {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (clause: string, value: unknown) => {
    params.push(value);
    where.push(clause.replace('?', `$${params.length}`));
  };
  if (input.storeId !== undefined) add('a.store_id = ?', input.storeId);
  if (input.rule !== undefined) add('a.rule = ?', input.rule);
  if (input.status !== undefined) add('a.status = ?', input.status);
  if (input.staffId !== undefined) add('a.staff_id = ?', input.staffId);
  if (input.from !== undefined) add('a.raised_at >= ?', new Date(input.from));
  if (input.to !== undefined) add('a.raised_at < ?', new Date(input.to));
  const filter = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
  const total = await ctx.tx.query<{ n: unknown }>(`SELECT count(*) AS n FROM detection_alerts a ${filter}`, params);
  const limit = input.limit ?? 50;
  const rows = await ctx.tx.query<AlertDbRow>(
    `SELECT a.id, a.store_id, s.name AS store_name, a.device_id, d.name AS device_name, a.source, a.rule, a.staff_id,
            st.display_name AS staff_name, a.mode, a.raised_at, a.window_start, a.window_end, a.count, a.threshold,
            a.member_ids, a.hq_confirmed, a.status, a.resolved_by, a.resolved_at, a.resolution_code
       FROM detection_alerts a
       JOIN stores s ON s.id = a.store_id
       LEFT JOIN devices d ON d.id = a.device_id
       LEFT JOIN staff st ON st.id = a.staff_id
      ${filter}
      ORDER BY a.raised_at DESC, a.id DESC
      LIMIT ${limit} OFFSET ${input.offset ?? 0}`,
    params,
  );
  const labels = await memberLabels(ctx, [...new Set(rows.rows.flatMap((row) => row.member_ids))]);
  const refusals = await ctx.tx.query<{
    device_id: string;
    device_name: string;
    store_id: string;
    reason: 'fork' | 'rewritten';
    at_seq: unknown;
    first_at: Date;
    last_at: Date;
    attempts: unknown;
  }>(
    `SELECT r.device_id, d.name AS device_name, d.store_id, r.reason, r.at_seq, r.first_at, r.last_at, r.attempts
       FROM till_audit_refusals r JOIN devices d ON d.id = r.device_id
      WHERE ($1::text IS NULL OR d.store_id = $1)
      ORDER BY r.last_at DESC LIMIT 100`,
    [input.storeId ?? null],
  );
  return {
    alerts: rows.rows.map((row) => ({
      alertId: row.id,
      storeId: row.store_id,
      storeName: row.store_name,
      deviceId: row.device_id,
      deviceName: row.device_name,
      source: row.source,
      rule: row.rule,
      staffId: row.staff_id,
      staffName: row.staff_name,
      mode: row.mode,
      raisedAt: new Date(row.raised_at).toISOString(),
      windowStart: new Date(row.window_start).toISOString(),
      windowEnd: new Date(row.window_end).toISOString(),
      count: toInt(row.count),
      threshold: toInt(row.threshold),
      members: row.member_ids.map((memberId) => ({
        memberId,
        label: labels.get(memberId) ?? null,
        erased: memberId.startsWith('es_'),
      })),
      hqConfirmed: row.hq_confirmed,
      status: row.status,
      resolvedBy: row.resolved_by,
      resolvedAt: row.resolved_at === null ? null : new Date(row.resolved_at).toISOString(),
      resolutionCode: row.resolution_code,
    })),
    total: toInt(total.rows[0]?.n),
    chainRefusals: refusals.rows.map((row) => ({
      deviceId: row.device_id,
      deviceName: row.device_name,
      storeId: row.store_id,
      reason: row.reason,
      atSeq: toInt(row.at_seq),
      firstAt: new Date(row.first_at).toISOString(),
      lastAt: new Date(row.last_at).toISOString(),
      attempts: toInt(row.attempts),
    })),
  };
};

/** Acknowledges, dismisses (false positive) or escalates an alert with a reason code; audited by ids and codes. */
export const resolveAlert: ConsoleHandler<'resolveAlert'> = async (ctx, input) => {
  const found = await ctx.tx.query<{ status: AlertStatus; store_id: string; source: 'till' | 'hq' }>(
    'SELECT status, store_id, source FROM detection_alerts WHERE id = $1 FOR UPDATE',
    [input.alertId],
  );
  const row = found.rows[0];
  if (!row) throw new ConsoleHttpError('not_found', `No alert ${input.alertId}.`);
  if (!mayResolve(row.status, input.action)) {
    throw new ConsoleHttpError('conflict', `The alert is ${row.status}: it cannot be given ${input.action}.`);
  }
  const status = ALERT_ACTION_STATUS[input.action];
  await ctx.tx.query(
    `UPDATE detection_alerts SET status = $2, resolved_by = $3, resolved_at = $4, resolution_code = $5 WHERE id = $1`,
    [input.alertId, status, ctx.actor.operatorId, ctx.now, input.reasonCode],
  );
  // The store's tills show HQ's own alerts: they learn it was dealt with at their next pull.
  if (row.source === 'hq') await logChange(ctx.tx, 'alert', input.alertId, row.store_id, ctx.now);
  await ctx.audit({
    action: 'alerts.resolve',
    subjectType: 'alert',
    subjectId: input.alertId,
    details: { storeId: row.store_id, action: input.action, status, reasonCode: input.reasonCode },
  });
  return { alertId: input.alertId, status, resolvedAt: ctx.now.toISOString() };
};
