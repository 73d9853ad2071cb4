import { startRegistration, type PublicKeyCredentialCreationOptionsJSON } from '@simplewebauthn/browser';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { callConsole } from '../api/console-client';
import { TextField } from '../common/Field';
import { useAction, useLoad } from '../common/hooks';
import { ErrorNotice, LoadState, StatusNotice } from '../common/Notices';
import { PageHeading, Time } from '../common/widgets';
import { isBrowserWebAuthnError } from '../logic/passkeys';

/**
 * The operator's own second factors: passkeys beside the TOTP app (which always stays). A passkey
 * is made in the browser (@simplewebauthn/browser) from options HQ gives, and HQ verifies it.
 */
export function SecurityPage() {
  const { t } = useTranslation();
  const passkeys = useLoad(() => callConsole('listPasskeys', {}), 'passkeys');
  const [label, setLabel] = useState('');
  const [status, setStatus] = useState<string | null>(null);
  const [browserError, setBrowserError] = useState<string | null>(null);
  const add = useAction();
  const remove = useAction();
  const rows = passkeys.data?.passkeys ?? [];
  const available = passkeys.data?.available ?? false;

  async function addPasskey(event: FormEvent) {
    event.preventDefault();
    setStatus(null);
    setBrowserError(null);
    const name = label.trim() || t('security.defaultLabel');
    const added = await add.run(`passkey:${name}`, async (requestId) => {
      const { options } = await callConsole('passkeyRegistrationOptions', {});
      let registration;
      try {
        // The options are HQ's, from @simplewebauthn/server, in the JSON form the browser library takes.
        registration = await startRegistration({
          optionsJSON: options as unknown as PublicKeyCredentialCreationOptionsJSON,
        });
      } catch (thrown) {
        if (!isBrowserWebAuthnError(thrown)) throw thrown;
        setBrowserError(t('security.browserRefused'));
        return null;
      }
      return callConsole('registerPasskey', {
        requestId,
        label: name,
        registration: { ...registration, clientExtensionResults: { ...registration.clientExtensionResults } },
      });
    });
    if (added) {
      setLabel('');
      setStatus(t('security.added'));
      passkeys.reload();
    }
  }

  async function removePasskey(passkeyId: string) {
    setStatus(null);
    const done = await remove.run(`remove-passkey:${passkeyId}`, (requestId) =>
      callConsole('removePasskey', { requestId, passkeyId }),
    );
    if (done) {
      setStatus(t('security.removed'));
      passkeys.reload();
    }
  }

  return (
    <>
      <PageHeading>{t('pages.security')}</PageHeading>
      <StatusNotice message={status} />
      <p>{t('security.intro')}</p>
      {passkeys.data && !available ? (
        <p className="notice notice-info" role="note">
          {t('security.needsHostName')}
        </p>
      ) : null}
      {available ? (
        <form
          className="inline-form"
          onSubmit={(event) => void addPasskey(event)}
          noValidate
          aria-labelledby="add-passkey-title"
        >
          <h2 id="add-passkey-title">{t('security.addTitle')}</h2>
          <TextField
            label={t('security.label')}
            hint={t('security.labelHint')}
            value={label}
            onChange={setLabel}
            maxLength={80}
          />
          <ErrorNotice error={add.error} />
          <div role="alert" className="alert-region">
            {browserError ? <p className="notice notice-error">{browserError}</p> : null}
          </div>
          <button type="submit" className="button button-primary" disabled={add.busy}>
            {t('security.add')}
          </button>
        </form>
      ) : null}
      <h2>{t('security.listTitle')}</h2>
      <ErrorNotice error={remove.error} />
      <LoadState
        loading={passkeys.loading}
        error={passkeys.error}
        empty={rows.length === 0}
        emptyText={t('security.empty')}
        onRetry={passkeys.reload}
      />
      {rows.length > 0 ? (
        <table className="table">
          <thead>
            <tr>
              <th scope="col">{t('security.label')}</th>
              <th scope="col">{t('security.created')}</th>
              <th scope="col">{t('security.lastUsed')}</th>
              <th scope="col">{t('common.actions')}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((passkey) => (
              <tr key={passkey.passkeyId}>
                <th scope="row">{passkey.label}</th>
                <td>
                  <Time iso={passkey.createdAt} />
                </td>
                <td>
                  <Time iso={passkey.lastUsedAt} />
                </td>
                <td>
                  <button
                    type="button"
                    className="button button-small button-danger"
                    disabled={remove.busy}
                    aria-label={t('security.removeOf', { label: passkey.label })}
                    onClick={() => void removePasskey(passkey.passkeyId)}
                  >
                    {t('security.remove')}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <p className="muted">{t('security.totpStays')}</p>
    </>
  );
}
