import { useTranslation } from 'react-i18next';
import type { SyncStatus } from '../api/client';
import { formatDateTime } from '../app/format-date';
import { useLocale } from '../app/locale';

type RolledBack = NonNullable<SyncStatus['rolledBack']>;

/**
 * HQ refused this till as restored from an old copy of its files (issue 15): what happened and what
 * to do, on the sync screen. The figures are HQ's (seqs only); a missing one is shown as a dash.
 */
export function RolledBackCard({ rolledBack }: { rolledBack: RolledBack }) {
  const { t } = useTranslation();
  const locale = useLocale();
  return (
    <div className="banner banner-error" role="alert" data-testid="sync-rolled-back">
      <p className="banner-title">{t('rolledBack.title')}</p>
      <p>
        {t('rolledBack.what', {
          lastSeq: rolledBack.hqLastSeq ?? '—',
          auditSeq: rolledBack.hqAuditSeq ?? '—',
        })}
      </p>
      <p>{t('rolledBack.todo')}</p>
      {rolledBack.detectedAt ? (
        <p>{t('rolledBack.detectedAt', { at: formatDateTime(rolledBack.detectedAt, locale) })}</p>
      ) : null}
    </div>
  );
}

/** The same, as one line above every screen of the counter, for whoever is signed in. */
export function RolledBackBanner({ onOpen }: { onOpen: (() => void) | null }) {
  const { t } = useTranslation();
  return (
    <div className="banner banner-error" role="alert" data-testid="rolled-back-banner">
      <p className="banner-title">{t('rolledBack.banner')}</p>
      {onOpen ? (
        <div className="banner-actions">
          <button type="button" className="button button-secondary" onClick={onOpen}>
            {t('rolledBack.open')}
          </button>
        </div>
      ) : null}
    </div>
  );
}
