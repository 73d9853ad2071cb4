import { useTranslation } from 'react-i18next';
import type { SyncStatus } from '../api/client';
import { formatCount, linkState } from './sync-rules';

/**
 * The header's quiet word on sync, for all staff: "HQ online · 3 waiting", "Offline · 12 waiting".
 * It opens the sync screen. Nothing is shown until the first status has been read.
 */
export function SyncIndicator({
  status,
  locale,
  current,
  onOpen,
}: {
  status: SyncStatus | null;
  locale: string;
  /** The sync screen is the one shown. */
  current: boolean;
  onOpen: () => void;
}) {
  const { t } = useTranslation();
  if (!status) return null;
  const state = linkState(status);
  const waiting = state !== 'unpaired' && status.pending.total > 0;
  return (
    <button
      type="button"
      className={`sync-indicator sync-indicator-${state}`}
      aria-current={current ? 'page' : undefined}
      onClick={onOpen}
    >
      <span className="sync-dot" aria-hidden="true" />
      <span className="sr-only">{t('syncIndicator.label')} </span>
      {/* Refused as restored from an old copy, HQ was reached: "offline" would send staff to the network. */}
      <span>
        {state === 'offline' && status.rolledBack ? t('rolledBack.indicator') : t(`syncIndicator.states.${state}`)}
      </span>
      {waiting ? (
        <span className="sync-indicator-waiting">
          {' · '}
          {t('syncIndicator.waiting', { n: formatCount(status.pending.total, locale) })}
        </span>
      ) : null}
    </button>
  );
}
