import { useId } from 'react';
import { useTranslation } from 'react-i18next';
import { formatCardNumber } from '../../shared/members/card-number';
import type { MemberSummary } from '../api/client';

function formatDate(iso: string, language: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat(language, { dateStyle: 'long' }).format(date);
}

/** The member the cashier opened: name, card, masked contacts and enrolment date. */
export function MemberDetail({ member, onClose }: { member: MemberSummary; onClose: () => void }) {
  const { t, i18n } = useTranslation();
  const headingId = useId();
  return (
    <section className="member-detail" aria-labelledby={headingId} data-testid="member-detail">
      <div className="member-detail-head">
        <div>
          <p className="eyebrow">{t('member.heading')}</p>
          <h2 id={headingId} className="member-name">
            {member.givenName} {member.familyName}
          </h2>
        </div>
        <button type="button" className="button button-secondary button-small" onClick={onClose}>
          {t('member.close')}
        </button>
      </div>
      <dl className="member-facts">
        <div>
          <dt>{t('member.card')}</dt>
          <dd className="mono" data-testid="member-card">
            {formatCardNumber(member.cardNumber)}
          </dd>
        </div>
        <div>
          <dt>{t('member.phone')}</dt>
          <dd>{member.phoneMasked ?? t('member.notGiven')}</dd>
        </div>
        <div>
          <dt>{t('member.email')}</dt>
          <dd>{member.emailMasked ?? t('member.notGiven')}</dd>
        </div>
        <div>
          <dt>{t('member.enrolledAt')}</dt>
          <dd>{formatDate(member.enrolledAt, i18n.language)}</dd>
        </div>
      </dl>
      <p className="hint">{t('member.maskedNote')}</p>
    </section>
  );
}
