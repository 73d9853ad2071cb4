import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { SessionInfo } from '../../../src/console/contract';
import { callConsole, toConsoleApiError } from '../api/console-client';
import type { ConsoleLanguage } from '../app/format';
import { LanguageSwitch } from '../app/LanguageSwitch';
import { TextField } from '../common/Field';

interface LoginPageProps {
  notice: string | null;
  language: ConsoleLanguage;
  onLanguage: (language: ConsoleLanguage) => void;
  onSignedIn: (info: SessionInfo) => void;
}

/**
 * Sign-in with e-mail, password and a TOTP or recovery code. Every refusal reads the same (never
 * which of the three was wrong); throttling says how long to wait.
 */
export function LoginPage({ notice, language, onLanguage, onSignedIn }: LoginPageProps) {
  const { t } = useTranslation();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [secondFactor, setSecondFactor] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const info = await callConsole('login', { email, password, secondFactor: secondFactor.replace(/\s+/g, '') });
      setPassword('');
      onSignedIn(info);
    } catch (thrown) {
      const refusal = toConsoleApiError(thrown);
      if (refusal.code === 'too_many_requests') {
        setError(
          refusal.retryAfterSeconds !== undefined
            ? t('login.throttledWait', { seconds: refusal.retryAfterSeconds })
            : t('login.throttled'),
        );
      } else if (refusal.code === 'network_error') {
        setError(t('errors.network_error'));
      } else {
        setError(t('login.failed'));
      }
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="centre-page">
      <header className="auth-header">
        <span className="product">{t('shell.product')}</span>
        <LanguageSwitch language={language} onLanguage={onLanguage} />
      </header>
      <main className="auth-card">
        <h1>{t('login.title')}</h1>
        <div role="status" aria-live="polite">
          {notice ? <p className="notice notice-info">{notice}</p> : null}
        </div>
        <form onSubmit={(event) => void submit(event)} noValidate>
          <TextField
            label={t('login.email')}
            type="email"
            autoComplete="username"
            value={email}
            onChange={setEmail}
            required
            autoFocus
          />
          <TextField
            label={t('login.password')}
            type="password"
            autoComplete="current-password"
            value={password}
            onChange={setPassword}
            required
          />
          <TextField
            label={t('login.secondFactor')}
            hint={t('login.secondFactorHint')}
            autoComplete="one-time-code"
            value={secondFactor}
            onChange={setSecondFactor}
            maxLength={40}
            required
          />
          <div role="alert" className="alert-region">
            {error ? <p className="notice notice-error">{error}</p> : null}
          </div>
          <button type="submit" className="button button-primary" disabled={busy}>
            {busy ? t('login.signingIn') : t('login.submit')}
          </button>
        </form>
      </main>
    </div>
  );
}
