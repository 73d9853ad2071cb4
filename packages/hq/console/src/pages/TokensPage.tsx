import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { ConsoleOutput } from '../../../src/console/contract';
import { OPERATOR_ROLES } from '../../../src/operators/roles';
import { callConsole } from '../api/console-client';
import { useSession } from '../app/session';
import { CheckboxGroup, TextField } from '../common/Field';
import { useAction, useLoad } from '../common/hooks';
import { ErrorNotice, LoadState, StatusNotice } from '../common/Notices';
import { PageHeading, SecretDialog, Time } from '../common/widgets';
import { issueKey, issuesByPath } from '../logic/issues';

type Created = ConsoleOutput<'createApiToken'>;

export function TokensPage() {
  const { t } = useTranslation();
  const { info } = useSession();
  const tokens = useLoad(() => callConsole('listApiTokens', {}), 'tokens');
  const [created, setCreated] = useState<Created | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const [roles, setRoles] = useState<string[]>([]);
  const [days, setDays] = useState('30');
  const [label, setLabel] = useState('');
  const create = useAction();
  const revoke = useAction();
  const fields = issuesByPath(create.error?.issues ?? []);
  const rows = tokens.data?.tokens ?? [];

  async function submit(event: FormEvent) {
    event.preventDefault();
    const input = {
      roles: OPERATOR_ROLES.filter((role) => roles.includes(role)),
      expiresInDays: Number(days),
      ...(label.trim() ? { label: label.trim() } : {}),
    };
    const answer = await create.run(`token:${JSON.stringify(input)}`, (requestId) =>
      callConsole('createApiToken', { requestId, ...input }),
    );
    if (answer) {
      setCreated(answer);
      setLabel('');
      tokens.reload();
    }
  }

  async function revokeToken(tokenId: string) {
    const ok = await revoke.run(`revoke:${tokenId}`, (requestId) =>
      callConsole('revokeApiToken', { requestId, tokenId }),
    );
    if (ok) {
      setStatus(t('tokens.revoked'));
      tokens.reload();
    }
  }

  return (
    <>
      <PageHeading>{t('pages.tokens')}</PageHeading>
      <StatusNotice message={status} />
      <form
        className="inline-form"
        onSubmit={(event) => void submit(event)}
        noValidate
        aria-labelledby="create-token-title"
      >
        <h2 id="create-token-title">{t('tokens.create')}</h2>
        <CheckboxGroup
          legend={t('tokens.roles')}
          options={info.operator.roles.map((role) => ({ value: role, label: t(`roles.${role}`) }))}
          selected={roles}
          onChange={setRoles}
          error={fields['roles'] ? t('tokens.rolesRequired') : null}
        />
        <div className="form-row">
          <TextField
            label={t('tokens.days')}
            inputMode="numeric"
            value={days}
            onChange={setDays}
            required
            error={fields['expiresInDays'] ? t('tokens.daysInvalid') : null}
          />
          <TextField
            label={t('tokens.label')}
            value={label}
            onChange={setLabel}
            maxLength={80}
            error={fields['label'] ? t(issueKey(fields['label'])) : null}
          />
        </div>
        <ErrorNotice error={create.error?.code === 'bad_request' ? null : create.error} />
        <button type="submit" className="button button-primary" disabled={create.busy}>
          {t('tokens.createButton')}
        </button>
      </form>
      <h2>{t('tokens.listTitle')}</h2>
      <ErrorNotice error={revoke.error} />
      <LoadState
        loading={tokens.loading}
        error={tokens.error}
        empty={rows.length === 0}
        emptyText={t('tokens.empty')}
        onRetry={tokens.reload}
      />
      {rows.length > 0 ? (
        <table className="table">
          <thead>
            <tr>
              <th scope="col">{t('tokens.label')}</th>
              <th scope="col">{t('tokens.roles')}</th>
              <th scope="col">{t('tokens.created')}</th>
              <th scope="col">{t('tokens.expires')}</th>
              <th scope="col">{t('tokens.lastUsed')}</th>
              <th scope="col">{t('common.actions')}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((token) => (
              <tr key={token.tokenId}>
                <th scope="row">{token.label ?? token.tokenId}</th>
                <td>{token.roles.map((role) => t(`roles.${role}`)).join(', ')}</td>
                <td>
                  <Time iso={token.createdAt} />
                </td>
                <td>
                  <Time iso={token.expiresAt} />
                </td>
                <td>
                  <Time iso={token.lastUsedAt} />
                </td>
                <td>
                  {token.revokedAt ? (
                    <span className="badge">
                      {t('tokens.revokedAt')} <Time iso={token.revokedAt} />
                    </span>
                  ) : (
                    <button
                      type="button"
                      className="button button-small button-danger"
                      disabled={revoke.busy}
                      aria-label={t('tokens.revokeOf', { label: token.label ?? token.tokenId })}
                      onClick={() => void revokeToken(token.tokenId)}
                    >
                      {t('tokens.revoke')}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {created ? (
        <SecretDialog title={t('tokens.createdTitle')} secret={created.token} onClose={() => setCreated(null)}>
          <p>
            {t('tokens.expires')}: <Time iso={created.expiresAt} />
          </p>
        </SecretDialog>
      ) : null}
    </>
  );
}
