import { useId, useRef, useState, type FormEvent, type KeyboardEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { ConsoleInput, ConsoleOutput } from '../../../src/console/contract';
import { CONSOLE_API_PREFIX } from '../../../src/console/contract';
import { AUDIT_ACTION_GROUP_NAMES } from '../../../../../src/shared/audit/schemas';
import { callConsole, toConsoleApiError, type ConsoleApiError } from '../api/console-client';
import { formatNumber, type ConsoleLanguage } from '../app/format';
import { useSession } from '../app/session';
import { Field, SelectField } from '../common/Field';
import { useLoad } from '../common/hooks';
import { ErrorNotice, LoadState } from '../common/Notices';
import { PageHeading, Time } from '../common/widgets';
import {
  OPERATOR_ACTION_PREFIXES,
  OPERATOR_SUBJECT_TYPES,
  auditDateRange,
  consoleDatePattern,
  describeOperatorEntry,
  describeTillEntry,
  type OperatorWords,
  type TypedDates,
} from '../logic/audit-trail';

type Entry = ConsoleOutput<'listAudit'>['entries'][number];
type Verified = ConsoleOutput<'verifyAudit'>;
type Tab = 'operators' | 'tills';
const TABS: readonly Tab[] = ['operators', 'tills'];
const PAGE = 50;

/** The two audit trails, HQ's operators' and the tills' (issue 14), in words in the page language. */
export function AuditPage() {
  const { t } = useTranslation();
  const { may } = useSession();
  const baseId = useId();
  const [tab, setTab] = useState<Tab>('operators');
  const tabRefs = useRef<(HTMLButtonElement | null)[]>([]);
  const [verified, setVerified] = useState<Verified | null>(null);
  const [verifyError, setVerifyError] = useState<ConsoleApiError | null>(null);
  const [verifying, setVerifying] = useState(false);
  const { language } = useSession();

  async function verify() {
    setVerifying(true);
    setVerifyError(null);
    try {
      setVerified(await callConsole('verifyAudit', {}));
    } catch (error) {
      setVerifyError(toConsoleApiError(error));
    } finally {
      setVerifying(false);
    }
  }

  function onTabKey(event: KeyboardEvent<HTMLButtonElement>, index: number) {
    const step = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0;
    if (step === 0) return;
    event.preventDefault();
    const next = (index + step + TABS.length) % TABS.length;
    const target = TABS[next];
    if (target) setTab(target);
    tabRefs.current[next]?.focus();
  }

  return (
    <>
      <PageHeading>{t('pages.audit')}</PageHeading>
      <div className="toolbar">
        <button type="button" className="button" disabled={verifying} onClick={() => void verify()}>
          {t('audit.verify')}
        </button>
        {may('audit.export') ? (
          <a className="button" href={`${CONSOLE_API_PREFIX}/audit/export`} download="hq-operator-audit.jsonl">
            {t('audit.export')}
          </a>
        ) : null}
      </div>
      <div role="status" aria-live="polite">
        {verified ? (
          <p className={verified.ok ? 'notice notice-success' : 'notice notice-error'}>
            {verified.ok
              ? t('audit.verifiedOk', { entries: formatNumber(verified.entries, language) })
              : t('audit.verifiedBad', { seq: verified.firstBadSeq ?? '—' })}
          </p>
        ) : null}
      </div>
      <ErrorNotice error={verifyError} />
      <div role="tablist" aria-label={t('audit.tabs')} className="tabs">
        {TABS.map((entry, index) => (
          <button
            key={entry}
            ref={(element) => {
              tabRefs.current[index] = element;
            }}
            type="button"
            role="tab"
            id={`${baseId}-tab-${entry}`}
            aria-selected={tab === entry}
            aria-controls={`${baseId}-panel`}
            tabIndex={tab === entry ? 0 : -1}
            className="tab"
            data-testid={`audit-tab-${entry}`}
            onClick={() => setTab(entry)}
            onKeyDown={(event) => onTabKey(event, index)}
          >
            {entry === 'operators' ? t('audit.tabOperators') : t('audit.tabTills')}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`${baseId}-panel`} aria-labelledby={`${baseId}-tab-${tab}`} className="tab-panel">
        {tab === 'operators' ? <OperatorTrail /> : <TillsAudit />}
      </div>
    </>
  );
}

/** Typed dates of one filter form, checked in the page language's pattern. */
function useDates(language: ConsoleLanguage) {
  const { t } = useTranslation();
  const pattern = consoleDatePattern(language);
  const hint = t('audit.dateHint', { hint: pattern.hint, example: pattern.example });
  const check = (dates: TypedDates) => {
    const range = auditDateRange(dates, pattern);
    const problem = range.ok
      ? null
      : range.problem === 'order'
        ? t('audit.rangeOrder')
        : t('audit.dateInvalid', { hint: pattern.hint, example: pattern.example });
    return { range, problem, pattern, hint };
  };
  return check;
}

function DateFields({
  dates,
  onChange,
  hint,
  placeholder,
  range,
  problem,
}: {
  dates: TypedDates;
  onChange: (dates: TypedDates) => void;
  hint: string;
  placeholder: string;
  range: ReturnType<typeof auditDateRange>;
  problem: string | null;
}) {
  const { t } = useTranslation();
  const errorOf = (which: 'from' | 'to') =>
    !range.ok && (range.problem === `invalid_${which}` || (which === 'to' && range.problem === 'order'))
      ? problem
      : null;
  const field = (which: 'from' | 'to'): ReactNode => (
    <Field label={t(`audit.${which}`)} hint={hint} error={errorOf(which)}>
      {(aria) => (
        <input
          {...aria}
          className="input"
          autoComplete="off"
          placeholder={placeholder}
          data-testid={`audit-${which}`}
          value={dates[which]}
          onChange={(event) => onChange({ ...dates, [which]: event.target.value })}
        />
      )}
    </Field>
  );
  return (
    <>
      {field('from')}
      {field('to')}
    </>
  );
}

function useOperatorWords(): OperatorWords {
  const { t, i18n } = useTranslation();
  return {
    actionName: (action) =>
      i18n.exists(`operations.${action}`)
        ? t(`operations.${action}` as 'audit.system')
        : i18n.exists(`audit.operatorActions.${action}`)
          ? t(`audit.operatorActions.${action}` as 'audit.system')
          : null,
    subjectName: (type) =>
      (OPERATOR_SUBJECT_TYPES as readonly string[]).includes(type)
        ? t(`audit.subjects.${type}` as 'audit.system')
        : null,
    system: t('audit.system'),
    unknownOperator: (ref) => t('audit.unknownOperator', { ref }),
  };
}

interface OperatorFilters extends TypedDates {
  operatorId: string;
  prefix: string;
}
const NO_OPERATOR_FILTERS: OperatorFilters = { operatorId: '', prefix: '', from: '', to: '' };

function OperatorTrail() {
  const { t } = useTranslation();
  const { language } = useSession();
  const words = useOperatorWords();
  const checkDates = useDates(language);
  const [typed, setTyped] = useState<OperatorFilters>(NO_OPERATOR_FILTERS);
  const [applied, setApplied] = useState<OperatorFilters>(NO_OPERATOR_FILTERS);
  const [older, setOlder] = useState<Entry[]>([]);
  const [olderError, setOlderError] = useState<ConsoleApiError | null>(null);
  const [moreLeft, setMoreLeft] = useState(true);
  /** Operators seen in the trail, for the filter (auditors may not list operators). */
  const [seen, setSeen] = useState<Record<string, string>>({});
  const dates = checkDates(typed);
  const query = (filters: OperatorFilters): ConsoleInput<'listAudit'> => {
    const range = auditDateRange(filters, dates.pattern);
    return {
      limit: PAGE,
      ...(filters.operatorId ? { operatorId: filters.operatorId } : {}),
      ...(filters.prefix ? { actionPrefix: `${filters.prefix}.` } : {}),
      ...(range.ok && range.from ? { from: new Date(range.from).toISOString() } : {}),
      ...(range.ok && range.to ? { to: new Date(range.to).toISOString() } : {}),
    };
  };
  const first = useLoad(
    async () => {
      const answer = await callConsole('listAudit', query(applied));
      setOlder([]);
      setMoreLeft(true);
      setSeen((previous) => {
        const next = { ...previous };
        for (const entry of answer.entries) {
          if (entry.operatorId && entry.operatorName) next[entry.operatorId] = entry.operatorName;
        }
        return next;
      });
      return answer;
    },
    `audit:${JSON.stringify(applied)}`,
  );
  const entries = [...(first.data?.entries ?? []), ...older];
  const last = entries[entries.length - 1];
  const canLoadMore = moreLeft && (first.data?.entries.length ?? 0) === PAGE && last !== undefined && last.seq > 1;

  async function loadOlder() {
    if (!last) return;
    setOlderError(null);
    try {
      const answer = await callConsole('listAudit', { ...query(applied), beforeSeq: last.seq });
      setOlder((previous) => [...previous, ...answer.entries]);
      if (answer.entries.length < PAGE) setMoreLeft(false);
    } catch (error) {
      setOlderError(toConsoleApiError(error));
    }
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    if (dates.range.ok) setApplied(typed);
  }

  const book = { staff: (id: string) => seen[id] ?? null, member: () => null };
  return (
    <div className="two-columns">
      <section aria-labelledby="audit-trail-title" className="column-main">
        <h2 id="audit-trail-title">{t('audit.trail')}</h2>
        <form className="toolbar" aria-label={t('audit.filters')} onSubmit={submit}>
          <SelectField
            label={t('audit.operator')}
            value={typed.operatorId}
            onChange={(operatorId) => setTyped({ ...typed, operatorId })}
            options={[
              { value: '', label: t('audit.allOperators') },
              ...Object.entries(seen).map(([value, label]) => ({ value, label })),
            ]}
          />
          <SelectField
            label={t('audit.actionGroup')}
            value={typed.prefix}
            onChange={(prefix) => setTyped({ ...typed, prefix })}
            options={[
              { value: '', label: t('audit.allGroups') },
              ...OPERATOR_ACTION_PREFIXES.map((value) => ({
                value,
                label: t(`audit.prefixes.${value}` as 'audit.system'),
              })),
            ]}
          />
          <DateFields
            dates={typed}
            onChange={(next) => setTyped({ ...typed, ...next })}
            hint={dates.hint}
            placeholder={dates.pattern.hint}
            range={dates.range}
            problem={dates.problem}
          />
          <button type="submit" className="button" data-testid="audit-apply">
            {t('audit.apply')}
          </button>
          <button
            type="button"
            className="button"
            onClick={() => {
              setTyped(NO_OPERATOR_FILTERS);
              setApplied(NO_OPERATOR_FILTERS);
            }}
          >
            {t('audit.clear')}
          </button>
        </form>
        {first.data ? (
          <p className="muted">
            {t('audit.head', { seq: formatNumber(first.data.head.seq, language) })}{' '}
            <span className="mono">{first.data.head.hash.slice(0, 16)}</span>
          </p>
        ) : null}
        <LoadState
          loading={first.loading}
          error={first.error}
          empty={entries.length === 0}
          emptyText={t('audit.empty')}
          onRetry={first.reload}
        />
        {entries.length > 0 ? (
          <table className="table" data-testid="operator-audit-table">
            <thead>
              <tr>
                <th scope="col">{t('audit.seq')}</th>
                <th scope="col">{t('audit.at')}</th>
                <th scope="col">{t('audit.operator')}</th>
                <th scope="col">{t('audit.what')}</th>
              </tr>
            </thead>
            <tbody>
              {entries.map((entry) => {
                const described = describeOperatorEntry(entry, language, words, book);
                return (
                  <tr key={entry.seq}>
                    <td className="num">{formatNumber(entry.seq, language)}</td>
                    <td>
                      <Time iso={entry.at} />
                    </td>
                    <td>{described.actor}</td>
                    <td className="cell-wrap">
                      {described.sentence}
                      {described.details.length > 0 ? (
                        <span className="muted block-id">{described.details.join(' · ')}</span>
                      ) : null}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        ) : null}
        <ErrorNotice error={olderError} />
        {canLoadMore ? (
          <button type="button" className="button" onClick={() => void loadOlder()}>
            {t('audit.older')}
          </button>
        ) : null}
      </section>
      <TillHeads />
    </div>
  );
}

function TillHeads() {
  const { t } = useTranslation();
  const { language } = useSession();
  const heads = useLoad(() => callConsole('tillAuditHeads', {}), 'heads');
  return (
    <section aria-labelledby="till-heads-title" className="column-side">
      <h2 id="till-heads-title">{t('audit.tillHeads')}</h2>
      <LoadState
        loading={heads.loading}
        error={heads.error}
        empty={(heads.data?.heads.length ?? 0) === 0}
        emptyText={t('audit.noTillHeads')}
        onRetry={heads.reload}
      />
      {heads.data && heads.data.heads.length > 0 ? (
        <table className="table">
          <thead>
            <tr>
              <th scope="col">{t('common.store')}</th>
              <th scope="col">{t('audit.device')}</th>
              <th scope="col">{t('audit.seq')}</th>
              <th scope="col">{t('audit.received')}</th>
            </tr>
          </thead>
          <tbody>
            {heads.data.heads.map((head) => (
              <tr key={head.deviceId}>
                <td>{head.storeName}</td>
                <td className="mono">{head.deviceId}</td>
                <td className="num">
                  {formatNumber(head.seq, language)}
                  {head.wentBack ? <span className="badge badge-danger">{t('audit.wentBack')}</span> : null}
                </td>
                <td>
                  <Time iso={head.receivedAt} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}

interface TillFilters extends TypedDates {
  storeId: string;
  deviceId: string;
  staffId: string;
  group: string;
}
const NO_TILL_FILTERS: TillFilters = { storeId: '', deviceId: '', staffId: '', group: '', from: '', to: '' };

function TillsAudit() {
  const { t } = useTranslation();
  const { language } = useSession();
  const checkDates = useDates(language);
  const [typed, setTyped] = useState<TillFilters>(NO_TILL_FILTERS);
  const [applied, setApplied] = useState<TillFilters>(NO_TILL_FILTERS);
  const [offset, setOffset] = useState(0);
  const dates = checkDates(typed);
  const loaded = useLoad(
    () => {
      const range = auditDateRange(applied, dates.pattern);
      return callConsole('listTillAudit', {
        limit: PAGE,
        offset,
        ...(applied.storeId ? { storeId: applied.storeId } : {}),
        ...(applied.deviceId ? { deviceId: applied.deviceId } : {}),
        ...(applied.staffId ? { staffId: applied.staffId } : {}),
        ...(applied.group ? { group: applied.group as (typeof AUDIT_ACTION_GROUP_NAMES)[number] } : {}),
        ...(range.ok && range.from ? { from: new Date(range.from).toISOString() } : {}),
        ...(range.ok && range.to ? { to: new Date(range.to).toISOString() } : {}),
      });
    },
    `tills:${offset}:${JSON.stringify(applied)}`,
  );
  const data = loaded.data;
  const deviceName = new Map((data?.devices ?? []).map((device) => [device.deviceId, device.name]));
  const storeName = new Map((data?.stores ?? []).map((store) => [store.storeId, store.name]));

  function submit(event: FormEvent) {
    event.preventDefault();
    if (!dates.range.ok) return;
    setOffset(0);
    setApplied(typed);
  }

  return (
    <section aria-labelledby="tills-audit-title">
      <h2 id="tills-audit-title">{t('audit.tabTills')}</h2>
      <form className="toolbar" aria-label={t('audit.filters')} onSubmit={submit}>
        <SelectField
          label={t('audit.store')}
          value={typed.storeId}
          onChange={(storeId) => setTyped({ ...typed, storeId, deviceId: '' })}
          options={[
            { value: '', label: t('audit.allStores') },
            ...(data?.stores ?? []).map((store) => ({ value: store.storeId, label: store.name })),
          ]}
        />
        <SelectField
          label={t('audit.till')}
          value={typed.deviceId}
          onChange={(deviceId) => setTyped({ ...typed, deviceId })}
          options={[
            { value: '', label: t('audit.allTills') },
            ...(data?.devices ?? [])
              .filter((device) => !typed.storeId || device.storeId === typed.storeId)
              .map((device) => ({ value: device.deviceId, label: device.name })),
          ]}
        />
        <SelectField
          label={t('audit.staff')}
          value={typed.staffId}
          onChange={(staffId) => setTyped({ ...typed, staffId })}
          options={[
            { value: '', label: t('audit.allStaff') },
            ...Object.entries(data?.staff ?? {}).map(([value, label]) => ({ value, label })),
          ]}
        />
        <SelectField
          label={t('audit.actionGroup')}
          value={typed.group}
          onChange={(group) => setTyped({ ...typed, group })}
          options={[
            { value: '', label: t('audit.allGroups') },
            ...AUDIT_ACTION_GROUP_NAMES.map((value) => ({
              value,
              label: t(`audit.tillGroups.${value}` as 'audit.system'),
            })),
          ]}
        />
        <DateFields
          dates={typed}
          onChange={(next) => setTyped({ ...typed, ...next })}
          hint={dates.hint}
          placeholder={dates.pattern.hint}
          range={dates.range}
          problem={dates.problem}
        />
        <button type="submit" className="button" data-testid="till-audit-apply">
          {t('audit.apply')}
        </button>
        <button
          type="button"
          className="button"
          onClick={() => {
            setTyped(NO_TILL_FILTERS);
            setApplied(NO_TILL_FILTERS);
            setOffset(0);
          }}
        >
          {t('audit.clear')}
        </button>
      </form>
      <LoadState
        loading={loaded.loading}
        error={loaded.error}
        empty={(data?.entries.length ?? 0) === 0}
        emptyText={t('audit.tillEmpty')}
        onRetry={loaded.reload}
      />
      {data && data.entries.length > 0 ? (
        <table className="table" data-testid="till-audit-table">
          <thead>
            <tr>
              <th scope="col">{t('audit.at')}</th>
              <th scope="col">{t('audit.till')}</th>
              <th scope="col">{t('audit.staff')}</th>
              <th scope="col">{t('audit.what')}</th>
            </tr>
          </thead>
          <tbody>
            {data.entries.map((entry) => {
              const described = describeTillEntry(entry, language, data);
              return (
                <tr key={`${entry.deviceId}:${entry.seq}`}>
                  <td>
                    <Time iso={entry.at} />
                  </td>
                  <td>
                    {deviceName.get(entry.deviceId) ?? '—'}
                    <span className="muted block-id">{storeName.get(entry.storeId) ?? ''}</span>
                  </td>
                  <td>{described.actor}</td>
                  <td className="cell-wrap">
                    {described.sentence}
                    {described.details.length > 0 ? (
                      <span className="muted block-id">{described.details.join(' · ')}</span>
                    ) : null}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      ) : null}
      <div className="actions-row">
        {offset > 0 ? (
          <button type="button" className="button" onClick={() => setOffset(Math.max(0, offset - PAGE))}>
            {t('audit.newer')}
          </button>
        ) : null}
        {data?.hasMore ? (
          <button type="button" className="button" onClick={() => setOffset(offset + PAGE)}>
            {t('audit.older')}
          </button>
        ) : null}
      </div>
    </section>
  );
}
