import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { ConsoleOutput } from '../../../src/console/contract';
import { callConsole } from '../api/console-client';
import { formatNumber } from '../app/format';
import { useSession } from '../app/session';
import { Dialog } from '../common/Dialog';
import { TextField } from '../common/Field';
import { useAction, useLoad } from '../common/hooks';
import { ErrorNotice, LoadState, StatusNotice } from '../common/Notices';
import { PageHeading, Time } from '../common/widgets';
import { issueKey, issuesByPath } from '../logic/issues';

type Store = ConsoleOutput<'listStores'>['stores'][number];

export function StoresPage() {
  const { t } = useTranslation();
  const { may, language } = useSession();
  const stores = useLoad(() => callConsole('listStores', {}), 'stores');
  const [status, setStatus] = useState<string | null>(null);
  const [editing, setEditing] = useState<Store | null>(null);
  const rows = stores.data?.stores ?? [];

  return (
    <>
      <PageHeading>{t('pages.stores')}</PageHeading>
      <StatusNotice message={status} />
      {may('stores.create') ? (
        <CreateStore
          onCreated={(storeId) => {
            setStatus(t('stores.created', { id: storeId }));
            stores.reload();
          }}
        />
      ) : null}
      <LoadState
        loading={stores.loading}
        error={stores.error}
        empty={rows.length === 0}
        emptyText={t('stores.empty')}
        onRetry={stores.reload}
      />
      {rows.length > 0 ? (
        <table className="table">
          <caption className="visually-hidden">{t('pages.stores')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('stores.name')}</th>
              <th scope="col">{t('stores.id')}</th>
              <th scope="col">{t('stores.devices')}</th>
              <th scope="col">{t('stores.lastContact')}</th>
              <th scope="col">{t('policy.maxAdjustPoints')}</th>
              <th scope="col">{t('policy.graceDays')}</th>
              <th scope="col">{t('policy.secondApproverAbovePoints')}</th>
              {may('policies.edit') ? <th scope="col">{t('common.actions')}</th> : null}
            </tr>
          </thead>
          <tbody>
            {rows.map((store) => (
              <tr key={store.storeId}>
                <th scope="row">{store.name}</th>
                <td className="mono">{store.storeId}</td>
                <td className="num">
                  {t('stores.devicesActive', {
                    active: formatNumber(store.activeDevices, language),
                    total: formatNumber(store.devices, language),
                  })}
                </td>
                <td>
                  <Time iso={store.lastContactAt} />
                </td>
                <td className="num">{formatNumber(store.policy.maxAdjustPoints, language)}</td>
                <td className="num">{formatNumber(store.policy.graceDays, language)}</td>
                <td className="num">{formatNumber(store.policy.secondApproverAbovePoints, language)}</td>
                {may('policies.edit') ? (
                  <td>
                    <button
                      type="button"
                      className="button button-small"
                      aria-label={t('stores.editPolicyOf', { name: store.name })}
                      onClick={() => setEditing(store)}
                    >
                      {t('stores.editPolicy')}
                    </button>
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {editing ? (
        <PolicyDialog
          store={editing}
          onClose={() => setEditing(null)}
          onSaved={() => {
            setStatus(t('stores.policySaved', { name: editing.name }));
            setEditing(null);
            stores.reload();
          }}
        />
      ) : null}
    </>
  );
}

function CreateStore({ onCreated }: { onCreated: (storeId: string) => void }) {
  const { t } = useTranslation();
  const [name, setName] = useState('');
  const action = useAction();
  const fields = issuesByPath(action.error?.issues ?? []);
  async function submit(event: FormEvent) {
    event.preventDefault();
    const answer = await action.run(`createStore:${name}`, (requestId) =>
      callConsole('createStore', { requestId, name }),
    );
    if (answer) {
      setName('');
      onCreated(answer.storeId);
    }
  }
  return (
    <form
      className="inline-form"
      onSubmit={(event) => void submit(event)}
      noValidate
      aria-labelledby="create-store-title"
    >
      <h2 id="create-store-title">{t('stores.create')}</h2>
      <div className="form-row">
        <TextField
          label={t('stores.name')}
          value={name}
          onChange={setName}
          required
          error={fields['name'] ? t(issueKey(fields['name'])) : null}
        />
        <button type="submit" className="button button-primary" disabled={action.busy}>
          {t('stores.createButton')}
        </button>
      </div>
      <ErrorNotice error={action.error?.code === 'bad_request' ? null : action.error} />
    </form>
  );
}

function PolicyDialog({ store, onClose, onSaved }: { store: Store; onClose: () => void; onSaved: () => void }) {
  const { t } = useTranslation();
  const [values, setValues] = useState({
    maxAdjustPoints: String(store.policy.maxAdjustPoints),
    graceDays: String(store.policy.graceDays),
    secondApproverAbovePoints: String(store.policy.secondApproverAbovePoints),
  });
  const action = useAction();
  const fields = issuesByPath(action.error?.issues ?? []);
  const keys = ['maxAdjustPoints', 'graceDays', 'secondApproverAbovePoints'] as const;

  async function save(event: FormEvent) {
    event.preventDefault();
    const input = {
      storeId: store.storeId,
      maxAdjustPoints: Number(values.maxAdjustPoints),
      graceDays: Number(values.graceDays),
      secondApproverAbovePoints: Number(values.secondApproverAbovePoints),
    };
    const answer = await action.run(`setStorePolicy:${JSON.stringify(input)}`, (requestId) =>
      callConsole('setStorePolicy', { requestId, ...input }),
    );
    if (answer) onSaved();
  }

  return (
    <Dialog
      title={t('stores.policyTitle', { name: store.name })}
      onClose={onClose}
      closeLabel={t('common.cancel')}
      actions={
        <>
          <button type="submit" form="policy-form" className="button button-primary" disabled={action.busy}>
            {t('common.save')}
          </button>
          <button type="button" className="button" onClick={onClose}>
            {t('common.cancel')}
          </button>
        </>
      }
    >
      <form id="policy-form" onSubmit={(event) => void save(event)} noValidate>
        {keys.map((key) => (
          <TextField
            key={key}
            label={t(`policy.${key}`)}
            hint={t(`policy.${key}Hint`)}
            inputMode="numeric"
            value={values[key]}
            onChange={(value) => setValues((previous) => ({ ...previous, [key]: value }))}
            error={fields[key] ? t(issueKey(fields[key])) : null}
            required
          />
        ))}
        <ErrorNotice error={action.error} />
      </form>
    </Dialog>
  );
}
