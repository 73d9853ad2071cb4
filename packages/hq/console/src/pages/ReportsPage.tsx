import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { callConsole } from '../api/console-client';
import { formatNumber } from '../app/format';
import { useSession } from '../app/session';
import { useLoad } from '../common/hooks';
import { LoadState } from '../common/Notices';
import { PageHeading, StoreFilter, Time } from '../common/widgets';

export function ReportsPage() {
  const { t } = useTranslation();
  const { language } = useSession();
  const [storeId, setStoreId] = useState('');
  const reports = useLoad(() => callConsole('dayEndReports', storeId ? { storeId } : {}), storeId);
  const rows = reports.data?.reports ?? [];
  const n = (value: number) => formatNumber(value, language);
  return (
    <>
      <PageHeading>{t('pages.reports')}</PageHeading>
      <div className="toolbar">
        <StoreFilter value={storeId} onChange={setStoreId} />
      </div>
      <LoadState
        loading={reports.loading}
        error={reports.error}
        empty={rows.length === 0}
        emptyText={t('reports.empty')}
        onRetry={reports.reload}
      />
      {rows.length > 0 ? (
        <table className="table">
          <caption className="visually-hidden">{t('pages.reports')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('reports.received')}</th>
              <th scope="col">{t('common.store')}</th>
              <th scope="col">{t('reports.device')}</th>
              <th scope="col">{t('reports.status')}</th>
              <th scope="col">{t('reports.problems')}</th>
              <th scope="col">{t('reports.seqRange')}</th>
              <th scope="col">{t('reports.overdrafts')}</th>
              <th scope="col">{t('reports.earned')}</th>
              <th scope="col">{t('reports.spent')}</th>
              <th scope="col">{t('reports.auditHead')}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((report) => (
              <tr key={report.dayEndId}>
                <td>
                  <Time iso={report.receivedAt} />
                </td>
                <td>{report.storeName}</td>
                <td className="mono">{report.deviceId}</td>
                <td>
                  <span className={report.status === 'reconciled' ? 'badge badge-ok' : 'badge badge-danger'}>
                    {t(`reports.statuses.${report.status}`)}
                  </span>
                </td>
                <td>
                  {report.problems.length === 0 ? (
                    t('reports.noProblems')
                  ) : (
                    <ul className="compact-list">
                      {report.problems.map((problem) => (
                        <li key={problem}>{problem}</li>
                      ))}
                    </ul>
                  )}
                </td>
                <td className="num">
                  {n(report.fromSeq)}–{n(report.toSeq)}
                </td>
                <td className="num">{n(report.overdrafts)}</td>
                <td className="num">{n(report.pointsEarned)}</td>
                <td className="num">{n(report.pointsSpent)}</td>
                <td className="mono">
                  {n(report.auditHead.seq)} · {report.auditHead.hash.slice(0, 12)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </>
  );
}
