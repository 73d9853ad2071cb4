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
  empty = false,
}: {
  name: string;
  title: string;
  summary: string;
  chart: ReactNode;
  table: ReactNode;
  /** Nothing to draw (no reward redeemed, nobody active): the summary says so, and no empty axes are shown. */
  empty?: boolean;
}) {
  const ids = useId();
  return (
    // Not a named region itself: the table's scrolling box is the region named by the title.
    <section className="dash-section" data-testid={`dashboard-${name}`}>
      <h2 id={`${ids}-title`}>{title}</h2>
      <p id={`${ids}-summary`} className="dash-summary">
        {summary}
      </p>
      {empty ? null : (
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
          {/* A wide table scrolls sideways at 1024 px: its box takes the focus so the keyboard scrolls it too. */}
          <div className="dash-table" role="region" aria-labelledby={`${ids}-title`} tabIndex={0}>
            {table}
          </div>
        </div>
      )}
    </section>
  );
}
