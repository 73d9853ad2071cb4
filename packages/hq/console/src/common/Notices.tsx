import { useTranslation } from 'react-i18next';
import type { ConsoleApiError } from '../api/console-client';
import { errorText } from './error-text';

/** A refusal, announced (role="alert") when it appears. */
export function ErrorNotice({ error }: { error: ConsoleApiError | null | undefined }) {
  const { t } = useTranslation();
  if (!error) return null;
  return (
    <div role="alert" className={error.code === 'approval_required' ? 'notice notice-info' : 'notice notice-error'}>
      {errorText(t, error)}
    </div>
  );
}

/** A success or status message, announced politely; the region stays so later messages are read. */
export function StatusNotice({ message }: { message: string | null }) {
  return (
    <div role="status" aria-live="polite" className={message ? 'notice notice-success' : 'notice-empty'}>
      {message}
    </div>
  );
}

interface LoadStateProps {
  loading: boolean;
  error: ConsoleApiError | null;
  empty: boolean;
  emptyText: string;
  onRetry: () => void;
}

/** Loading, refused (with "try again") or empty: what to show instead of a table, or null to show it. */
export function LoadState({ loading, error, empty, emptyText, onRetry }: LoadStateProps) {
  const { t } = useTranslation();
  if (error) {
    return (
      <div className="load-state">
        <ErrorNotice error={error} />
        {error.code !== 'forbidden' ? (
          <button type="button" className="button" onClick={onRetry}>
            {t('common.tryAgain')}
          </button>
        ) : null}
      </div>
    );
  }
  if (loading && empty) return <p className="load-state muted">{t('common.loading')}</p>;
  if (empty) return <p className="load-state empty-state">{emptyText}</p>;
  return null;
}
