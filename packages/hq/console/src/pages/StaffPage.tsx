import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { ConsoleOutput } from '../../../src/console/contract';
import { callConsole } from '../api/console-client';
import { useSession } from '../app/session';
import { SelectField, TextField } from '../common/Field';
import { useAction, useLoad } from '../common/hooks';
import { ErrorNotice, LoadState, StatusNotice } from '../common/Notices';
import { PageHeading, SecretDialog, StoreFilter, useStores } from '../common/widgets';
import { issueKey, issuesByPath } from '../logic/issues';

type Staff = ConsoleOutput<'listStaff'>['staff'][number];

export function StaffPage() {
  const { t } = useTranslation();
  const { may } = useSession();
  const [storeId, setStoreId] = useState('');
  const staff = useLoad(() => callConsole('listStaff', storeId ? { storeId } : {}), storeId);
  const stores = useStores();
  const [status, setStatus] = useState<string | null>(null);
  const [pin, setPin] = useState<{ name: string; pin: string } | null>(null);
  const action = useAction();
  const rows = staff.data?.staff ?? [];
  const storeName = (id: string | null) =>
    id === null ? t('staff.chainWide') : ((stores.data ?? []).find((s) => s.storeId === id)?.name ?? id);

  async function setActive(member: Staff, active: boolean) {
    const status = active ? 'active' : 'inactive';
    const answer = await action.run(`status:${member.staffId}:${status}`, (requestId) =>
      callConsole('setStaffStatus', { requestId, staffId: member.staffId, status }),
    );
    if (answer) {
      setStatus(t(active ? 'staff.activated' : 'staff.deactivated', { name: member.displayName }));
      staff.reload();
    }
  }

  async function resetPin(member: Staff) {
    const answer = await action.run(`pin:${member.staffId}`, (requestId) =>
      callConsole('resetStaffPin', { requestId, staffId: member.staffId }),
    );
    if (answer) {
      setPin({ name: member.displayName, pin: answer.temporaryPin });
      staff.reload();
    }
  }

  return (
    <>
      <PageHeading>{t('pages.staff')}</PageHeading>
      <StatusNotice message={status} />
      {may('staff.add') ? (
        <AddStaff
          onAdded={(name, temporaryPin) => {
            setPin({ name, pin: temporaryPin });
            staff.reload();
          }}
        />
      ) : null}
      <h2>{t('staff.listTitle')}</h2>
      <div className="toolbar">
        <StoreFilter value={storeId} onChange={setStoreId} />
      </div>
      <ErrorNotice error={action.error} />
      <LoadState
        loading={staff.loading}
        error={staff.error}
        empty={rows.length === 0}
        emptyText={t('staff.empty')}
        onRetry={staff.reload}
      />
      {rows.length > 0 ? (
        <table className="table">
          <caption className="visually-hidden">{t('staff.listTitle')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('staff.name')}</th>
              <th scope="col">{t('common.store')}</th>
              <th scope="col">{t('staff.role')}</th>
              <th scope="col">{t('staff.status')}</th>
              <th scope="col">{t('staff.pin')}</th>
              <th scope="col">{t('common.actions')}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((member) => (
              <tr key={member.staffId}>
                <th scope="row">{member.displayName}</th>
                <td>{storeName(member.storeId)}</td>
                <td>{t(`staff.roles.${member.role}`)}</td>
                <td>
                  <span className={member.status === 'active' ? 'badge badge-ok' : 'badge'}>
                    {t(`staff.statuses.${member.status}`)}
                  </span>
                </td>
                <td>{member.mustChangePin ? t('staff.mustChangePin') : t('staff.pinSet')}</td>
                <td className="row-actions">
                  {may('staff.set_status') ? (
                    <button
                      type="button"
                      className="button button-small"
                      disabled={action.busy}
                      aria-label={t(member.status === 'active' ? 'staff.deactivateOf' : 'staff.activateOf', {
                        name: member.displayName,
                      })}
                      onClick={() => void setActive(member, member.status !== 'active')}
                    >
                      {member.status === 'active' ? t('staff.deactivate') : t('staff.activate')}
                    </button>
                  ) : null}
                  {may('staff.reset_pin') ? (
                    <button
                      type="button"
                      className="button button-small"
                      disabled={action.busy}
                      aria-label={t('staff.resetPinOf', { name: member.displayName })}
                      onClick={() => void resetPin(member)}
                    >
                      {t('staff.resetPin')}
                    </button>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {pin ? (
        <SecretDialog title={t('staff.pinTitle', { name: pin.name })} secret={pin.pin} onClose={() => setPin(null)}>
          <p>{t('staff.pinHelp')}</p>
        </SecretDialog>
      ) : null}
    </>
  );
}

function AddStaff({ onAdded }: { onAdded: (name: string, temporaryPin: string) => void }) {
  const { t } = useTranslation();
  const stores = useStores();
  const [name, setName] = useState('');
  const [role, setRole] = useState<'cashier' | 'manager'>('cashier');
  const [storeId, setStoreId] = useState('');
  const action = useAction();
  const fields = issuesByPath(action.error?.issues ?? []);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const input = { displayName: name, role, storeId: storeId || null };
    const answer = await action.run(`addStaff:${JSON.stringify(input)}`, (requestId) =>
      callConsole('addStaff', { requestId, ...input }),
    );
    if (answer) {
      setName('');
      onAdded(input.displayName, answer.temporaryPin);
    }
  }

  return (
    <form className="inline-form" onSubmit={(event) => void submit(event)} noValidate aria-labelledby="add-staff-title">
      <h2 id="add-staff-title">{t('staff.add')}</h2>
      <div className="form-row">
        <TextField
          label={t('staff.name')}
          value={name}
          onChange={setName}
          required
          error={fields['displayName'] ? t(issueKey(fields['displayName'])) : null}
        />
        <SelectField
          label={t('staff.role')}
          value={role}
          onChange={(value) => setRole(value === 'manager' ? 'manager' : 'cashier')}
          options={[
            { value: 'cashier', label: t('staff.roles.cashier') },
            { value: 'manager', label: t('staff.roles.manager') },
          ]}
        />
        <SelectField
          label={t('common.store')}
          value={storeId}
          onChange={setStoreId}
          options={[
            { value: '', label: t('staff.chainWide') },
            ...(stores.data ?? []).map((store) => ({ value: store.storeId, label: store.name })),
          ]}
        />
        <button type="submit" className="button button-primary" disabled={action.busy}>
          {t('staff.addButton')}
        </button>
      </div>
      <ErrorNotice error={action.error?.code === 'bad_request' ? null : action.error} />
    </form>
  );
}
