import { useEffect, useId, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { AuditMemberLabel } from '../../shared/audit/describe';
import { describeAuditEntry } from '../../shared/audit/describe';
import { AUDIT_ACTION_GROUPS, AUDIT_ACTION_GROUP_NAMES, AUDIT_ACTIONS } from '../../shared/audit/schemas';
import { api, asApiError, type AuditEntry, type AuditVerification } from '../api/client';
import { errorMessage } from '../app/messages';
import { useSession } from '../app/session-context';
import { useLocale } from '../app/locale';
import { formatDateTime } from '../app/format-date';
import { Field } from '../forms/Field';
import { auditLanguage, auditNameBook, auditQuery, isAuditAction, type AuditFilters } from './audit';
import { AuditExportButton } from './AuditExportButton';
import { datePattern } from '../../shared/audit/typed-date';
import './audit.css';

type Filters = AuditFilters;

const NO_FILTERS: Filters = { staffId: '', group: '', action: '', memberCard: '', from: '', to: '' };

/** Managers: the hash-chained audit log in words, newest first, with filters, paging, a chain check and the export. */
export function AuditView() {
  const { t, i18n } = useTranslation();
  const locale = useLocale();
  const language = auditLanguage(i18n.language);
  const pattern = useMemo(() => datePattern(locale, language), [locale, language]);
  const { roster } = useSession();
  const [filters, setFilters] = useState<Filters>(NO_FILTERS);
  /** The filters the list was asked with: typed text settles (Enter or leaving the field) before a query. */
  const [applied, setApplied] = useState<Filters>(NO_FILTERS);
  const [entries, setEntries] = useState<AuditEntry[] | null>(null);
  const [members, setMembers] = useState<Record<string, AuditMemberLabel>>({});
  const [rewards, setRewards] = useState<Record<string, { en: string; ru: string }>>({});
  const [memberNotFound, setMemberNotFound] = useState(false);
  const [hasMore, setHasMore] = useState(false);
  const [loading, setLoading] = useState(true);
  const [problem, setProblem] = useState<string | null>(null);
  const [verification, setVerification] = useState<AuditVerification | null>(null);
  const [verifying, setVerifying] = useState(false);
  const latest = useRef(0);
  const ids = useId();
  const actionLabel = (action: string) => (isAuditAction(action) ? t(`audit.actions.${action}`) : action);
  const book = auditNameBook(roster, members, rewards, language);

  const wanted = auditQuery(applied, pattern);
  const rangeProblem = wanted.ok
    ? null
    : wanted.problem === 'order'
      ? t('audit.rangeOrder')
      : t('audit.dateInvalid', { hint: pattern.hint, example: pattern.example });

  // Read from the main process (an external system) whenever the applied filters change; answers
  // to older filters are dropped.
  useEffect(() => {
    const built = auditQuery(applied, pattern);
    if (!built.ok) return;
    const ticket = ++latest.current;
    api.listAudit(built.query).then(
      (page) => {
        if (ticket !== latest.current) return;
        setEntries(page.entries);
        setMembers(page.members ?? {});
        setRewards(page.rewards ?? {});
        setMemberNotFound(page.memberNotFound === true);
        setHasMore(page.hasMore);
        setProblem(null);
        setLoading(false);
      },
      (caught: unknown) => {
        if (ticket !== latest.current) return;
        setProblem(errorMessage(t, asApiError(caught).code));
        setLoading(false);
      },
    );
  }, [applied, pattern, t]);

  const loadMore = async (beforeSeq: number) => {
    const built = auditQuery(applied, pattern, beforeSeq);
    if (!built.ok) return;
    const ticket = ++latest.current;
    setLoading(true);
    try {
      const page = await api.listAudit(built.query);
      if (ticket !== latest.current) return;
      setEntries((previous) => [...(previous ?? []), ...page.entries]);
      setMembers((previous) => ({ ...previous, ...page.members }));
      setRewards((previous) => ({ ...previous, ...page.rewards }));
      setHasMore(page.hasMore);
      setProblem(null);
    } catch (caught) {
      if (ticket === latest.current) setProblem(errorMessage(t, asApiError(caught).code));
    } finally {
      if (ticket === latest.current) setLoading(false);
    }
  };

  const apply = (next: Filters) => {
    setFilters(next);
    setApplied(next);
    if (auditQuery(next, pattern).ok) setLoading(true);
  };
  /** Choices apply at once; typed fields apply on Enter or when the focus leaves them. */
  const choose = (patch: Partial<Filters>) => apply({ ...filters, ...patch });
  const type = (patch: Partial<Filters>) => setFilters({ ...filters, ...patch });
  const settle = () => {
    if (filters !== applied) apply(filters);
  };

  const verify = async () => {
    setVerifying(true);
    try {
      setVerification(await api.verifyAudit());
    } catch (caught) {
      setProblem(errorMessage(t, asApiError(caught).code));
    } finally {
      setVerifying(false);
    }
  };

  const last = entries?.[entries.length - 1];
  const filtered = JSON.stringify(filters) !== JSON.stringify(NO_FILTERS);
  const dateHint = t('audit.dateHint', { hint: pattern.hint, example: pattern.example });
  const dateError = (which: 'from' | 'to') =>
    !wanted.ok && (wanted.problem === `invalid_${which}` || (which === 'to' && wanted.problem === 'order'))
      ? (rangeProblem ?? undefined)
      : undefined;

  return (
    <div className="audit">
      <div className="view-head">
        <h1 id={`${ids}-title`} className="view-title">
          {t('audit.heading')}
        </h1>
        <div className="audit-head-actions">
          {wanted.ok ? <AuditExportButton query={wanted.query} language={language} /> : null}
          <button
            type="button"
            className="button button-secondary"
            disabled={verifying}
            aria-busy={verifying || undefined}
            data-testid="audit-verify"
            onClick={() => void verify()}
          >
            {verifying ? t('audit.verifying') : t('audit.verify')}
          </button>
        </div>
      </div>
      <div role="status" className="status-slot">
        {verification?.ok ? (
          <p className="banner banner-success verify-result" data-testid="audit-verify-result">
            <span className="banner-title">{t('audit.intact', { n: verification.checked })}</span>
          </p>
        ) : null}
      </div>
      <div role="alert" className="status-slot">
        {verification && !verification.ok ? (
          <p className="banner banner-error verify-result" data-testid="audit-verify-result">
            <span className="banner-title">
              {verification.firstBrokenSeq === null
                ? t('audit.brokenUnknown')
                : t('audit.broken', { seq: verification.firstBrokenSeq })}
            </span>
            <span>{t('audit.brokenHint')}</span>
          </p>
        ) : null}
        {problem ? (
          <p className="banner banner-error" data-testid="audit-error">
            {problem}
          </p>
        ) : null}
      </div>

      <form
        className="filters audit-filters"
        aria-label={t('audit.filters')}
        onSubmit={(event) => {
          event.preventDefault();
          settle();
        }}
      >
        <div className="form-field">
          <label htmlFor={`${ids}-staff`} className="field-label">
            {t('audit.staff')}
          </label>
          <select
            id={`${ids}-staff`}
            className="input select"
            data-testid="audit-filter-staff"
            value={filters.staffId}
            onChange={(event) => choose({ staffId: event.target.value })}
          >
            <option value="">{t('audit.allStaff')}</option>
            {roster.map((entry) => (
              <option key={entry.staffId} value={entry.staffId}>
                {entry.displayName}
              </option>
            ))}
          </select>
        </div>
        <div className="form-field">
          <label htmlFor={`${ids}-group`} className="field-label">
            {t('audit.group')}
          </label>
          <select
            id={`${ids}-group`}
            className="input select"
            data-testid="audit-filter-group"
            value={filters.group}
            onChange={(event) => choose({ group: event.target.value as Filters['group'], action: '' })}
          >
            <option value="">{t('audit.allGroups')}</option>
            {AUDIT_ACTION_GROUP_NAMES.map((group) => (
              <option key={group} value={group}>
                {t(`audit.groups.${group}`)}
              </option>
            ))}
          </select>
        </div>
        <div className="form-field">
          <label htmlFor={`${ids}-action`} className="field-label">
            {t('audit.action')}
          </label>
          <select
            id={`${ids}-action`}
            className="input select"
            data-testid="audit-filter-action"
            value={filters.action}
            onChange={(event) => choose({ action: event.target.value as Filters['action'] })}
          >
            <option value="">{t('audit.allActions')}</option>
            {(filters.group ? AUDIT_ACTION_GROUPS[filters.group] : AUDIT_ACTIONS).map((action) => (
              <option key={action} value={action}>
                {actionLabel(action)}
              </option>
            ))}
          </select>
        </div>
        <Field
          label={t('audit.memberCard')}
          hint={t('audit.memberCardHint')}
          error={memberNotFound && applied.memberCard ? t('audit.memberNotFound') : undefined}
        >
          {(aria) => (
            <input
              {...aria}
              className="input"
              inputMode="numeric"
              autoComplete="off"
              data-testid="audit-filter-member"
              value={filters.memberCard}
              onChange={(event) => type({ memberCard: event.target.value })}
              onBlur={settle}
            />
          )}
        </Field>
        {(['from', 'to'] as const).map((which) => (
          <Field key={which} label={t(`audit.${which}`)} hint={dateHint} error={dateError(which)}>
            {(aria) => (
              <input
                {...aria}
                className="input input-date"
                autoComplete="off"
                placeholder={pattern.hint}
                data-testid={`audit-filter-${which}`}
                value={filters[which]}
                onChange={(event) => type({ [which]: event.target.value })}
                onBlur={settle}
              />
            )}
          </Field>
        ))}
        <div className="filters-actions">
          <button type="submit" className="button button-secondary" data-testid="audit-apply">
            {t('audit.applyFilters')}
          </button>
          <button type="button" className="button button-quiet" disabled={!filtered} onClick={() => apply(NO_FILTERS)}>
            {t('audit.clearFilters')}
          </button>
        </div>
      </form>

      <p className="search-status" role="status">
        {loading ? t('audit.loading') : entries ? t('audit.count', { n: entries.length }) : ''}
      </p>

      {entries && entries.length === 0 ? (
        <div className="empty" data-testid="audit-empty">
          <p className="empty-title">{t('audit.empty')}</p>
        </div>
      ) : null}

      {entries && entries.length > 0 ? (
        <div className="table-wrap">
          <table className="table table-compact" aria-labelledby={`${ids}-title`} data-testid="audit-table">
            <thead>
              <tr>
                <th scope="col">{t('audit.seq')}</th>
                <th scope="col">{t('audit.at')}</th>
                <th scope="col">{t('audit.staff')}</th>
                <th scope="col">{t('audit.action')}</th>
                <th scope="col">{t('audit.what')}</th>
              </tr>
            </thead>
            <tbody>
              {entries.map((entry) => {
                const described = describeAuditEntry(entry, language, book);
                return (
                  <tr key={entry.seq} data-testid="audit-row" data-seq={entry.seq} data-action={entry.action}>
                    <td className="mono">{entry.seq}</td>
                    <td className="nowrap">{formatDateTime(entry.at, locale)}</td>
                    <td>{described.actor}</td>
                    <td>{actionLabel(entry.action)}</td>
                    <td className="cell-wrap">
                      <span data-testid="audit-sentence">{described.sentence}</span>
                      {described.details.length > 0 ? (
                        <span className="cell-note" data-testid="audit-details">
                          {described.details.join(' · ')}
                        </span>
                      ) : null}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      ) : null}

      {hasMore && last ? (
        <div className="load-more">
          <button
            type="button"
            className="button button-secondary"
            disabled={loading}
            data-testid="audit-load-more"
            onClick={() => void loadMore(last.seq)}
          >
            {t('audit.loadMore')}
          </button>
        </div>
      ) : null}
    </div>
  );
}
