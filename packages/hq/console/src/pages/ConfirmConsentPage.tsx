import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { callConsole, toConsoleApiError, type ConsoleApiError } from '../api/console-client';
import type { ConsoleLanguage } from '../app/format';
import { LanguageSwitch } from '../app/LanguageSwitch';
import { ErrorNotice } from '../common/Notices';

interface ConfirmConsentPageProps {
  /** The link's token, already taken out of the address bar; null when the link had none or a broken one. */
  token: string | null;
  language: ConsoleLanguage;
  onLanguage: (language: ConsoleLanguage) => void;
}

type State = { kind: 'ready' } | { kind: 'busy' } | { kind: 'confirmed' } | { kind: 'failed'; error: ConsoleApiError };

/**
 * A member's double opt-in link (#/confirm/<token>): no sign-in. Nothing is confirmed on opening:
 * mail filters open links to scan them, so only the member's press of the button confirms.
 */
export function ConfirmConsentPage({ token, language, onLanguage }: ConfirmConsentPageProps) {
  const { t } = useTranslation();
  const [state, setState] = useState<State>({ kind: 'ready' });
  const outcomeRef = useRef<HTMLDivElement>(null);

  // The outcome replaces the button the member just pressed: focus follows it, so it is read out.
  useEffect(() => {
    if (state.kind === 'confirmed' || state.kind === 'failed') outcomeRef.current?.focus();
  }, [state.kind]);

  async function confirm(linkToken: string) {
    setState({ kind: 'busy' });
    try {
      await callConsole('confirmConsent', { token: linkToken });
      setState({ kind: 'confirmed' });
    } catch (thrown) {
      setState({ kind: 'failed', error: toConsoleApiError(thrown) });
    }
  }

  let content;
  if (!token) {
    content = (
      <div ref={outcomeRef} tabIndex={-1}>
        <p className="notice notice-error">{t('confirmConsent.noToken')}</p>
      </div>
    );
  } else if (state.kind === 'confirmed') {
    content = (
      <div ref={outcomeRef} tabIndex={-1} role="status" className="notice notice-success">
        <p>{t('confirmConsent.confirmed')}</p>
        <p>{t('confirmConsent.withdraw')}</p>
      </div>
    );
  } else if (state.kind === 'failed') {
    content = (
      <div ref={outcomeRef} tabIndex={-1}>
        <ErrorNotice error={state.error} />
        {state.error.code === 'confirmation_invalid' ? <p>{t('confirmConsent.invalidHelp')}</p> : null}
      </div>
    );
  } else {
    content = (
      <>
        <p>{t('confirmConsent.explain')}</p>
        <p className="muted">{t('confirmConsent.ignore')}</p>
        <button
          type="button"
          className="button button-primary"
          disabled={state.kind === 'busy'}
          aria-busy={state.kind === 'busy'}
          onClick={() => void confirm(token)}
        >
          {t('confirmConsent.button')}
        </button>
      </>
    );
  }

  return (
    <div className="centre-page">
      <header className="auth-header">
        <span className="product">{t('confirmConsent.product')}</span>
        <LanguageSwitch language={language} onLanguage={onLanguage} />
      </header>
      <main className="auth-card">
        <h1>{t('confirmConsent.title')}</h1>
        {content}
      </main>
    </div>
  );
}
