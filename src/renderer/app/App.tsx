import { useCallback, useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import {
  api,
  asApiError,
  hasBridge,
  onSessionProblem,
  type ApiError,
  type AppInfo,
  type Roster,
  type SessionInfo,
} from '../api/client';
import { BootstrapScreen } from '../auth/BootstrapScreen';
import { ChangePinScreen } from '../auth/ChangePinScreen';
import { LockScreen } from '../auth/LockScreen';
import { WaitingForStaffScreen } from '../auth/WaitingForStaffScreen';
import { applyLanguage } from '../i18n';
import { Header } from './Header';
import { errorMessage } from './messages';
import { SessionContext, type SessionContextValue } from './session-context';
import { Shell } from './Shell';
import { useSessionKeeper } from './useSessionKeeper';

type Boot = { state: 'loading' } | { state: 'no-bridge' } | { state: 'failed'; error: ApiError } | { state: 'ready' };

interface Till {
  info: AppInfo;
  roster: Roster;
  session: SessionInfo | null;
  /** Bumped at every sign-in and lock: the views are keyed on it, so locking unmounts them. */
  generation: number;
}

function sameSession(a: SessionInfo, b: SessionInfo): boolean {
  return (
    a.staffId === b.staffId &&
    a.displayName === b.displayName &&
    a.role === b.role &&
    a.mustChangePin === b.mustChangePin &&
    a.idleLockSeconds === b.idleLockSeconds
  );
}

/**
 * Starts the app (bridge, app info, roster, session), then shows what the session calls for: the
 * first-run setup, the lock screen, the forced PIN change, or the till itself.
 */
export function App() {
  const { t } = useTranslation();
  const [boot, setBoot] = useState<Boot>(() => (hasBridge() ? { state: 'loading' } : { state: 'no-bridge' }));
  const [till, setTill] = useState<Till | null>(null);

  const start = useCallback(async () => {
    if (!hasBridge()) {
      setBoot({ state: 'no-bridge' });
      return;
    }
    setBoot({ state: 'loading' });
    try {
      const [info, session, roster] = await Promise.all([api.getInfo(), api.currentSession(), api.roster()]);
      await applyLanguage(info.language);
      setTill((previous) => ({ info, roster, session, generation: (previous?.generation ?? 0) + 1 }));
      setBoot({ state: 'ready' });
    } catch (error) {
      setBoot({ state: 'failed', error: asApiError(error) });
    }
  }, []);

  useEffect(() => {
    // Starting up talks to the main process, an external system: this is what effects are for.
    // eslint-disable-next-line react-hooks/set-state-in-effect
    void start();
  }, [start]);

  const refreshRoster = useCallback(async () => {
    try {
      const roster = await api.roster();
      // No staff: pairing may have just replaced them, or HQ revoked and wiped the till. The app
      // info says which (paired, revokedAt), so the right first-run screen shows.
      const info = roster.needsBootstrap ? await api.getInfo() : null;
      setTill((previous) => previous && { ...previous, roster, ...(info ? { info } : {}) });
    } catch {
      // The roster shown stays as it was; the next lock or action reads it again.
    }
  }, []);

  /** After pairing the main process rebuilt its services: read everything again, as at start. */
  const reloadTill = useCallback(async () => {
    try {
      const [info, session, roster] = await Promise.all([api.getInfo(), api.currentSession(), api.roster()]);
      await applyLanguage(info.language);
      setTill((previous) => ({ info, roster, session, generation: (previous?.generation ?? 0) + 1 }));
    } catch {
      await start();
    }
  }, [start]);

  /** The session is gone: every view unmounts (so no member data stays in the page), then the lock screen. */
  const locked = useCallback(() => {
    setTill((previous) =>
      previous?.session ? { ...previous, session: null, generation: previous.generation + 1 } : previous,
    );
    void refreshRoster();
  }, [refreshRoster]);

  const lock = useCallback(() => {
    locked();
    api.lock().catch(() => undefined);
  }, [locked]);

  const signedIn = useCallback(
    (session: SessionInfo) => {
      setTill((previous) => previous && { ...previous, session, generation: previous.generation + 1 });
      // Signed out, the roster does not say who holds a temporary PIN; signed in, it does.
      void refreshRoster();
    },
    [refreshRoster],
  );

  /** What the main process says the session is now (polling, activity reports). */
  const seen = useCallback(
    (session: SessionInfo | null) => {
      if (!session) {
        locked();
        return;
      }
      setTill((previous) => {
        if (!previous?.session || sameSession(previous.session, session)) return previous;
        const generation = previous.session.staffId === session.staffId ? previous.generation : previous.generation + 1;
        return { ...previous, session, generation };
      });
    },
    [locked],
  );

  const infoChanged = useCallback((info: AppInfo) => {
    setTill(
      (previous) =>
        previous && {
          ...previous,
          info,
          session: previous.session && { ...previous.session, idleLockSeconds: info.idleLockSeconds },
        },
    );
  }, []);

  // Any call refused for want of a session sends the till back to the lock screen (or the PIN change).
  useEffect(
    () =>
      onSessionProblem((problem) => {
        if (problem === 'not_authenticated') locked();
        else
          setTill((previous) =>
            previous?.session && !previous.session.mustChangePin
              ? { ...previous, session: { ...previous.session, mustChangePin: true } }
              : previous,
          );
      }),
    [locked],
  );

  const session = till?.session ?? null;
  const sessionKey = session ? `${session.staffId}:${till?.generation ?? 0}` : null;
  useSessionKeeper({
    sessionKey,
    idleLockSeconds: session?.idleLockSeconds ?? till?.info.idleLockSeconds ?? 120,
    onIdle: lock,
    onSeen: seen,
  });

  // Ctrl+L locks the till from anywhere (`code`, so it works with a Russian layout too).
  useEffect(() => {
    if (!sessionKey) return;
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.ctrlKey && !event.altKey && !event.shiftKey && !event.metaKey && event.code === 'KeyL') {
        event.preventDefault();
        lock();
      }
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, [sessionKey, lock]);

  const context = useMemo<SessionContextValue | null>(
    () =>
      till?.session
        ? {
            info: till.info,
            session: till.session,
            roster: till.roster.staff,
            refreshRoster,
            lock,
            infoChanged,
            reloadTill,
          }
        : null,
    [till, refreshRoster, lock, infoChanged, reloadTill],
  );

  switch (boot.state) {
    case 'loading':
      return (
        <main className="screen-center" aria-busy="true">
          <p className="loading" role="status">
            {t('app.loading')}
          </p>
        </main>
      );
    case 'no-bridge':
      return (
        <main className="screen-center">
          <div className="notice-card" role="alert" data-testid="no-bridge">
            <h1>{t('bridgeMissing.title')}</h1>
            <p>{t('bridgeMissing.body')}</p>
          </div>
        </main>
      );
    case 'failed':
      return (
        <main className="screen-center">
          <div className="notice-card" role="alert" data-testid="startup-error">
            <h1>{t('startup.title')}</h1>
            <p>{errorMessage(t, boot.error.code)}</p>
            <button type="button" className="button button-primary" onClick={() => void start()}>
              {t('startup.retry')}
            </button>
          </div>
        </main>
      );
    case 'ready':
      break;
  }
  if (!till) return null;

  if (!till.session) {
    return (
      <div className="app app-locked">
        <Header info={till.info} session={null} />
        {till.roster.needsBootstrap && till.info.paired ? (
          <WaitingForStaffScreen storeName={till.info.storeName} onCheck={refreshRoster} />
        ) : till.roster.needsBootstrap ? (
          <BootstrapScreen
            info={till.info}
            onDone={signedIn}
            onRosterStale={refreshRoster}
            onPaired={() => void reloadTill()}
          />
        ) : (
          <LockScreen key={till.generation} roster={till.roster} onLoggedIn={signedIn} onRosterStale={refreshRoster} />
        )}
      </div>
    );
  }

  if (till.session.mustChangePin) {
    return (
      <div className="app app-locked">
        <Header info={till.info} session={till.session} onLock={lock} />
        <ChangePinScreen
          key={till.generation}
          session={till.session}
          pinLength={till.info.pinLength}
          onChanged={signedIn}
          onLock={lock}
        />
      </div>
    );
  }

  return (
    <SessionContext value={context}>
      <Shell key={sessionKey} info={till.info} session={till.session} onLock={lock} />
    </SessionContext>
  );
}
