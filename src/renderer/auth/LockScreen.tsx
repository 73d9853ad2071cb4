import { useEffect, useId, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api, asApiError, type ClientErrorCode, type Roster, type RosterEntry, type SessionInfo } from '../api/client';
import { errorMessage } from '../app/messages';
import { useCountdown } from '../common/useCountdown';
import { parseRetryAfter } from './pin';
import { PinEntry } from './PinEntry';
import { moveIndex, nextByLetter } from './roving';

/**
 * The locked till: staff pick their name, then type their PIN. Nothing here says whether a PIN
 * was wrong for a real or an unknown staff member: every refusal reads the same.
 */
export function LockScreen({
  roster,
  onLoggedIn,
  onRosterStale,
}: {
  roster: Roster;
  onLoggedIn: (session: SessionInfo) => void;
  onRosterStale: () => void;
}) {
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [lastId, setLastId] = useState<string | null>(null);
  const selected = roster.staff.find((entry) => entry.staffId === selectedId) ?? null;

  return (
    <main className="lock" data-testid="lock-screen">
      {selected ? (
        <PinLogin
          staff={selected}
          onLoggedIn={onLoggedIn}
          onFailed={onRosterStale}
          onBack={() => {
            setLastId(selected.staffId);
            setSelectedId(null);
          }}
        />
      ) : (
        <StaffPicker staff={roster.staff} initialId={lastId} onChoose={(entry) => setSelectedId(entry.staffId)} />
      )}
    </main>
  );
}

function StaffPicker({
  staff,
  initialId,
  onChoose,
}: {
  staff: readonly RosterEntry[];
  initialId: string | null;
  onChoose: (entry: RosterEntry) => void;
}) {
  const { t } = useTranslation();
  const headingId = useId();
  const buttons = useRef<(HTMLButtonElement | null)[]>([]);
  const initialIndex = Math.max(
    0,
    initialId === null
      ? staff.findIndex((entry) => !entry.pinLocked)
      : staff.findIndex((entry) => entry.staffId === initialId),
  );
  const [focusIndex, setFocusIndex] = useState(initialIndex);
  const current = Math.min(focusIndex, Math.max(0, staff.length - 1));

  // The till opens on this screen: the focus starts on a name, so arrows and Enter work at once.
  useEffect(() => {
    buttons.current[initialIndex]?.focus();
    // Only when the screen appears, not each time the roster is refreshed.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  const moveTo = (index: number) => {
    setFocusIndex(index);
    buttons.current[index]?.focus();
  };

  const onKeyDown = (event: KeyboardEvent<HTMLUListElement>) => {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    const next =
      moveIndex(event.key, current, staff.length) ??
      nextByLetter(
        staff.map((entry) => entry.displayName),
        current,
        event.key,
      );
    if (next === null) return;
    event.preventDefault();
    moveTo(next);
  };

  return (
    <section className="lock-card" aria-labelledby={headingId}>
      <h1 id={headingId} className="lock-title">
        {t('lock.title')}
      </h1>
      <p className="lock-intro">{t('lock.chooseName')}</p>
      {staff.length === 0 ? (
        <p className="empty">{t('lock.noStaff')}</p>
      ) : (
        <ul className="staff-picker" aria-labelledby={headingId} onKeyDown={onKeyDown}>
          {staff.map((entry, index) => (
            <li key={entry.staffId}>
              <button
                type="button"
                ref={(element) => {
                  buttons.current[index] = element;
                }}
                className={entry.pinLocked ? 'staff-option staff-option-locked' : 'staff-option'}
                tabIndex={index === current ? 0 : -1}
                aria-disabled={entry.pinLocked || undefined}
                data-testid="staff-option"
                data-staff-id={entry.staffId}
                onFocus={() => setFocusIndex(index)}
                onClick={() => {
                  if (!entry.pinLocked) onChoose(entry);
                }}
              >
                <span className="staff-option-name">{entry.displayName}</span>
                <span className="staff-option-role">{t(`session.roles.${entry.role}`)}</span>
                {entry.pinLocked ? <span className="staff-option-note">{t('lock.pinDisabled')}</span> : null}
              </button>
            </li>
          ))}
        </ul>
      )}
      <p className="hint">{t('lock.keysHint')}</p>
    </section>
  );
}

type LoginError =
  | { kind: 'empty' }
  | { kind: 'wrong' }
  | { kind: 'delayed'; seconds: number }
  | { kind: 'disabled' }
  | { kind: 'other'; code: ClientErrorCode };

function PinLogin({
  staff,
  onLoggedIn,
  onFailed,
  onBack,
}: {
  staff: RosterEntry;
  onLoggedIn: (session: SessionInfo) => void;
  onFailed: () => void;
  onBack: () => void;
}) {
  const { t } = useTranslation();
  const [pin, setPin] = useState('');
  const [error, setError] = useState<LoginError | null>(null);
  const [busy, setBusy] = useState(false);
  const { remaining, start } = useCountdown();
  const inputRef = useRef<HTMLInputElement>(null);
  const headingId = useId();
  const errorId = useId();

  useEffect(() => {
    inputRef.current?.focus();
  }, []);

  // When the wait is over, the PIN box is ready for the next try.
  const waiting = remaining > 0;
  useEffect(() => {
    if (!waiting) inputRef.current?.focus();
  }, [waiting]);

  const disabled = staff.pinLocked;
  const shown: LoginError | null = disabled
    ? { kind: 'disabled' }
    : error?.kind === 'delayed' && !waiting
      ? null
      : error;

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    if (busy || waiting || disabled) return;
    if (!pin) {
      setError({ kind: 'empty' });
      inputRef.current?.focus();
      return;
    }
    setBusy(true);
    try {
      const session = await api.login(staff.staffId, pin);
      if (session) {
        onLoggedIn(session);
        return;
      }
      setError({ kind: 'wrong' });
    } catch (caught) {
      const apiError = asApiError(caught);
      if (apiError.code === 'login_failed') setError({ kind: 'wrong' });
      else if (apiError.code === 'login_delayed') {
        const seconds = parseRetryAfter(apiError.details);
        if (seconds) {
          start(seconds);
          setError({ kind: 'delayed', seconds });
        } else setError({ kind: 'other', code: apiError.code });
      } else setError({ kind: 'other', code: apiError.code });
      // After many failures the PIN gets disabled: the roster says so.
      onFailed();
    } finally {
      setBusy(false);
    }
    setPin('');
    inputRef.current?.focus();
  };

  let message = '';
  if (shown?.kind === 'empty') message = t('lock.enterPin');
  else if (shown?.kind === 'wrong') message = t('lock.wrongPin');
  else if (shown?.kind === 'delayed') message = t('lock.delayed', { n: remaining });
  else if (shown?.kind === 'disabled') message = t('lock.pinDisabled');
  else if (shown?.kind === 'other') message = errorMessage(t, shown.code);

  return (
    <section className="lock-card lock-card-pin" aria-labelledby={headingId}>
      <form
        className="pin-login"
        noValidate
        onSubmit={(event) => void onSubmit(event)}
        onKeyDown={(event) => {
          if (event.key === 'Escape') {
            event.preventDefault();
            onBack();
          }
        }}
      >
        <p className="eyebrow">{t('lock.signingInAs')}</p>
        <h1 id={headingId} className="lock-title">
          {staff.displayName}
        </h1>
        <p className="lock-role">{t(`session.roles.${staff.role}`)}</p>
        <PinEntry
          label={t('pin.label')}
          value={pin}
          onChange={(value) => {
            setPin(value);
            if (error?.kind === 'empty') setError(null);
          }}
          inputRef={inputRef}
          testId="pin-input"
          padTestIdPrefix="pin"
          describedBy={shown ? errorId : undefined}
          invalid={shown !== null && shown.kind !== 'delayed'}
          submit={{ label: t('pin.ok'), disabled: busy || waiting || disabled, busy }}
        />
        <div className="login-error-slot">
          {shown ? (
            <p
              id={errorId}
              className="login-error"
              data-testid="login-error"
              // The countdown ticks every second: it is announced once, below, not at each tick.
              role={shown.kind === 'delayed' ? undefined : 'alert'}
            >
              {message}
            </p>
          ) : null}
          {shown?.kind === 'delayed' ? (
            <p className="sr-only" role="alert">
              {t('lock.delayed', { n: shown.seconds })}
            </p>
          ) : null}
        </div>
        <button type="button" className="button button-secondary lock-back" data-testid="login-back" onClick={onBack}>
          {t('lock.back')}
        </button>
      </form>
    </section>
  );
}
