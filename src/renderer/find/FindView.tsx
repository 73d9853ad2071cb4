import {
  useCallback,
  useEffect,
  useId,
  useImperativeHandle,
  useRef,
  useState,
  type FormEvent,
  type KeyboardEvent,
  type Ref,
} from 'react';
import { useTranslation } from 'react-i18next';
import { formatCardNumber } from '../../shared/members/card-number';
import { LIMITS } from '../../shared/members/schemas';
import { api, asApiError, type ApiError, type FindResult, type MemberSummary } from '../api/client';
import { errorMessage } from '../app/messages';
import type { EnrollValues } from '../enroll/form';
import { toIssueCode } from '../enroll/form';
import { MemberPanel } from '../members/MemberPanel';
import { prefillFromQuery, SEARCH_DEBOUNCE_MS, shouldSearchAsYouType } from './query';
import { useLocale } from '../app/locale';
import { formatNumber } from '../app/format-number';

export interface FindViewHandle {
  /** Focuses the search box; `select` selects what is in it so the next scan replaces it. */
  focus(select: boolean): void;
  /** Esc: empties the box, the results and the member shown. */
  clear(): void;
  /** Runs a search for `query` and, if `memberId` is among the results, opens that member. */
  searchFor(query: string, memberId?: string): void;
}

interface Outcome extends FindResult {
  /** The trimmed query these results are for. */
  query: string;
}

type How = 'typing' | 'enter';

export function FindView({
  ref,
  onEnroll,
}: {
  ref: Ref<FindViewHandle>;
  onEnroll: (prefill: Partial<EnrollValues>) => void;
}) {
  const { t } = useTranslation();
  const locale = useLocale();
  const [query, setQuery] = useState('');
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [active, setActive] = useState(-1);
  const [selected, setSelected] = useState<MemberSummary | null>(null);
  const [searching, setSearching] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [tooLong, setTooLong] = useState(false);
  const [erasedNotice, setErasedNotice] = useState<string | null>(null);
  const inputRef = useRef<HTMLInputElement>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const latest = useRef(0);
  const ids = useId();
  const listId = `${ids}-results`;
  const hintId = `${ids}-hint`;
  const errorId = `${ids}-error`;
  const optionId = (member: MemberSummary) => `${ids}-member-${member.id}`;

  const cancelTyping = () => clearTimeout(timer.current);
  useEffect(() => () => clearTimeout(timer.current), []);

  const reset = useCallback(() => {
    clearTimeout(timer.current);
    latest.current += 1;
    setOutcome(null);
    setActive(-1);
    setSelected(null);
    setSearching(false);
    setError(null);
    setTooLong(false);
  }, []);

  const run = useCallback(async (raw: string, how: How, openId?: string) => {
    clearTimeout(timer.current);
    const trimmed = raw.trim();
    const ticket = ++latest.current;
    setError(null);
    if (!trimmed) {
      setOutcome(null);
      setActive(-1);
      setSelected(null);
      setSearching(false);
      setTooLong(false);
      return;
    }
    if (trimmed.length > LIMITS.query) {
      setTooLong(true);
      setOutcome(null);
      setSearching(false);
      return;
    }
    setTooLong(false);
    setSearching(true);
    try {
      const found = await api.find(trimmed);
      if (ticket !== latest.current) return; // a newer search has started; this answer is stale
      setOutcome({ ...found, query: trimmed });
      const wanted = openId === undefined ? -1 : found.members.findIndex((member) => member.id === openId);
      if (wanted >= 0) {
        setActive(wanted);
        setSelected(found.members[wanted] ?? null);
      } else if (how === 'enter' && found.members.length === 1) {
        // A scanned card or a full phone number: one member, shown straight away.
        setActive(0);
        setSelected(found.members[0] ?? null);
      } else {
        setActive(how === 'enter' && found.members.length > 0 ? 0 : -1);
        setSelected(null);
      }
    } catch (caught) {
      if (ticket !== latest.current) return;
      const apiError = asApiError(caught);
      setOutcome(null);
      setSelected(null);
      if (apiError.code === 'validation_failed' && apiError.issues.some((issue) => issue.path === 'query')) {
        setTooLong(apiError.issues.some((issue) => toIssueCode(issue.code) === 'too_long'));
      }
      setError(apiError);
    } finally {
      if (ticket === latest.current) setSearching(false);
    }
  }, []);

  useImperativeHandle(
    ref,
    () => ({
      focus(select) {
        inputRef.current?.focus();
        if (select) inputRef.current?.select();
      },
      clear() {
        setQuery('');
        reset();
      },
      searchFor(next, memberId) {
        setQuery(next);
        void run(next, 'enter', memberId);
      },
    }),
    [reset, run],
  );

  const onChange = (value: string) => {
    setQuery(value);
    setErasedNotice(null);
    cancelTyping();
    if (!value.trim()) {
      reset();
      return;
    }
    if (shouldSearchAsYouType(value)) {
      timer.current = setTimeout(() => void run(value, 'typing'), SEARCH_DEBOUNCE_MS);
    }
  };

  // A change made on the member screen (points, profile) shows in the result list at once.
  const onMemberChanged = useCallback((changed: MemberSummary) => {
    setOutcome((current) =>
      current
        ? { ...current, members: current.members.map((member) => (member.id === changed.id ? changed : member)) }
        : current,
    );
    setSelected((current) => (current?.id === changed.id ? changed : current));
  }, []);

  // Erased here (a standalone till): the member leaves the results and the screen, with a word why.
  const onMemberErased = useCallback((memberId: string, message: string) => {
    setOutcome((current) =>
      current ? { ...current, members: current.members.filter((member) => member.id !== memberId) } : current,
    );
    setSelected(null);
    setErasedNotice(message);
    inputRef.current?.focus();
  }, []);

  const members = outcome?.members ?? [];
  const fresh = outcome !== null && outcome.query === query.trim();
  const listShown = fresh && members.length > 0;
  const activeMember = listShown && active >= 0 ? members[active] : undefined;

  const open = (index: number) => {
    const member = members[index];
    if (!member) return;
    setActive(index);
    setSelected(member);
  };

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    cancelTyping();
    if (fresh && active >= 0 && members[active]) open(active);
    else if (fresh && members.length === 1) open(0);
    else void run(query, 'enter');
  };

  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    if (!listShown) return;
    if (event.key === 'ArrowDown') {
      event.preventDefault();
      setActive((index) => Math.min(index + 1, members.length - 1));
    } else if (event.key === 'ArrowUp') {
      event.preventDefault();
      setActive((index) => Math.max(index - 1, 0));
    }
  };

  // Keep the active result in view when the arrow keys move past the edge of the list. Only the
  // list scrolls, never the page, so the header and the search box stay where they are.
  const activeId = activeMember ? optionId(activeMember) : undefined;
  useEffect(() => {
    if (!activeId) return;
    const list = document.getElementById(listId);
    const item = document.getElementById(activeId);
    if (!list || !item) return;
    if (item.offsetTop < list.scrollTop) list.scrollTop = item.offsetTop;
    else if (item.offsetTop + item.offsetHeight > list.scrollTop + list.clientHeight) {
      list.scrollTop = item.offsetTop + item.offsetHeight - list.clientHeight;
    }
  }, [activeId, listId]);

  const kinds = outcome?.matchedAs ?? [];
  const understood = kinds.map((kind) => t(`find.kinds.${kind}`)).join(t('find.kindSeparator'));
  const notRecognised = fresh && kinds.length === 1 && kinds[0] === 'none';
  const describedBy = [hintId, tooLong ? errorId : ''].filter(Boolean).join(' ');

  return (
    <div className="find">
      <h1 className="sr-only">{t('find.heading')}</h1>
      <form role="search" className="search-form" onSubmit={onSubmit} noValidate>
        <label htmlFor={`${ids}-input`} className="field-label">
          {t('find.label')}
        </label>
        <div className="search-row">
          <input
            id={`${ids}-input`}
            ref={inputRef}
            className="input input-search"
            type="text"
            role="combobox"
            autoComplete="off"
            autoCorrect="off"
            autoCapitalize="off"
            spellCheck={false}
            enterKeyHint="search"
            placeholder={t('find.placeholder')}
            aria-autocomplete="list"
            aria-expanded={listShown}
            aria-controls={listShown ? listId : undefined}
            aria-activedescendant={activeMember ? optionId(activeMember) : undefined}
            aria-describedby={describedBy}
            aria-invalid={tooLong || undefined}
            data-testid="search-input"
            value={query}
            onChange={(event) => onChange(event.target.value)}
            onKeyDown={onKeyDown}
          />
          <button type="submit" className="button button-primary">
            {t('find.submit')}
          </button>
          <button
            type="button"
            className="button button-secondary"
            disabled={!query && !outcome}
            onClick={() => {
              setQuery('');
              reset();
              inputRef.current?.focus();
            }}
          >
            {t('find.clear')}
          </button>
        </div>
        {tooLong ? (
          <p id={errorId} className="field-error" data-testid="field-error-query">
            {t('fieldIssues.too_long', { max: LIMITS.query })}
          </p>
        ) : null}
        <p id={hintId} className="hint">
          {t('find.hint')}
        </p>
      </form>

      {error && !tooLong ? (
        <div className="banner banner-error" role="alert" data-testid="search-error">
          <p>{errorMessage(t, error.code)}</p>
        </div>
      ) : null}

      <p className="search-status" role="status">
        {searching
          ? t('find.searching')
          : fresh && !notRecognised
            ? `${t('find.count', { n: members.length })} · ${t('find.understoodAs', { kinds: understood })}`
            : ''}
      </p>

      {fresh && notRecognised ? (
        <div className="empty" data-testid="search-empty">
          <p className="empty-title">{t('find.notRecognised', { query: outcome.query })}</p>
        </div>
      ) : null}

      {fresh && !notRecognised && members.length === 0 ? (
        <div className="empty" data-testid="search-empty">
          <p className="empty-title">{t('find.noneFound', { query: outcome.query })}</p>
          <p className="hint">{t('find.noneFoundHint')}</p>
          <button
            type="button"
            className="button button-primary"
            onClick={() => onEnroll(prefillFromQuery(outcome.query, outcome.matchedAs))}
          >
            {t('find.enrollInstead')}
          </button>
        </div>
      ) : null}

      {/* Outside the results grid: a grid item here would push the member screen into the list's column. */}
      <div role="status" className="status-slot">
        {erasedNotice ? (
          <p className="banner banner-success" data-testid="find-notice">
            {erasedNotice}
          </p>
        ) : null}
      </div>

      {listShown && outcome.truncated ? (
        <p className="banner banner-info" data-testid="search-truncated">
          {t('find.truncated', { n: members.length })}
        </p>
      ) : null}

      <div className={selected ? 'find-body find-body-split' : 'find-body'}>
        {listShown ? (
          <div className="results">
            <ul
              id={listId}
              role="listbox"
              aria-label={t('find.resultsLabel')}
              className="result-list"
              data-testid="search-results"
            >
              {members.map((member, index) => (
                <li
                  key={member.id}
                  id={optionId(member)}
                  role="option"
                  aria-selected={index === active}
                  className={
                    'result' +
                    (index === active ? ' result-active' : '') +
                    (selected?.id === member.id ? ' result-open' : '')
                  }
                  data-testid="result-item"
                  data-member-id={member.id}
                  // Keep the focus in the search box, so the next scan lands there.
                  onMouseDown={(event) => event.preventDefault()}
                  onClick={() => {
                    open(index);
                    inputRef.current?.focus();
                  }}
                >
                  <span className="result-name">
                    {member.givenName} {member.familyName}
                    {selected?.id === member.id ? (
                      // Says which result the member screen shows: in words, with the longer tooltip.
                      <span className="result-open-mark" title={t('find.openHint')} data-testid="result-open-mark">
                        <span aria-hidden="true">✓ </span>
                        {t('find.open')}
                      </span>
                    ) : null}
                  </span>
                  <span className="result-card">{formatCardNumber(member.cardNumber)}</span>
                  <span className="result-points">
                    <span className={`tier tier-${member.tier}`}>{t(`tiers.${member.tier}`)}</span>
                    <span className="result-balance" data-testid="result-balance">
                      {t('find.points', { n: formatNumber(member.balance.total, locale) })}
                    </span>
                  </span>
                  <span className="result-contacts">
                    <span>{member.phoneMasked ?? t('find.noPhone')}</span>
                    <span>{member.emailMasked ?? t('find.noEmail')}</span>
                  </span>
                </li>
              ))}
            </ul>
          </div>
        ) : null}
        {selected ? (
          <MemberPanel
            key={selected.id}
            summary={selected}
            onClose={() => {
              setSelected(null);
              inputRef.current?.focus();
            }}
            onChanged={onMemberChanged}
            onErased={(message) => onMemberErased(selected.id, message)}
          />
        ) : null}
      </div>
    </div>
  );
}
