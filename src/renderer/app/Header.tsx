import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { api, type AppInfo, type Language, type SessionInfo } from '../api/client';
import { applyLanguage } from '../i18n';
import { useIntent } from '../api/intent';
import { regionName } from './store-region';

const LANGUAGE_BUTTONS: readonly { language: Language; label: string }[] = [
  { language: 'en', label: 'EN' },
  { language: 'ru', label: 'RU' },
];

/**
 * Brand and version, the store and its region (phone numbers are read, dates and money written,
 * as in that region), the sync indicator (signed in), who is signed in, the Lock button (Ctrl+L)
 * and the language switch.
 */
export function Header({
  info,
  session,
  onLock,
  sync,
  alerts,
}: {
  info: AppInfo;
  session: SessionInfo | null;
  onLock?: (() => void) | undefined;
  sync?: ReactNode;
  /** The open-alerts badge (store managers). */
  alerts?: ReactNode;
}) {
  const { t, i18n } = useTranslation();
  const [notSaved, setNotSaved] = useState(false);
  const [switching, setSwitching] = useState(false);
  const intent = useIntent();
  const current = i18n.language;

  const choose = async (language: Language) => {
    if (language === current || switching) return;
    setSwitching(true);
    try {
      // Saved by the main process first, so the choice survives a restart.
      const saved = await api.setLanguage(language, intent.id());
      intent.succeeded();
      setNotSaved(false);
      await applyLanguage(saved.language);
    } catch {
      setNotSaved(true);
      await applyLanguage(language);
    } finally {
      setSwitching(false);
    }
  };

  return (
    <header className="header">
      <div className="brand">
        <span className="brand-mark" aria-hidden="true">
          LD
        </span>
        <span className="brand-text">
          <span className="brand-line">
            <span className="brand-name">{t('app.name')}</span>
            <span className="brand-version">{t('app.version', { version: info.version })}</span>
          </span>
          <span className="brand-store" data-testid="store-region">
            {info.storeName
              ? t('app.store', { store: info.storeName, region: regionName(info.storeRegion, current) })
              : t('app.region', { region: regionName(info.storeRegion, current) })}
          </span>
        </span>
      </div>
      <div className="header-end">
        {alerts}
        {sync}
        <p className="session" data-testid="session">
          {session ? (
            <>
              <span className="session-name">
                <span className="sr-only">{t('session.signedInAs')} </span>
                <span data-testid="session-name">{session.displayName}</span>
              </span>
              <span className="session-role">{t(`session.roles.${session.role}`)}</span>
            </>
          ) : (
            <span className="session-none">{t('session.none')}</span>
          )}
        </p>
        {session && onLock ? (
          <button
            type="button"
            className="header-button"
            aria-keyshortcuts="Control+L"
            data-testid="lock-button"
            onClick={onLock}
          >
            <span className="lock-icon" aria-hidden="true" />
            <span>{t('session.lock')}</span>
            <kbd className="header-key" aria-hidden="true">
              Ctrl+L
            </kbd>
          </button>
        ) : null}
        <div className="language-switch" role="group" aria-label={t('language.label')}>
          {LANGUAGE_BUTTONS.map(({ language, label }) => (
            <button
              key={language}
              type="button"
              lang={language}
              className="language-button"
              aria-pressed={current === language}
              data-testid={`language-${language}`}
              onClick={() => void choose(language)}
            >
              {label}
            </button>
          ))}
        </div>
      </div>
      {notSaved ? (
        <p className="header-notice" role="alert">
          {t('language.notSaved')}
        </p>
      ) : null}
    </header>
  );
}
