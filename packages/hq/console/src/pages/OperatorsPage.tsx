import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { ConsoleOutput } from '../../../src/console/contract';
import { OPERATOR_ROLES, type OperatorRole } from '../../../src/operators/roles';
import { callConsole } from '../api/console-client';
import { useSession } from '../app/session';
import { Dialog } from '../common/Dialog';
import { CheckboxGroup, TextField } from '../common/Field';
import { useAction, useApprovals, useLoad } from '../common/hooks';
import { ErrorNotice, LoadState, StatusNotice } from '../common/Notices';
import { PageHeading, SecretDialog, Time } from '../common/widgets';
import { issueKey, issuesByPath } from '../logic/issues';

type Operator = ConsoleOutput<'listOperators'>['operators'][number];
type Link = ConsoleOutput<'createOperator'>;

function rolesOf(values: readonly string[]): OperatorRole[] {
  return OPERATOR_ROLES.filter((role) => values.includes(role));
}

export function OperatorsPage() {
  const { t } = useTranslation();
  const { may, info } = useSession();
  const operators = useLoad(() => callConsole('listOperators', {}), 'operators');
  const [status, setStatus] = useState<string | null>(null);
  const [link, setLink] = useState<Link | null>(null);
  const [editingRoles, setEditingRoles] = useState<Operator | null>(null);
  const action = useAction();
  const rows = operators.data?.operators ?? [];

  async function setEnabled(operator: Operator, enabled: boolean) {
    const next = enabled ? 'active' : 'disabled';
    const ok = await action.run(`status:${operator.operatorId}:${next}`, (requestId) =>
      callConsole('setOperatorStatus', { requestId, operatorId: operator.operatorId, status: next }),
    );
    if (ok) {
      setStatus(t(enabled ? 'operators.enabled' : 'operators.disabled', { name: operator.displayName }));
      operators.reload();
    }
  }
  async function unlock(operator: Operator) {
    const ok = await action.run(`unlock:${operator.operatorId}`, (requestId) =>
      callConsole('unlockOperator', { requestId, operatorId: operator.operatorId }),
    );
    if (ok) {
      setStatus(t('operators.unlocked', { name: operator.displayName }));
      operators.reload();
    }
  }
  async function reissue(operator: Operator) {
    const answer = await action.run(`reissue:${operator.operatorId}`, (requestId) =>
      callConsole('reissueEnrolment', { requestId, operatorId: operator.operatorId }),
    );
    if (answer) setLink(answer);
  }

  return (
    <>
      <PageHeading>{t('pages.operators')}</PageHeading>
      <StatusNotice message={status} />
      <AddOperator
        onAdded={(answer) => {
          setLink(answer);
          operators.reload();
        }}
      />
      <h2>{t('operators.listTitle')}</h2>
      <ErrorNotice error={action.error} />
      <LoadState
        loading={operators.loading}
        error={operators.error}
        empty={rows.length === 0}
        emptyText={t('operators.empty')}
        onRetry={operators.reload}
      />
      {rows.length > 0 ? (
        <table className="table">
          <thead>
            <tr>
              <th scope="col">{t('operators.name')}</th>
              <th scope="col">{t('operators.email')}</th>
              <th scope="col">{t('operators.roles')}</th>
              <th scope="col">{t('operators.status')}</th>
              <th scope="col">{t('operators.created')}</th>
              <th scope="col">{t('common.actions')}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((operator) => (
              <tr key={operator.operatorId}>
                <th scope="row">{operator.displayName}</th>
                <td>{operator.email}</td>
                <td>{operator.roles.map((role) => t(`roles.${role}`)).join(', ') || '—'}</td>
                <td>
                  {t(`operators.statuses.${operator.status}`)}
                  {operator.enrolled ? null : <span className="badge">{t('operators.notEnrolled')}</span>}
                  {operator.locked ? <span className="badge badge-danger">{t('operators.locked')}</span> : null}
                </td>
                <td>
                  <Time iso={operator.createdAt} />
                </td>
                <td className="row-actions">
                  {/* Another operator changes one's own status, second factor and roles: HQ refuses them here. */}
                  {operator.operatorId === info.operator.id ? (
                    <span className="muted">{t('operators.you')}</span>
                  ) : (
                    <>
                      <button
                        type="button"
                        className="button button-small"
                        disabled={action.busy}
                        aria-label={t(operator.status === 'active' ? 'operators.disableOf' : 'operators.enableOf', {
                          name: operator.displayName,
                        })}
                        onClick={() => void setEnabled(operator, operator.status !== 'active')}
                      >
                        {operator.status === 'active' ? t('operators.disable') : t('operators.enable')}
                      </button>
                      {operator.locked ? (
                        <button
                          type="button"
                          className="button button-small"
                          disabled={action.busy}
                          onClick={() => void unlock(operator)}
                        >
                          {t('operators.unlock')}
                        </button>
                      ) : null}
                      <button
                        type="button"
                        className="button button-small"
                        disabled={action.busy}
                        onClick={() => void reissue(operator)}
                      >
                        {t('operators.reissue')}
                      </button>
                      {may('roles.change') ? (
                        <button type="button" className="button button-small" onClick={() => setEditingRoles(operator)}>
                          {t('operators.changeRoles')}
                        </button>
                      ) : null}
                    </>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {link ? (
        <SecretDialog title={t('operators.linkTitle')} secret={link.enrolmentUrl} onClose={() => setLink(null)}>
          <p>
            {t('operators.linkExpires')} <Time iso={link.expiresAt} />
          </p>
        </SecretDialog>
      ) : null}
      {editingRoles ? (
        <RolesDialog
          operator={editingRoles}
          onClose={() => setEditingRoles(null)}
          onChanged={() => {
            setStatus(t('operators.rolesChanged', { name: editingRoles.displayName }));
            setEditingRoles(null);
            operators.reload();
          }}
        />
      ) : null}
    </>
  );
}

function AddOperator({ onAdded }: { onAdded: (link: Link) => void }) {
  const { t } = useTranslation();
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [roles, setRoles] = useState<string[]>([]);
  const action = useAction();
  const fields = issuesByPath(action.error?.issues ?? []);
  async function submit(event: FormEvent) {
    event.preventDefault();
    const input = { email, displayName: name, roles: rolesOf(roles) };
    const answer = await action.run(`createOperator:${JSON.stringify(input)}`, (requestId) =>
      callConsole('createOperator', { requestId, ...input }),
    );
    if (answer) {
      setEmail('');
      setName('');
      setRoles([]);
      onAdded(answer);
    }
  }
  return (
    <form
      className="inline-form"
      onSubmit={(event) => void submit(event)}
      noValidate
      aria-labelledby="add-operator-title"
    >
      <h2 id="add-operator-title">{t('operators.add')}</h2>
      <div className="form-row">
        <TextField
          label={t('operators.email')}
          type="email"
          value={email}
          onChange={setEmail}
          required
          error={fields['email'] ? t(issueKey(fields['email'])) : null}
        />
        <TextField
          label={t('operators.name')}
          value={name}
          onChange={setName}
          required
          error={fields['displayName'] ? t(issueKey(fields['displayName'])) : null}
        />
      </div>
      <CheckboxGroup
        legend={t('operators.roles')}
        options={OPERATOR_ROLES.map((role) => ({ value: role, label: t(`roles.${role}`) }))}
        selected={roles}
        onChange={setRoles}
        error={fields['roles'] ? t('operators.rolesRequired') : null}
      />
      <ErrorNotice error={action.error?.code === 'bad_request' ? null : action.error} />
      <button type="submit" className="button button-primary" disabled={action.busy}>
        {t('operators.addButton')}
      </button>
    </form>
  );
}

function RolesDialog({
  operator,
  onClose,
  onChanged,
}: {
  operator: Operator;
  onClose: () => void;
  onChanged: () => void;
}) {
  const { t } = useTranslation();
  const [roles, setRoles] = useState<string[]>(operator.roles);
  const action = useAction();
  const { approvals, dispatch } = useApprovals();
  const key = `roles:${operator.operatorId}:${rolesOf(roles).join(',')}`;
  const approvalId = approvals[key];
  async function run() {
    const answer = await action.run(
      `${key}:${approvalId ?? ''}`,
      (requestId) =>
        callConsole('setOperatorRoles', {
          requestId,
          operatorId: operator.operatorId,
          roles: rolesOf(roles),
          ...(approvalId ? { approvalId } : {}),
        }),
      (error) => dispatch({ type: 'refused', key, error }),
    );
    if (answer) {
      dispatch({ type: 'done', key });
      onChanged();
    }
  }
  return (
    <Dialog
      title={t('operators.rolesTitle', { name: operator.displayName })}
      onClose={onClose}
      closeLabel={t('common.cancel')}
      actions={
        <>
          <button type="button" className="button button-primary" disabled={action.busy} onClick={() => void run()}>
            {approvalId ? t('common.runAgain') : t('operators.saveRoles')}
          </button>
          <button type="button" className="button" onClick={onClose}>
            {t('common.cancel')}
          </button>
        </>
      }
    >
      <CheckboxGroup
        legend={t('operators.roles')}
        options={OPERATOR_ROLES.map((role) => ({ value: role, label: t(`roles.${role}`) }))}
        selected={roles}
        onChange={setRoles}
      />
      <p className="hint">{t('operators.rolesNeedApproval')}</p>
      <ErrorNotice error={action.error} />
    </Dialog>
  );
}
