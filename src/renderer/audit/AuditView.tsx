import { useEffect, useId, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { AUDIT_ACTIONS } from '../../shared/audit/schemas';
import { api, asApiError, type AuditEntry, type AuditVerification } from '../api/client';
import { errorMessage } from '../app/messages';
import { useSession } from '../app/session-context';
import { auditQuery, formatDetails, isAuditAction, isAuditSubject, staffName, type AuditFilters } from './audit';
import { useLocale } from '../app/locale';
import { formatDateTime } from '../app/format-date';

type Filters = AuditFilters;

const NO_FILTERS: Filters = { staffId: '', action: '', from: '', to: '' };

/** Managers: the hash-chained audit log, newest first, with filters, paging and a chain check. */
export function AuditView() {
  const { t } = useTranslation();
  const locale = useLocale();
  const { roster } = useSession();
  const [filters, setFilters] = useState<Filters>(NO_FILTERS);
  const [entries, setEntries] = useState<AuditEntry[] | null>(null);
  const [hasMore, setHasMore] = useState(false);
  const [loading, setLoading] = useState(true);
  const [problem, setProblem] = useState<string | null>(null);
  const [verification, setVerification] = useState<AuditVerification | null>(null);
  const [verifying, setVerifying] = useState(false);
  const latest = useRef(0);
  const ids = useId();
  const actionLabel = (action: string) => (isAuditAction(action) ? t(`audit.actions.${action}`) : action);

  const wanted = auditQuery(filters);
  const rangeProblem = wanted.ok ? null : wanted.problem === 'order' ? t('audit.rangeOrder') : t('audit.rangeInvalid');

  // Read from the main process (an external system) whenever the filters change; answers to
  // older filters are dropped.
  useEffect(() => {
    const built = auditQuery(filters);
    if (!built.ok) return;
    const ticket = ++latest.current;
    api.listAudit(built.query).then(
      (page) => {
        if (ticket !== latest.current) return;
        setEntries(page.entries);
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
  }, [filters, t]);

  const loadMore = async (beforeSeq: number) => {
    const built = auditQuery(filters, beforeSeq);
    if (!built.ok) return;
    const ticket = ++latest.current;
    setLoading(true);
    try {
      const page = await api.listAudit(built.query);
      if (ticket !== latest.current) return;
      setEntries((previous) => [...(previous ?? []), ...page.entries]);
      setHasMore(page.hasMore);
      setProblem(null);
    } catch (caught) {
      if (ticket === latest.current) setProblem(errorMessage(t, asApiError(caught).code));
    } finally {
      if (ticket === latest.current) setLoading(false);
    }
  };

  const change = (patch: Partial<Filters>) => {
    const next = { ...filters, ...patch };
    setFilters(next);
    if (auditQuery(next).ok) setLoading(true);
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
  const filtered = filters !== NO_FILTERS;

  return (
    <div className="audit">
      <div className="view-head">
        <h1 id={`${ids}-title`} className="view-title">
          {t('audit.heading')}
        </h1>
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
        {rangeProblem || problem ? (
          <p className="banner banner-error" data-testid="audit-error">
            {rangeProblem ?? problem}
          </p>
        ) : null}
      </div>

      <form className="filters" aria-label={t('audit.filters')} onSubmit={(event) => event.preventDefault()}>
        <div className="form-field">
          <label htmlFor={`${ids}-staff`} className="field-label">
            {t('audit.staff')}
          </label>
          <select
            id={`${ids}-staff`}
            className="input select"
            data-testid="audit-filter-staff"
            value={filters.staffId}
            onChange={(event) => change({ staffId: event.target.value })}
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
          <label htmlFor={`${ids}-action`} className="field-label">
            {t('audit.action')}
          </label>
          <select
            id={`${ids}-action`}
            className="input select"
            data-testid="audit-filter-action"
            value={filters.action}
            onChange={(event) => change({ action: event.target.value as Filters['action'] })}
          >
            <option value="">{t('audit.allActions')}</option>
            {AUDIT_ACTIONS.map((action) => (
              <option key={action} value={action}>
                {actionLabel(action)}
              </option>
            ))}
          </select>
        </div>
        <div className="form-field">
          <label htmlFor={`${ids}-from`} className="field-label">
            {t('audit.from')}
          </label>
          <input
            id={`${ids}-from`}
            type="date"
            className="input"
            data-testid="audit-filter-from"
            value={filters.from}
            max={filters.to || undefined}
            onChange={(event) => change({ from: event.target.value })}
          />
        </div>
        <div className="form-field">
          <label htmlFor={`${ids}-to`} className="field-label">
            {t('audit.to')}
          </label>
          <input
            id={`${ids}-to`}
            type="date"
            className="input"
            data-testid="audit-filter-to"
            value={filters.to}
            min={filters.from || undefined}
            onChange={(event) => change({ to: event.target.value })}
          />
        </div>
        <div className="filters-actions">
          <button type="button" className="button button-quiet" disabled={!filtered} onClick={() => change(NO_FILTERS)}>
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
                <th scope="col">{t('audit.subject')}</th>
                <th scope="col">{t('audit.details')}</th>
              </tr>
            </thead>
            <tbody>
              {entries.map((entry) => {
                const subjectName =
                  entry.subjectType === 'staff' ? staffName(entry.subjectId, roster) : entry.subjectId;
                return (
                  <tr key={entry.seq} data-testid="audit-row" data-seq={entry.seq}>
                    <td className="mono">{entry.seq}</td>
                    <td className="nowrap">{formatDateTime(entry.at, locale)}</td>
                    <td>{staffName(entry.staffId, roster) ?? t('audit.system')}</td>
                    <td>{actionLabel(entry.action)}</td>
                    <td className="cell-wrap">
                      {entry.subjectType ? (
                        <>
                          <span className="cell-note-inline">
                            {isAuditSubject(entry.subjectType)
                              ? t(`audit.subjects.${entry.subjectType}`)
                              : entry.subjectType}
                          </span>{' '}
                          {subjectName}
                        </>
                      ) : (
                        '—'
                      )}
                    </td>
                    <td className="cell-wrap mono cell-details">{formatDetails(entry.details) || '—'}</td>
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
