import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { callConsole } from '../api/console-client';
import { useAction, useLoad } from '../common/hooks';
import { ErrorNotice, LoadState, StatusNotice } from '../common/Notices';
import { PageHeading, Time } from '../common/widgets';

function payloadIds(payload: Record<string, unknown>): string {
  return Object.entries(payload)
    .filter(
      ([key, value]) =>
        key !== 'requestId' && (typeof value === 'string' || typeof value === 'number' || Array.isArray(value)),
    )
    .map(([key, value]) => `${key}: ${Array.isArray(value) ? value.join(', ') : String(value)}`)
    .join('; ');
}

export function ApprovalsPage() {
  const { t } = useTranslation();
  const approvals = useLoad(() => callConsole('listApprovals', {}), 'approvals');
  const action = useAction();
  const [status, setStatus] = useState<string | null>(null);
  const rows = approvals.data?.approvals ?? [];

  async function approve(approvalId: string) {
    const answer = await action.run(`approve:${approvalId}`, (requestId) =>
      callConsole('approve', { requestId, approvalId }),
    );
    if (answer) {
      setStatus(t('approvals.approved', { id: approvalId }));
      approvals.reload();
    }
  }

  return (
    <>
      <PageHeading>{t('pages.approvals')}</PageHeading>
      <p className="hint">{t('approvals.help')}</p>
      <StatusNotice message={status} />
      <ErrorNotice error={action.error} />
      <LoadState
        loading={approvals.loading}
        error={approvals.error}
        empty={rows.length === 0}
        emptyText={t('approvals.empty')}
        onRetry={approvals.reload}
      />
      {rows.length > 0 ? (
        <table className="table">
          <thead>
            <tr>
              <th scope="col">{t('approvals.id')}</th>
              <th scope="col">{t('approvals.operation')}</th>
              <th scope="col">{t('approvals.payload')}</th>
              <th scope="col">{t('approvals.requestedBy')}</th>
              <th scope="col">{t('approvals.requestedAt')}</th>
              <th scope="col">{t('approvals.expiresAt')}</th>
              <th scope="col">{t('approvals.state')}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((approval) => (
              <tr key={approval.approvalId}>
                <td className="mono">{approval.approvalId}</td>
                <td>{t(`operations.${approval.operation}`)}</td>
                <td className="mono cell-wrap">{payloadIds(approval.payload)}</td>
                <td>{approval.requestedByName}</td>
                <td>
                  <Time iso={approval.requestedAt} />
                </td>
                <td>
                  <Time iso={approval.expiresAt} />
                </td>
                <td>
                  {approval.usedAt ? (
                    t('approvals.used')
                  ) : approval.approvedAt ? (
                    t('approvals.approvedState')
                  ) : (
                    <button
                      type="button"
                      className="button button-small button-primary"
                      disabled={action.busy}
                      aria-label={t('approvals.approveOf', { id: approval.approvalId })}
                      onClick={() => void approve(approval.approvalId)}
                    >
                      {t('approvals.approve')}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </>
  );
}
