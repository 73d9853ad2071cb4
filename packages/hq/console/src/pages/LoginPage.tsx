import { startAuthentication, type PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/browser';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { SessionInfo } from '../../../src/console/contract';
import { callConsole, toConsoleApiError } from '../api/console-client';
import type { ConsoleLanguage } from '../app/format';
import { LanguageSwitch } from '../app/LanguageSwitch';
import { TextField } from '../common/Field';
import { isBrowserWebAuthnError, passkeysPossibleAt } from '../logic/passkeys';

interface LoginPageProps {
  notice: string | null;
  language: ConsoleLanguage;
  onLanguage: (language: ConsoleLanguage) => void;
  onSignedIn: (info: SessionInfo) => void;
}

/**
 * Sign-in with e-mail, password and a TOTP or recovery code, or e-mail, password and a passkey (the
 * passkey stands in for the code, not the password). Every refusal reads the same (never which one
 * was wrong); throttling says how long to wait. A console opened by an IP address offers no passkey.
 */
export function LoginPage({ notice, language, onLanguage, onSignedIn }: LoginPageProps) {
  const { t } = useTranslation();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [secondFactor, setSecondFactor] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const passkeys = passkeysPossibleAt(window.location.hostname);

  async function submit(event: FormEvent) {
    event.preventDefault();
    await signIn(() => callConsole('login', { email, password, secondFactor: secondFactor.replace(/\s+/g, '') }));
  }

  async function signInWithPasskey() {
    await signIn(async () => {
      const { options } = await callConsole('passkeyLoginOptions', { email });
      // HQ's options from @simplewebauthn/server, in the JSON form the browser library takes.
      const assertion = await startAuthentication({
        optionsJSON: options as unknown as PublicKeyCredentialRequestOptionsJSON,
      });
      return callConsole('loginWithPasskey', {
        email,
        password,
        assertion: { ...assertion, clientExtensionResults: { ...assertion.clientExtensionResults } },
      });
    });
  }

  async function signIn(attempt: () => Promise<SessionInfo>) {
    setBusy(true);
    setError(null);
    try {
      const info = await attempt();
      setPassword('');
      onSignedIn(info);
    } catch (thrown) {
      if (isBrowserWebAuthnError(thrown)) {
        setError(t('login.passkeyCancelled'));
        return;
      }
      const refusal = toConsoleApiError(thrown);
      if (refusal.code === 'too_many_requests') {
        setError(
          refusal.retryAfterSeconds !== undefined
            ? t('login.throttledWait', { seconds: refusal.retryAfterSeconds })
            : t('login.throttled'),
        );
      } else if (refusal.code === 'network_error') {
        setError(t('errors.network_error'));
      } else if (refusal.code === 'passkey_unavailable') {
        setError(t('errors.passkey_unavailable'));
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
          {passkeys ? (
            <div className="passkey-choice">
              <p className="muted">{t('login.passkeyHint')}</p>
              <button type="button" className="button" disabled={busy} onClick={() => void signInWithPasskey()}>
                {t('login.passkey')}
              </button>
            </div>
          ) : (
            <p className="muted">{t('login.passkeyNeedsHostName')}</p>
          )}
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
