import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ConsoleOutput } from '../../../src/console/contract';
import { CONSOLE_API_PREFIX } from '../../../src/console/contract';
import { callConsole, toConsoleApiError, type ConsoleApiError } from '../api/console-client';
import { formatNumber } from '../app/format';
import { useSession } from '../app/session';
import { useLoad } from '../common/hooks';
import { ErrorNotice, LoadState } from '../common/Notices';
import { PageHeading, Time } from '../common/widgets';

type Entry = ConsoleOutput<'listAudit'>['entries'][number];
type Verified = ConsoleOutput<'verifyAudit'>;
const PAGE = 50;

export function AuditPage() {
  const { t } = useTranslation();
  const { may, language } = useSession();
  const first = useLoad(() => callConsole('listAudit', { limit: PAGE }), 'audit');
  const heads = useLoad(() => callConsole('tillAuditHeads', {}), 'heads');
  const [older, setOlder] = useState<Entry[]>([]);
  const [olderError, setOlderError] = useState<ConsoleApiError | null>(null);
  const [moreLeft, setMoreLeft] = useState(true);
  const [verified, setVerified] = useState<Verified | null>(null);
  const [verifyError, setVerifyError] = useState<ConsoleApiError | null>(null);
  const [verifying, setVerifying] = useState(false);
  const entries = [...(first.data?.entries ?? []), ...older];
  const last = entries[entries.length - 1];
  const canLoadMore = moreLeft && (first.data?.entries.length ?? 0) === PAGE && last !== undefined && last.seq > 1;

  async function loadOlder() {
    if (!last) return;
    setOlderError(null);
    try {
      const answer = await callConsole('listAudit', { beforeSeq: last.seq, limit: PAGE });
      setOlder((previous) => [...previous, ...answer.entries]);
      if (answer.entries.length < PAGE) setMoreLeft(false);
    } catch (error) {
      setOlderError(toConsoleApiError(error));
    }
  }

  async function verify() {
    setVerifying(true);
    setVerifyError(null);
    try {
      setVerified(await callConsole('verifyAudit', {}));
    } catch (error) {
      setVerifyError(toConsoleApiError(error));
    } finally {
      setVerifying(false);
    }
  }

  return (
    <>
      <PageHeading>{t('pages.audit')}</PageHeading>
      <div className="toolbar">
        <button type="button" className="button" disabled={verifying} onClick={() => void verify()}>
          {t('audit.verify')}
        </button>
        {may('audit.export') ? (
          <a className="button" href={`${CONSOLE_API_PREFIX}/audit/export`} download="hq-operator-audit.jsonl">
            {t('audit.export')}
          </a>
        ) : null}
      </div>
      <div role="status" aria-live="polite">
        {verified ? (
          <p className={verified.ok ? 'notice notice-success' : 'notice notice-error'}>
            {verified.ok
              ? t('audit.verifiedOk', { entries: formatNumber(verified.entries, language) })
              : t('audit.verifiedBad', { seq: verified.firstBadSeq ?? '—' })}
          </p>
        ) : null}
      </div>
      <ErrorNotice error={verifyError} />
      <div className="two-columns">
        <section aria-labelledby="audit-trail-title" className="column-main">
          <h2 id="audit-trail-title">{t('audit.trail')}</h2>
          {first.data ? (
            <p className="muted">
              {t('audit.head', { seq: formatNumber(first.data.head.seq, language) })}{' '}
              <span className="mono">{first.data.head.hash.slice(0, 16)}</span>
            </p>
          ) : null}
          <LoadState
            loading={first.loading}
            error={first.error}
            empty={entries.length === 0}
            emptyText={t('audit.empty')}
            onRetry={first.reload}
          />
          {entries.length > 0 ? (
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">{t('audit.seq')}</th>
                  <th scope="col">{t('audit.at')}</th>
                  <th scope="col">{t('audit.operator')}</th>
                  <th scope="col">{t('audit.action')}</th>
                  <th scope="col">{t('audit.subject')}</th>
                  <th scope="col">{t('audit.details')}</th>
                </tr>
              </thead>
              <tbody>
                {entries.map((entry) => (
                  <tr key={entry.seq}>
                    <td className="num">{formatNumber(entry.seq, language)}</td>
                    <td>
                      <Time iso={entry.at} />
                    </td>
                    <td>
                      {entry.operatorName ?? (entry.operatorId === null ? '—' : null)}
                      {entry.operatorId !== null ? (
                        <span className="mono muted block-id">{entry.operatorId}</span>
                      ) : null}
                    </td>
                    <td className="mono">{entry.action}</td>
                    <td className="mono">
                      {entry.subjectType ? `${entry.subjectType}: ${entry.subjectId ?? '—'}` : '—'}
                    </td>
                    <td className="mono cell-wrap">
                      {Object.entries(entry.details)
                        .map(([key, value]) => `${key}=${String(value)}`)
                        .join(', ')}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : null}
          <ErrorNotice error={olderError} />
          {canLoadMore ? (
            <button type="button" className="button" onClick={() => void loadOlder()}>
              {t('audit.older')}
            </button>
          ) : null}
        </section>
        <section aria-labelledby="till-heads-title" className="column-side">
          <h2 id="till-heads-title">{t('audit.tillHeads')}</h2>
          <LoadState
            loading={heads.loading}
            error={heads.error}
            empty={(heads.data?.heads.length ?? 0) === 0}
            emptyText={t('audit.noTillHeads')}
            onRetry={heads.reload}
          />
          {heads.data && heads.data.heads.length > 0 ? (
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">{t('common.store')}</th>
                  <th scope="col">{t('audit.device')}</th>
                  <th scope="col">{t('audit.seq')}</th>
                  <th scope="col">{t('audit.received')}</th>
                </tr>
              </thead>
              <tbody>
                {heads.data.heads.map((head) => (
                  <tr key={head.deviceId}>
                    <td>{head.storeName}</td>
                    <td className="mono">{head.deviceId}</td>
                    <td className="num">
                      {formatNumber(head.seq, language)}
                      {head.wentBack ? <span className="badge badge-danger">{t('audit.wentBack')}</span> : null}
                    </td>
                    <td>
                      <Time iso={head.receivedAt} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : null}
        </section>
      </div>
    </>
  );
}
