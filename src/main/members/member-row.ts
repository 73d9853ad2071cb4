import type { MemberSummary } from '../../shared/members/schemas';
import type { Tier } from '../../shared/points/rules';
import { COUNTED_PENDING } from '../points/ledger';

export interface MemberRow {
  id: string;
  card_number: string;
  given_name: string;
  family_name: string;
  phone_masked: string | null;
  email_masked: string | null;
  tier: Tier;
  points_confirmed: number;
  points_pending: number;
  enrolled_at: string;
}

/** Pending points come from the partial index ledger_pending, so results stay cheap at a million members. */
export const MEMBER_SUMMARY_COLUMNS = `m.id, m.card_number, m.given_name, m.family_name, m.phone_masked, m.email_masked,
  m.tier, m.points_confirmed, m.enrolled_at,
  (SELECT coalesce(sum(l.points), 0) FROM ledger l WHERE l.member_id = m.id AND ${COUNTED_PENDING}) AS points_pending`;

export function toMemberSummary(row: MemberRow): MemberSummary {
  return {
    id: row.id,
    cardNumber: row.card_number,
    givenName: row.given_name,
    familyName: row.family_name,
    phoneMasked: row.phone_masked,
    emailMasked: row.email_masked,
    tier: row.tier,
    balance: {
      confirmed: row.points_confirmed,
      pending: row.points_pending,
      total: row.points_confirmed + row.points_pending,
    },
    enrolledAt: row.enrolled_at,
  };
}
