import { useCallback, useEffect, useMemo, useState } from 'react';
import i18next from 'i18next';
import { useTranslation } from 'react-i18next';
import type { SessionInfo } from '../../../src/console/contract';
import { callConsole, onUnauthorized, setCsrfToken } from '../api/console-client';
import { applyLanguage, isConsoleLanguage } from '../i18n';
import { ConfirmConsentPage } from '../pages/ConfirmConsentPage';
import { EnrolPage } from '../pages/EnrolPage';
import { LoginPage } from '../pages/LoginPage';
import type { ConsoleLanguage } from './format';
import { allowedPages, hashOf, parseHash, type Route } from './routes';
import { SessionContext, type ConsoleSession } from './session';
import { Shell } from './Shell';

/**
 * Reads the route from the hash. An enrolment or confirmation link's token is taken out at once and
 * the hash replaced by #/enrol or #/confirm, so the token stays neither in the address bar nor in
 * the history.
 */
function takeRoute(): { route: Route; token: string | null } {
  const route = parseHash(window.location.hash);
  if ((route.kind === 'enrol' || route.kind === 'confirm') && route.token) {
    window.history.replaceState(null, '', `${window.location.pathname}${window.location.search}#/${route.kind}`);
    return { route: { kind: route.kind, token: null }, token: route.token };
  }
  return { route, token: null };
}

/** The first of the browser's languages the console has, if any. */
function browserLanguage(): ConsoleLanguage | null {
  for (const tag of navigator.languages.length > 0 ? navigator.languages : [navigator.language]) {
    const base = tag.toLowerCase().split('-')[0];
    if (isConsoleLanguage(base)) return base;
  }
  return null;
}

/** Routes a person opens without signing in: they never ask for the session. */
const isPublicRoute = (route: Route): boolean => route.kind === 'enrol' || route.kind === 'confirm';

export function navigate(route: Route): void {
  window.location.hash = hashOf(route);
}

type SessionState = { kind: 'checking' } | { kind: 'none' } | { kind: 'signed-in'; info: SessionInfo };

export function App({ initialLanguage }: { initialLanguage: ConsoleLanguage }) {
  const { t } = useTranslation();
  const [initial] = useState(takeRoute);
  const [route, setRoute] = useState<Route>(initial.route);
  const [enrolToken, setEnrolToken] = useState<string | null>(initial.route.kind === 'enrol' ? initial.token : null);
  const [confirmToken, setConfirmToken] = useState<string | null>(
    initial.route.kind === 'confirm' ? initial.token : null,
  );
  const [session, setSession] = useState<SessionState>(() =>
    isPublicRoute(initial.route) ? { kind: 'none' } : { kind: 'checking' },
  );
  const [notice, setNotice] = useState<string | null>(null);
  // A member opening a confirmation link has no console language of their own: unless this browser
  // chose Russian before (English is also what nothing chosen reads as), the browser's language.
  const [startLanguage] = useState<ConsoleLanguage>(() =>
    initial.route.kind === 'confirm' && initialLanguage === 'en' ? (browserLanguage() ?? 'en') : initialLanguage,
  );
  const [language, setLanguage] = useState<ConsoleLanguage>(startLanguage);

  useEffect(() => {
    if (startLanguage === initialLanguage) return;
    // Shown, not remembered (applyLanguage would store it): the member did not choose it.
    void i18next.changeLanguage(startLanguage);
    document.documentElement.lang = startLanguage;
  }, [startLanguage, initialLanguage]);

  useEffect(() => {
    const onHash = () => {
      const next = takeRoute();
      if (next.token && next.route.kind === 'enrol') setEnrolToken(next.token);
      if (next.token && next.route.kind === 'confirm') setConfirmToken(next.token);
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
    // An enrolment or confirmation link is opened without a session.
    if (isPublicRoute(initial.route)) return;
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
  }, [initial.route, signIn]);

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

  if (route.kind === 'confirm') {
    return <ConfirmConsentPage token={confirmToken} language={language} onLanguage={changeLanguage} />;
  }
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
