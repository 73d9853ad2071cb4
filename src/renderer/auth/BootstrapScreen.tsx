import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { StaffNameField } from '../staff/StaffNameField';
import { useTranslation } from 'react-i18next';
import { toFieldIssues } from '../../shared/ipc/validation';
import { BootstrapRequest, STAFF_NAME_MAX } from '../../shared/staff/schemas';
import { api, asApiError, type SessionInfo } from '../api/client';
import { errorMessage, issueMessage } from '../app/messages';
import { checkNewPin, effectivePinLength, issueFor } from './pin';
import { PinField } from './PinField';

type Field = 'displayName' | 'pin' | 'repeat';
type Errors = Partial<Record<Field, string>>;
const ORDER: readonly Field[] = ['displayName', 'pin', 'repeat'];

/** First run: the till has no staff at all, so whoever sets it up becomes its first store manager. */
export function BootstrapScreen({
  pinLength,
  onDone,
  onRosterStale,
}: {
  pinLength: number;
  onDone: (session: SessionInfo) => void;
  onRosterStale: () => void;
}) {
  const { t } = useTranslation();
  const [name, setName] = useState('');
  const [pin, setPin] = useState('');
  const [repeat, setRepeat] = useState('');
  const [errors, setErrors] = useState<Errors>({});
  const [general, setGeneral] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const headingId = useId();
  const policyId = useId();
  const nameRef = useRef<HTMLInputElement>(null);
  const pinRef = useRef<HTMLInputElement>(null);
  const repeatRef = useRef<HTMLInputElement>(null);
  const n = effectivePinLength(pinLength);

  useEffect(() => {
    nameRef.current?.focus();
  }, []);

  const focus = (field: Field) => ({ displayName: nameRef, pin: pinRef, repeat: repeatRef })[field].current?.focus();

  const show = (found: Errors) => {
    setErrors(found);
    const first = ORDER.find((field) => found[field]);
    if (first) focus(first);
  };

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    if (busy) return;
    setGeneral(null);
    const found: Errors = {};
    const parsed = BootstrapRequest.shape.displayName.safeParse(name);
    if (!parsed.success) {
      const code = toFieldIssues(parsed.error)[0]?.code ?? 'invalid';
      found.displayName = issueMessage(t, code, { max: STAFF_NAME_MAX });
    }
    const pinCheck = checkNewPin(pin, repeat, pinLength);
    if (pinCheck.newPin) found.pin = issueMessage(t, pinCheck.newPin, { n });
    if (pinCheck.repeat) found.repeat = issueMessage(t, pinCheck.repeat, { n });
    if (ORDER.some((field) => found[field])) {
      show(found);
      return;
    }
    setErrors({});
    setBusy(true);
    try {
      const session = await api.bootstrap(name, pin);
      if (session) onDone(session);
    } catch (caught) {
      const error = asApiError(caught);
      const nameIssue = issueFor(error.issues, 'displayName');
      const pinIssue = issueFor(error.issues, 'pin');
      if (nameIssue || pinIssue) {
        show({
          ...(nameIssue ? { displayName: issueMessage(t, nameIssue, { max: STAFF_NAME_MAX }) } : {}),
          ...(pinIssue ? { pin: issueMessage(t, pinIssue, { n }) } : {}),
        });
      } else {
        setGeneral(errorMessage(t, error.code));
        // Someone else finished the setup first: the roster now has staff, so the lock screen shows.
        if (error.code === 'bootstrap_not_allowed') onRosterStale();
      }
    } finally {
      setBusy(false);
    }
  };

  const labels: Record<Field, string> = {
    displayName: t('bootstrap.name'),
    pin: t('bootstrap.pin'),
    repeat: t('bootstrap.repeat'),
  };
  const firstInvalid = ORDER.find((field) => errors[field]);
  const summary =
    general ??
    (firstInvalid ? t('enroll.summaryItem', { field: labels[firstInvalid], message: errors[firstInvalid] }) : null);

  return (
    <main className="lock">
      <section className="lock-card lock-card-form" aria-labelledby={headingId}>
        <h1 id={headingId} className="lock-title">
          {t('bootstrap.title')}
        </h1>
        <p className="lock-intro">{t('bootstrap.intro')}</p>
        <div role="alert" className="form-alert-slot">
          {summary ? (
            <p className="banner banner-error" data-testid="bootstrap-error">
              {summary}
            </p>
          ) : null}
        </div>
        <form className="stack-form" data-testid="bootstrap-form" noValidate onSubmit={(event) => void onSubmit(event)}>
          <StaffNameField
            id={`${headingId}-name`}
            ref={nameRef}
            label={t('bootstrap.name')}
            value={name}
            error={errors.displayName}
            onChange={setName}
          />
          <PinField
            label={t('bootstrap.pin')}
            value={pin}
            onChange={setPin}
            error={errors.pin}
            inputRef={pinRef}
            hintId={policyId}
          />
          <PinField
            label={t('bootstrap.repeat')}
            value={repeat}
            onChange={setRepeat}
            error={errors.repeat}
            inputRef={repeatRef}
          />
          <p id={policyId} className="hint">
            {t('pin.policy', { n })}
          </p>
          <button
            type="submit"
            className="button button-primary button-large"
            disabled={busy}
            aria-busy={busy || undefined}
            data-testid="bootstrap-submit"
          >
            {t('bootstrap.submit')}
          </button>
        </form>
      </section>
    </main>
  );
}
