import { randomUUID } from 'node:crypto';
import type { Language } from '../../../../src/shared/i18n/languages';
import type { Queryable } from '../db/database';
import { appendEntry, IncidentError, type Actor } from './incidents';
import { memberLanguages } from './member-language';
import { noticeText, type NoticeExposure } from './notice-text';
import type { DataKeys } from '../keys/data-keys';
import { openMemberContacts } from '../keys/sealed-columns';

/**
 * The members' notification list (GDPR Art. 34) of one incident: per exposed member, who they are,
 * how to reach them, in which language, what was exposed and their notice. It reads contacts, so it
 * is recorded as a disclosure (purpose breach_notification, with its members, as audiences.ts
 * records an audience: the member's own export lists it) and the caller audits it. Erased members
 * are left out (HQ holds nothing to reach them by) and counted.
 */

export const NOTIFICATION_PURPOSE = 'breach_notification';
export const NOTIFICATION_FIELDS = ['name', 'card', 'email', 'phone', 'language'] as const;

export interface NotificationRow {
  memberId: string;
  cardMasked: string | null;
  name: string;
  /** How to reach them: e-mail when they gave one, else phone; null when HQ has neither. */
  channel: 'email' | 'phone' | null;
  contact: string | null;
  language: Language;
  exposure: NoticeExposure;
  subject: string;
  notice: string;
}

export interface NotificationList {
  disclosureId: string;
  rows: NotificationRow[];
  erasedExcluded: number;
  withoutContact: number;
}

export async function buildNotificationList(
  tx: Queryable,
  input: { incidentId: string; exposures: readonly NoticeExposure[]; contactPoint: string },
  actor: Actor,
  keys: DataKeys,
): Promise<NotificationList> {
  const incident = await tx.query<{
    store_name: string | null;
    aware_at: Date;
    window_start: Date | null;
    window_end: Date | null;
    till_blocked: boolean;
    access_stopped: boolean;
    regulator_notified: boolean;
  }>(
    // What the notice may say was done, as recorded now (notice-text.ts): the till revoked, the
    // staff member inactive in HQ's roster, the regulator notification recorded.
    `SELECT s.name AS store_name, i.aware_at, i.window_start, i.window_end,
            COALESCE(d.revoked_at IS NOT NULL, false) AS till_blocked,
            COALESCE(st.status <> 'active', false) AS access_stopped,
            i.regulator_notified_at IS NOT NULL AS regulator_notified
       FROM incidents i LEFT JOIN stores s ON s.id = i.store_id LEFT JOIN devices d ON d.id = i.device_id
       LEFT JOIN staff st ON st.id = i.staff_id
      WHERE i.id = $1 FOR UPDATE OF i`,
    [input.incidentId],
  );
  const found = incident.rows[0];
  if (!found) throw new IncidentError('not_found', `No incident ${input.incidentId}.`);
  const members = await tx.query<{
    id: string;
    exposure: NoticeExposure;
    erased: boolean;
    card_number: string | null;
    given_name: string;
    family_name: string;
    email: string | null;
    phone: string | null;
    home_store_name: string | null;
  }>(
    // An erasure renames the member in incident_members (privacy/erasure.ts): no members row then.
    `SELECT im.member_id AS id, im.exposure, (m.id IS NULL OR m.erased_at IS NOT NULL) AS erased, m.card_number,
            m.given_name, m.family_name, m.email, m.phone, s.name AS home_store_name
       FROM incident_members im LEFT JOIN members m ON m.id = im.member_id LEFT JOIN stores s ON s.id = m.home_store_id
      WHERE im.incident_id = $1 AND im.exposure = ANY($2::text[]) ORDER BY im.member_id`,
    [input.incidentId, input.exposures],
  );
  const kept = members.rows
    .filter((row) => !row.erased)
    .map((row) => ({ ...row, ...openMemberContacts(keys, row.id, row) }));
  const languages = await memberLanguages(
    tx,
    kept.map((row) => row.id),
  );
  const from = found.window_start ? new Date(found.window_start) : new Date(found.aware_at);
  const to = found.window_end ? new Date(found.window_end) : new Date(found.aware_at);
  const rows: NotificationRow[] = kept.map((row) => {
    const language = languages.get(row.id) ?? 'en';
    const text = noticeText(language, row.exposure, {
      storeName: found.store_name ?? row.home_store_name ?? '',
      from,
      to,
      contactPoint: input.contactPoint,
      measures: {
        tillBlocked: found.till_blocked,
        accessStopped: found.access_stopped,
        regulatorNotified: found.regulator_notified,
      },
    });
    const channel = row.email !== null ? 'email' : row.phone !== null ? 'phone' : null;
    return {
      memberId: row.id,
      cardMasked: row.card_number === null ? null : `•••• ${row.card_number.slice(-4)}`,
      name: `${row.given_name} ${row.family_name}`.trim(),
      channel,
      contact: channel === 'email' ? row.email : channel === 'phone' ? row.phone : null,
      language,
      exposure: row.exposure,
      subject: text.subject,
      notice: text.body,
    };
  });

  const disclosureId = randomUUID();
  await tx.query(
    `INSERT INTO disclosures (id, recipient, purpose, fields, pseudonymised, member_count, operator_id, disclosed_at)
     VALUES ($1, $2, $3, $4::jsonb, false, $5, $6, $7)`,
    [
      disclosureId,
      `incident ${input.incidentId}`,
      NOTIFICATION_PURPOSE,
      JSON.stringify(NOTIFICATION_FIELDS),
      rows.length,
      actor.operatorId,
      actor.now,
    ],
  );
  if (rows.length > 0) {
    await tx.query(`INSERT INTO disclosure_members (disclosure_id, member_id) SELECT $1, unnest($2::text[])`, [
      disclosureId,
      rows.map((row) => row.memberId),
    ]);
  }
  await appendEntry(tx, input.incidentId, { kind: 'action', code: 'notification_list', text: '' }, actor);
  return {
    disclosureId,
    rows,
    erasedExcluded: members.rows.length - kept.length,
    withoutContact: rows.filter((row) => row.channel === null).length,
  };
}
