import { useEffect, useRef, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { ConsoleApiError, callConsole } from '../api/console-client';
import { AlertsPage } from '../pages/AlertsPage';
import { ApprovalsPage } from '../pages/ApprovalsPage';
import { AuditPage } from '../pages/AuditPage';
import { CatalogPage } from '../pages/CatalogPage';
import { DashboardPage } from '../pages/DashboardPage';
import { DevicesPage } from '../pages/DevicesPage';
import { IncidentsPage } from '../pages/IncidentsPage';
import { MembersPage } from '../pages/MembersPage';
import { OperatorsPage } from '../pages/OperatorsPage';
import { PrivacyPage } from '../pages/PrivacyPage';
import { ReportsPage } from '../pages/ReportsPage';
import { ReviewsPage } from '../pages/ReviewsPage';
import { SecurityPage } from '../pages/SecurityPage';
import { StaffPage } from '../pages/StaffPage';
import { StoresPage } from '../pages/StoresPage';
import { TokensPage } from '../pages/TokensPage';
import type { ConsoleLanguage } from './format';
import { LanguageSwitch } from './LanguageSwitch';
import { allowedPages, pageAllowed, type PageName } from './routes';
import { useSession } from './session';

const PAGE_COMPONENTS: Record<PageName, () => ReactNode> = {
  stores: () => <StoresPage />,
  devices: () => <DevicesPage />,
  staff: () => <StaffPage />,
  catalog: () => <CatalogPage />,
  members: () => <MembersPage />,
  privacy: () => <PrivacyPage />,
  incidents: () => <IncidentsPage />,
  alerts: () => <AlertsPage />,
  reviews: () => <ReviewsPage />,
  reports: () => <ReportsPage />,
  dashboard: () => <DashboardPage />,
  audit: () => <AuditPage />,
  operators: () => <OperatorsPage />,
  approvals: () => <ApprovalsPage />,
  tokens: () => <TokensPage />,
  security: () => <SecurityPage />,
};

interface ShellProps {
  page: PageName;
  onLanguage: (language: ConsoleLanguage) => void;
  onSignedOut: () => void;
}

export function Shell({ page, onLanguage, onSignedOut }: ShellProps) {
  const { t } = useTranslation();
  const session = useSession();
  const { info } = session;
  const mainRef = useRef<HTMLElement>(null);
  const pages = allowedPages(info.operations);
  const allowed = pageAllowed(page, info.operations);

  // A new page: the focus goes to its heading, so a screen reader reads where it is.
  useEffect(() => {
    mainRef.current?.querySelector<HTMLElement>('h1')?.focus();
  }, [page]);

  useEffect(() => {
    document.title = `${t(`pages.${page}`)} · ${t('shell.product')}`;
  }, [page, t]);

  async function logout() {
    try {
      await callConsole('logout', {});
    } catch (error) {
      // HQ refused or could not be reached: signed out here either way, and HQ ends the unused
      // session by itself when it idles out. Anything else is a bug, and is not hidden.
      if (!(error instanceof ConsoleApiError)) throw error;
    }
    onSignedOut();
  }

  return (
    <div className="shell">
      <a
        className="skip-link"
        href="#main"
        onClick={(event) => {
          event.preventDefault();
          mainRef.current?.querySelector<HTMLElement>('h1')?.focus();
        }}
      >
        {t('shell.skipToContent')}
      </a>
      <header className="shell-header">
        <span className="product">{t('shell.product')}</span>
        <div className="operator">
          <span className="operator-name">{info.operator.displayName}</span>
          <span className="operator-roles">{info.operator.roles.map((role) => t(`roles.${role}`)).join(', ')}</span>
        </div>
        <LanguageSwitch language={session.language} onLanguage={onLanguage} />
        <button type="button" className="button button-header" onClick={() => void logout()}>
          {t('shell.logout')}
        </button>
      </header>
      <div className="shell-body">
        <nav className="shell-nav" aria-label={t('shell.navigation')}>
          <ul>
            {pages.map((name) => (
              <li key={name}>
                <a
                  href={`#/${name}`}
                  className="nav-link"
                  {...(name === page ? { 'aria-current': 'page' as const } : {})}
                >
                  {t(`pages.${name}`)}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <main id="main" ref={mainRef} className="shell-main">
          {info.recoveryCodesLeft < 3 ? (
            <div className="notice notice-warning" role="note">
              {t('shell.recoveryCodesLow', { count: info.recoveryCodesLeft })}
            </div>
          ) : null}
          {allowed ? (
            PAGE_COMPONENTS[page]()
          ) : (
            <>
              <h1 tabIndex={-1}>{t(`pages.${page}`)}</h1>
              <div className="notice notice-error" role="alert">
                {t('errors.forbidden')}
              </div>
            </>
          )}
        </main>
      </div>
    </div>
  );
}
