import { useCallback, useEffect, useRef, useState, type KeyboardEvent as ReactKeyboardEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { AppInfo, SessionInfo } from '../api/client';
import { EnrollView, type EnrollViewHandle } from '../enroll/EnrollView';
import type { EnrollValues } from '../enroll/form';
import { FindView, type FindViewHandle } from '../find/FindView';
import { Header } from './Header';
import { ShortcutsBar } from './ShortcutsBar';

export type View = 'find' | 'enroll';
const VIEWS: readonly View[] = ['find', 'enroll'];

/** What should get the focus once the view it lives in is shown. */
type FocusTarget = { target: 'search'; select: boolean } | { target: 'enroll' } | { target: 'tab'; view: View };
type FocusRequest = FocusTarget & { seq: number };

export function Shell({ info, session }: { info: AppInfo; session: SessionInfo | null }) {
  const { t } = useTranslation();
  const [view, setView] = useState<View>('find');
  const [focusRequest, setFocusRequest] = useState<FocusRequest | null>({ seq: 0, target: 'search', select: false });
  const findRef = useRef<FindViewHandle>(null);
  const enrollRef = useRef<EnrollViewHandle>(null);
  const tabRefs = useRef<Record<View, HTMLButtonElement | null>>({ find: null, enroll: null });
  const seq = useRef(0);

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
      if (event.altKey || event.shiftKey || event.metaKey) return;
      const ctrl = event.ctrlKey;
      if ((event.key === 'F2' && !ctrl) || (ctrl && event.code === 'KeyF')) {
        event.preventDefault();
        showFind(true);
      } else if ((event.key === 'F3' && !ctrl) || (ctrl && event.code === 'KeyN')) {
        event.preventDefault();
        showEnroll();
      } else if (event.key === 'Escape' && !ctrl && view === 'find') {
        event.preventDefault();
        findRef.current?.clear();
        request({ target: 'search', select: false });
      }
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, [showFind, showEnroll, request, view]);

  // Tabs follow the ARIA tabs pattern: arrows, Home and End move between them.
  const onTabKeyDown = (event: ReactKeyboardEvent<HTMLButtonElement>) => {
    const index = VIEWS.indexOf(view);
    let next: View | undefined;
    if (event.key === 'ArrowRight') next = VIEWS[(index + 1) % VIEWS.length];
    else if (event.key === 'ArrowLeft') next = VIEWS[(index - 1 + VIEWS.length) % VIEWS.length];
    else if (event.key === 'Home') next = VIEWS[0];
    else if (event.key === 'End') next = VIEWS[VIEWS.length - 1];
    if (!next) return;
    event.preventDefault();
    setView(next);
    request({ target: 'tab', view: next });
  };

  const tab = (id: View, label: string, keys: string, shortcut: string) => (
    <button
      type="button"
      role="tab"
      id={`tab-${id}`}
      ref={(element) => {
        tabRefs.current[id] = element;
      }}
      className="tab"
      aria-selected={view === id}
      aria-controls={`panel-${id}`}
      aria-keyshortcuts={keys}
      tabIndex={view === id ? 0 : -1}
      data-testid={`nav-${id}`}
      onClick={() => (id === 'find' ? showFind(false) : showEnroll())}
      onKeyDown={onTabKeyDown}
    >
      <span>{label}</span>
      <kbd className="tab-key" aria-hidden="true">
        {shortcut}
      </kbd>
    </button>
  );

  return (
    <div className="app">
      <Header info={info} session={session} />
      <nav className="tabs-bar">
        <div role="tablist" aria-label={t('nav.label')} className="tabs">
          {tab('find', t('nav.find'), 'F2 Control+F', 'F2')}
          {tab('enroll', t('nav.enroll'), 'F3 Control+N', 'F3')}
        </div>
      </nav>
      <main className="main">
        <section role="tabpanel" id="panel-find" aria-labelledby="tab-find" hidden={view !== 'find'} className="panel">
          <FindView ref={findRef} onEnroll={enrollFromSearch} />
        </section>
        <section
          role="tabpanel"
          id="panel-enroll"
          aria-labelledby="tab-enroll"
          hidden={view !== 'enroll'}
          className="panel"
        >
          <EnrollView ref={enrollRef} onFind={findFromEnroll} />
        </section>
      </main>
      <ShortcutsBar view={view} />
    </div>
  );
}
