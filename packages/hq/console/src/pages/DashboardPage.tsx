import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { callConsole } from '../api/console-client';
import { formatDateTime, formatNumber } from '../app/format';
import { useSession } from '../app/session';
import { ChartFigure } from '../charts/ChartFigure';
import { ColumnChart, RowChart } from '../charts/BarCharts';
import { useLoad } from '../common/hooks';
import { LoadState } from '../common/Notices';
import { SelectField } from '../common/Field';
import { PageHeading, Time } from '../common/widgets';
import {
  PERIODS,
  STAFF_COLUMNS,
  breachClock,
  formatDay,
  formatPercent,
  isPeriod,
  peakDay,
  rewardName,
  staffLabel,
  staffTotal,
  storeName,
  total,
  type BreachClock,
  type Dashboard,
  type DayFigure,
  type Period,
} from '../logic/dashboard';

/**
 * The chain's dashboard: chain-wide or one store, over 7, 14 or 30 UTC days. Figures only (counts,
 * points, ids): nothing here names a member. Each chart has its table beside it.
 */
export function DashboardPage() {
  const { t } = useTranslation();
  const { language } = useSession();
  const [storeId, setStoreId] = useState('');
  const [days, setDays] = useState<Period>(7);
  const loaded = useLoad(
    () => callConsole('getDashboard', { days, ...(storeId ? { storeId } : {}) }),
    `${storeId}|${days}`,
  );
  const data = loaded.data;
  const n = (value: number) => formatNumber(value, language);
  const shortDay = (day: string) => formatDay(day, language, 'short');
  const longDay = (day: string) => formatDay(day, language, 'long');

  const daySummary = (dashboard: Dashboard, figure: DayFigure) => {
    const peak = peakDay(dashboard.series, figure);
    return peak
      ? t('dashboard.summary', {
          total: n(total(dashboard.series, figure)),
          days: dashboard.days,
          day: longDay(peak.day),
          peak: n(peak.value),
        })
      : t('dashboard.summaryNone', { days: dashboard.days });
  };

  const dayTable = (dashboard: Dashboard, caption: string, figures: DayFigure[]) => (
    <table className="table">
      <caption className="visually-hidden">{caption}</caption>
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
            <th scope="row">{longDay(row.day)}</th>
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

  const dayChart = (dashboard: Dashboard, figures: DayFigure[], yLabel: string) => (
    <ColumnChart
      data={dashboard.series}
      categoryKey="day"
      formatCategory={shortDay}
      xLabel={t('dashboard.dayUtc')}
      yLabel={yLabel}
      series={figures.map((figure) => ({ key: figure, label: t(`dashboard.figures.${figure}`) }))}
      formatValue={n}
    />
  );

  const figures = (dashboard: Dashboard) => {
    const overdue = dashboard.incidents.filter((incident) => breachClock(incident).state === 'overdue').length;
    const items: Array<{ key: string; label: string; value: string; attention?: boolean }> = [
      { key: 'liability', label: t('dashboard.liability'), value: n(dashboard.liability) },
      {
        key: 'rate',
        label: t('dashboard.redemptionRate', { days: dashboard.days }),
        value:
          dashboard.redemptionRatePercent === null
            ? t('dashboard.noRate')
            : formatPercent(dashboard.redemptionRatePercent, language),
      },
      {
        key: 'overdrawn',
        label: t('dashboard.membersNegative'),
        value: t('dashboard.overdrawnValue', {
          members: n(dashboard.overdrafts.membersNegative),
          points: n(dashboard.overdrafts.pointsNegative),
        }),
        attention: dashboard.overdrafts.membersNegative > 0,
      },
      {
        key: 'overdrafts',
        label: t('dashboard.overdraftEntries', { days: dashboard.days }),
        value: n(dashboard.overdrafts.overdraftEntries),
      },
      {
        key: 'flagged',
        label: t('dashboard.flaggedOps', { days: dashboard.days }),
        value: n(dashboard.overdrafts.flaggedOps),
      },
      {
        key: 'silent',
        label: t('dashboard.silentDevices'),
        value: n(dashboard.silentDevices.length),
        attention: dashboard.silentDevices.length > 0,
      },
      {
        // Tills refused as restored from an old copy: the devices page says what to do.
        key: 'rolledBack',
        label: t('tillRollback.dashboardFigure'),
        value: n(dashboard.rolledBackDevices.length),
        attention: dashboard.rolledBackDevices.length > 0,
      },
      {
        key: 'erasures',
        label: t('dashboard.erasuresPending'),
        value: t('dashboard.erasuresValue', {
          pending: n(dashboard.requests.erasuresPending),
          overdue: n(dashboard.requests.erasuresOverdue),
        }),
        attention: dashboard.requests.erasuresOverdue > 0,
      },
      {
        key: 'incidents',
        label: t('dashboard.incidentsOpen'),
        value: t('dashboard.incidentsValue', { open: n(dashboard.incidents.length), overdue: n(overdue) }),
        attention: overdue > 0,
      },
      {
        key: 'alerts',
        label: t('dashboard.alertsOpen'),
        value: n(dashboard.alerts.open),
        attention: dashboard.alerts.open > 0,
      },
      {
        key: 'withdrawals',
        label: t('dashboard.withdrawalsTotal', { days: dashboard.days }),
        value: n(dashboard.consentWithdrawalsTotal),
      },
    ];
    return (
      <section aria-labelledby="dashboard-glance">
        <h2 id="dashboard-glance">{t('dashboard.atAGlance')}</h2>
        <dl className="dash-figures" data-testid="dashboard-figures">
          {items.map((item) => (
            <div key={item.key} data-testid={`dashboard-figure-${item.key}`}>
              <dt>{item.label}</dt>
              <dd className={item.attention ? 'dash-attention' : undefined}>{item.value}</dd>
            </div>
          ))}
        </dl>
        <p className="muted">{t('dashboard.help')}</p>
      </section>
    );
  };

  const perStore = (dashboard: Dashboard) => (
    <ChartFigure
      name="stores"
      title={t('dashboard.panels.stores')}
      summary={t('dashboard.storesSummary', { n: n(dashboard.perStore.length), days: dashboard.days })}
      chart={
        <ColumnChart
          data={dashboard.perStore}
          categoryKey="name"
          formatCategory={(name) => name}
          xLabel={t('dashboard.store')}
          yLabel={t('dashboard.axis.points')}
          series={[
            { key: 'pointsIssued', label: t('dashboard.figures.pointsIssued') },
            { key: 'pointsRedeemed', label: t('dashboard.figures.pointsRedeemed') },
            { key: 'liability', label: t('dashboard.liability') },
          ]}
          formatValue={n}
        />
      }
      table={
        <table className="table">
          <caption className="visually-hidden">{t('dashboard.panels.stores')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('dashboard.store')}</th>
              {(
                [
                  'enrolments',
                  'pointsIssued',
                  'pointsRedeemed',
                  'consentWithdrawals',
                  'liability',
                  'membersOverdrawn',
                  'silentDevices',
                  'openAlerts',
                ] as const
              ).map((column) => (
                <th key={column} scope="col" className="num">
                  {t(`dashboard.storeColumns.${column}`)}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {dashboard.perStore.map((store) => (
              <tr key={store.storeId}>
                <th scope="row">{store.name}</th>
                <td className="num">{n(store.enrolments)}</td>
                <td className="num">{n(store.pointsIssued)}</td>
                <td className="num">{n(store.pointsRedeemed)}</td>
                <td className="num">{n(store.consentWithdrawals)}</td>
                <td className="num">{n(store.liability)}</td>
                <td className="num">{n(store.membersOverdrawn)}</td>
                <td className="num">{n(store.silentDevices)}</td>
                <td className="num">{n(store.openAlerts)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      }
    />
  );

  const clockText = (clock: BreachClock): string => {
    switch (clock.state) {
      case 'running':
        return t('dashboard.clockRunning', { hours: n(clock.hoursLeft) });
      case 'overdue':
        return t('dashboard.clockOverdue', { hours: n(clock.hoursOver) });
      case 'notified_in_time':
        return t('dashboard.clockNotified');
      case 'notified_late':
        return t('dashboard.clockNotifiedLate');
      case 'not_notifiable':
        return t('dashboard.clockNotNotifiable');
    }
  };

  const lists = (dashboard: Dashboard) => {
    return (
      <>
        <section aria-labelledby="dashboard-incidents" className="dash-section" data-testid="dashboard-incidents">
          <h2 id="dashboard-incidents">{t('dashboard.panels.incidents')}</h2>
          {dashboard.incidents.length === 0 ? (
            <p className="empty-state">{t('dashboard.noIncidents')}</p>
          ) : (
            <table className="table">
              <caption className="visually-hidden">{t('dashboard.panels.incidents')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('dashboard.incidentKind')}</th>
                  <th scope="col">{t('dashboard.store')}</th>
                  <th scope="col">{t('dashboard.awareAt')}</th>
                  <th scope="col">{t('dashboard.deadlineAt')}</th>
                  <th scope="col">{t('dashboard.clock')}</th>
                </tr>
              </thead>
              <tbody>
                {dashboard.incidents.map((incident) => {
                  const clock = breachClock(incident);
                  return (
                    <tr key={incident.incidentId}>
                      <th scope="row">{t(`dashboard.incidentKinds.${incident.kind as 'other'}`, incident.kind)}</th>
                      <td>{storeName(dashboard, incident.storeId) ?? t('dashboard.chainWide')}</td>
                      <td>
                        <Time iso={incident.awareAt} />
                      </td>
                      <td>
                        <Time iso={incident.deadlineAt} />
                      </td>
                      <td
                        className={
                          clock.state === 'overdue' || clock.state === 'notified_late' ? 'dash-attention' : undefined
                        }
                        data-testid="dashboard-incident-clock"
                      >
                        {clockText(clock)}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          )}
        </section>

        <section aria-labelledby="dashboard-silent" className="dash-section" data-testid="dashboard-silent">
          <h2 id="dashboard-silent">{t('dashboard.panels.silent')}</h2>
          {dashboard.silentDevices.length === 0 ? (
            <p className="empty-state">{t('dashboard.noSilent')}</p>
          ) : (
            <table className="table">
              <caption className="visually-hidden">{t('dashboard.panels.silent')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('dashboard.till')}</th>
                  <th scope="col">{t('dashboard.store')}</th>
                  <th scope="col">{t('dashboard.lastSeen')}</th>
                </tr>
              </thead>
              <tbody>
                {dashboard.silentDevices.map((device) => (
                  <tr key={device.deviceId}>
                    <th scope="row">{device.name}</th>
                    <td>{storeName(dashboard, device.storeId)}</td>
                    <td>{device.lastSeenAt ? formatDateTime(device.lastSeenAt, language) : t('dashboard.never')}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>

        <section aria-labelledby="dashboard-alerts" className="dash-section" data-testid="dashboard-alerts">
          <h2 id="dashboard-alerts">{t('dashboard.panels.alerts')}</h2>
          {dashboard.alerts.byRule.length === 0 ? (
            <p className="empty-state">{t('dashboard.noAlerts')}</p>
          ) : (
            <table className="table">
              <caption className="visually-hidden">{t('dashboard.panels.alerts')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('dashboard.rule')}</th>
                  <th scope="col" className="num">
                    {t('dashboard.alertsOpen')}
                  </th>
                </tr>
              </thead>
              <tbody>
                {dashboard.alerts.byRule.map((row) => (
                  <tr key={row.rule}>
                    <th scope="row">{t(`dashboard.rules.${row.rule as 'exports'}`, row.rule)}</th>
                    <td className="num">{n(row.open)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      </>
    );
  };

  return (
    <>
      <PageHeading>{t('pages.dashboard')}</PageHeading>
      <div className="toolbar">
        <SelectField
          className="field field-inline"
          label={t('dashboard.store')}
          value={storeId}
          onChange={setStoreId}
          options={[
            { value: '', label: t('common.allStores') },
            ...(data?.stores ?? []).map((store) => ({ value: store.storeId, label: store.name })),
          ]}
        />
        <SelectField
          className="field field-inline"
          label={t('dashboard.period')}
          value={String(days)}
          onChange={(value) => {
            const period = Number(value);
            if (isPeriod(period)) setDays(period);
          }}
          options={PERIODS.map((period) => ({ value: String(period), label: t('dashboard.lastDays', { n: period }) }))}
        />
        <button type="button" className="button" onClick={loaded.reload} disabled={loaded.loading}>
          {t('dashboard.refresh')}
        </button>
      </div>
      <LoadState
        loading={loaded.loading}
        error={loaded.error}
        empty={data === null}
        emptyText={t('common.loading')}
        onRetry={loaded.reload}
      />
      {data ? (
        <div data-testid="dashboard">
          <p className="muted" role="status">
            {t('dashboard.scope', {
              scope: storeName(data, data.storeId) ?? t('common.allStores'),
              at: formatDateTime(data.generatedAt, language),
            })}
          </p>
          {figures(data)}
          <ChartFigure
            name="enrolments"
            title={t('dashboard.panels.enrolments')}
            summary={daySummary(data, 'enrolments')}
            chart={dayChart(data, ['enrolments'], t('dashboard.axis.members'))}
            table={dayTable(data, t('dashboard.panels.enrolments'), ['enrolments'])}
          />
          <ChartFigure
            name="points"
            title={t('dashboard.panels.points')}
            summary={t('dashboard.pointsSummary', {
              issued: n(total(data.series, 'pointsIssued')),
              redeemed: n(total(data.series, 'pointsRedeemed')),
              days: data.days,
            })}
            chart={dayChart(data, ['pointsIssued', 'pointsRedeemed'], t('dashboard.axis.points'))}
            table={dayTable(data, t('dashboard.panels.points'), ['pointsIssued', 'pointsRedeemed'])}
          />
          <ChartFigure
            name="withdrawals"
            title={t('dashboard.panels.withdrawals')}
            summary={daySummary(data, 'consentWithdrawals')}
            chart={dayChart(data, ['consentWithdrawals'], t('dashboard.axis.members'))}
            table={dayTable(data, t('dashboard.panels.withdrawals'), ['consentWithdrawals'])}
          />
          {perStore(data)}
          <ChartFigure
            name="rewards"
            empty={data.topRewards.length === 0}
            title={t('dashboard.panels.rewards')}
            summary={
              data.topRewards[0]
                ? t('dashboard.rewardsSummary', {
                    reward: rewardName(data.topRewards[0], language),
                    n: n(data.topRewards[0].redemptions),
                  })
                : t('dashboard.summaryNone', { days: data.days })
            }
            chart={
              <RowChart
                data={data.topRewards.map((reward) => ({
                  name: rewardName(reward, language),
                  redemptions: reward.redemptions,
                }))}
                valueLabel={t('dashboard.figures.redemptions')}
                series={[{ key: 'redemptions', label: t('dashboard.figures.redemptions') }]}
                formatValue={n}
              />
            }
            table={
              <table className="table">
                <caption className="visually-hidden">{t('dashboard.panels.rewards')}</caption>
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
                  {data.topRewards.map((reward) => (
                    <tr key={reward.rewardId}>
                      <th scope="row">{rewardName(reward, language)}</th>
                      <td className="num">{n(reward.redemptions)}</td>
                      <td className="num">{n(reward.points)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            }
          />
          <ChartFigure
            name="staff"
            empty={data.staff.length === 0}
            title={t('dashboard.panels.staff')}
            summary={
              data.staff.length > 0
                ? t('dashboard.staffSummary', { n: n(data.staff.length), days: data.days })
                : t('dashboard.summaryNone', { days: data.days })
            }
            chart={
              <RowChart
                data={data.staff.map((staff) => ({
                  name: `${staffLabel(staff)} · ${storeName(data, staff.storeId) ?? ''}`,
                  opened: staff.opened,
                  searches: staff.searches,
                  enrolments: staff.enrolments,
                  earns: staff.earns,
                  redemptions: staff.redemptions,
                  corrections: staff.corrections,
                }))}
                valueLabel={t('dashboard.axis.actions')}
                series={STAFF_COLUMNS.map((column) => ({ key: column, label: t(`dashboard.staffColumns.${column}`) }))}
                formatValue={n}
              />
            }
            table={
              <table className="table">
                <caption className="visually-hidden">{t('dashboard.panels.staff')}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t('dashboard.staffMember')}</th>
                    <th scope="col">{t('dashboard.store')}</th>
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
                  {data.staff.map((staff) => (
                    <tr key={`${staff.storeId}/${staff.staffId}`}>
                      <th scope="row" className={staff.displayName === null ? 'mono' : undefined}>
                        {staffLabel(staff)}
                      </th>
                      <td>{storeName(data, staff.storeId)}</td>
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
          {lists(data)}
        </div>
      ) : null}
    </>
  );
}
