import { useEffect, useId, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { needsSecondApprover } from '../../shared/approvals/second-approver';
import { api, asApiError, type QueueEntry } from '../api/client';
import { errorMessage } from '../app/messages';
import { useSession } from '../app/session-context';
import { pinRefusal } from '../auth/pin';
import { describeEntry } from './describe';
import { ManagerPinDialog, type ApprovalProblem, type ManagerPinInput } from './ManagerPinDialog';
import { useLocale } from '../app/locale';
import { formatDateTime } from '../app/format-date';
import { useIntent } from '../api/intent';
import { CheckboxField } from '../forms/Field';

type Decision = 'approve' | 'deny';

const formatTime = (iso: string | null, locale: string) => formatDateTime(iso, locale);

/** Managers: requests waiting for an approval (unlocks asked for at the till), and their history. */
export function ApprovalsView() {
  const { t } = useTranslation();
  const locale = useLocale();
  const { refreshRoster, session, info } = useSession();
  // Four-eyes: a request above the store's threshold waits for a manager other than the one who asked.
  const ownAboveThreshold = (entry: QueueEntry) =>
    entry.requestedBy === session.staffId &&
    entry.points !== null &&
    needsSecondApprover(entry.points, info.secondApproverAbovePoints);
  const [history, setHistory] = useState(false);
  const [entries, setEntries] = useState<QueueEntry[] | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [deciding, setDeciding] = useState<{ entry: QueueEntry; decision: Decision; opener: HTMLElement } | null>(null);
  const [notice, setNotice] = useState<{ text: string; seq: number } | null>(null);
  const noticeRef = useRef<HTMLDivElement>(null);
  const headingId = useId();
  const latest = useRef(0);

  const [reloads, setReloads] = useState(0);
  const reload = () => setReloads((n) => n + 1);

  // Read the queue from the main process (an external system) when shown, toggled or changed.
  useEffect(() => {
    const ticket = ++latest.current;
    api.listApprovals(history ? 'all' : 'pending').then(
      (found) => {
        if (ticket !== latest.current) return;
        setEntries(found);
        setLoadError(null);
      },
      (caught: unknown) => {
        if (ticket === latest.current) setLoadError(errorMessage(t, asApiError(caught).code));
      },
    );
  }, [history, reloads, t]);

  const noticeSeq = notice?.seq;
  useEffect(() => {
    if (noticeSeq !== undefined) noticeRef.current?.focus();
  }, [noticeSeq]);

  const decided = (entry: QueueEntry) => {
    setDeciding(null);
    const what = describeEntry(t, entry);
    setNotice({
      text: entry.status === 'denied' ? t('queue.deniedNotice', { what }) : t('queue.approvedNotice', { what }),
      seq: (notice?.seq ?? 0) + 1,
    });
    void refreshRoster();
    reload();
  };

  const shown = entries ?? [];

  return (
    <div className="approvals">
      <div className="view-head">
        <h1 id={headingId} className="view-title">
          {t('queue.heading')}
        </h1>
        <CheckboxField
          rowClassName="checkbox-field"
          label={t('queue.showHistory')}
          checked={history}
          testId="queue-history"
          onChange={setHistory}
        />
      </div>
      <div role="status" className="status-slot">
        {notice ? (
          <div ref={noticeRef} tabIndex={-1} className="banner banner-success" data-testid="queue-notice">
            <p>{notice.text}</p>
          </div>
        ) : null}
      </div>
      <div role="alert" className="status-slot">
        {loadError ? (
          <p className="banner banner-error" data-testid="queue-error">
            {loadError}
          </p>
        ) : null}
      </div>
      {entries !== null && shown.length === 0 ? (
        <div className="empty" data-testid="queue-empty">
          <p className="empty-title">{history ? t('queue.emptyHistory') : t('queue.empty')}</p>
        </div>
      ) : null}
      {shown.length > 0 ? (
        <div className="table-wrap">
          <table className="table" aria-labelledby={headingId}>
            <thead>
              <tr>
                <th scope="col">{t('queue.action')}</th>
                <th scope="col">{t('queue.reason')}</th>
                <th scope="col">{t('queue.requestedBy')}</th>
                <th scope="col">{t('queue.requestedAt')}</th>
                <th scope="col">{t('queue.status')}</th>
                <th scope="col">
                  <span className="sr-only">{t('staff.actions')}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {shown.map((entry) => {
                const whatId = `${headingId}-${entry.approvalId}`;
                return (
                  <tr key={entry.approvalId} data-testid="queue-row" data-approval-id={entry.approvalId}>
                    <th scope="row" id={whatId} className="cell-name">
                      {describeEntry(t, entry)}
                    </th>
                    <td>
                      {t(`approval.reasons.${entry.reasonCode}`)}
                      {entry.reasonText ? <span className="cell-note">{entry.reasonText}</span> : null}
                    </td>
                    <td>{entry.requestedByName}</td>
                    <td>{formatTime(entry.requestedAt, locale)}</td>
                    <td>
                      <span className={`status status-${entry.status}`}>{t(`queue.statuses.${entry.status}`)}</span>
                      {entry.decidedAt ? (
                        <span className="cell-note">{formatTime(entry.decidedAt, locale)}</span>
                      ) : null}
                    </td>
                    <td>
                      {entry.status === 'pending' ? (
                        <div className="row-actions">
                          {ownAboveThreshold(entry) ? (
                            <span className="cell-note" data-testid="queue-second-person">
                              {t('queue.secondPerson')}
                            </span>
                          ) : (
                            <button
                              type="button"
                              className="button button-primary button-small"
                              aria-describedby={whatId}
                              data-testid="queue-approve"
                              onClick={(event) =>
                                setDeciding({ entry, decision: 'approve', opener: event.currentTarget })
                              }
                            >
                              {t('queue.approve')}
                            </button>
                          )}
                          <button
                            type="button"
                            className="button button-secondary button-small"
                            aria-describedby={whatId}
                            data-testid="queue-deny"
                            onClick={(event) => setDeciding({ entry, decision: 'deny', opener: event.currentTarget })}
                          >
                            {t('queue.deny')}
                          </button>
                        </div>
                      ) : null}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      ) : null}
      {deciding ? (
        <DecideDialog
          entry={deciding.entry}
          decision={deciding.decision}
          opener={deciding.opener}
          onClose={() => setDeciding(null)}
          onDecided={decided}
          onStale={reload}
        />
      ) : null}
    </div>
  );
}

/** The logged-in manager confirms an approval or a refusal with their own PIN. */
function DecideDialog({
  entry,
  decision,
  opener,
  onClose,
  onDecided,
  onStale,
}: {
  entry: QueueEntry;
  decision: Decision;
  opener: HTMLElement;
  onClose: () => void;
  onDecided: (entry: QueueEntry) => void;
  onStale: () => void;
}) {
  const { t } = useTranslation();
  const { refreshRoster } = useSession();
  const intent = useIntent();

  const decide = async ({ pin }: ManagerPinInput): Promise<ApprovalProblem | null> => {
    try {
      const result = await api.decideApproval({ approvalId: entry.approvalId, decision, pin, requestId: intent.id() });
      intent.succeeded();
      onDecided(result);
      return null;
    } catch (caught) {
      const error = asApiError(caught);
      void refreshRoster();
      if (pinRefusal(error.code, error.details)) return { kind: 'refusal', error };
      if (error.code === 'approval_invalid') {
        onStale();
        return { kind: 'message', text: t('queue.invalid') };
      }
      if (error.code === 'staff_not_found') {
        onStale();
        return {
          kind: 'message',
          text: t('approval.staffGone', { name: entry.targetName ?? entry.targetStaffId ?? '' }),
        };
      }
      return { kind: 'message', text: errorMessage(t, error.code) };
    }
  };

  return (
    <ManagerPinDialog
      title={decision === 'approve' ? t('queue.approveTitle') : t('queue.denyTitle')}
      opener={opener}
      onClose={onClose}
      testId="decide-modal"
      prefix="decide"
      what={describeEntry(t, entry)}
      details={
        <p className="hint">
          {t('queue.requestedByLine', {
            name: entry.requestedByName,
            reason: t(`approval.reasons.${entry.reasonCode}`),
          })}
          {entry.reasonText ? ` — ${entry.reasonText}` : ''}
        </p>
      }
      pinLabel={t('queue.yourPin')}
      submitLabel={decision === 'approve' ? t('queue.approve') : t('queue.deny')}
      danger={decision === 'deny'}
      onSubmit={decide}
    />
  );
}
