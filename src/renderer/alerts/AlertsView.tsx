import { useEffect, useId, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, asApiError, type TillAlert } from '../api/client';
import { createIntents } from '../api/intent';
import { useLocale } from '../app/locale';
import { errorMessage } from '../app/messages';
import { useSession } from '../app/session-context';
import { formatNumber } from '../app/format-number';
import { describeAlert } from './describe-alert';
import './alerts.css';

/**
 * Store managers: the alerts the detection rules raised, open ones first, each in words (who,
 * which rule, what triggered it, when, notify or enforced), with Acknowledge. Read fresh each
 * time the tab is shown (the Shell mounts it only while shown).
 */
export function AlertsView({ onChanged }: { onChanged: () => void }) {
  const { t } = useTranslation();
  const locale = useLocale();
  const { roster, session } = useSession();
  const [alerts, setAlerts] = useState<TillAlert[] | null>(null);
  const [openCount, setOpenCount] = useState(0);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [problem, setProblem] = useState<{ alertId: string; text: string } | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [reloads, setReloads] = useState(0);
  const [intents] = useState(() => createIntents());
  const headingId = useId();
  const headingRef = useRef<HTMLHeadingElement>(null);
  const latest = useRef(0);

  const staffName = (staffId: string) => roster.find((entry) => entry.staffId === staffId)?.displayName ?? null;

  // Read the alerts from the main process (an external system) when shown and after each change.
  useEffect(() => {
    const ticket = ++latest.current;
    api.listAlerts().then(
      (page) => {
        if (ticket !== latest.current) return;
        setAlerts(page.alerts);
        setOpenCount(page.openCount);
        setLoadError(null);
      },
      (caught: unknown) => {
        if (ticket === latest.current) setLoadError(errorMessage(t, asApiError(caught).code));
      },
    );
  }, [reloads, t]);

  const acknowledge = async (alert: TillAlert) => {
    if (busy) return;
    setBusy(alert.alertId);
    setProblem(null);
    const intent = intents(alert.alertId);
    try {
      await api.acknowledgeAlert(alert.alertId, intent.id());
      intent.succeeded();
      onChanged();
      setReloads((n) => n + 1);
      // The row's button goes with the reload: the focus returns to the heading, not to the page's end.
      headingRef.current?.focus();
    } catch (caught) {
      setProblem({
        alertId: alert.alertId,
        text: t('alerts.acknowledgeFailed', { reason: errorMessage(t, asApiError(caught).code) }),
      });
    } finally {
      setBusy(null);
    }
  };

  return (
    <div className="alerts-view">
      <div className="view-head">
        <h1 id={headingId} ref={headingRef} tabIndex={-1} className="view-title">
          {t('alerts.title')}
        </h1>
        <button
          type="button"
          className="button button-secondary button-small"
          data-testid="alerts-refresh"
          onClick={() => setReloads((n) => n + 1)}
        >
          {t('alerts.refresh')}
        </button>
      </div>
      <p className="hint">{t('alerts.intro')}</p>
      <div role="status" className="status-slot">
        {alerts === null && !loadError ? <p className="hint">{t('alerts.loading')}</p> : null}
        {alerts !== null && alerts.length > 0 ? (
          <p className="alerts-open-count" data-testid="alerts-open-count">
            {t('alerts.openCount', { count: formatNumber(openCount, locale) })}
          </p>
        ) : null}
      </div>
      <div role="alert" className="status-slot">
        {loadError ? (
          <p className="banner banner-error" data-testid="alerts-error">
            {t('alerts.loadFailed')} {loadError}
          </p>
        ) : null}
      </div>
      {alerts !== null && alerts.length === 0 ? (
        <div className="empty" data-testid="alerts-empty">
          <p className="empty-title">{t('alerts.empty')}</p>
          <p>{t('alerts.emptyHint')}</p>
        </div>
      ) : null}
      {alerts !== null && alerts.length > 0 ? (
        <ul className="alerts-list" aria-label={t('alerts.listLabel')}>
          {alerts.map((alert) => {
            const words = describeAlert(t, alert, staffName, locale);
            const titleId = `${headingId}-${alert.alertId}`;
            const open = alert.acknowledgedAt === null;
            const own = alert.staffId === session.staffId;
            return (
              <li key={alert.alertId} className={open ? 'alert-card alert-open' : 'alert-card'}>
                <article aria-labelledby={titleId} data-testid="alert" data-alert-id={alert.alertId}>
                  <h2 id={titleId} className="alert-title">
                    <span data-testid="alert-rule">{words.rule}</span>
                    <span className={open ? 'status status-pending' : 'status status-used'} data-testid="alert-status">
                      {open ? t('alerts.status.open') : t('alerts.status.acknowledged')}
                    </span>
                  </h2>
                  <dl className="alert-facts">
                    <dt>{t('alerts.who')}</dt>
                    <dd data-testid="alert-who">{words.who}</dd>
                    <dt>{t('alerts.trigger')}</dt>
                    <dd data-testid="alert-trigger">{words.trigger}</dd>
                    <dt>{t('alerts.when')}</dt>
                    <dd data-testid="alert-when">
                      {words.when} <span className="cell-note">{words.source}</span>
                    </dd>
                    <dt>{t('alerts.mode')}</dt>
                    <dd data-testid="alert-mode">
                      {words.mode}
                      {words.hold ? <span className="cell-note">{words.hold}</span> : null}
                    </dd>
                    {words.members.length > 0 ? (
                      <>
                        <dt>{t('alerts.membersLabel')}</dt>
                        <dd>
                          <ul className="alert-members" data-testid="alert-members">
                            {words.members.map((label, index) => (
                              <li key={`${alert.members[index]?.memberId ?? index}`}>{label}</li>
                            ))}
                          </ul>
                        </dd>
                      </>
                    ) : null}
                  </dl>
                  <div className="alert-actions">
                    {words.acknowledged ? (
                      <p className="cell-note" data-testid="alert-acknowledged">
                        {words.acknowledged}
                      </p>
                    ) : own ? (
                      <p className="cell-note">{t('alerts.ownAlert')}</p>
                    ) : (
                      <button
                        type="button"
                        className="button button-primary button-small"
                        aria-describedby={titleId}
                        disabled={busy !== null}
                        data-testid="alert-acknowledge"
                        onClick={() => void acknowledge(alert)}
                      >
                        {busy === alert.alertId ? t('alerts.acknowledging') : t('alerts.acknowledge')}
                      </button>
                    )}
                    {problem?.alertId === alert.alertId ? (
                      <p className="banner banner-error" role="alert">
                        {problem.text}
                      </p>
                    ) : null}
                  </div>
                </article>
              </li>
            );
          })}
        </ul>
      ) : null}
    </div>
  );
}
