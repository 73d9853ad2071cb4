import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api, asApiError, type SessionInfo } from '../api/client';
import { errorMessage, issueMessage } from '../app/messages';
import { useCountdown } from '../common/useCountdown';
import { checkNewPin, effectivePinLength, issueFor, parseRetryAfter } from './pin';
import { PinField } from './PinField';

type Field = 'currentPin' | 'newPin' | 'repeat';
type Errors = Partial<Record<Field, string>>;
const ORDER: readonly Field[] = ['currentPin', 'newPin', 'repeat'];

/**
 * Signed in with a temporary PIN: nothing else is possible until staff choose their own. They may
 * also lock the till instead and come back later.
 */
export function ChangePinScreen({
  session,
  pinLength,
  onChanged,
  onLock,
}: {
  session: SessionInfo;
  pinLength: number;
  onChanged: (session: SessionInfo) => void;
  onLock: () => void;
}) {
  const { t } = useTranslation();
  const [values, setValues] = useState<Record<Field, string>>({ currentPin: '', newPin: '', repeat: '' });
  const [errors, setErrors] = useState<Errors>({});
  const [general, setGeneral] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [delay, setDelay] = useState(0);
  const { remaining, start } = useCountdown();
  const headingId = useId();
  const policyId = useId();
  const currentRef = useRef<HTMLInputElement>(null);
  const newRef = useRef<HTMLInputElement>(null);
  const repeatRef = useRef<HTMLInputElement>(null);
  const n = effectivePinLength(pinLength);
  const waiting = remaining > 0;

  useEffect(() => {
    currentRef.current?.focus();
  }, []);

  const focus = (field: Field) =>
    ({ currentPin: currentRef, newPin: newRef, repeat: repeatRef })[field].current?.focus();

  const show = (found: Errors) => {
    setErrors(found);
    const first = ORDER.find((field) => found[field]);
    if (first) focus(first);
  };

  const change = (field: Field, value: string) => setValues((previous) => ({ ...previous, [field]: value }));

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    if (busy || waiting) return;
    setGeneral(null);
    const found: Errors = {};
    if (!values.currentPin) found.currentPin = issueMessage(t, 'required');
    const check = checkNewPin(values.newPin, values.repeat, pinLength, values.currentPin || undefined);
    if (check.newPin) found.newPin = issueMessage(t, check.newPin, { n });
    if (check.repeat) found.repeat = issueMessage(t, check.repeat, { n });
    if (ORDER.some((field) => found[field])) {
      show(found);
      return;
    }
    setErrors({});
    setBusy(true);
    try {
      const session = await api.changeOwnPin(values.currentPin, values.newPin);
      if (session) onChanged(session);
    } catch (caught) {
      const error = asApiError(caught);
      const currentIssue = issueFor(error.issues, 'currentPin');
      const newIssue = issueFor(error.issues, 'newPin', 'pin');
      if (error.code === 'login_failed') {
        setValues((previous) => ({ ...previous, currentPin: '' }));
        show({ currentPin: t('pinChange.currentWrong') });
      } else if (error.code === 'login_delayed') {
        const seconds = parseRetryAfter(error.details);
        if (seconds) {
          start(seconds);
          setDelay(seconds);
        }
        setValues((previous) => ({ ...previous, currentPin: '' }));
        setGeneral(seconds ? null : errorMessage(t, error.code));
      } else if (currentIssue || newIssue) {
        show({
          ...(currentIssue ? { currentPin: issueMessage(t, currentIssue, { n }) } : {}),
          ...(newIssue ? { newPin: issueMessage(t, newIssue, { n }) } : {}),
        });
      } else {
        setGeneral(errorMessage(t, error.code));
      }
    } finally {
      setBusy(false);
    }
  };

  const summary = waiting
    ? t('lock.delayed', { n: remaining })
    : (general ?? ORDER.map((field) => errors[field]).find(Boolean) ?? null);

  return (
    <main className="lock">
      <section className="lock-card lock-card-form" aria-labelledby={headingId}>
        <h1 id={headingId} className="lock-title">
          {t('pinChange.title')}
        </h1>
        <p className="lock-intro">{t('pinChange.intro', { name: session.displayName })}</p>
        {/* The countdown ticks every second: it is announced once, not at each tick. */}
        <div className="form-alert-slot" role={waiting ? undefined : 'alert'}>
          {summary ? (
            <p className="banner banner-error" data-testid="pin-change-error">
              {summary}
            </p>
          ) : null}
        </div>
        <p className="sr-only" role="alert">
          {waiting ? t('lock.delayed', { n: delay }) : ''}
        </p>
        <form
          className="stack-form"
          data-testid="pin-change-form"
          noValidate
          onSubmit={(event) => void onSubmit(event)}
        >
          <PinField
            label={t('pinChange.current')}
            value={values.currentPin}
            onChange={(value) => change('currentPin', value)}
            error={errors.currentPin}
            inputRef={currentRef}
          />
          <PinField
            label={t('pinChange.new')}
            value={values.newPin}
            onChange={(value) => change('newPin', value)}
            error={errors.newPin}
            inputRef={newRef}
            hintId={policyId}
          />
          <PinField
            label={t('pinChange.repeat')}
            value={values.repeat}
            onChange={(value) => change('repeat', value)}
            error={errors.repeat}
            inputRef={repeatRef}
          />
          <p id={policyId} className="hint">
            {t('pin.policy', { n })}
          </p>
          <div className="form-buttons">
            <button
              type="submit"
              className="button button-primary button-large"
              disabled={busy || waiting}
              aria-busy={busy || undefined}
              data-testid="pin-change-submit"
            >
              {t('pinChange.submit')}
            </button>
            <button type="button" className="button button-secondary button-large" onClick={onLock}>
              {t('pinChange.lockInstead')}
            </button>
          </div>
        </form>
      </section>
    </main>
  );
}
