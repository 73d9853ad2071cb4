import { useId } from 'react';
import { useTranslation } from 'react-i18next';
import type { SyncStatus } from '../api/client';
import { formatCount, progressPercent } from './sync-rules';

/**
 * A run in progress: its phase in words and a progress bar, with a value when the total is
 * known and moving without one (indeterminate) when it is not.
 */
export function SyncProgress({
  running,
  starting,
  locale,
}: {
  running: SyncStatus['running'];
  /** A run this screen asked for and the main process has not reported yet. */
  starting: boolean;
  locale: string;
}) {
  const { t } = useTranslation();
  const labelId = useId();
  if (!running && !starting) return null;
  const percent = running ? progressPercent(running.done, running.total) : null;
  const label = running ? t(`syncView.phases.${running.phase}`) : t('syncView.phases.starting');
  let detail: string | null = null;
  if (running && running.phase !== 'day_end' && running.done > 0) {
    const done = formatCount(running.done, locale);
    if (running.total !== null && running.total > 0) {
      const total = formatCount(running.total, locale);
      detail =
        running.phase === 'push' ? t('syncView.pushedOf', { done, total }) : t('syncView.pulledOf', { done, total });
    } else detail = running.phase === 'push' ? t('syncView.pushed', { done }) : t('syncView.pulled', { done });
  }
  return (
    <div className="sync-progress">
      <p className="sync-progress-text">
        <span id={labelId} className="sync-progress-label">
          {label}
        </span>
        {detail ? <span className="sync-progress-detail">{detail}</span> : null}
      </p>
      <div
        role="progressbar"
        aria-labelledby={labelId}
        aria-valuemin={percent === null ? undefined : 0}
        aria-valuemax={percent === null ? undefined : (running?.total ?? undefined)}
        aria-valuenow={percent === null ? undefined : running?.done}
        aria-valuetext={percent === null ? undefined : (detail ?? undefined)}
        className={percent === null ? 'progress progress-indeterminate' : 'progress'}
      >
        {percent === null ? (
          <span className="progress-runner" />
        ) : (
          <svg className="progress-svg" viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true">
            <rect className="progress-fill" x="0" y="0" width={percent} height="10" />
          </svg>
        )}
      </div>
    </div>
  );
}
