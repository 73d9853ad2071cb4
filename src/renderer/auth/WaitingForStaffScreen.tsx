import { useEffect, useId, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ROSTER_POLL_MS } from '../sync/sync-rules';

/** After this long without staff, the screen says what to check. */
const SLOW_AFTER_MS = 30_000;

/**
 * Just paired: the till has no staff until its first sync brings HQ's staff list. It asks for the
 * roster every 2 s (the parent swaps in the lock screen as soon as staff arrive), and after a while
 * says what to check.
 */
export function WaitingForStaffScreen({
  storeName,
  onCheck,
}: {
  storeName: string | null;
  onCheck: () => Promise<void>;
}) {
  const { t } = useTranslation();
  const headingId = useId();
  const [slow, setSlow] = useState(false);
  const [checking, setChecking] = useState(false);
  const buttonRef = useRef<HTMLButtonElement>(null);
  const check = useRef(onCheck);
  useEffect(() => {
    check.current = onCheck;
  });

  useEffect(() => {
    buttonRef.current?.focus();
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      await check.current();
      if (!stopped) timer = setTimeout(() => void poll(), ROSTER_POLL_MS);
    };
    timer = setTimeout(() => void poll(), ROSTER_POLL_MS);
    const slowTimer = setTimeout(() => setSlow(true), SLOW_AFTER_MS);
    return () => {
      stopped = true;
      clearTimeout(timer);
      clearTimeout(slowTimer);
    };
  }, []);

  const checkNow = async () => {
    setChecking(true);
    try {
      await check.current();
    } finally {
      setChecking(false);
    }
  };

  return (
    <main className="lock" aria-labelledby={headingId}>
      <section className="lock-card lock-card-form" aria-labelledby={headingId}>
        <h1 id={headingId} className="lock-title">
          {t('waitingForStaff.title')}
        </h1>
        <p className="lock-intro">
          {storeName ? t('waitingForStaff.pairedWith', { store: storeName }) : t('waitingForStaff.paired')}
        </p>
        <p className="waiting" role="status">
          <span className="spinner" aria-hidden="true" />
          <span>{t('waitingForStaff.waiting')}</span>
        </p>
        <p className="hint">{slow ? t('waitingForStaff.slowHint') : t('waitingForStaff.hint')}</p>
        <div className="form-buttons waiting-actions">
          <button
            ref={buttonRef}
            type="button"
            className="button button-secondary"
            disabled={checking}
            aria-busy={checking || undefined}
            onClick={() => void checkNow()}
          >
            {t('waitingForStaff.checkNow')}
          </button>
        </div>
      </section>
    </main>
  );
}
