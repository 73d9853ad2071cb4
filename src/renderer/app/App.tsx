import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, asApiError, hasBridge, type ApiError, type AppInfo, type SessionInfo } from '../api/client';
import { applyLanguage } from '../i18n';
import { errorMessage } from './messages';
import { Shell } from './Shell';

type Boot =
  | { state: 'loading' }
  | { state: 'no-bridge' }
  | { state: 'failed'; error: ApiError }
  | { state: 'ready'; info: AppInfo; session: SessionInfo | null };

/** Starts the app: checks the bridge, reads app info (language) and the staff session. */
export function App() {
  const { t } = useTranslation();
  const [boot, setBoot] = useState<Boot>(() => (hasBridge() ? { state: 'loading' } : { state: 'no-bridge' }));

  const start = useCallback(async () => {
    if (!hasBridge()) {
      setBoot({ state: 'no-bridge' });
      return;
    }
    setBoot({ state: 'loading' });
    try {
      const [info, session] = await Promise.all([api.getInfo(), api.currentSession()]);
      await applyLanguage(info.language);
      setBoot({ state: 'ready', info, session });
    } catch (error) {
      setBoot({ state: 'failed', error: asApiError(error) });
    }
  }, []);

  useEffect(() => {
    // Starting up talks to the main process, an external system: this is what effects are for.
    // eslint-disable-next-line react-hooks/set-state-in-effect
    void start();
  }, [start]);

  switch (boot.state) {
    case 'loading':
      return (
        <main className="screen-center" aria-busy="true">
          <p className="loading" role="status">
            {t('app.loading')}
          </p>
        </main>
      );
    case 'no-bridge':
      return (
        <main className="screen-center">
          <div className="notice-card" role="alert" data-testid="no-bridge">
            <h1>{t('bridgeMissing.title')}</h1>
            <p>{t('bridgeMissing.body')}</p>
          </div>
        </main>
      );
    case 'failed':
      return (
        <main className="screen-center">
          <div className="notice-card" role="alert" data-testid="startup-error">
            <h1>{t('startup.title')}</h1>
            <p>{errorMessage(t, boot.error.code)}</p>
            <button type="button" className="button button-primary" onClick={() => void start()}>
              {t('startup.retry')}
            </button>
          </div>
        </main>
      );
    case 'ready':
      return <Shell info={boot.info} session={boot.session} />;
  }
}
