import type { Database } from 'better-sqlite3-multiple-ciphers';
import { AppError } from '../../shared/errors';
import type { MemberView } from '../../shared/members/member-view';
import type { EarnRulesStore } from '../points/earn-rules-store';
import type { Ledger } from '../points/ledger';
import { MEMBER_SUMMARY_COLUMNS, toMemberSummary, type MemberRow } from './member-row';

export const RECENT_LEDGER = 20;

interface ViewRow extends MemberRow {
  birth_date: string | null;
  terms_version: string | null;
  marketing_email: number;
  marketing_sms: number;
  contacts_on_device: number;
  erasure_requested_at: string | null;
}

interface ConsentRow {
  purpose: string;
  granted: number;
  notice_version: string;
  at: string;
}

/** The member screen: profile (masked), balance, what may be spent now, consents, recent ledger. */
export function createMemberView(deps: { db: Database; ledger: Ledger; rules: EarnRulesStore }) {
  const { db } = deps;
  const member = db.prepare<[string], ViewRow>(
    `SELECT ${MEMBER_SUMMARY_COLUMNS}, m.birth_date, m.terms_version, m.marketing_email, m.marketing_sms,
            m.erasure_requested_at, (m.phone_e164 IS NOT NULL OR m.email IS NOT NULL) AS contacts_on_device
       FROM members m WHERE m.id = ?`,
  );
  // The latest row per purpose. Ties on `at` (a coarse or stalled clock) go by insertion order:
  // op ids are random within a millisecond, so they cannot tell which of two changes came last.
  const latestConsents = db.prepare<[string], ConsentRow>(
    `SELECT purpose, granted, notice_version, at FROM (
       SELECT c.purpose, c.granted, c.notice_version, c.at,
              row_number() OVER (PARTITION BY c.purpose ORDER BY c.at DESC, c.rowid DESC) AS n
         FROM consents c WHERE c.member_id = ?)
      WHERE n = 1`,
  );

  return (memberId: string): MemberView => {
    const row = member.get(memberId);
    if (!row) throw new AppError('member_not_found', 'No such member on this till.');
    const history = new Map(latestConsents.all(memberId).map((c) => [c.purpose, c]));
    // Members from HQ come with flags but no local history; the flag is then what the till knows.
    const state = (purpose: string, granted: boolean) => {
      const known = history.get(purpose);
      return known && Boolean(known.granted) === granted
        ? { granted, noticeVersion: known.notice_version, at: known.at }
        : { granted, noticeVersion: null, at: null };
    };
    const points = deps.ledger.pointsOf(memberId);
    const summary = toMemberSummary(row);
    return {
      member: summary,
      birthDate: row.birth_date,
      spendable: deps.ledger.spendable(points, deps.rules.get()),
      consents: {
        terms: {
          granted: row.terms_version !== null,
          noticeVersion: row.terms_version,
          at: history.get('terms')?.at ?? null,
        },
        marketingEmail: state('marketing_email', row.marketing_email === 1),
        marketingSms: state('marketing_sms', row.marketing_sms === 1),
      },
      contactsOnDevice: row.contacts_on_device === 1,
      erasureRequestedAt: row.erasure_requested_at,
      ledger: deps.ledger.recent(memberId, RECENT_LEDGER),
    };
  };
}
