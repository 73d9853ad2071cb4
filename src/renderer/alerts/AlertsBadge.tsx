import { useTranslation } from 'react-i18next';
import { formatNumber } from '../app/format-number';

/**
 * The header's reminder of open alerts, for store managers: the count, and a button to the Alerts
 * tab. Nothing is shown while none is open.
 */
export function AlertsBadge({
  count,
  locale,
  current,
  onOpen,
}: {
  count: number | null;
  locale: string;
  current: boolean;
  onOpen: () => void;
}) {
  const { t } = useTranslation();
  if (!count) return null;
  return (
    <button
      type="button"
      className="header-button alerts-badge"
      data-testid="alerts-badge"
      aria-label={t('alerts.badgeLabel', { count: formatNumber(count, locale) })}
      aria-current={current ? 'page' : undefined}
      onClick={onOpen}
    >
      <span>{t('alerts.badge')}</span>
      <span className="badge badge-danger alerts-badge-count" aria-hidden="true" data-testid="alerts-badge-count">
        {formatNumber(count, locale)}
      </span>
    </button>
  );
}
