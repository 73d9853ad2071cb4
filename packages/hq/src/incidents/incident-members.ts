import { maskEmail, maskPhone } from '../../../../src/shared/members/mask';
import { memberInitials } from '../../../../src/shared/members/member-initials';
import type { Queryable } from '../db/database';
import type { Exposure } from './codes';
import type { DataKeys } from '../keys/data-keys';
import { openMemberContacts } from '../keys/sealed-columns';

/**
 * An incident's exposed members as computed (incident_members), kept so the notification list is
 * stable: a new computation replaces the old one whole. Read back masked, like the members page.
 * An erased member is kept under an erased-subject token (the computation's, or the erasure's when
 * it came later): counted in the incident's exposure, never listed, as HQ holds nothing to show.
 */

export async function replaceIncidentMembers(
  tx: Queryable,
  incidentId: string,
  members: readonly { memberId: string; exposure: Exposure }[],
): Promise<void> {
  await tx.query('DELETE FROM incident_members WHERE incident_id = $1', [incidentId]);
  if (members.length === 0) return;
  await tx.query(
    `INSERT INTO incident_members (incident_id, member_id, exposure)
     SELECT $1, unnest($2::text[]), unnest($3::text[])`,
    [incidentId, members.map((member) => member.memberId), members.map((member) => member.exposure)],
  );
}

export interface MaskedExposedMember {
  memberId: string;
  exposure: Exposure;
  cardMasked: string | null;
  initials: string;
  phoneMasked: string | null;
  emailMasked: string | null;
  homeStoreId: string;
  erased: boolean;
}

/** The strongest exposures first; at most `limit` rows (a lost till holds the whole chain masked). */
export async function readIncidentMembers(
  q: Queryable,
  incidentId: string,
  limit: number,
  keys: DataKeys,
): Promise<MaskedExposedMember[]> {
  const found = await q.query<{
    id: string;
    exposure: Exposure;
    card_number: string | null;
    given_name: string;
    family_name: string;
    phone: string | null;
    email: string | null;
    home_store_id: string;
    erased: boolean;
  }>(
    `SELECT m.id, im.exposure, m.card_number, m.given_name, m.family_name, m.phone, m.email, m.home_store_id,
            m.erased_at IS NOT NULL AS erased
       FROM incident_members im JOIN members m ON m.id = im.member_id
      WHERE im.incident_id = $1
      ORDER BY CASE im.exposure WHEN 'revealed' THEN 0 WHEN 'full_contacts' THEN 1 WHEN 'touched' THEN 2 ELSE 3 END, m.id
      LIMIT $2`,
    [incidentId, limit],
  );
  return found.rows
    .map((stored) => ({ ...stored, ...openMemberContacts(keys, stored.id, stored) }))
    .map((row) => ({
      memberId: row.id,
      exposure: row.exposure,
      cardMasked: row.card_number === null ? null : `•••• ${row.card_number.slice(-4)}`,
      initials: memberInitials(row.given_name, row.family_name),
      phoneMasked: row.phone === null ? null : maskPhone(row.phone),
      emailMasked: row.email === null ? null : maskEmail(row.email),
      homeStoreId: row.home_store_id,
      erased: row.erased,
    }));
}
