import { Fragment, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ROLLBACK_CLEAR_REASONS, type ConsoleOutput, type RollbackClearReason } from '../../../src/console/contract';
import { callConsole } from '../api/console-client';
import { useSession } from '../app/session';
import { useAction, useApprovals, useLoad } from '../common/hooks';
import { ErrorNotice, LoadState, StatusNotice } from '../common/Notices';
import { ConfirmDialog, PageHeading, SecretDialog, StoreFilter, Time } from '../common/widgets';

type Device = ConsoleOutput<'listDevices'>['devices'][number];
type Pairing = ConsoleOutput<'issuePairingCode'>;

export function DevicesPage() {
  const { t } = useTranslation();
  const { may } = useSession();
  const [storeId, setStoreId] = useState('');
  const devices = useLoad(() => callConsole('listDevices', storeId ? { storeId } : {}), storeId);
  const [status, setStatus] = useState<string | null>(null);
  const [pairing, setPairing] = useState<Pairing | null>(null);
  const [confirming, setConfirming] = useState<Device | null>(null);
  const [rekeying, setRekeying] = useState<Device | null>(null);
  const rekeyAction = useAction();
  const pairAction = useAction();
  const revokeAction = useAction();
  const clearAction = useAction();
  const [clearReasons, setClearReasons] = useState<Record<string, RollbackClearReason>>({});
  const { approvals, dispatch } = useApprovals();
  const rows = devices.data?.devices ?? [];

  async function issuePairingCode() {
    const answer = await pairAction.run(`pair:${storeId}`, (requestId) =>
      callConsole('issuePairingCode', { requestId, storeId }),
    );
    if (answer) setPairing(answer);
  }

  async function revoke(device: Device) {
    setConfirming(null);
    const key = `revoke:${device.deviceId}`;
    const approvalId = approvals[key];
    const answer = await revokeAction.run(
      `${key}:${approvalId ?? ''}`,
      (requestId) =>
        callConsole('revokeDevice', { requestId, deviceId: device.deviceId, ...(approvalId ? { approvalId } : {}) }),
      (error) => dispatch({ type: 'refused', key, error }),
    );
    if (answer) {
      dispatch({ type: 'done', key });
      setStatus(t('devices.revoked', { name: device.name }));
      devices.reload();
    }
  }

  // A till refused as restored from an old copy (issue 15): lifted with a reason code, audited at HQ.
  async function clearRollback(device: Device) {
    const reasonCode = clearReasons[device.deviceId];
    if (!reasonCode) return;
    const answer = await clearAction.run(`clear-rollback:${device.deviceId}:${reasonCode}`, (requestId) =>
      callConsole('clearDeviceRollback', { requestId, deviceId: device.deviceId, reasonCode }),
    );
    if (answer) {
      setStatus(t('tillRollback.cleared', { name: device.name }));
      devices.reload();
    }
  }

  // Issue 15: the till re-encrypts its database under a new key at its next contact.
  async function requestRekey(device: Device) {
    setRekeying(null);
    const answer = await rekeyAction.run(`rekey:${device.deviceId}`, (requestId) =>
      callConsole('requestDeviceRekey', { requestId, deviceId: device.deviceId, reasonCode: 'suspected_compromise' }),
    );
    if (answer) {
      setStatus(t('tillRekey.requested', { name: device.name }));
      devices.reload();
    }
  }

  const mayAct = may('devices.revoke') || may('devices.request_rekey');
  const rolledBack = rows.filter((device) => device.rolledBack !== null && device.revokedAt === null);

  return (
    <>
      <PageHeading>{t('pages.devices')}</PageHeading>
      {rolledBack.length > 0 ? (
        <div className="notice notice-error" role="alert" data-testid="rolled-back-tills">
          <p>{t('tillRollback.summary', { count: rolledBack.length })}</p>
          <p>{t('tillRollback.todo')}</p>
        </div>
      ) : null}
      <StatusNotice message={status} />
      <div className="toolbar">
        <StoreFilter value={storeId} onChange={setStoreId} />
        {may('devices.issue_pairing_code') ? (
          <button
            type="button"
            className="button"
            disabled={!storeId || pairAction.busy}
            onClick={() => void issuePairingCode()}
          >
            {t('devices.issuePairingCode')}
          </button>
        ) : null}
      </div>
      {may('devices.issue_pairing_code') && !storeId ? <p className="hint">{t('devices.chooseStoreToPair')}</p> : null}
      <ErrorNotice error={pairAction.error} />
      <ErrorNotice error={revokeAction.error} />
      <ErrorNotice error={clearAction.error} />
      <ErrorNotice error={rekeyAction.error} />
      <LoadState
        loading={devices.loading}
        error={devices.error}
        empty={rows.length === 0}
        emptyText={t('devices.empty')}
        onRetry={devices.reload}
      />
      {rows.length > 0 ? (
        <table className="table">
          <caption className="visually-hidden">{t('pages.devices')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('common.store')}</th>
              <th scope="col">{t('devices.name')}</th>
              <th scope="col">{t('devices.pairedAt')}</th>
              <th scope="col">{t('devices.lastContact')}</th>
              <th scope="col">{t('devices.appVersion')}</th>
              <th scope="col">{t('devices.state')}</th>
              {mayAct ? <th scope="col">{t('common.actions')}</th> : null}
            </tr>
          </thead>
          <tbody>
            {rows.map((device) => (
              <Fragment key={device.deviceId}>
                <tr>
                  <td>{device.storeName}</td>
                  <th scope="row">{device.name}</th>
                  <td>
                    <Time iso={device.pairedAt} />
                  </td>
                  <td>
                    <Time iso={device.lastContactAt} />
                  </td>
                  <td>{device.appVersion ?? '—'}</td>
                  <td>
                    {device.revokedAt ? (
                      <span className="badge badge-danger">
                        {t('devices.revokedAt')} <Time iso={device.revokedAt} />
                      </span>
                    ) : device.rolledBack ? (
                      <span className="badge badge-danger">
                        {t('tillRollback.badge')} <Time iso={device.rolledBack.detectedAt} />
                      </span>
                    ) : (
                      <span className="badge badge-ok">{t('devices.active')}</span>
                    )}
                    {device.rekey && !device.revokedAt ? (
                      <p className="hint" data-testid="till-rekey-state">
                        {device.rekey.doneAt ? (
                          <>
                            {t('tillRekey.done')} <Time iso={device.rekey.doneAt} />
                          </>
                        ) : (
                          <>
                            {t('tillRekey.pending')} <Time iso={device.rekey.requestedAt} />
                          </>
                        )}
                      </p>
                    ) : null}
                  </td>
                  {mayAct ? (
                    <td>
                      {device.revokedAt ||
                      device.rolledBack ||
                      !may('devices.request_rekey') ||
                      (device.rekey && !device.rekey.doneAt) ? null : (
                        <button
                          type="button"
                          className="button button-small"
                          aria-label={t('tillRekey.requestOf', { name: device.name })}
                          disabled={rekeyAction.busy}
                          onClick={() => setRekeying(device)}
                        >
                          {t('tillRekey.request')}
                        </button>
                      )}{' '}
                      {device.revokedAt || !may('devices.revoke') ? null : (
                        <button
                          type="button"
                          className="button button-small button-danger"
                          aria-label={t('devices.revokeOf', { name: device.name })}
                          disabled={revokeAction.busy}
                          onClick={() => {
                            if (approvals[`revoke:${device.deviceId}`]) void revoke(device);
                            else setConfirming(device);
                          }}
                        >
                          {approvals[`revoke:${device.deviceId}`] ? t('common.runAgain') : t('devices.revoke')}
                        </button>
                      )}
                    </td>
                  ) : null}
                </tr>
                {device.rolledBack && !device.revokedAt ? (
                  // What HQ found and the way out, on a row of its own: in the state cell it made the
                  // table wider than a 1024-pixel screen (in Russian above all).
                  <tr className="row-detail" data-testid="rolled-back-detail">
                    <td colSpan={mayAct ? 7 : 6}>
                      <p className="hint">
                        {t(`tillRollback.reasons.${device.rolledBack.reason}`)}{' '}
                        {t('tillRollback.figures', {
                          lastSeq: device.rolledBack.hqLastSeq,
                          auditSeq: device.rolledBack.hqAuditSeq,
                        })}
                      </p>
                      {may('devices.clear_rollback') ? (
                        <div className="toolbar">
                          <label>
                            {t('tillRollback.reasonLabel')}{' '}
                            <select
                              className="input input-compact"
                              value={clearReasons[device.deviceId] ?? ''}
                              onChange={(event) =>
                                setClearReasons({
                                  ...clearReasons,
                                  [device.deviceId]: event.target.value as RollbackClearReason,
                                })
                              }
                            >
                              {/* No reason is chosen for the operator: the audit records the one they pick. */}
                              <option value="">{t('tillRollback.chooseReason')}</option>
                              {ROLLBACK_CLEAR_REASONS.map((reason) => (
                                <option key={reason} value={reason}>
                                  {t(`tillRollback.clearReasons.${reason}`)}
                                </option>
                              ))}
                            </select>
                          </label>
                          <button
                            type="button"
                            className="button button-small"
                            aria-label={t('tillRollback.clearOf', { name: device.name })}
                            disabled={clearAction.busy || !clearReasons[device.deviceId]}
                            onClick={() => void clearRollback(device)}
                          >
                            {t('tillRollback.clear')}
                          </button>
                        </div>
                      ) : null}
                    </td>
                  </tr>
                ) : null}
              </Fragment>
            ))}
          </tbody>
        </table>
      ) : null}
      {confirming ? (
        <ConfirmDialog
          title={t('devices.revokeTitle')}
          text={t('devices.revokeText', { name: confirming.name, store: confirming.storeName })}
          confirmLabel={t('devices.revoke')}
          danger
          onConfirm={() => void revoke(confirming)}
          onClose={() => setConfirming(null)}
        />
      ) : null}
      {rekeying ? (
        <ConfirmDialog
          title={t('tillRekey.title', { name: rekeying.name })}
          text={t('tillRekey.text', { name: rekeying.name, store: rekeying.storeName })}
          confirmLabel={t('tillRekey.request')}
          onConfirm={() => void requestRekey(rekeying)}
          onClose={() => setRekeying(null)}
        />
      ) : null}
      {pairing ? (
        <SecretDialog title={t('devices.pairingTitle')} secret={pairing.pairingCode} onClose={() => setPairing(null)}>
          <p>
            {t('devices.pairingExpires')} <Time iso={pairing.expiresAt} />
          </p>
          <p>{t('devices.fingerprintHelp')}</p>
          <p className="mono fingerprint" data-testid="hq-fingerprint">
            {pairing.hqCertSha256}
          </p>
        </SecretDialog>
      ) : null}
    </>
  );
}
