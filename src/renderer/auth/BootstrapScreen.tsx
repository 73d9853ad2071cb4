import { useId, useRef, useState, type FormEvent } from 'react';
import { StaffNameField } from '../staff/StaffNameField';
import { useTranslation } from 'react-i18next';
import { toFieldIssues } from '../../shared/ipc/validation';
import { BootstrapRequest, STAFF_NAME_MAX } from '../../shared/staff/schemas';
import { api, asApiError, type AppInfo, type SessionInfo } from '../api/client';
import { formatDateTime } from '../app/format-date';
import { formattingLocale } from '../app/formatting-locale';
import { errorMessage, issueMessage } from '../app/messages';
import { PairingForm } from '../sync/PairingForm';
import { checkNewPin, effectivePinLength, issueFor } from './pin';
import { PinField } from './PinField';
import { useIntent } from '../api/intent';

type Field = 'displayName' | 'pin' | 'repeat';
type Errors = Partial<Record<Field, string>>;
const ORDER: readonly Field[] = ['displayName', 'pin', 'repeat'];

/**
 * First run: the till has no staff at all. It is either paired with HQ (the usual way: staff,
 * members and rewards then come from HQ), or set up on its own, whoever sets it up becoming its
 * first store manager. A till HQ revoked (and wiped) comes back here, and says so.
 */
export function BootstrapScreen({
  info,
  onDone,
  onRosterStale,
  onPaired,
}: {
  info: AppInfo;
  onDone: (session: SessionInfo) => void;
  onRosterStale: () => void;
  /** HQ accepted the till: the main process rebuilds its services; the app reads them again. */
  onPaired: () => void;
}) {
  const { t, i18n } = useTranslation();
  const titleId = useId();
  const pairId = useId();
  const locale = formattingLocale(i18n.language, info.storeRegion);
  return (
    <main className="lock first-run" aria-labelledby={titleId}>
      <div className="first-run-body">
        <div className="first-run-head">
          <h1 id={titleId} className="lock-title">
            {t('bootstrap.title')}
          </h1>
          <p className="lock-intro">{t('bootstrap.choose')}</p>
        </div>
        {info.revokedAt ? (
          <div className="banner banner-error first-run-revoked" role="alert" data-testid="revoked-notice">
            <p className="banner-title">
              {t('bootstrap.revoked', {
                date: formatDateTime(info.revokedAt, locale),
              })}
            </p>
          </div>
        ) : null}
        <div className="first-run-paths">
          <section className="lock-card first-run-card first-run-pair" aria-labelledby={pairId}>
            <p className="eyebrow">{t('bootstrap.recommended')}</p>
            <h2 id={pairId} className="first-run-title">
              {t('bootstrap.pairTitle')}
            </h2>
            <p className="lock-intro">{t('bootstrap.pairIntro')}</p>
            <PairingForm autoFocus headingLevel={3} onPaired={onPaired} />
          </section>
          <StandaloneSetup pinLength={info.pinLength} onDone={onDone} onRosterStale={onRosterStale} />
        </div>
      </div>
    </main>
  );
}

/** Setting the till up on its own: the first store manager's name and PIN. */
function StandaloneSetup({
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
  const intent = useIntent();
  const headingId = useId();
  const policyId = useId();
  const nameRef = useRef<HTMLInputElement>(null);
  const pinRef = useRef<HTMLInputElement>(null);
  const repeatRef = useRef<HTMLInputElement>(null);
  const n = effectivePinLength(pinLength);

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
      const session = await api.bootstrap(name, pin, intent.id());
      intent.succeeded();
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
    <section className="lock-card first-run-card" aria-labelledby={headingId}>
      <h2 id={headingId} className="first-run-title">
        {t('bootstrap.standaloneTitle')}
      </h2>
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
          ref={nameRef}
          label={t('bootstrap.name')}
          value={name}
          error={errors.displayName}
          onChange={setName}
        />
        <div className="pin-pair">
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
        </div>
        <p id={policyId} className="hint">
          {t('pin.policy', { n })}
        </p>
        <button
          type="submit"
          className="button button-secondary button-large"
          disabled={busy}
          aria-busy={busy || undefined}
          data-testid="bootstrap-submit"
        >
          {t('bootstrap.submit')}
        </button>
      </form>
    </section>
  );
}
