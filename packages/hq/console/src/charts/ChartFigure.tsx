import { useId, type ReactNode } from 'react';
import './charts.css';

/**
 * A titled chart with its table beside it (under it when both do not fit). The chart is one image
 * to assistive technology, named by the title and described by the summary sentence; the table,
 * always shown, carries the figures one by one.
 */
export function ChartFigure({
  name,
  title,
  summary,
  chart,
  table,
}: {
  name: string;
  title: string;
  summary: string;
  chart: ReactNode;
  table: ReactNode;
}) {
  const ids = useId();
  return (
    <section className="dash-section" aria-labelledby={`${ids}-title`} data-testid={`dashboard-${name}`}>
      <h2 id={`${ids}-title`}>{title}</h2>
      <p id={`${ids}-summary`} className="dash-summary">
        {summary}
      </p>
      <div className="dash-chart-and-table">
        <div
          className="dash-chart"
          role="img"
          aria-labelledby={`${ids}-title`}
          aria-describedby={`${ids}-summary`}
          data-testid={`dashboard-${name}-chart`}
        >
          {chart}
        </div>
        <div className="dash-table">{table}</div>
      </div>
    </section>
  );
}
