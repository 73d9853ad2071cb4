import { useId, type Ref } from 'react';
import { useTranslation } from 'react-i18next';
import { OP_TYPES } from '../../shared/sync/ops';
import type { DayEndReport } from '../api/client';
import { formatDateTime } from '../app/format-date';
import { formatCount } from './sync-rules';

export type DayEndStatus = 'sent' | 'reconciled' | 'mismatch';

/**
 * HQ's answer to a day end (DESIGN §5): reconciled or not (and why), the operations it covers,
 * what HQ applied and refused per type, points earned and spent, and overdrafts to review.
 */
export function DayEndReportCard({
  title,
  status,
  at,
  report,
  locale,
  fresh = false,
  wide = false,
  cardRef,
}: {
  title: string;
  status: DayEndStatus;
  /** When the day end was sent. */
  at: string;
  report: DayEndReport | null;
  locale: string;
  /** Just received: shown prominently, and it takes the focus. */
  fresh?: boolean;
  /** Spans the sync screen's grid. */
  wide?: boolean;
  cardRef?: Ref<HTMLElement>;
}) {
  const { t } = useTranslation();
  const headingId = useId();
  const n = (value: number) => formatCount(value, locale);
  const time = (iso: string) => formatDateTime(iso, locale);
  const rows = report ? OP_TYPES.filter((type) => report.hq[type]) : [];
  const classes = ['card', 'day-end', `day-end-${status}`, fresh ? 'day-end-fresh' : '', wide ? 'sync-card-wide' : '']
    .filter(Boolean)
    .join(' ');

  return (
    <section ref={cardRef} tabIndex={fresh ? -1 : undefined} className={classes} aria-labelledby={headingId}>
      <div className="day-end-head">
        <h2 id={headingId} className="card-title">
          {title}
        </h2>
        <span className={`status status-${status}`}>{t(`dayEnd.statuses.${status}`)}</span>
      </div>
      {report ? (
        <>
          <p className="day-end-summary">
            {status === 'reconciled' ? t('dayEnd.reconciledText') : t('dayEnd.mismatchText')}
          </p>
          {report.problems.length > 0 ? (
            <ul className="day-end-problems">
              {report.problems.map((problem) => (
                <li key={problem}>{t(`dayEnd.problems.${problem}`)}</li>
              ))}
            </ul>
          ) : null}
          <dl className="facts">
            <div>
              <dt>{t('dayEnd.range')}</dt>
              <dd>
                {report.toSeq > report.fromSeq
                  ? t('dayEnd.rangeValue', { from: n(report.fromSeq + 1), to: n(report.toSeq) })
                  : t('dayEnd.rangeEmpty')}
              </dd>
            </div>
            <div>
              <dt>{t('dayEnd.pointsEarned')}</dt>
              <dd>{n(report.pointsEarned)}</dd>
            </div>
            <div>
              <dt>{t('dayEnd.pointsSpent')}</dt>
              <dd>{n(report.pointsSpent)}</dd>
            </div>
            <div>
              <dt>{t('dayEnd.overdrafts')}</dt>
              <dd className={report.overdrafts > 0 ? 'fact-warning' : undefined}>{n(report.overdrafts)}</dd>
            </div>
            <div>
              <dt>{t('dayEnd.acknowledged')}</dt>
              <dd>{time(report.acknowledgedAt)}</dd>
            </div>
          </dl>
          {report.overdrafts > 0 ? (
            <p className="hint">{t('dayEnd.overdraftsHint', { n: n(report.overdrafts) })}</p>
          ) : null}
          {rows.length > 0 ? (
            <div className="table-wrap day-end-table">
              <table className="table table-compact">
                <caption className="sr-only">{t('dayEnd.tableCaption')}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t('dayEnd.operation')}</th>
                    <th scope="col" className="num">
                      {t('dayEnd.applied')}
                    </th>
                    <th scope="col" className="num">
                      {t('dayEnd.rejected')}
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {rows.map((type) => {
                    const counts = report.hq[type] ?? { applied: 0, rejected: 0 };
                    return (
                      <tr key={type}>
                        <th scope="row">{t(`sync.opTypes.${type}`)}</th>
                        <td className="num">{n(counts.applied)}</td>
                        <td className={counts.rejected > 0 ? 'num fact-warning' : 'num'}>{n(counts.rejected)}</td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
          ) : null}
        </>
      ) : (
        <p className="day-end-summary">{t('dayEnd.sentText', { time: time(at) })}</p>
      )}
    </section>
  );
}
