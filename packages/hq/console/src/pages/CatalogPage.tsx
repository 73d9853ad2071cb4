import { useEffect, useReducer, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { callConsole, ConsoleApiError } from '../api/console-client';
import { formatNumber } from '../app/format';
import { useSession } from '../app/session';
import { Field } from '../common/Field';
import { useAction, useLoad } from '../common/hooks';
import { ErrorNotice, LoadState, StatusNotice } from '../common/Notices';
import { PageHeading, Time } from '../common/widgets';
import { catalogFromDraft, catalogReducer, type RewardDraft } from '../logic/catalog-editor';
import { issueKey, issuesByPath } from '../logic/issues';

type TextColumn = Exclude<keyof RewardDraft, 'active'>;
const COLUMNS: readonly TextColumn[] = ['id', 'nameEn', 'nameRu', 'costPoints', 'sort'];
const ISSUE_FIELD: Record<TextColumn, string> = {
  id: 'id',
  nameEn: 'name.en',
  nameRu: 'name.ru',
  costPoints: 'costPoints',
  sort: 'sort',
};

export function CatalogPage() {
  const { t } = useTranslation();
  const { may, language } = useSession();
  const editable = may('catalog.edit');
  const catalog = useLoad(() => callConsole('getCatalog', {}), 'catalog');
  const [draft, dispatch] = useReducer(catalogReducer, null);
  const [localError, setLocalError] = useState<ConsoleApiError | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const action = useAction();

  useEffect(() => {
    if (catalog.data) dispatch({ type: 'load', answer: catalog.data });
  }, [catalog.data]);

  const error = localError ?? action.error;
  const fields = issuesByPath(error?.issues ?? []);
  const otherIssues = (error?.issues ?? []).filter((issue) => !/^rewards\.\d+\./.test(issue.path));

  async function save() {
    if (!draft) return;
    setStatus(null);
    const built = catalogFromDraft(draft);
    if (!built.ok) {
      setLocalError(new ConsoleApiError('invalid_catalog', 'local', { issues: built.issues }));
      return;
    }
    setLocalError(null);
    const answer = await action.run(
      `saveCatalog:${draft.baseVersion}:${JSON.stringify(built.catalog)}`,
      (requestId) => callConsole('saveCatalog', { requestId, baseVersion: draft.baseVersion, catalog: built.catalog }),
      (refusal) => {
        if (refusal.code === 'conflict') catalog.reload();
      },
    );
    if (answer) {
      setStatus(
        t('catalog.saved', {
          version: answer.version,
          added: answer.rewardsAdded,
          changed: answer.rewardsChanged,
          deactivated: answer.rewardsDeactivated,
          stores: answer.storesChanged,
        }),
      );
      catalog.reload();
    }
  }

  return (
    <>
      <PageHeading>{t('pages.catalog')}</PageHeading>
      <StatusNotice message={status} />
      <LoadState
        loading={catalog.loading}
        error={catalog.error}
        empty={!draft}
        emptyText={t('catalog.empty')}
        onRetry={catalog.reload}
      />
      {draft ? (
        <>
          <p>{t('catalog.version', { version: formatNumber(draft.baseVersion, language) })}</p>
          <section aria-labelledby="rewards-title">
            <h2 id="rewards-title">{t('catalog.rewards')}</h2>
            {draft.rewards.length === 0 ? <p className="empty-state">{t('catalog.noRewards')}</p> : null}
            <table className="table table-editor">
              <thead>
                <tr>
                  {COLUMNS.map((column) => (
                    <th scope="col" key={column}>
                      {t(`catalog.columns.${column}`)}
                    </th>
                  ))}
                  <th scope="col">{t('catalog.columns.active')}</th>
                  {editable ? <th scope="col">{t('common.actions')}</th> : null}
                </tr>
              </thead>
              <tbody>
                {draft.rewards.map((row, index) => (
                  <tr key={index}>
                    {COLUMNS.map((column) => {
                      const issue = fields[`rewards.${index}.${ISSUE_FIELD[column]}`];
                      return (
                        <td key={column}>
                          <Field
                            className="cell-field"
                            label={t('catalog.cellLabel', { column: t(`catalog.columns.${column}`), row: index + 1 })}
                            error={issue ? t(issueKey(issue)) : null}
                          >
                            {(aria) => (
                              <input
                                {...aria}
                                className="input input-cell"
                                value={row[column]}
                                readOnly={!editable}
                                {...(column === 'costPoints' || column === 'sort'
                                  ? { inputMode: 'numeric' as const }
                                  : {})}
                                onChange={(event) =>
                                  dispatch({ type: 'edit', index, field: column, value: event.target.value })
                                }
                              />
                            )}
                          </Field>
                        </td>
                      );
                    })}
                    <td>
                      <input
                        type="checkbox"
                        aria-label={t('catalog.cellLabel', { column: t('catalog.columns.active'), row: index + 1 })}
                        checked={row.active}
                        disabled={!editable}
                        onChange={(event) => dispatch({ type: 'setActive', index, active: event.target.checked })}
                      />
                    </td>
                    {editable ? (
                      <td>
                        <button
                          type="button"
                          className="button button-small"
                          aria-label={t('catalog.removeRow', { row: index + 1 })}
                          onClick={() => dispatch({ type: 'remove', index })}
                        >
                          {t('catalog.remove')}
                        </button>
                      </td>
                    ) : null}
                  </tr>
                ))}
              </tbody>
            </table>
            {editable ? (
              <button type="button" className="button" onClick={() => dispatch({ type: 'add' })}>
                {t('catalog.addReward')}
              </button>
            ) : null}
          </section>
          <section aria-labelledby="rest-title">
            <h2 id="rest-title">{t('catalog.restTitle')}</h2>
            <Field
              label={t('catalog.restLabel')}
              hint={t('catalog.restHint')}
              error={fields['json'] ? t(issueKey(fields['json'])) : null}
            >
              {(aria) => (
                <textarea
                  {...aria}
                  className="input json-editor mono"
                  rows={16}
                  spellCheck={false}
                  readOnly={!editable}
                  value={draft.restJson}
                  onChange={(event) => dispatch({ type: 'setJson', text: event.target.value })}
                />
              )}
            </Field>
            {otherIssues.length > 0 ? (
              <ul className="issue-list">
                {otherIssues.map((issue) => (
                  <li key={`${issue.path}:${issue.code}`}>
                    <span className="mono">{issue.path || '—'}</span>: {t(issueKey(issue.code))}
                  </li>
                ))}
              </ul>
            ) : null}
          </section>
          <div role="alert">
            {error ? (
              <p className="notice notice-error">
                {t(error.code === 'conflict' ? 'catalog.conflict' : 'catalog.refused')}
              </p>
            ) : null}
          </div>
          {action.error &&
          action.error.code !== 'conflict' &&
          action.error.code !== 'invalid_catalog' &&
          action.error.code !== 'bad_request' ? (
            <ErrorNotice error={action.error} />
          ) : null}
          {editable ? (
            <button type="button" className="button button-primary" disabled={action.busy} onClick={() => void save()}>
              {t('catalog.save')}
            </button>
          ) : null}
          <section aria-labelledby="history-title">
            <h2 id="history-title">{t('catalog.history')}</h2>
            {catalog.data && catalog.data.history.length > 0 ? (
              <table className="table">
                <thead>
                  <tr>
                    <th scope="col">{t('catalog.historyVersion')}</th>
                    <th scope="col">{t('catalog.historyLoadedAt')}</th>
                    <th scope="col">{t('catalog.historyOperator')}</th>
                  </tr>
                </thead>
                <tbody>
                  {catalog.data.history.map((entry) => (
                    <tr key={entry.version}>
                      <td className="num">{formatNumber(entry.version, language)}</td>
                      <td>
                        <Time iso={entry.loadedAt} />
                      </td>
                      <td className="mono">{entry.operatorId ?? '—'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            ) : (
              <p className="empty-state">{t('catalog.noHistory')}</p>
            )}
          </section>
        </>
      ) : null}
    </>
  );
}
