import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api, asApiError, type SessionInfo } from '../api/client';
import { errorMessage, issueMessage } from '../app/messages';
import { checkNewPin, effectivePinLength, issueFor } from './pin';
import { PinField } from './PinField';
import { PinMessage } from './PinMessage';
import { usePinRefusal } from './usePinRefusal';
import { useIntent } from '../api/intent';

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
  const intent = useIntent();
  const refusal = usePinRefusal();
  const { waiting } = refusal;
  const headingId = useId();
  const policyId = useId();
  const currentRef = useRef<HTMLInputElement>(null);
  const newRef = useRef<HTMLInputElement>(null);
  const repeatRef = useRef<HTMLInputElement>(null);
  const n = effectivePinLength(pinLength);

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
    refusal.clear();
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
      const session = await api.changeOwnPin(values.currentPin, values.newPin, intent.id());
      intent.succeeded();
      if (session) onChanged(session);
    } catch (caught) {
      const error = asApiError(caught);
      const currentIssue = issueFor(error.issues, 'currentPin');
      const newIssue = issueFor(error.issues, 'newPin', 'pin');
      if (refusal.take(error)) {
        setValues((previous) => ({ ...previous, currentPin: '' }));
        if (error.code === 'login_failed') show({ currentPin: t('pinChange.currentWrong') });
        else setErrors({});
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

  const labels: Record<Field, string> = {
    currentPin: t('pinChange.current'),
    newPin: t('pinChange.new'),
    repeat: t('pinChange.repeat'),
  };
  const firstInvalid = ORDER.find((field) => errors[field]);
  const fieldSummary = firstInvalid
    ? t('enroll.summaryItem', { field: labels[firstInvalid], message: errors[firstInvalid] })
    : null;
  const summary = waiting ? refusal.message : (general ?? fieldSummary ?? refusal.message ?? null);

  return (
    <main className="lock">
      <section className="lock-card lock-card-form" aria-labelledby={headingId}>
        <h1 id={headingId} className="lock-title">
          {t('pinChange.title')}
        </h1>
        <p className="lock-intro">{t('pinChange.intro', { name: session.displayName })}</p>
        <div className="form-alert-slot">
          <PinMessage
            id={`${headingId}-error`}
            testId="pin-change-error"
            className="banner banner-error"
            message={summary}
            ticking={waiting}
            announcement={refusal.announcement}
          />
        </div>
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
