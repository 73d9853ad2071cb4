import { useId, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { formatShortDay } from '../app/format-date';
import { formatNumber } from '../app/format-number';

/**
 * Charts for the till's dashboard (Recharts, SVG). Recharts sets its few styles through React's
 * style props, i.e. the CSSOM, which the till's CSP (style-src 'self') allows; it adds no <style>
 * element or style attribute in markup (checked by tests/e2e/till-dashboard.spec.ts). Colours are
 * SVG presentation attributes for the same reason. Each chart is an image to assistive technology:
 * the panel names and describes it, and its "Show as table" gives the figures as a real table.
 */

/** Distinct at a glance and at least 4.5:1 against white. */
export const CHART_COLOURS = ['#1f5fa8', '#b3501a', '#2b7148', '#7b3fa0', '#a3245b', '#5a6400'] as const;

/** The colour of the series at `index`, from the start again after the last. */
export function colour(index: number): string {
  return CHART_COLOURS[index % CHART_COLOURS.length] ?? CHART_COLOURS[0];
}

export interface ChartSeries<K extends string> {
  key: K;
  label: string;
}

const HEIGHT = 220;
const AXIS_TICK = { fontSize: 12, fill: '#3d4451' };

/** Figures per day: bars for each series side by side, the day on the x axis. */
export function DayBarChart<K extends string>({
  data,
  series,
  locale,
  xLabel,
  yLabel,
}: {
  data: ReadonlyArray<{ day: string } & Record<K, number>>;
  series: ReadonlyArray<ChartSeries<K>>;
  locale: string;
  xLabel: string;
  yLabel: string;
}) {
  return (
    <ResponsiveContainer width="100%" height={HEIGHT}>
      <BarChart data={[...data]} accessibilityLayer={false} margin={{ top: 8, right: 8, bottom: 24, left: 8 }}>
        <CartesianGrid vertical={false} stroke="#d7dbe2" />
        <XAxis
          dataKey="day"
          tick={AXIS_TICK}
          tickFormatter={(day: string) => formatShortDay(day, locale)}
          label={{ value: xLabel, position: 'insideBottom', offset: -16, fontSize: 12, fill: '#3d4451' }}
          minTickGap={8}
        />
        <YAxis
          allowDecimals={false}
          tick={AXIS_TICK}
          tickFormatter={(value: number) => formatNumber(value, locale)}
          label={{ value: yLabel, angle: -90, position: 'insideLeft', fontSize: 12, fill: '#3d4451' }}
          width={64}
        />
        <Tooltip
          isAnimationActive={false}
          labelFormatter={(day) => formatShortDay(String(day), locale)}
          formatter={(value) => formatNumber(Number(value), locale)}
        />
        {series.length > 1 ? <Legend verticalAlign="top" /> : null}
        {series.map((entry, index) => (
          <Bar key={entry.key} dataKey={entry.key} name={entry.label} fill={colour(index)} isAnimationActive={false} />
        ))}
      </BarChart>
    </ResponsiveContainer>
  );
}

/** One bar per named thing (a reward, a staff member), stacked when there are several series. */
export function CategoryBarChart<K extends string>({
  data,
  series,
  locale,
  valueLabel,
}: {
  data: ReadonlyArray<{ name: string } & Record<K, number>>;
  series: ReadonlyArray<ChartSeries<K>>;
  locale: string;
  valueLabel: string;
}) {
  const height = Math.max(120, 40 + data.length * 36 + (series.length > 1 ? 24 : 0));
  return (
    <ResponsiveContainer width="100%" height={height}>
      <BarChart
        data={[...data]}
        layout="vertical"
        accessibilityLayer={false}
        margin={{ top: 8, right: 16, bottom: 24, left: 8 }}
      >
        <CartesianGrid horizontal={false} stroke="#d7dbe2" />
        <XAxis
          type="number"
          allowDecimals={false}
          tick={AXIS_TICK}
          tickFormatter={(value: number) => formatNumber(value, locale)}
          label={{ value: valueLabel, position: 'insideBottom', offset: -16, fontSize: 12, fill: '#3d4451' }}
        />
        <YAxis type="category" dataKey="name" tick={AXIS_TICK} width={130} />
        <Tooltip isAnimationActive={false} formatter={(value) => formatNumber(Number(value), locale)} />
        {series.length > 1 ? <Legend verticalAlign="top" /> : null}
        {series.map((entry, index) => (
          <Bar
            key={entry.key}
            dataKey={entry.key}
            name={entry.label}
            {...(series.length > 1 ? { stackId: 'all' } : {})}
            fill={colour(index)}
            isAnimationActive={false}
          />
        ))}
      </BarChart>
    </ResponsiveContainer>
  );
}

/**
 * One dashboard panel: a title, a one-sentence summary, and the chart or, at the press of a
 * button, the same figures as a table. The chart is role="img", named by the title and described
 * by the summary; the table is the form to read figure by figure.
 */
export function ChartPanel({
  name,
  title,
  summary,
  chart,
  table,
  wide = false,
  empty = false,
}: {
  name: string;
  title: string;
  summary: string;
  chart: ReactNode;
  table: ReactNode;
  wide?: boolean;
  /** Nothing to draw (no reward redeemed, nobody active): the summary says so, without empty axes. */
  empty?: boolean;
}) {
  const { t } = useTranslation();
  const ids = useId();
  const [asTable, setAsTable] = useState(false);
  return (
    // Not a named region: the panel's h2 gives the structure, and the table's scrolling box is the
    // region named by the title (two landmarks of one name would confuse a screen reader's list).
    <section className={wide ? 'card dash-panel dash-panel-wide' : 'card dash-panel'} data-testid={`dashboard-${name}`}>
      <div className="dash-panel-head">
        <h2 id={`${ids}-title`} className="card-title">
          {title}
        </h2>
        {empty ? null : (
          <button
            type="button"
            className="button button-quiet button-small"
            aria-pressed={asTable}
            data-testid={`dashboard-${name}-as-table`}
            onClick={() => setAsTable((shown) => !shown)}
          >
            {t('dashboard.showTable')}
          </button>
        )}
      </div>
      <p id={`${ids}-summary`} className="dash-summary">
        {summary}
      </p>
      {empty ? null : asTable ? (
        // A wide table scrolls sideways at 1024 px: the scrolling box takes the focus, so the
        // keyboard can scroll it too.
        <div className="table-wrap" role="region" aria-labelledby={`${ids}-title`} tabIndex={0}>
          {table}
        </div>
      ) : (
        <div
          role="img"
          aria-labelledby={`${ids}-title`}
          aria-describedby={`${ids}-summary`}
          className="dash-chart"
          data-testid={`dashboard-${name}-chart`}
        >
          {chart}
        </div>
      )}
    </section>
  );
}
