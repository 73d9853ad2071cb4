import { useEffect, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { ConsoleOutput } from '../../../src/console/contract';
import { callConsole, toConsoleApiError, type ConsoleApiError } from '../api/console-client';
import { formatDateTime, groupInFours, type ConsoleLanguage } from '../app/format';
import { LanguageSwitch } from '../app/LanguageSwitch';
import { TextField } from '../common/Field';
import { ErrorNotice } from '../common/Notices';
import { QrCode } from '../common/QrCode';
import { passwordReasonText } from '../common/error-text';
import { issuesByPath, issueKey } from '../logic/issues';

interface EnrolPageProps {
  token: string | null;
  language: ConsoleLanguage;
  onLanguage: (language: ConsoleLanguage) => void;
  onDone: () => void;
}

type Opened = ConsoleOutput<'openEnrolment'>;

/** A new operator's enrolment link: the authenticator secret, a password, then recovery codes once. */
export function EnrolPage({ token, language, onLanguage, onDone }: EnrolPageProps) {
  const { t } = useTranslation();
  const [opened, setOpened] = useState<Opened | null>(null);
  const [openError, setOpenError] = useState<ConsoleApiError | null>(null);
  const [recoveryCodes, setRecoveryCodes] = useState<string[] | null>(null);
  const openedFor = useRef<string | null>(null);

  useEffect(() => {
    if (!token || openedFor.current === token) return;
    openedFor.current = token;
    callConsole('openEnrolment', { token }).then(setOpened, (error: unknown) => setOpenError(toConsoleApiError(error)));
  }, [token]);

  let content;
  if (recoveryCodes) content = <RecoveryCodes codes={recoveryCodes} onDone={onDone} />;
  else if (!token) content = <p className="notice notice-error">{t('enrol.noToken')}</p>;
  else if (openError) content = <ErrorNotice error={openError} />;
  else if (!opened) content = <p className="muted">{t('common.loading')}</p>;
  else content = <EnrolForm token={token} opened={opened} language={language} onEnrolled={setRecoveryCodes} />;

  return (
    <div className="centre-page">
      <header className="auth-header">
        <span className="product">{t('shell.product')}</span>
        <LanguageSwitch language={language} onLanguage={onLanguage} />
      </header>
      <main className="auth-card auth-card-wide">
        <h1>{t('enrol.title')}</h1>
        {content}
      </main>
    </div>
  );
}

function EnrolForm({
  token,
  opened,
  language,
  onEnrolled,
}: {
  token: string;
  opened: Opened;
  language: ConsoleLanguage;
  onEnrolled: (codes: string[]) => void;
}) {
  const { t } = useTranslation();
  const [password, setPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const [code, setCode] = useState('');
  const [error, setError] = useState<ConsoleApiError | null>(null);
  const [repeatError, setRepeatError] = useState(false);
  const [busy, setBusy] = useState(false);
  const fields = issuesByPath(error?.issues ?? []);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    if (password !== repeat) {
      setRepeatError(true);
      return;
    }
    setRepeatError(false);
    setBusy(true);
    try {
      const answer = await callConsole('completeEnrolment', { token, password, totpCode: code.replace(/\s+/g, '') });
      setPassword('');
      setRepeat('');
      onEnrolled(answer.recoveryCodes);
    } catch (thrown) {
      setError(toConsoleApiError(thrown));
    } finally {
      setBusy(false);
    }
  }

  const passwordError =
    error?.code === 'password_refused'
      ? error.reasons.map((reason) => passwordReasonText(t, reason)).join(' ') || t('errors.password_refused')
      : fields['password']
        ? t(issueKey(fields['password']))
        : null;
  const codeError =
    error?.code === 'totp_invalid' ? t('errors.totp_invalid') : fields['totpCode'] ? t('enrol.codeFormat') : null;

  return (
    <>
      <p>{t('enrol.who', { name: opened.displayName, email: opened.email })}</p>
      <p className="muted">{t('enrol.expires', { at: formatDateTime(opened.expiresAt, language) })}</p>
      <section aria-labelledby="enrol-authenticator" className="enrol-authenticator">
        <h2 id="enrol-authenticator">{t('enrol.authenticatorTitle')}</h2>
        <p>{t('enrol.authenticatorHelp')}</p>
        <div className="enrol-secret-row">
          <QrCode text={opened.totpUri} label={t('enrol.qrLabel')} />
          <div>
            <p className="field-label">{t('enrol.secret')}</p>
            <p
              className="secret mono"
              data-testid="totp-secret"
              aria-label={t('enrol.secretSpelled', { secret: opened.totpSecret.split('').join(' ') })}
            >
              {groupInFours(opened.totpSecret)}
            </p>
          </div>
        </div>
      </section>
      <form onSubmit={(event) => void submit(event)} noValidate>
        <h2>{t('enrol.passwordTitle')}</h2>
        <TextField
          label={t('enrol.password')}
          type="password"
          autoComplete="new-password"
          value={password}
          onChange={setPassword}
          hint={t('enrol.passwordHint')}
          error={passwordError}
          required
        />
        <TextField
          label={t('enrol.repeat')}
          type="password"
          autoComplete="new-password"
          value={repeat}
          onChange={setRepeat}
          error={repeatError ? t('enrol.repeatMismatch') : null}
          required
        />
        <TextField
          label={t('enrol.code')}
          hint={t('enrol.codeHint')}
          inputMode="numeric"
          autoComplete="one-time-code"
          value={code}
          onChange={setCode}
          maxLength={7}
          error={codeError}
          required
        />
        <ErrorNotice error={error} />
        <button type="submit" className="button button-primary" disabled={busy}>
          {t('enrol.submit')}
        </button>
      </form>
    </>
  );
}

function RecoveryCodes({ codes, onDone }: { codes: string[]; onDone: () => void }) {
  const { t } = useTranslation();
  const [saved, setSaved] = useState(false);
  const headingRef = useRef<HTMLHeadingElement>(null);
  useEffect(() => headingRef.current?.focus(), []);
  return (
    <section aria-labelledby="recovery-title">
      <h2 id="recovery-title" ref={headingRef} tabIndex={-1}>
        {t('enrol.recoveryTitle')}
      </h2>
      <p>{t('enrol.recoveryHelp')}</p>
      <ol className="recovery-codes mono" data-testid="recovery-codes">
        {codes.map((code) => (
          <li key={code}>{code}</li>
        ))}
      </ol>
      <label className="checkbox-row">
        <input type="checkbox" checked={saved} onChange={(event) => setSaved(event.target.checked)} />
        {t('enrol.recoverySaved')}
      </label>
      <button type="button" className="button button-primary" disabled={!saved} onClick={onDone}>
        {t('enrol.toLogin')}
      </button>
    </section>
  );
}
