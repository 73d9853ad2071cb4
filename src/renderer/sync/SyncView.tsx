import { useEffect, useId, useRef, useState } from 'react';
import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';
import { roleHasPermission } from '../../shared/auth/permissions';
import { api, asApiError, type DayEndReport, type SyncStatus } from '../api/client';
import { formatDateTime } from '../app/format-date';
import { useLocale } from '../app/locale';
import { errorMessage } from '../app/messages';
import { useSession } from '../app/session-context';
import { regionName } from '../app/store-region';
import { Modal } from '../common/Modal';
import { DayEndReportCard } from './DayEndReportCard';
import { PairingForm } from './PairingForm';
import { RolledBackCard } from './RolledBackNotice';
import { SyncProgress } from './SyncProgress';
import {
  formatCount,
  isOpType,
  isRejectionReason,
  linkState,
  pendingBars,
  secondsUntilRetry,
  shortId,
  syncErrorKey,
  type LinkState,
} from './sync-rules';
import type { SyncFeed } from './useSyncStatus';

type Busy = 'sync' | 'day_end' | null;
/** A message, translated when shown: it follows a change of language. */
type Message = (t: TFunction) => string;

/**
 * Sync with HQ (DESIGN §5), for all staff: the link to HQ, what waits to be sent, what HQ refused
 * and the last day end. Managers also run a sync or the day end here, and pair an unpaired till.
 * The status comes from the shell, which reads it often while this screen is open.
 */
export function SyncView({ feed, onBusyChange }: { feed: SyncFeed; onBusyChange: (busy: boolean) => void }) {
  const { t } = useTranslation();
  const locale = useLocale();
  const { session, reloadTill } = useSession();
  const canRun = roleHasPermission(session.role, 'sync.run');
  const { status } = feed;
  const [busy, setBusy] = useState<Busy>(null);
  const [notice, setNotice] = useState<{ text: Message; seq: number } | null>(null);
  const [problem, setProblem] = useState<Message | null>(null);
  const [confirming, setConfirming] = useState<HTMLElement | null>(null);
  const [report, setReport] = useState<DayEndReport | null>(null);
  const noticeRef = useRef<HTMLDivElement>(null);
  const reportRef = useRef<HTMLElement>(null);
  const seq = useRef(0);
  const headingId = useId();

  useEffect(() => {
    onBusyChange(busy !== null);
  }, [busy, onBusyChange]);
  useEffect(() => () => onBusyChange(false), [onBusyChange]);

  const noticeSeq = notice?.seq;
  useEffect(() => {
    if (noticeSeq !== undefined) noticeRef.current?.focus();
  }, [noticeSeq]);

  const reportId = report?.dayEndId;
  useEffect(() => {
    if (reportId) reportRef.current?.focus();
  }, [reportId]);

  const say = (text: Message) => {
    seq.current += 1;
    setNotice({ text, seq: seq.current });
  };

  const running = status?.running ?? null;
  const blocked = busy !== null || running !== null;

  const syncNow = async () => {
    if (blocked) return;
    setBusy('sync');
    setProblem(null);
    setNotice(null);
    try {
      const next = await api.syncNow();
      feed.accept(next);
      // HQ refused the till as restored from an old copy: the run did not finish; the card says why.
      if (next.rolledBack) {
        setProblem(() => (tr: TFunction) => tr('rolledBack.syncRefused'));
        return;
      }
      const left = next.pending.total;
      say((tr) =>
        left === 0 ? tr('syncView.syncDoneAll') : tr('syncView.syncDoneSome', { n: formatCount(left, locale) }),
      );
    } catch (caught) {
      const { code } = asApiError(caught);
      setProblem(() => (tr: TFunction) => errorMessage(tr, code));
      feed.refresh();
    } finally {
      setBusy(null);
    }
  };

  const dayEnd = async () => {
    setConfirming(null);
    if (blocked) return;
    setBusy('day_end');
    setProblem(null);
    setNotice(null);
    setReport(null);
    try {
      setReport(await api.dayEnd());
    } catch (caught) {
      const { code } = asApiError(caught);
      setProblem(() => (tr: TFunction) => errorMessage(tr, code));
    } finally {
      setBusy(null);
      feed.refresh();
    }
  };

  return (
    <div className="sync">
      <div className="view-head">
        <h1 id={headingId} className="view-title">
          {t('syncView.heading')}
        </h1>
        {canRun && status?.paired ? (
          <div className="row-actions">
            <button
              type="button"
              className="button button-primary"
              disabled={blocked}
              aria-busy={busy === 'sync' || undefined}
              onClick={() => void syncNow()}
            >
              {t('syncView.syncNow')}
            </button>
            <button
              type="button"
              className="button button-secondary"
              disabled={blocked}
              aria-busy={busy === 'day_end' || undefined}
              aria-haspopup="dialog"
              onClick={(event) => setConfirming(event.currentTarget)}
            >
              {t('syncView.dayEnd')}
            </button>
          </div>
        ) : null}
      </div>

      <SyncProgress running={running} starting={busy !== null} locale={locale} />

      <div role="status" className="status-slot">
        {notice ? (
          <div ref={noticeRef} tabIndex={-1} className="banner banner-success">
            <p>{notice.text(t)}</p>
          </div>
        ) : null}
        {!status && !feed.error ? <p className="search-status">{t('syncView.loading')}</p> : null}
      </div>
      <div role="alert" className="status-slot">
        {problem ? <p className="banner banner-error">{problem(t)}</p> : null}
        {!status && feed.error ? <p className="banner banner-error">{errorMessage(t, feed.error)}</p> : null}
      </div>

      {report ? (
        <DayEndReportCard
          title={t('dayEnd.resultTitle')}
          status={report.status}
          at={report.acknowledgedAt}
          report={report}
          locale={locale}
          fresh
          cardRef={reportRef}
        />
      ) : null}

      {status && !status.paired ? (
        <Unpaired
          canPair={canRun}
          onPaired={() => {
            // The main process rebuilt its services: this session is gone, the till starts again.
            void reloadTill();
          }}
        />
      ) : null}

      {/* Full width above the cards: at 1024x768 a column cut what to do below the fold. */}
      {status?.paired && status.rolledBack ? <RolledBackCard rolledBack={status.rolledBack} /> : null}

      {status?.paired ? (
        <div className="sync-grid">
          <Connection status={status} retrySeenAt={feed.retrySeenAt} locale={locale} />
          <Pending status={status} locale={locale} />
          {report ? null : <LastDayEnd status={status} locale={locale} canRun={canRun} />}
          <Rejections status={status} locale={locale} />
        </div>
      ) : null}

      {confirming ? (
        <Modal title={t('syncView.dayEndTitle')} opener={confirming} onClose={() => setConfirming(null)}>
          <div className="modal-form">
            <p>{t('syncView.dayEndText')}</p>
            <p className="hint">{t('syncView.dayEndHint')}</p>
            <div className="modal-actions">
              <button type="button" className="button button-primary button-large" onClick={() => void dayEnd()}>
                {t('syncView.dayEndConfirm')}
              </button>
              <button
                type="button"
                className="button button-secondary button-large"
                onClick={() => setConfirming(null)}
              >
                {t('syncView.cancel')}
              </button>
            </div>
          </div>
        </Modal>
      ) : null}
    </div>
  );
}

function Unpaired({ canPair, onPaired }: { canPair: boolean; onPaired: () => void }) {
  const { t } = useTranslation();
  const headingId = useId();
  return (
    <section className="card sync-unpaired" aria-labelledby={headingId}>
      <h2 id={headingId} className="card-title">
        {t('syncView.unpairedTitle')}
      </h2>
      <p>{t('syncView.unpairedText')}</p>
      {canPair ? (
        <>
          <p className="hint sync-unpaired-hint">{t('syncView.unpairedPairHint')}</p>
          <PairingForm headingLevel={3} onPaired={onPaired} />
        </>
      ) : (
        <p className="hint">{t('syncView.unpairedAskManager')}</p>
      )}
    </section>
  );
}

/** Ticks every second while `on`, for countdowns. */
function useNow(on: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!on) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [on]);
  return now;
}

function Connection({
  status,
  retrySeenAt,
  locale,
}: {
  status: SyncStatus;
  retrySeenAt: number | null;
  locale: string;
}) {
  const { t, i18n } = useTranslation();
  const { info } = useSession();
  const headingId = useId();
  const state: LinkState = linkState(status);
  const retrying = state === 'offline' && status.retryInMs !== null && retrySeenAt !== null;
  const now = useNow(retrying);
  const seconds = retrying && status.retryInMs !== null ? secondsUntilRetry(status.retryInMs, retrySeenAt, now) : 0;
  // Why the link is down; while a run is on (or after a success) an older failure is beside the point.
  // Refused as restored from an old copy, HQ was reached: the card below says what happened, not a code.
  const refused = state === 'offline' && status.rolledBack !== null;
  const errorKey = state === 'offline' && status.lastError && !refused ? syncErrorKey(status.lastError) : null;
  return (
    <section className="card sync-card" aria-labelledby={headingId}>
      <h2 id={headingId} className="card-title">
        {t('syncView.connection')}
      </h2>
      <p className={`link-state link-state-${state}`}>
        <span className="sync-dot" aria-hidden="true" />
        <span>{refused ? t('rolledBack.state') : t(`syncView.states.${state}`)}</span>
      </p>
      {errorKey && status.lastError ? (
        <p className="sync-problem">{t(`syncView.errors.${errorKey}`, { code: status.lastError })}</p>
      ) : null}
      {status.auditRefused ? (
        <p className="sync-problem" role="alert" data-testid="sync-audit-refused">
          {t('syncView.auditRefused', { code: status.auditRefused })}
        </p>
      ) : null}
      <dl className="facts facts-list">
        <div>
          <dt>{t('syncView.store')}</dt>
          <dd>{status.storeName ?? '—'}</dd>
        </div>
        <div>
          <dt>{t('syncView.region')}</dt>
          <dd data-testid="sync-store-region">{regionName(info.storeRegion, i18n.language)}</dd>
        </div>
        <div>
          <dt>{t('syncView.hqUrl')}</dt>
          <dd className="mono cell-wrap">{status.hqUrl ?? '—'}</dd>
        </div>
        <div>
          <dt>{t('syncView.lastSuccess')}</dt>
          <dd>{status.lastSuccessAt ? formatDateTime(status.lastSuccessAt, locale) : t('syncView.never')}</dd>
        </div>
        <div>
          <dt>{t('syncView.lastAttempt')}</dt>
          <dd>{status.lastAttemptAt ? formatDateTime(status.lastAttemptAt, locale) : t('syncView.notYet')}</dd>
        </div>
        {retrying ? (
          <div>
            <dt>{t('syncView.nextTry')}</dt>
            <dd>{seconds > 0 ? t('syncView.retryIn', { n: seconds }) : t('syncView.retryNow')}</dd>
          </div>
        ) : null}
      </dl>
    </section>
  );
}

function Pending({ status, locale }: { status: SyncStatus; locale: string }) {
  const { t } = useTranslation();
  const headingId = useId();
  const bars = pendingBars(status.pending.byType);
  return (
    <section className="card sync-card" aria-labelledby={headingId}>
      <h2 id={headingId} className="card-title">
        {t('syncView.pending')}
      </h2>
      {status.pending.total === 0 ? (
        <div className="empty empty-compact">
          <p className="empty-title">{t('syncView.pendingEmpty')}</p>
          <p>{t('syncView.pendingEmptyHint')}</p>
        </div>
      ) : (
        <>
          <p className="big-figure">
            <span className="big-figure-label">{t('syncView.pendingTotal')}</span>
            <span className="big-figure-value">{formatCount(status.pending.total, locale)}</span>
          </p>
          <ul className="bars" aria-label={t('syncView.pendingByType')}>
            {bars.map((bar) => (
              <li key={bar.type} className="bar-row">
                <span className="bar-label">{t(`sync.opTypes.${bar.type}`)}</span>
                <svg className="bar" viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true">
                  <rect className="bar-fill" x="0" y="0" width={bar.share} height="10" />
                </svg>
                <span className="bar-value">{formatCount(bar.count, locale)}</span>
              </li>
            ))}
          </ul>
          <p className="hint">{t(status.rolledBack ? 'rolledBack.pendingHint' : 'syncView.pendingHint')}</p>
        </>
      )}
    </section>
  );
}

function Rejections({ status, locale }: { status: SyncStatus; locale: string }) {
  const { t } = useTranslation();
  const headingId = useId();
  const { rejected, rejectedTotal } = status;
  return (
    <section className="card sync-card sync-card-wide" aria-labelledby={headingId}>
      <h2 id={headingId} className="card-title">
        {t('syncView.rejected')}
        {rejectedTotal > 0 ? <span className="badge badge-danger">{formatCount(rejectedTotal, locale)}</span> : null}
      </h2>
      {rejectedTotal === 0 ? (
        <div className="empty empty-compact">
          <p className="empty-title">{t('syncView.rejectedEmpty')}</p>
          <p>{t('syncView.rejectedEmptyHint')}</p>
        </div>
      ) : (
        <>
          <p className="hint sync-rejected-intro">
            {t('syncView.rejectedIntro', { n: formatCount(rejectedTotal, locale) })}
          </p>
          <div className="table-wrap">
            <table className="table table-compact" aria-labelledby={headingId}>
              <thead>
                <tr>
                  <th scope="col">{t('syncView.rejectedAt')}</th>
                  <th scope="col">{t('syncView.operation')}</th>
                  <th scope="col">{t('syncView.reason')}</th>
                  <th scope="col">{t('syncView.member')}</th>
                </tr>
              </thead>
              <tbody>
                {rejected.map((row) => (
                  <tr key={row.seq} data-seq={row.seq}>
                    <td className="nowrap">{row.at ? formatDateTime(row.at, locale) : '—'}</td>
                    <td>{isOpType(row.type) ? t(`sync.opTypes.${row.type}`) : row.type}</td>
                    <td>
                      {isRejectionReason(row.reason)
                        ? t(`sync.reasons.${row.reason}`)
                        : t('sync.reasons.other', { code: row.reason })}
                    </td>
                    <td className="mono">
                      {row.memberId ? <abbr title={row.memberId}>{shortId(row.memberId)}</abbr> : '—'}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {rejectedTotal > rejected.length ? (
            <p className="hint">
              {t('syncView.rejectedMore', {
                shown: formatCount(rejected.length, locale),
                n: formatCount(rejectedTotal, locale),
              })}
            </p>
          ) : null}
        </>
      )}
    </section>
  );
}

function LastDayEnd({ status, locale, canRun }: { status: SyncStatus; locale: string; canRun: boolean }) {
  const { t } = useTranslation();
  const headingId = useId();
  const last = status.lastDayEnd;
  if (last) {
    return (
      <DayEndReportCard
        title={t('dayEnd.lastTitle')}
        status={last.status}
        at={last.at}
        report={last.report}
        locale={locale}
        wide
      />
    );
  }
  return (
    <section className="card sync-card sync-card-wide" aria-labelledby={headingId}>
      <h2 id={headingId} className="card-title">
        {t('dayEnd.lastTitle')}
      </h2>
      <div className="empty empty-compact">
        <p className="empty-title">{t('dayEnd.none')}</p>
        <p>{canRun ? t('dayEnd.noneHintManager') : t('dayEnd.noneHintCashier')}</p>
      </div>
    </section>
  );
}
