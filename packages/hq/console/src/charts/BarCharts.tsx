import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';

/**
 * The console's charts (Recharts, SVG). Recharts sets its styles through React's style props (the
 * CSSOM), which the console's CSP (style-src 'self') allows; it writes no <style> element or style
 * attribute into markup (tests/e2e/hq-console-dashboard.spec.ts listens for violations). Colours
 * are SVG presentation attributes. A chart never stands alone: ChartFigure puts its table beside it.
 */

/** Distinct at a glance, each at least 4.5:1 against white. */
const COLOURS = ['#1f5fa8', '#b3501a', '#2b7148', '#7b3fa0', '#a3245b', '#5a6400'] as const;
const INK = '#3d4451';
const GRID = '#d7dbe2';

function colour(index: number): string {
  return COLOURS[index % COLOURS.length] ?? COLOURS[0];
}

export interface Series<K extends string> {
  key: K;
  label: string;
}

interface Common<K extends string> {
  series: ReadonlyArray<Series<K>>;
  formatValue: (value: number) => string;
}

/** Figures per category on the x axis (a day, a store), bars side by side for several series. */
export function ColumnChart<K extends string>({
  data,
  categoryKey,
  formatCategory,
  xLabel,
  yLabel,
  series,
  formatValue,
}: Common<K> & {
  data: ReadonlyArray<Record<string, string | number>>;
  categoryKey: string;
  formatCategory: (value: string) => string;
  xLabel: string;
  yLabel: string;
}) {
  return (
    <ResponsiveContainer width="100%" height={240}>
      <BarChart data={[...data]} accessibilityLayer={false} margin={{ top: 8, right: 8, bottom: 24, left: 8 }}>
        <CartesianGrid vertical={false} stroke={GRID} />
        <XAxis
          dataKey={categoryKey}
          tick={{ fontSize: 12, fill: INK }}
          tickFormatter={(value: string) => formatCategory(String(value))}
          label={{ value: xLabel, position: 'insideBottom', offset: -16, fontSize: 12, fill: INK }}
          minTickGap={8}
        />
        <YAxis
          allowDecimals={false}
          width={70}
          tick={{ fontSize: 12, fill: INK }}
          tickFormatter={(value: number) => formatValue(value)}
          label={{ value: yLabel, angle: -90, position: 'insideLeft', fontSize: 12, fill: INK }}
        />
        <Tooltip
          isAnimationActive={false}
          labelFormatter={(value) => formatCategory(String(value))}
          formatter={(value) => formatValue(Number(value))}
        />
        {series.length > 1 ? <Legend verticalAlign="top" /> : null}
        {series.map((entry, index) => (
          <Bar key={entry.key} dataKey={entry.key} name={entry.label} fill={colour(index)} isAnimationActive={false} />
        ))}
      </BarChart>
    </ResponsiveContainer>
  );
}

/** One horizontal bar per named thing (a reward, a staff member), stacked for several series. */
export function RowChart<K extends string>({
  data,
  valueLabel,
  series,
  formatValue,
}: Common<K> & { data: ReadonlyArray<{ name: string } & Record<K, number>>; valueLabel: string }) {
  const height = Math.max(120, 48 + data.length * 34 + (series.length > 1 ? 24 : 0));
  return (
    <ResponsiveContainer width="100%" height={height}>
      <BarChart
        data={[...data]}
        layout="vertical"
        accessibilityLayer={false}
        margin={{ top: 8, right: 16, bottom: 24, left: 8 }}
      >
        <CartesianGrid horizontal={false} stroke={GRID} />
        <XAxis
          type="number"
          allowDecimals={false}
          tick={{ fontSize: 12, fill: INK }}
          tickFormatter={(value: number) => formatValue(value)}
          label={{ value: valueLabel, position: 'insideBottom', offset: -16, fontSize: 12, fill: INK }}
        />
        <YAxis type="category" dataKey="name" width={120} tick={{ fontSize: 12, fill: INK }} />
        <Tooltip isAnimationActive={false} formatter={(value) => formatValue(Number(value))} />
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
