import { revokeDevice } from '../../admin/devices';
import { computeLostTillExposure, readTillContext } from '../../incidents/lost-till-exposure';
import { computeStaffTouched } from '../../incidents/staff-touched';
import { readIncidentMembers, replaceIncidentMembers } from '../../incidents/incident-members';
import {
  IncidentError,
  addEntry,
  appendEntry,
  bumpVersion,
  closeIncident,
  listIncidents,
  lockForChange,
  openIncident,
  readEntries,
  readIncident,
  recordMembersNotification,
  recordRegulatorNotification,
  type ExposureCounts,
} from '../../incidents/incidents';
import { NOTIFICATION_PURPOSE, buildNotificationList } from '../../incidents/notification-list';
import { TILL_KINDS, type Exposure, type IncidentKind } from '../../incidents/codes';
import { ConsoleHttpError } from '../console-error';
import type { ConsoleContext, ConsoleHandler } from '../console-context';

/**
 * The breach register's console endpoints (issue 14). Audited as incidents.edit with what changed
 * (a code), the incident's id and version, and counts: never a title, a note or a decision's words.
 */

const iso = (value: Date | null): string | null => (value === null ? null : value.toISOString());

/** The register's refusals as the console's codes. */
async function refusing<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (!(error instanceof IncidentError)) throw error;
    const extra = error.issue ? { issues: [error.issue] } : {};
    throw new ConsoleHttpError(error.code, error.message, extra);
  }
}

const actor = (ctx: ConsoleContext) => ({ operatorId: ctx.actor.operatorId, now: ctx.now });

async function auditChange(
  ctx: ConsoleContext,
  incidentId: string,
  change: string,
  details: Record<string, string | number | boolean | null> = {},
): Promise<void> {
  await ctx.audit({
    action: 'incidents.edit',
    subjectType: 'incident',
    subjectId: incidentId,
    details: { change, ...details },
  });
}

export const listIncidentsHandler: ConsoleHandler<'listIncidents'> = async (ctx) => ({
  serverNow: ctx.now.toISOString(),
  incidents: await listIncidents(ctx.tx, ctx.now),
});

export const listIncidentSubjectsHandler: ConsoleHandler<'listIncidentSubjects'> = async (ctx) => {
  const tills = await ctx.tx.query<{
    id: string;
    name: string;
    store_id: string;
    store_name: string;
    revoked_at: Date | null;
  }>(
    `SELECT d.id, d.name, d.store_id, s.name AS store_name, d.revoked_at FROM devices d JOIN stores s ON s.id = d.store_id
      ORDER BY s.name, d.name, d.id`,
  );
  const staff = await ctx.tx.query<{ id: string; display_name: string; store_id: string | null }>(
    'SELECT id, display_name, store_id FROM staff ORDER BY display_name, id',
  );
  return {
    serverNow: ctx.now.toISOString(),
    tills: tills.rows.map((row) => ({
      deviceId: row.id,
      name: row.name,
      storeId: row.store_id,
      storeName: row.store_name,
      revokedAt: iso(row.revoked_at === null ? null : new Date(row.revoked_at)),
    })),
    staff: staff.rows.map((row) => ({ staffId: row.id, displayName: row.display_name, storeId: row.store_id })),
  };
};

/**
 * One incident with its timeline. Who reads it: every incidents.read holder (privacy officer, chain
 * admin, auditor; operators/roles.ts), so the entries' texts (assessment notes, decisions) reach the
 * chain admin and the auditor too. That is why the console asks the officer not to name members or
 * write contacts in them (incidents.entry.privacyHint): the members are listed by the computation,
 * behind incidents.members. A read: not audited (ids only would say nothing the list does not).
 */
export const getIncidentHandler: ConsoleHandler<'getIncident'> = (ctx, input) =>
  refusing(async () => {
    const incident = await readIncident(ctx.tx, input.incidentId, ctx.now);
    const till = incident.deviceId === null ? null : await readTillContext(ctx.tx, incident.deviceId);
    return {
      serverNow: ctx.now.toISOString(),
      incident,
      entries: await readEntries(ctx.tx, input.incidentId),
      till:
        till === null
          ? null
          : {
              deviceId: till.deviceId,
              name: till.name,
              storeId: till.storeId,
              pairedAt: till.pairedAt.toISOString(),
              revokedAt: iso(till.revokedAt),
              lastSeq: till.lastSeq,
              lastContactAt: iso(till.lastContactAt),
              dayEnd:
                till.dayEnd === null
                  ? null
                  : {
                      receivedAt: till.dayEnd.receivedAt.toISOString(),
                      toSeq: till.dayEnd.toSeq,
                      counts: till.dayEnd.counts,
                      opsNotReceived: till.dayEnd.opsNotReceived,
                    },
            },
    };
  });

export const openIncidentHandler: ConsoleHandler<'openIncident'> = (ctx, input) =>
  refusing(async () => {
    if (input.staffId !== undefined) {
      const staff = await ctx.tx.query('SELECT 1 FROM staff WHERE id = $1', [input.staffId]);
      if (staff.rows.length === 0) throw new ConsoleHttpError('staff_not_found', `No staff member ${input.staffId}.`);
    }
    const date = (value: string | undefined) => (value === undefined ? undefined : new Date(value));
    const opened = await openIncident(
      ctx.tx,
      {
        kind: input.kind,
        title: input.title,
        awareAt: date(input.awareAt),
        storeId: input.storeId,
        deviceId: input.deviceId,
        staffId: input.staffId,
        windowStart: date(input.windowStart),
        windowEnd: date(input.windowEnd),
      },
      actor(ctx),
    );
    await auditChange(ctx, opened.incidentId, 'opened', {
      kind: input.kind,
      version: opened.version,
      storeId: opened.storeId,
      deviceId: input.deviceId ?? null,
      staffId: input.staffId ?? null,
    });
    return { incidentId: opened.incidentId, version: opened.version };
  });

export const addIncidentEntryHandler: ConsoleHandler<'addIncidentEntry'> = (ctx, input) =>
  refusing(async () => {
    if (input.kind === 'decision' && input.code === undefined)
      throw new ConsoleHttpError('invalid_argument', 'A decision has a code.', {
        issues: [{ path: 'code', code: 'required' }],
      });
    const entry =
      input.kind === 'decision' && input.code !== undefined
        ? ({ kind: 'decision', code: input.code } as const)
        : ({ kind: 'assessment' } as const);
    const added = await addEntry(ctx.tx, input.incidentId, input.baseVersion, entry, input.text, actor(ctx));
    await auditChange(ctx, input.incidentId, input.kind, {
      entryId: added.entryId,
      code: entry.kind === 'decision' ? entry.code : null,
      version: added.version,
    });
    return added;
  });

export const recordRegulatorNotificationHandler: ConsoleHandler<'recordRegulatorNotification'> = (ctx, input) =>
  refusing(async () => {
    const done = await recordRegulatorNotification(
      ctx.tx,
      input.incidentId,
      input.baseVersion,
      { notifiedAt: input.notifiedAt === undefined ? ctx.now : new Date(input.notifiedAt), reference: input.reference },
      actor(ctx),
    );
    const incident = await readIncident(ctx.tx, input.incidentId, ctx.now);
    await auditChange(ctx, input.incidentId, 'regulator_notified', {
      version: done.version,
      clock: incident.clock.state,
    });
    return done;
  });

export const recordMembersNotificationHandler: ConsoleHandler<'recordMembersNotification'> = (ctx, input) =>
  refusing(async () => {
    const done = await recordMembersNotification(
      ctx.tx,
      input.incidentId,
      input.baseVersion,
      input.notifiedAt === undefined ? ctx.now : new Date(input.notifiedAt),
      actor(ctx),
    );
    await auditChange(ctx, input.incidentId, 'members_notified', { version: done.version });
    return done;
  });

export const closeIncidentHandler: ConsoleHandler<'closeIncident'> = (ctx, input) =>
  refusing(async () => {
    const done = await closeIncident(ctx.tx, input.incidentId, input.baseVersion, input.text, actor(ctx));
    await auditChange(ctx, input.incidentId, 'closed', { version: done.version });
    return done;
  });

/**
 * The incident's till revoked (approved by a second operator before this runs: console-api.ts). The
 * till learns it at its next request and wipes itself (src/main/sync/wipe-device.ts). Recorded in
 * the timeline and audited as devices.revoke is, plus the incident; no version check: the approval
 * may come while the officer keeps working on the incident.
 */
export const revokeIncidentTillHandler: ConsoleHandler<'revokeIncidentTill'> = (ctx, input) =>
  refusing(async () => {
    const found = await ctx.tx.query<{ kind: string; device_id: string | null; status: string }>(
      'SELECT kind, device_id, status FROM incidents WHERE id = $1 FOR UPDATE',
      [input.incidentId],
    );
    const incident = found.rows[0];
    if (!incident) throw new ConsoleHttpError('not_found', `No incident ${input.incidentId}.`);
    if (incident.device_id === null || !TILL_KINDS.includes(incident.kind as IncidentKind))
      throw new ConsoleHttpError('invalid_argument', 'This incident names no till.', {
        issues: [{ path: 'incidentId', code: 'no_till' }],
      });
    const { revokedAt } = await revokeDevice({ db: ctx.db, now: () => ctx.now }, incident.device_id);
    await appendEntry(ctx.tx, input.incidentId, { kind: 'action', code: 'till_revoked', text: '' }, actor(ctx));
    await ctx.audit({ action: 'devices.revoke', subjectType: 'device', subjectId: incident.device_id });
    await auditChange(ctx, input.incidentId, 'till_revoked', { deviceId: incident.device_id });
    return { deviceId: incident.device_id, revokedAt: new Date(revokedAt).toISOString() };
  });

export const computeIncidentExposureHandler: ConsoleHandler<'computeIncidentExposure'> = (ctx, input) =>
  refusing(async () => {
    const row = await lockForChange(ctx.tx, input.incidentId, input.baseVersion);
    const windowStart = row.window_start === null ? null : new Date(row.window_start);
    const windowEnd = row.window_end === null ? null : new Date(row.window_end);
    const exposure: ExposureCounts = { masked: 0, full_contacts: 0, revealed: 0, touched: 0 };
    let members: { memberId: string; exposure: Exposure }[];
    let unresolved: number;
    if (TILL_KINDS.includes(row.kind) && row.device_id !== null && windowStart && windowEnd) {
      const computed = await computeLostTillExposure(ctx.tx, { deviceId: row.device_id, windowStart, windowEnd });
      if (!computed) throw new ConsoleHttpError('device_not_found', `No device ${row.device_id}.`);
      members = computed.members;
      unresolved = computed.unresolved;
    } else if (row.kind === 'staff_misuse' && row.staff_id !== null && windowStart && windowEnd) {
      const computed = await computeStaffTouched(ctx.tx, { staffId: row.staff_id, windowStart, windowEnd });
      members = computed.members.map((member) => ({ memberId: member.memberId, exposure: 'touched' as const }));
      unresolved = computed.unresolved;
    } else {
      throw new ConsoleHttpError('invalid_argument', 'This incident names no till or staff member to compute from.', {
        issues: [{ path: 'incidentId', code: 'nothing_to_compute' }],
      });
    }
    await replaceIncidentMembers(ctx.tx, input.incidentId, members);
    for (const member of members) exposure[member.exposure] += 1;
    await appendEntry(ctx.tx, input.incidentId, { kind: 'action', code: 'exposure_computed', text: '' }, actor(ctx));
    const version = await bumpVersion(ctx.tx, input.incidentId, row.version);
    await auditChange(ctx, input.incidentId, 'exposure_computed', {
      version,
      masked: exposure.masked,
      fullContacts: exposure.full_contacts,
      revealed: exposure.revealed,
      touched: exposure.touched,
      unresolved,
    });
    return { version, exposure, unresolved };
  });

export const listIncidentMembersHandler: ConsoleHandler<'listIncidentMembers'> = (ctx, input) =>
  refusing(async () => {
    const incident = await readIncident(ctx.tx, input.incidentId, ctx.now);
    const members = await readIncidentMembers(ctx.tx, input.incidentId, input.limit ?? 500, ctx.deps.keys);
    const windowStart = incident.windowStart === null ? null : new Date(incident.windowStart);
    const windowEnd = incident.windowEnd === null ? null : new Date(incident.windowEnd);
    const sources: Record<string, string[]> = {};
    if (TILL_KINDS.includes(incident.kind) && incident.deviceId !== null && windowStart && windowEnd) {
      const computed = await computeLostTillExposure(ctx.tx, { deviceId: incident.deviceId, windowStart, windowEnd });
      const shown = new Set(members.map((member) => member.memberId));
      // Sources of the listed rows only: a lost till's masked form can be the whole chain.
      for (const member of computed?.members ?? [])
        if (shown.has(member.memberId)) sources[member.memberId] = member.sources;
    }
    const touched =
      incident.kind === 'staff_misuse' && incident.staffId !== null && windowStart && windowEnd
        ? (await computeStaffTouched(ctx.tx, { staffId: incident.staffId, windowStart, windowEnd })).members.map(
            (member) => ({
              memberId: member.memberId,
              erased: member.erased,
              actions: member.actions,
              devices: member.devices,
              firstAt: member.firstAt.toISOString(),
              lastAt: member.lastAt.toISOString(),
            }),
          )
        : [];
    await ctx.audit({
      action: 'incidents.members',
      subjectType: 'incident',
      subjectId: input.incidentId,
      details: { members: members.length, touched: touched.length },
    });
    return { members, sources: sources as never, touched };
  });

export const incidentNotificationListHandler: ConsoleHandler<'incidentNotificationList'> = (ctx, input) =>
  refusing(async () => {
    const list = await buildNotificationList(
      ctx.tx,
      { incidentId: input.incidentId, exposures: input.exposures, contactPoint: input.contactPoint },
      actor(ctx),
      ctx.deps.keys,
    );
    // The list reads contacts: audited as an access for its purpose, with the disclosure it made.
    await ctx.audit({
      action: 'incidents.notification_list',
      subjectType: 'incident',
      subjectId: input.incidentId,
      details: {
        purpose: NOTIFICATION_PURPOSE,
        disclosureId: list.disclosureId,
        members: list.rows.length,
        erasedExcluded: list.erasedExcluded,
        exposures: [...input.exposures].sort().join('.'),
      },
    });
    return list;
  });
