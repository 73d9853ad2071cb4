import { useId, useRef, useState, type KeyboardEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { callConsole } from '../api/console-client';
import { useSession } from '../app/session';
import { useAction, useLoad } from '../common/hooks';
import { ErrorNotice, LoadState, StatusNotice } from '../common/Notices';
import { PageHeading, StoreFilter } from '../common/widgets';

const KINDS = [
  { kind: 'overdraft', operation: 'overdrafts.list' },
  { kind: 'rejected', operation: 'rejected.list' },
  { kind: 'flagged', operation: 'flagged.list' },
] as const;
type Kind = (typeof KINDS)[number]['kind'];
const RESOLUTIONS = ['made_good', 'written_off', 'till_fixed', 'no_action_needed'] as const;
type Resolution = (typeof RESOLUTIONS)[number];

function load(kind: Kind, storeId: string) {
  const input = storeId ? { storeId } : {};
  if (kind === 'overdraft') return callConsole('listOverdrafts', input);
  if (kind === 'rejected') return callConsole('listRejected', input);
  return callConsole('listFlagged', input);
}

function cellText(value: unknown): string {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

export function ReviewsPage() {
  const { t } = useTranslation();
  const { may } = useSession();
  const kinds = KINDS.filter((entry) => may(entry.operation));
  const [kind, setKind] = useState<Kind>(kinds[0]?.kind ?? 'overdraft');
  const [storeId, setStoreId] = useState('');
  const rows = useLoad(() => load(kind, storeId), `${kind}:${storeId}`);
  const tabRefs = useRef<(HTMLButtonElement | null)[]>([]);
  const baseId = useId();
  const list = rows.data?.rows ?? [];
  const columns = [...new Set(list.flatMap((row) => Object.keys(row)))].slice(0, 10);

  function onTabKey(event: KeyboardEvent, index: number) {
    const last = kinds.length - 1;
    const next =
      event.key === 'ArrowRight'
        ? index === last
          ? 0
          : index + 1
        : event.key === 'ArrowLeft'
          ? index === 0
            ? last
            : index - 1
          : event.key === 'Home'
            ? 0
            : event.key === 'End'
              ? last
              : null;
    if (next === null) return;
    event.preventDefault();
    const target = kinds[next];
    if (target) setKind(target.kind);
    tabRefs.current[next]?.focus();
  }

  return (
    <>
      <PageHeading>{t('pages.reviews')}</PageHeading>
      <div className="toolbar">
        <StoreFilter value={storeId} onChange={setStoreId} />
      </div>
      <div role="tablist" aria-label={t('reviews.kinds')} className="tabs">
        {kinds.map((entry, index) => (
          <button
            key={entry.kind}
            ref={(element) => {
              tabRefs.current[index] = element;
            }}
            type="button"
            role="tab"
            id={`${baseId}-tab-${entry.kind}`}
            aria-selected={kind === entry.kind}
            aria-controls={`${baseId}-panel`}
            tabIndex={kind === entry.kind ? 0 : -1}
            className="tab"
            onClick={() => setKind(entry.kind)}
            onKeyDown={(event) => onTabKey(event, index)}
          >
            {t(`reviews.tabs.${entry.kind}`)}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`${baseId}-panel`} aria-labelledby={`${baseId}-tab-${kind}`} className="tab-panel">
        <LoadState
          loading={rows.loading}
          error={rows.error}
          empty={list.length === 0}
          emptyText={t('reviews.empty')}
          onRetry={rows.reload}
        />
        {list.length > 0 ? (
          <table className="table">
            <thead>
              <tr>
                {columns.map((column) => (
                  <th scope="col" key={column}>
                    {column}
                  </th>
                ))}
                {may('reviews.resolve') ? <th scope="col">{t('reviews.resolve')}</th> : null}
              </tr>
            </thead>
            <tbody>
              {list.map((row, index) => (
                <tr key={typeof row['opId'] === 'string' ? row['opId'] : index}>
                  {columns.map((column) => (
                    <td key={column} className="cell-wrap">
                      {cellText(row[column])}
                    </td>
                  ))}
                  {may('reviews.resolve') ? (
                    <td>
                      {typeof row['opId'] === 'string' ? (
                        <Resolve kind={kind} opId={row['opId']} onResolved={rows.reload} />
                      ) : null}
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
      </div>
    </>
  );
}

function Resolve({ kind, opId, onResolved }: { kind: Kind; opId: string; onResolved: () => void }) {
  const { t } = useTranslation();
  const [resolution, setResolution] = useState<Resolution>('made_good');
  const [status, setStatus] = useState<string | null>(null);
  const action = useAction();
  const id = useId();
  async function resolve() {
    const answer = await action.run(`${kind}:${opId}:${resolution}`, (requestId) =>
      callConsole('resolveReview', { requestId, kind, opId, resolution }),
    );
    if (answer) {
      setStatus(t('reviews.resolved'));
      onResolved();
    }
  }
  return (
    <div className="resolve">
      <label htmlFor={id} className="visually-hidden">
        {t('reviews.resolution')}
      </label>
      <select
        id={id}
        className="input input-compact"
        value={resolution}
        onChange={(event) => setResolution(RESOLUTIONS.find((r) => r === event.target.value) ?? 'made_good')}
      >
        {RESOLUTIONS.map((code) => (
          <option key={code} value={code}>
            {t(`reviews.resolutions.${code}`)}
          </option>
        ))}
      </select>
      <button type="button" className="button button-small" disabled={action.busy} onClick={() => void resolve()}>
        {t('reviews.resolve')}
      </button>
      <ErrorNotice error={action.error} />
      <StatusNotice message={status} />
    </div>
  );
}
