import {
  useCallback,
  useEffect,
  useRef,
  useState,
  type KeyboardEvent as ReactKeyboardEvent,
  type ReactNode,
} from 'react';
import { useTranslation } from 'react-i18next';
import type { AppInfo, SessionInfo } from '../api/client';
import { ApprovalsView } from '../approvals/ApprovalsView';
import { DashboardView } from '../dashboard/DashboardView';
import { AlertsBadge } from '../alerts/AlertsBadge';
import { AlertsView } from '../alerts/AlertsView';
import { HoldGate } from '../alerts/HoldGate';
import { useOpenAlerts } from '../alerts/useOpenAlerts';
import { AuditView } from '../audit/AuditView';
import { EnrollView, type EnrollViewHandle } from '../enroll/EnrollView';
import type { EnrollValues } from '../enroll/form';
import { FindView, type FindViewHandle } from '../find/FindView';
import { StaffView } from '../staff/StaffView';
import { RolledBackBanner } from '../sync/RolledBackNotice';
import { SyncIndicator } from '../sync/SyncIndicator';
import { SyncView } from '../sync/SyncView';
import { useSyncStatus } from '../sync/useSyncStatus';
import { roleHasPermission } from '../../shared/auth/permissions';
import { tabForKey } from '../common/tabs';
import { Header } from './Header';
import { formattingLocale } from './formatting-locale';
import { ShortcutsBar } from './ShortcutsBar';
import { ALL_VIEWS, VIEW_F_KEYS, viewsFor, type View } from './views';

export type { View };

/** What should get the focus once the view it lives in is shown. */
type FocusTarget = { target: 'search'; select: boolean } | { target: 'enroll' } | { target: 'tab'; view: View };
type FocusRequest = FocusTarget & { seq: number };

const SHORTCUT_KEYS: Partial<Record<View, { keys: string; shortcut: string }>> = {
  find: { keys: 'F2 Control+F', shortcut: 'F2' },
  enroll: { keys: 'F3 Control+N', shortcut: 'F3' },
  ...Object.fromEntries(Object.entries(VIEW_F_KEYS).map(([view, key]) => [view, { keys: key, shortcut: key }])),
};

/** A modal dialog is open: the till shortcuts wait until it is closed. */
function dialogOpen(): boolean {
  return document.querySelector('dialog[open]') !== null;
}

/**
 * The unlocked till. It is keyed on the session by its parent, so locking unmounts it with every
 * search result, member and half-typed form in it.
 */
export function Shell({ info, session, onLock }: { info: AppInfo; session: SessionInfo; onLock: () => void }) {
  const { t, i18n } = useTranslation();
  const views = viewsFor(session.role);
  const [view, setView] = useState<View>('find');
  const [syncBusy, setSyncBusy] = useState(false);
  const [focusRequest, setFocusRequest] = useState<FocusRequest | null>({ seq: 0, target: 'search', select: false });
  const findRef = useRef<FindViewHandle>(null);
  const enrollRef = useRef<EnrollViewHandle>(null);
  const tabRefs = useRef<Partial<Record<View, HTMLButtonElement | null>>>({});
  const seq = useRef(0);

  // One reader of the sync status, for the header indicator and the sync screen.
  const sync = useSyncStatus({
    enabled: roleHasPermission(session.role, 'sync.view'),
    open: view === 'sync',
    busy: syncBusy,
  });

  // The header badge's open-alert count (store managers), read again after an acknowledgement.
  const openAlerts = useOpenAlerts(roleHasPermission(session.role, 'alerts.view'));

  const request = useCallback((next: FocusTarget) => {
    seq.current += 1;
    setFocusRequest({ ...next, seq: seq.current });
  }, []);

  // Focus moves only after React has shown the view, because a hidden panel cannot take focus.
  useEffect(() => {
    if (!focusRequest) return;
    if (focusRequest.target === 'search') findRef.current?.focus(focusRequest.select);
    else if (focusRequest.target === 'enroll') enrollRef.current?.focus();
    else tabRefs.current[focusRequest.view]?.focus();
  }, [focusRequest]);

  const showFind = useCallback(
    (select = true) => {
      setView('find');
      request({ target: 'search', select });
    },
    [request],
  );

  const showEnroll = useCallback(() => {
    setView('enroll');
    request({ target: 'enroll' });
  }, [request]);

  const enrollFromSearch = useCallback(
    (prefill: Partial<EnrollValues>) => {
      enrollRef.current?.prefill(prefill);
      showEnroll();
    },
    [showEnroll],
  );

  const findFromEnroll = useCallback(
    (query: string, memberId?: string) => {
      findRef.current?.searchFor(query, memberId);
      showFind(false);
    },
    [showFind],
  );

  // Till shortcuts work wherever the focus is. `code` is used, not `key`, so Ctrl+F and Ctrl+N work
  // the same with a Russian keyboard layout.
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.altKey || event.shiftKey || event.metaKey || dialogOpen()) return;
      const ctrl = event.ctrlKey;
      // A view's function key (views.ts), for the views this role has.
      const fKeyView = ctrl ? null : (viewsFor(session.role).find((id) => VIEW_F_KEYS[id] === event.key) ?? null);
      if ((event.key === 'F2' && !ctrl) || (ctrl && event.code === 'KeyF')) {
        event.preventDefault();
        showFind(true);
      } else if ((event.key === 'F3' && !ctrl) || (ctrl && event.code === 'KeyN')) {
        event.preventDefault();
        showEnroll();
      } else if (fKeyView) {
        event.preventDefault();
        setView(fKeyView);
        request({ target: 'tab', view: fKeyView });
      } else if (event.key === 'Escape' && !ctrl && view === 'find') {
        event.preventDefault();
        findRef.current?.clear();
        request({ target: 'search', select: false });
      }
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, [showFind, showEnroll, request, view, session.role]);

  const show = (next: View) => {
    if (next === 'find') showFind(false);
    else if (next === 'enroll') showEnroll();
    else setView(next);
  };

  // Tabs follow the ARIA tabs pattern: arrows, Home and End move between them.
  const onTabKeyDown = (event: ReactKeyboardEvent<HTMLButtonElement>) => {
    const next = tabForKey(event.key, views, view);
    if (!next) return;
    event.preventDefault();
    setView(next);
    request({ target: 'tab', view: next });
  };

  const tab = (id: View) => {
    const keys = SHORTCUT_KEYS[id];
    return (
      <button
        key={id}
        type="button"
        role="tab"
        id={`tab-${id}`}
        ref={(element) => {
          tabRefs.current[id] = element;
        }}
        className="tab"
        aria-selected={view === id}
        aria-controls={`panel-${id}`}
        aria-keyshortcuts={keys?.keys}
        tabIndex={view === id ? 0 : -1}
        data-testid={`nav-${id}`}
        onClick={() => show(id)}
        onKeyDown={onTabKeyDown}
      >
        <span>{t(`nav.${id}`)}</span>
        {keys ? (
          <kbd className="tab-key" aria-hidden="true">
            {keys.shortcut}
          </kbd>
        ) : null}
      </button>
    );
  };

  const panel = (id: View, content: ReactNode) => (
    <section
      key={id}
      role="tabpanel"
      id={`panel-${id}`}
      aria-labelledby={`tab-${id}`}
      hidden={view !== id}
      // The sync screen scrolls at 1024x768 (a refusal's card, many rejections) and opens with text,
      // for a cashier with no control at all: the panel itself takes the focus, as ARIA's tabs
      // pattern advises, so the keyboard can scroll it (axe: scrollable-region-focusable).
      tabIndex={id === 'sync' ? 0 : undefined}
      className="panel"
    >
      {content}
    </section>
  );

  return (
    <div className="app">
      <Header
        info={info}
        session={session}
        onLock={onLock}
        sync={
          views.includes('sync') ? (
            <SyncIndicator
              status={sync.status}
              locale={formattingLocale(i18n.language, info.storeRegion)}
              current={view === 'sync'}
              onOpen={() => {
                setView('sync');
                request({ target: 'tab', view: 'sync' });
              }}
            />
          ) : null
        }
        alerts={
          <AlertsBadge
            count={openAlerts.count}
            locale={formattingLocale(i18n.language, info.storeRegion)}
            current={view === 'alerts'}
            onOpen={() => {
              setView('alerts');
              request({ target: 'tab', view: 'alerts' });
            }}
          />
        }
      />
      <nav className="tabs-bar">
        <div role="tablist" aria-label={t('nav.label')} className="tabs">
          {views.map(tab)}
        </div>
      </nav>
      <main className="main">
        {/* HQ refused this till as restored from an old copy: everyone at the counter is told. The
            sync screen has the whole card instead, so the same news is not stacked twice there. */}
        {sync.status?.rolledBack && view !== 'sync' ? (
          <RolledBackBanner
            onOpen={
              views.includes('sync')
                ? () => {
                    setView('sync');
                    request({ target: 'tab', view: 'sync' });
                  }
                : null
            }
          />
        ) : null}
        {ALL_VIEWS.filter((id) => views.includes(id)).map((id) => {
          switch (id) {
            case 'find':
              return panel(id, <FindView ref={findRef} onEnroll={enrollFromSearch} />);
            case 'enroll':
              return panel(id, <EnrollView ref={enrollRef} onFind={findFromEnroll} />);
            // These read fresh data each time they are shown, so they are mounted only while shown.
            case 'staff':
              return panel(id, view === id ? <StaffView /> : null);
            case 'approvals':
              return panel(id, view === id ? <ApprovalsView /> : null);
            case 'audit':
              return panel(id, view === id ? <AuditView /> : null);
            case 'sync':
              return panel(id, view === id ? <SyncView feed={sync} onBusyChange={setSyncBusy} /> : null);
            case 'dashboard':
              return panel(id, view === id ? <DashboardView /> : null);
            case 'alerts':
              return panel(id, view === id ? <AlertsView onChanged={openAlerts.refresh} /> : null);
          }
        })}
      </main>
      <ShortcutsBar view={view} />
      <HoldGate />
    </div>
  );
}
