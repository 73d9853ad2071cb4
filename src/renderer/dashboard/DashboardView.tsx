import { useEffect, useId, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { DASHBOARD_PERIODS, type DashboardPeriod } from '../../shared/dashboard/days';
import { DETECTION_RULES, type DetectionRuleId } from '../../shared/detection/policy';
import { api, asApiError, type StoreDashboard } from '../api/client';
import { formatCalendarDate, formatDateTime, formatShortDay } from '../app/format-date';
import { formatNumber } from '../app/format-number';
import { useLocale } from '../app/locale';
import { errorMessage } from '../app/messages';
import { CategoryBarChart, ChartPanel, DayBarChart } from './charts';
import {
  isQuiet,
  oldestWaitMinutes,
  peakDay,
  rewardName,
  staffTotal,
  syncHealth,
  total,
  type DayFigure,
} from './dashboard-logic';
import './dashboard.css';

const STAFF_COLUMNS = ['opened', 'searches', 'enrolments', 'earns', 'redemptions', 'corrections'] as const;

/** Store managers: the till's own figures over the last 7, 14 or 30 days, read from local data (offline too). */
export function DashboardView() {
  const { t, i18n } = useTranslation();
  const locale = useLocale();
  const ids = useId();
  const [days, setDays] = useState<DashboardPeriod>(7);
  const [data, setData] = useState<StoreDashboard | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [generation, setGeneration] = useState(0);
  const latest = useRef(0);

  // Read from the main process whenever the period changes or Refresh is pressed; an answer to an
  // older request is dropped.
  useEffect(() => {
    const ticket = ++latest.current;
    api.storeDashboard(days).then(
      (answer) => {
        if (ticket !== latest.current) return;
        setData(answer);
        setProblem(null);
        setLoading(false);
      },
      (caught: unknown) => {
        if (ticket !== latest.current) return;
        setProblem(errorMessage(t, asApiError(caught).code));
        setLoading(false);
      },
    );
  }, [days, generation, t]);

  const n = (value: number) => formatNumber(value, locale);
  const ruleName = (rule: string) =>
    (DETECTION_RULES as readonly string[]).includes(rule) ? t(`dashboard.rules.${rule as DetectionRuleId}`) : rule;
  const day = (value: string) => formatCalendarDate(value, locale);
  // Table rows: the short form keeps a half-width panel's table from scrolling (the period says the year).
  const shortDay = (value: string) => formatShortDay(value, locale);

  const daySummary = (dashboard: StoreDashboard, figure: DayFigure) => {
    const peak = peakDay(dashboard.series, figure);
    return peak
      ? t('dashboard.summary', {
          total: n(total(dashboard.series, figure)),
          days: dashboard.days,
          day: day(peak.day),
          peak: n(peak.value),
        })
      : t('dashboard.summaryNone', { days: dashboard.days });
  };

  const dayTable = (dashboard: StoreDashboard, caption: string, figures: DayFigure[]) => (
    <table className="table table-compact">
      <caption className="sr-only">{caption}</caption>
      <thead>
        <tr>
          <th scope="col">{t('dashboard.day')}</th>
          {figures.map((figure) => (
            <th key={figure} scope="col" className="num">
              {t(`dashboard.figures.${figure}`)}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {dashboard.series.map((row) => (
          <tr key={row.day}>
            <th scope="row">{shortDay(row.day)}</th>
            {figures.map((figure) => (
              <td key={figure} className="num">
                {n(row[figure])}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );

  const panels = (dashboard: StoreDashboard) => {
    const health = syncHealth(dashboard.sync, dashboard.generatedAt);
    const wait = oldestWaitMinutes(dashboard.sync, dashboard.generatedAt);
    const latestAlert = dashboard.alerts.latest[0];
    return (
      <div className="dash-grid">
        <section
          className="card dash-panel dash-figures"
          aria-labelledby={`${ids}-glance`}
          data-testid="dashboard-glance"
        >
          <h2 id={`${ids}-glance`} className="card-title">
            {t('dashboard.atAGlance')}
          </h2>
          <dl className="dash-figure-list">
            <div>
              <dt>{t('dashboard.alertsOpen')}</dt>
              <dd
                data-testid="dashboard-alerts-open"
                className={dashboard.alerts.open > 0 ? 'dash-attention' : undefined}
              >
                {n(dashboard.alerts.open)}
              </dd>
            </div>
            <div>
              <dt>{t('dashboard.alertsRaised', { days: dashboard.days })}</dt>
              <dd>{n(dashboard.alerts.raisedInPeriod)}</dd>
            </div>
            <div>
              <dt>{t('dashboard.latestAlert')}</dt>
              <dd>
                {latestAlert
                  ? t('dashboard.alertLine', {
                      rule: ruleName(latestAlert.rule),
                      at: formatDateTime(latestAlert.raisedAt, locale),
                    })
                  : t('dashboard.noAlerts')}
              </dd>
            </div>
            <div>
              <dt>{t('dashboard.sync.health')}</dt>
              <dd data-testid="dashboard-sync-health" className={health === 'problem' ? 'dash-attention' : undefined}>
                {t(`dashboard.sync.states.${health}`)}
              </dd>
            </div>
            <div>
              <dt>{t('dashboard.sync.lastSuccess')}</dt>
              <dd>
                {dashboard.sync.lastSuccessAt
                  ? formatDateTime(dashboard.sync.lastSuccessAt, locale)
                  : t('dashboard.never')}
              </dd>
            </div>
            <div>
              <dt>{t('dashboard.sync.pending')}</dt>
              <dd>
                {wait === null
                  ? n(dashboard.sync.pendingOps)
                  : t('dashboard.sync.waitingFor', { ops: n(dashboard.sync.pendingOps), minutes: n(wait) })}
              </dd>
            </div>
            <div>
              <dt>{t('dashboard.sync.lastError')}</dt>
              <dd className={dashboard.sync.lastError ? 'mono dash-attention' : undefined}>
                {dashboard.sync.lastError ?? t('dashboard.none')}
              </dd>
            </div>
            <div>
              <dt>{t('dashboard.sync.dayEnd')}</dt>
              <dd>
                {dashboard.sync.dayEnd
                  ? t('dashboard.sync.dayEndLine', {
                      status: t(`dashboard.sync.dayEndStatus.${dashboard.sync.dayEnd.status}`),
                      at: formatDateTime(dashboard.sync.dayEnd.at, locale),
                    })
                  : t('dashboard.never')}
              </dd>
            </div>
            <div>
              <dt>{t('dashboard.withdrawalsTotal', { days: dashboard.days })}</dt>
              <dd>{n(dashboard.consentWithdrawalsTotal)}</dd>
            </div>
          </dl>
        </section>

        <ChartPanel
          name="points"
          wide
          title={t('dashboard.panels.points')}
          summary={t('dashboard.pointsSummary', {
            issued: n(total(dashboard.series, 'pointsIssued')),
            redeemed: n(total(dashboard.series, 'pointsRedeemed')),
            days: dashboard.days,
          })}
          chart={
            <DayBarChart
              data={dashboard.series}
              series={[
                { key: 'pointsIssued', label: t('dashboard.figures.pointsIssued') },
                { key: 'pointsRedeemed', label: t('dashboard.figures.pointsRedeemed') },
              ]}
              locale={locale}
              xLabel={t('dashboard.day')}
              yLabel={t('dashboard.axis.points')}
            />
          }
          table={dayTable(dashboard, t('dashboard.panels.points'), ['pointsIssued', 'pointsRedeemed'])}
        />

        <ChartPanel
          name="enrolments"
          title={t('dashboard.panels.enrolments')}
          summary={daySummary(dashboard, 'enrolments')}
          chart={
            <DayBarChart
              data={dashboard.series}
              series={[{ key: 'enrolments', label: t('dashboard.figures.enrolments') }]}
              locale={locale}
              xLabel={t('dashboard.day')}
              yLabel={t('dashboard.axis.members')}
            />
          }
          table={dayTable(dashboard, t('dashboard.panels.enrolments'), ['enrolments'])}
        />

        <ChartPanel
          name="withdrawals"
          title={t('dashboard.panels.withdrawals')}
          summary={daySummary(dashboard, 'consentWithdrawals')}
          chart={
            <DayBarChart
              data={dashboard.series}
              series={[{ key: 'consentWithdrawals', label: t('dashboard.figures.consentWithdrawals') }]}
              locale={locale}
              xLabel={t('dashboard.day')}
              yLabel={t('dashboard.axis.members')}
            />
          }
          table={dayTable(dashboard, t('dashboard.panels.withdrawals'), ['consentWithdrawals'])}
        />

        <ChartPanel
          name="staff"
          wide
          empty={dashboard.staff.length === 0}
          title={t('dashboard.panels.staff')}
          summary={
            dashboard.staff[0]
              ? t('dashboard.staffSummary', {
                  n: n(dashboard.staff.length),
                  days: dashboard.days,
                })
              : t('dashboard.summaryNone', { days: dashboard.days })
          }
          chart={
            <CategoryBarChart
              data={
                dashboard.staff.map((staff) => ({
                  name: staff.displayName ?? staff.staffId,
                  ...Object.fromEntries(STAFF_COLUMNS.map((column) => [column, staff[column]])),
                })) as Array<{ name: string } & Record<(typeof STAFF_COLUMNS)[number], number>>
              }
              series={STAFF_COLUMNS.map((column) => ({ key: column, label: t(`dashboard.staffColumns.${column}`) }))}
              locale={locale}
              valueLabel={t('dashboard.axis.actions')}
            />
          }
          table={
            <table className="table table-compact">
              <caption className="sr-only">{t('dashboard.panels.staff')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('dashboard.staffMember')}</th>
                  {STAFF_COLUMNS.map((column) => (
                    <th key={column} scope="col" className="num">
                      {t(`dashboard.staffColumns.${column}`)}
                    </th>
                  ))}
                  <th scope="col" className="num">
                    {t('dashboard.staffColumns.total')}
                  </th>
                </tr>
              </thead>
              <tbody>
                {dashboard.staff.map((staff) => (
                  <tr key={staff.staffId}>
                    <th scope="row">{staff.displayName ?? staff.staffId}</th>
                    {STAFF_COLUMNS.map((column) => (
                      <td key={column} className="num">
                        {n(staff[column])}
                      </td>
                    ))}
                    <td className="num">{n(staffTotal(staff))}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          }
        />

        <ChartPanel
          name="rewards"
          empty={dashboard.topRewards.length === 0}
          title={t('dashboard.panels.rewards')}
          summary={
            dashboard.topRewards[0]
              ? t('dashboard.rewardsSummary', {
                  reward: rewardName(dashboard.topRewards[0], i18n.language),
                  n: n(dashboard.topRewards[0].redemptions),
                })
              : t('dashboard.summaryNone', { days: dashboard.days })
          }
          chart={
            <CategoryBarChart
              data={dashboard.topRewards.map((reward) => ({
                name: rewardName(reward, i18n.language),
                redemptions: reward.redemptions,
              }))}
              series={[{ key: 'redemptions', label: t('dashboard.figures.redemptions') }]}
              locale={locale}
              valueLabel={t('dashboard.figures.redemptions')}
            />
          }
          table={
            <table className="table table-compact">
              <caption className="sr-only">{t('dashboard.panels.rewards')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('dashboard.reward')}</th>
                  <th scope="col" className="num">
                    {t('dashboard.figures.redemptions')}
                  </th>
                  <th scope="col" className="num">
                    {t('dashboard.figures.points')}
                  </th>
                </tr>
              </thead>
              <tbody>
                {dashboard.topRewards.map((reward) => (
                  <tr key={reward.rewardId}>
                    <th scope="row">{rewardName(reward, i18n.language)}</th>
                    <td className="num">{n(reward.redemptions)}</td>
                    <td className="num">{n(reward.points)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          }
        />
      </div>
    );
  };

  return (
    <div className="dashboard">
      <div className="view-head">
        <h1 className="view-title">{t('dashboard.heading')}</h1>
        <div className="dash-controls">
          <div className="form-field dash-period">
            <label htmlFor={`${ids}-days`} className="field-label">
              {t('dashboard.period')}
            </label>
            <select
              id={`${ids}-days`}
              className="input select select-short"
              data-testid="dashboard-period"
              value={days}
              onChange={(event) => {
                setDays(Number(event.target.value) as DashboardPeriod);
                setLoading(true);
              }}
            >
              {DASHBOARD_PERIODS.map((period) => (
                <option key={period} value={period}>
                  {t('dashboard.lastDays', { n: period })}
                </option>
              ))}
            </select>
          </div>
          <button
            type="button"
            className="button button-secondary"
            data-testid="dashboard-refresh"
            disabled={loading}
            onClick={() => {
              setLoading(true);
              setGeneration((g) => g + 1);
            }}
          >
            {t('dashboard.refresh')}
          </button>
        </div>
      </div>
      <p className="search-status" role="status">
        {loading
          ? t('dashboard.loading')
          : data
            ? t('dashboard.asOf', { at: formatDateTime(data.generatedAt, locale) })
            : ''}
      </p>
      <div role="alert" className="status-slot">
        {problem ? (
          <p className="banner banner-error" data-testid="dashboard-error">
            {problem}
          </p>
        ) : null}
      </div>
      {data && isQuiet(data) ? (
        <div className="empty empty-compact" data-testid="dashboard-empty">
          <p className="empty-title">{t('dashboard.empty', { days: data.days })}</p>
        </div>
      ) : null}
      {data ? panels(data) : null}
    </div>
  );
}
