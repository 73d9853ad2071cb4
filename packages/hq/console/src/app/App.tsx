import { useCallback, useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { SessionInfo } from '../../../src/console/contract';
import { callConsole, onUnauthorized, setCsrfToken } from '../api/console-client';
import { applyLanguage } from '../i18n';
import { EnrolPage } from '../pages/EnrolPage';
import { LoginPage } from '../pages/LoginPage';
import type { ConsoleLanguage } from './format';
import { allowedPages, hashOf, parseHash, type Route } from './routes';
import { SessionContext, type ConsoleSession } from './session';
import { Shell } from './Shell';

/**
 * Reads the route from the hash. An enrolment link's token is taken out at once and the hash
 * replaced by #/enrol, so the token stays neither in the address bar nor in the history.
 */
function takeRoute(): { route: Route; token: string | null } {
  const route = parseHash(window.location.hash);
  if (route.kind === 'enrol' && route.token) {
    window.history.replaceState(null, '', `${window.location.pathname}${window.location.search}#/enrol`);
    return { route: { kind: 'enrol', token: null }, token: route.token };
  }
  return { route, token: null };
}

export function navigate(route: Route): void {
  window.location.hash = hashOf(route);
}

type SessionState = { kind: 'checking' } | { kind: 'none' } | { kind: 'signed-in'; info: SessionInfo };

export function App({ initialLanguage }: { initialLanguage: ConsoleLanguage }) {
  const { t } = useTranslation();
  const [initial] = useState(takeRoute);
  const [route, setRoute] = useState<Route>(initial.route);
  const [enrolToken, setEnrolToken] = useState<string | null>(initial.token);
  const [session, setSession] = useState<SessionState>(() =>
    initial.route.kind === 'enrol' ? { kind: 'none' } : { kind: 'checking' },
  );
  const [notice, setNotice] = useState<string | null>(null);
  const [language, setLanguage] = useState<ConsoleLanguage>(initialLanguage);

  useEffect(() => {
    const onHash = () => {
      const next = takeRoute();
      if (next.token) setEnrolToken(next.token);
      setRoute(next.route);
    };
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);

  const signIn = useCallback((info: SessionInfo) => {
    setCsrfToken(info.csrfToken);
    setSession({ kind: 'signed-in', info });
    setNotice(null);
  }, []);

  const signOut = useCallback((message: string | null) => {
    setCsrfToken(null);
    setSession({ kind: 'none' });
    setNotice(message);
    navigate({ kind: 'login' });
  }, []);

  // Whether a session cookie is still good (a reload keeps the session).
  useEffect(() => {
    // An enrolment link is opened without a session; signing in comes after it.
    if (initial.route.kind === 'enrol') return;
    let current = true;
    callConsole('session', {}).then(
      (info) => {
        if (current) signIn(info);
      },
      () => {
        if (current) setSession({ kind: 'none' });
      },
    );
    return () => {
      current = false;
    };
  }, [initial.route.kind, signIn]);

  const signedIn = session.kind === 'signed-in';
  useEffect(() => {
    onUnauthorized((endpoint) => {
      if (endpoint === 'session' || endpoint === 'login' || !signedIn) return;
      signOut(t('login.sessionEnded'));
    });
    return () => onUnauthorized(null);
  }, [signedIn, signOut, t]);

  const changeLanguage = useCallback((next: ConsoleLanguage) => {
    setLanguage(next);
    void applyLanguage(next);
  }, []);

  const consoleSession = useMemo<ConsoleSession | null>(() => {
    if (session.kind !== 'signed-in') return null;
    const operations = session.info.operations;
    return { info: session.info, language, may: (operation) => operations.includes(operation as never) };
  }, [session, language]);

  // Signed in already (a reload of #/login): on to the first page.
  const redirectHome = consoleSession !== null && route.kind === 'login';
  useEffect(() => {
    if (redirectHome) navigate({ kind: 'home' });
  }, [redirectHome]);

  if (route.kind === 'enrol') {
    return (
      <EnrolPage
        token={enrolToken}
        language={language}
        onLanguage={changeLanguage}
        onDone={() => {
          setEnrolToken(null);
          navigate({ kind: 'login' });
        }}
      />
    );
  }
  if (session.kind === 'checking') {
    return (
      <main className="centre-page" aria-busy="true">
        <p className="muted">{t('common.loading')}</p>
      </main>
    );
  }
  if (!consoleSession || route.kind === 'login') {
    return (
      <LoginPage
        notice={notice}
        language={language}
        onLanguage={changeLanguage}
        onSignedIn={(info) => {
          signIn(info);
          const first = allowedPages(info.operations)[0] ?? 'approvals';
          navigate({ kind: 'page', page: first });
        }}
      />
    );
  }
  const page = route.kind === 'page' ? route.page : (allowedPages(consoleSession.info.operations)[0] ?? 'approvals');
  return (
    <SessionContext.Provider value={consoleSession}>
      <Shell page={page} onLanguage={changeLanguage} onSignedOut={() => signOut(t('login.signedOut'))} />
    </SessionContext.Provider>
  );
}
