import type { MemberSummary } from '../../shared/members/schemas';

export interface MemberRow {
  id: string;
  card_number: string;
  given_name: string;
  family_name: string;
  phone_masked: string | null;
  email_masked: string | null;
  enrolled_at: string;
}

export const MEMBER_SUMMARY_COLUMNS =
  'm.id, m.card_number, m.given_name, m.family_name, m.phone_masked, m.email_masked, m.enrolled_at';

export function toMemberSummary(row: MemberRow): MemberSummary {
  return {
    id: row.id,
    cardNumber: row.card_number,
    givenName: row.given_name,
    familyName: row.family_name,
    phoneMasked: row.phone_masked,
    emailMasked: row.email_masked,
    enrolledAt: row.enrolled_at,
  };
}
