import { useEffect, useId, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api, asApiError, type ClientErrorCode, type Roster, type RosterEntry, type SessionInfo } from '../api/client';
import { errorMessage } from '../app/messages';
import { PinEntry } from './PinEntry';
import { PinMessage } from './PinMessage';
import { usePinRefusal } from './usePinRefusal';
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

/** How many staff buttons sit in the first row of the grid (it reflows with the window width). */
function columnsOf(buttons: readonly (HTMLButtonElement | null)[]): number {
  const top = buttons[0]?.offsetTop;
  if (top === undefined) return 1;
  let columns = 0;
  for (const button of buttons) {
    if (button?.offsetTop !== top) break;
    columns += 1;
  }
  return Math.max(1, columns);
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
      moveIndex(event.key, current, staff.length, columnsOf(buttons.current)) ??
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

type LoginProblem = { kind: 'empty' } | { kind: 'other'; code: ClientErrorCode };

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
  const [problem, setProblem] = useState<LoginProblem | null>(null);
  const [busy, setBusy] = useState(false);
  const refusal = usePinRefusal();
  const inputRef = useRef<HTMLInputElement>(null);
  const headingId = useId();
  const errorId = useId();
  const { waiting } = refusal;

  useEffect(() => {
    inputRef.current?.focus();
  }, []);

  // When the wait is over, the PIN box is ready for the next try.
  useEffect(() => {
    if (!waiting) inputRef.current?.focus();
  }, [waiting]);

  const disabled = staff.pinLocked;

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    if (busy || waiting) return;
    if (!pin) {
      refusal.clear();
      setProblem({ kind: 'empty' });
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
      setProblem({ kind: 'other', code: 'internal_error' });
    } catch (caught) {
      const apiError = asApiError(caught);
      if (refusal.take(apiError)) setProblem(null);
      else setProblem({ kind: 'other', code: apiError.code });
      // After many failures the PIN gets disabled: the roster says so.
      onFailed();
    } finally {
      setBusy(false);
    }
    setPin('');
    inputRef.current?.focus();
  };

  let message: string | null = null;
  if (disabled) message = t('lock.pinDisabled');
  else if (refusal.message) message = refusal.message;
  else if (problem?.kind === 'empty') message = t('lock.enterPin');
  else if (problem?.kind === 'other') message = errorMessage(t, problem.code);
  const ticking = !disabled && waiting;

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
            if (problem?.kind === 'empty') setProblem(null);
          }}
          inputRef={inputRef}
          testId="pin-input"
          padTestIdPrefix="pin"
          describedBy={message ? errorId : undefined}
          invalid={message !== null && !ticking}
          submit={{ label: t('pin.ok'), disabled: busy || waiting, busy }}
        />
        <div className="login-error-slot">
          <PinMessage
            id={errorId}
            testId="login-error"
            className="login-error"
            message={message}
            ticking={ticking}
            announcement={refusal.announcement}
          />
        </div>
        <button type="button" className="button button-secondary lock-back" data-testid="login-back" onClick={onBack}>
          {t('lock.back')}
        </button>
      </form>
    </section>
  );
}
