import { useRef, useState, type FormEvent } from 'react';
import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';
import type { ConsoleOutput } from '../../../src/console/contract';
import { callConsole } from '../api/console-client';
import { formatDateTime, formatNumber } from '../app/format';
import { useSession } from '../app/session';
import { consoleDatePattern } from '../logic/audit-trail';
import { Dialog } from '../common/Dialog';
import { Field, SelectField, TextField } from '../common/Field';
import { useAction, useLoad } from '../common/hooks';
import { ErrorNotice, LoadState, StatusNotice } from '../common/Notices';
import { PageHeading, StoreFilter, Time, useStores } from '../common/widgets';
import { issuesByPath } from '../logic/issues';
import {
  BASELINE_MODE_CODES,
  ENFORCE_ACTION_CODES,
  MODE_CODES,
  NO_FILTERS,
  PAGE_SIZE,
  REASON_CODES,
  RULE_CODES,
  STATUS_CODES,
  TILL_RULE_CODES,
  actionsFor,
  alertSentence,
  draftFromPolicy,
  listInput,
  memberText,
  originText,
  pageRange,
  policyFromDraft,
  resolutionText,
  windowText,
  type ActionCode,
  type Alert,
  type AlertFilters,
  type DetectionPolicy,
  type PolicyDraft,
  type ReasonCode,
} from '../logic/alerts';

/** Detection alerts from the tills and HQ (issue 14), their resolution, and each store's detection policy. */
export function AlertsPage() {
  const { t } = useTranslation();
  const { may } = useSession();
  // Kept as what to say, not the words: a language switch re-says it in the new language.
  const [status, setStatus] = useState<Said | null>(null);
  return (
    <>
      <PageHeading>{t('pages.alerts')}</PageHeading>
      <p className="hint">{t('alerts.intro')}</p>
      <StatusNotice message={status ? sayStatus(t, status) : null} />
      <AlertsSection canResolve={may('alerts.resolve')} onStatus={setStatus} />
      {may('detection.policy_read') ? (
        <PolicySection canEdit={may('detection.policy_edit')} onStatus={setStatus} />
      ) : null}
    </>
  );
}

// --- alerts ------------------------------------------------------------------------------------

/** A status message: an i18n key and its values (an alert's new status as its code). */
type Said = { key: 'alerts.resolved'; status: string } | { key: 'alerts.policySaved'; version: number };

function sayStatus(t: TFunction, said: Said): string {
  return said.key === 'alerts.resolved'
    ? t('alerts.resolved', { status: t(`alerts.statuses.${said.status}`) })
    : t('alerts.policySaved', { version: said.version });
}

function AlertsSection({ canResolve, onStatus }: { canResolve: boolean; onStatus: (said: Said) => void }) {
  const { t } = useTranslation();
  const { language } = useSession();
  const [filters, setFilters] = useState<AlertFilters>(NO_FILTERS);
  const [applied, setApplied] = useState<AlertFilters>(NO_FILTERS);
  const [offset, setOffset] = useState(0);
  const [resolving, setResolving] = useState<Alert | null>(null);
  // Staff members seen in answers: the staff filter names them without needing staff.read.
  const [staffSeen, setStaffSeen] = useState<Record<string, string>>({});
  const pattern = consoleDatePattern(language);
  const dateHint = t('audit.dateHint', { hint: pattern.hint, example: pattern.example });
  const dateProblem = t('audit.dateInvalid', { hint: pattern.hint, example: pattern.example });
  const request = listInput(applied, offset, pattern);
  const alerts = useLoad(async () => {
    if ('error' in request) throw new Error('filters');
    const answer = await callConsole('listAlerts', request.input);
    setStaffSeen((seen) => {
      const next = { ...seen };
      for (const alert of answer.alerts) next[alert.staffId] = alert.staffName ?? alert.staffId;
      return next;
    });
    return answer;
  }, JSON.stringify({ applied, offset }));
  const checked = listInput(filters, 0, pattern);
  const filterError = 'error' in checked ? checked.error : null;
  const set = <K extends keyof AlertFilters>(key: K, value: AlertFilters[K]) =>
    setFilters((previous) => ({ ...previous, [key]: value }));

  function apply(event: FormEvent) {
    event.preventDefault();
    if (filterError) return;
    setApplied(filters);
    setOffset(0);
  }

  const data = alerts.data;
  const range = data ? pageRange(offset, data.alerts.length, data.total) : null;
  return (
    <section aria-labelledby="alerts-list-title">
      <h2 id="alerts-list-title">{t('alerts.listTitle')}</h2>
      <form className="toolbar" onSubmit={apply} aria-label={t('alerts.filtersLabel')} noValidate>
        <StoreFilter value={filters.storeId} onChange={(value) => set('storeId', value)} />
        <SelectField
          className="field field-inline"
          label={t('alerts.filters.rule')}
          value={filters.rule}
          onChange={(value) => set('rule', value as AlertFilters['rule'])}
          options={[
            { value: '', label: t('alerts.filters.anyRule') },
            ...RULE_CODES.map((rule) => ({ value: rule, label: t(`alerts.rules.${rule}`) })),
          ]}
        />
        <SelectField
          className="field field-inline"
          label={t('alerts.filters.status')}
          value={filters.status}
          onChange={(value) => set('status', value as AlertFilters['status'])}
          options={[
            { value: '', label: t('alerts.filters.anyStatus') },
            ...STATUS_CODES.map((code) => ({ value: code, label: t(`alerts.statuses.${code}`) })),
          ]}
        />
        <SelectField
          className="field field-inline"
          label={t('alerts.filters.staff')}
          value={filters.staffId}
          onChange={(value) => set('staffId', value)}
          options={[
            { value: '', label: t('alerts.filters.anyStaff') },
            ...Object.entries(staffSeen).map(([staffId, name]) => ({ value: staffId, label: name })),
          ]}
        />
        <Field
          className="field field-inline"
          label={t('alerts.filters.from')}
          hint={dateHint}
          error={filterError === 'fromDate' ? dateProblem : null}
        >
          {(aria) => (
            <input
              {...aria}
              autoComplete="off"
              placeholder={pattern.hint}
              data-testid="alerts-from"
              className="input"
              value={filters.fromDate}
              onChange={(event) => set('fromDate', event.target.value)}
            />
          )}
        </Field>
        <Field
          className="field field-inline"
          label={t('alerts.filters.to')}
          hint={dateHint}
          error={filterError === 'toDate' ? dateProblem : filterError === 'order' ? t('alerts.filters.badRange') : null}
        >
          {(aria) => (
            <input
              {...aria}
              autoComplete="off"
              placeholder={pattern.hint}
              data-testid="alerts-to"
              className="input"
              value={filters.toDate}
              onChange={(event) => set('toDate', event.target.value)}
            />
          )}
        </Field>
        <button type="submit" className="button">
          {t('alerts.filters.apply')}
        </button>
      </form>
      <LoadState
        loading={alerts.loading && !data}
        error={alerts.error}
        empty={!!data && data.alerts.length === 0}
        emptyText={t('alerts.empty')}
        onRetry={alerts.reload}
      />
      {data && data.alerts.length > 0 ? (
        <>
          <table className="table">
            <caption className="visually-hidden">{t('alerts.listTitle')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('alerts.columns.raised')}</th>
                <th scope="col">{t('alerts.columns.what')}</th>
                <th scope="col">{t('alerts.columns.members')}</th>
                <th scope="col">{t('alerts.columns.status')}</th>
                {canResolve ? <th scope="col">{t('common.actions')}</th> : null}
              </tr>
            </thead>
            <tbody>
              {data.alerts.map((alert) => (
                <tr key={alert.alertId} data-testid="alert-row">
                  <th scope="row">
                    <Time iso={alert.raisedAt} />
                  </th>
                  <td>
                    <p>{alertSentence(alert, t, language)}</p>
                    <p className="muted">
                      {t(`alerts.rules.${alert.rule}`)} · {t(`alerts.modes.${alert.mode}`)} ·{' '}
                      {windowText(alert, language)}
                    </p>
                    <p className="muted">{originText(alert, t)}</p>
                    {alert.hqConfirmed === false ? (
                      <p className="badge badge-warning">{t('alerts.notReproduced')}</p>
                    ) : null}
                  </td>
                  <td>
                    {alert.members.length === 0 ? (
                      <span className="muted">—</span>
                    ) : (
                      <ul aria-label={t('alerts.columns.members')}>
                        {alert.members.map((member) => (
                          <li key={member.memberId}>{memberText(member, t)}</li>
                        ))}
                      </ul>
                    )}
                  </td>
                  <td>
                    {t(`alerts.statuses.${alert.status}`)}
                    {alert.resolutionCode ? (
                      <p className="muted">
                        {resolutionText(alert.resolutionCode, t)}
                        {' · '}
                        <Time iso={alert.resolvedAt} />
                      </p>
                    ) : null}
                  </td>
                  {canResolve ? (
                    <td>
                      {actionsFor(alert.status).length > 0 ? (
                        <button type="button" className="button button-small" onClick={() => setResolving(alert)}>
                          {t('alerts.resolve')}
                        </button>
                      ) : null}
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
          <div className="toolbar">
            {range ? (
              <p className="muted" role="status">
                {t('alerts.range', {
                  first: formatNumber(range.first, language),
                  last: formatNumber(range.last, language),
                  total: formatNumber(data.total, language),
                })}
              </p>
            ) : null}
            <button
              type="button"
              className="button button-small"
              disabled={offset === 0}
              onClick={() => setOffset(Math.max(0, offset - PAGE_SIZE))}
            >
              {t('alerts.previous')}
            </button>
            <button
              type="button"
              className="button button-small"
              disabled={offset + data.alerts.length >= data.total}
              onClick={() => setOffset(offset + PAGE_SIZE)}
            >
              {t('alerts.next')}
            </button>
          </div>
        </>
      ) : null}
      {data && data.chainRefusals.length > 0 ? <RefusalsTable refusals={data.chainRefusals} /> : null}
      {resolving ? (
        <ResolveDialog
          alert={resolving}
          onClose={() => setResolving(null)}
          onResolved={(next) => {
            setResolving(null);
            onStatus({ key: 'alerts.resolved', status: next });
            alerts.reload();
          }}
        />
      ) : null}
    </section>
  );
}

function RefusalsTable({ refusals }: { refusals: ConsoleOutput<'listAlerts'>['chainRefusals'] }) {
  const { t } = useTranslation();
  const { language } = useSession();
  return (
    <section aria-labelledby="alerts-refusals-title">
      <h3 id="alerts-refusals-title">{t('alerts.refusalsTitle')}</h3>
      <p className="hint">{t('alerts.refusalsIntro')}</p>
      <table className="table">
        <caption className="visually-hidden">{t('alerts.refusalsTitle')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('alerts.refusalColumns.till')}</th>
            <th scope="col">{t('alerts.refusalColumns.reason')}</th>
            <th scope="col" className="num">
              {t('alerts.refusalColumns.seq')}
            </th>
            <th scope="col" className="num">
              {t('alerts.refusalColumns.attempts')}
            </th>
            <th scope="col">{t('alerts.refusalColumns.last')}</th>
          </tr>
        </thead>
        <tbody>
          {refusals.map((row) => (
            <tr key={`${row.deviceId}:${row.reason}:${row.atSeq}`}>
              <th scope="row">{row.deviceName}</th>
              <td>{t(`alerts.refusalReasons.${row.reason}`)}</td>
              <td className="num">{formatNumber(row.atSeq, language)}</td>
              <td className="num">{formatNumber(row.attempts, language)}</td>
              <td>{formatDateTime(row.lastAt, language)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function ResolveDialog({
  alert,
  onClose,
  onResolved,
}: {
  alert: Alert;
  onClose: () => void;
  onResolved: (status: string) => void;
}) {
  const { t } = useTranslation();
  const { language } = useSession();
  const offered = actionsFor(alert.status);
  const [action, setAction] = useState<ActionCode>(offered[0] ?? 'acknowledge');
  const [reason, setReason] = useState<ReasonCode | ''>('');
  const [missing, setMissing] = useState(false);
  const write = useAction();

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (reason === '') {
      setMissing(true);
      return;
    }
    const answer = await write.run(`resolveAlert:${alert.alertId}:${action}:${reason}`, (requestId) =>
      callConsole('resolveAlert', { requestId, alertId: alert.alertId, action, reasonCode: reason }),
    );
    if (answer) onResolved(answer.status);
  }

  return (
    <Dialog title={t('alerts.resolveTitle')} onClose={onClose} closeLabel={t('common.cancel')} actions={<></>}>
      <p>{alertSentence(alert, t, language)}</p>
      <form className="inline-form" onSubmit={(event) => void submit(event)} noValidate>
        <fieldset className="field">
          <legend className="field-label">{t('alerts.actionLabel')}</legend>
          {offered.map((code) => (
            <label key={code} className="checkbox-row">
              <input
                type="radio"
                name="alert-action"
                value={code}
                checked={action === code}
                onChange={() => setAction(code)}
              />
              {t(`alerts.actions.${code}`)}
            </label>
          ))}
        </fieldset>
        <SelectField
          label={t('alerts.reasonLabel')}
          value={reason}
          required
          onChange={(value) => {
            setReason(value as ReasonCode | '');
            setMissing(false);
          }}
          error={missing ? t('alerts.reasonMissing') : null}
          options={[
            { value: '', label: t('alerts.reasonChoose') },
            ...REASON_CODES.map((code) => ({ value: code, label: t(`alerts.reasons.${code}`) })),
          ]}
        />
        <ErrorNotice error={write.error} />
        <div className="actions-row">
          <button type="submit" className="button button-primary" disabled={write.busy}>
            {t(`alerts.actions.${action}`)}
          </button>
          <button type="button" className="button" onClick={onClose}>
            {t('common.cancel')}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

// --- the store's detection policy ----------------------------------------------------------------

function PolicySection({ canEdit, onStatus }: { canEdit: boolean; onStatus: (said: Said) => void }) {
  const { t } = useTranslation();
  const stores = useStores();
  const [storeId, setStoreId] = useState('');
  const chosen = storeId || stores.data?.[0]?.storeId || '';
  const policy = useLoad(
    async () => (chosen ? await callConsole('getDetectionPolicy', { storeId: chosen }) : null),
    `policy:${chosen}`,
  );
  return (
    <section aria-labelledby="alerts-policy-title">
      <h2 id="alerts-policy-title">{t('alerts.policyTitle')}</h2>
      <p className="hint">{t('alerts.policyIntro')}</p>
      <StoreFilter value={chosen} onChange={setStoreId} allLabel={t('alerts.chooseStore')} />
      <LoadState
        loading={policy.loading && !policy.data}
        error={policy.error}
        empty={!chosen}
        emptyText={t('alerts.noStores')}
        onRetry={policy.reload}
      />
      {policy.data ? (
        <PolicyForm
          key={`${policy.data.storeId}:${policy.data.version}`}
          storeId={policy.data.storeId}
          version={policy.data.version}
          updatedAt={policy.data.updatedAt}
          policy={policy.data.policy}
          canEdit={canEdit}
          onSaved={(version) => {
            onStatus({ key: 'alerts.policySaved', version });
            policy.reload();
          }}
          onConflict={policy.reload}
        />
      ) : null}
    </section>
  );
}

function PolicyForm({
  storeId,
  version,
  updatedAt,
  policy,
  canEdit,
  onSaved,
  onConflict,
}: {
  storeId: string;
  version: number;
  updatedAt: string | null;
  policy: DetectionPolicy;
  canEdit: boolean;
  onSaved: (version: number) => void;
  onConflict: () => void;
}) {
  const { t } = useTranslation();
  const [draft, setDraft] = useState<PolicyDraft>(() => draftFromPolicy(policy));
  const [local, setLocal] = useState<Record<string, string>>({});
  const write = useAction();
  const saveRef = useRef<HTMLButtonElement>(null);
  const fields = { ...issuesByPath(write.error?.issues ?? []), ...local };
  const errorFor = (path: string) => {
    const code = fields[`policy.${path}`];
    return code ? t(`alerts.fieldErrors.${code === 'too_small' || code === 'too_big' ? code : 'invalid'}`) : null;
  };
  const modeOptions = MODE_CODES.map((mode) => ({ value: mode, label: t(`alerts.modes.${mode}`) }));
  const baselineModeOptions = BASELINE_MODE_CODES.map((mode) => ({ value: mode, label: t(`alerts.modes.${mode}`) }));

  async function save(event: FormEvent) {
    event.preventDefault();
    const checked = policyFromDraft(draft);
    if ('issues' in checked) {
      setLocal(checked.issues);
      return;
    }
    setLocal({});
    const answer = await write.run(
      `saveDetectionPolicy:${storeId}:${version}:${JSON.stringify(checked.policy)}`,
      (requestId) =>
        callConsole('saveDetectionPolicy', { requestId, storeId, baseVersion: version, policy: checked.policy }),
      (refusal) => {
        if (refusal.code === 'conflict') onConflict();
      },
    );
    if (answer) {
      onSaved(answer.version);
      saveRef.current?.focus();
    }
  }

  const setRule = (
    rule: (typeof TILL_RULE_CODES)[number],
    key: 'mode' | 'threshold' | 'windowMinutes',
    value: string,
  ) => setDraft((d) => ({ ...d, rules: { ...d.rules, [rule]: { ...d.rules[rule], [key]: value } } }));
  const setBaseline = (key: keyof PolicyDraft['baseline'], value: string) =>
    setDraft((d) => ({ ...d, baseline: { ...d.baseline, [key]: value } }));

  return (
    <form className="inline-form policy-editor" onSubmit={(event) => void save(event)} noValidate>
      <p className="muted">
        {version === 0 ? t('alerts.policyDefault') : t('alerts.policyVersion', { version })}
        {updatedAt ? (
          <>
            {' · '}
            <Time iso={updatedAt} />
          </>
        ) : null}
      </p>
      <fieldset disabled={!canEdit} className="policy-fields">
        <legend className="visually-hidden">{t('alerts.policyTitle')}</legend>
        {TILL_RULE_CODES.map((rule) => (
          <fieldset key={rule} className="field">
            <legend className="field-label">{t(`alerts.rules.${rule}`)}</legend>
            <p className="hint">{t(`alerts.ruleHints.${rule}`)}</p>
            <SelectField
              label={t('alerts.fields.mode')}
              value={draft.rules[rule].mode}
              onChange={(value) => setRule(rule, 'mode', value)}
              options={modeOptions}
              error={errorFor(`rules.${rule}.mode`)}
            />
            <TextField
              label={t('alerts.fields.threshold')}
              inputMode="numeric"
              inputClassName="input input-number"
              value={draft.rules[rule].threshold}
              onChange={(value) => setRule(rule, 'threshold', value)}
              error={errorFor(`rules.${rule}.threshold`)}
              required
            />
            <TextField
              label={t('alerts.fields.windowMinutes')}
              inputMode="numeric"
              inputClassName="input input-number"
              value={draft.rules[rule].windowMinutes}
              onChange={(value) => setRule(rule, 'windowMinutes', value)}
              error={errorFor(`rules.${rule}.windowMinutes`)}
              required
            />
          </fieldset>
        ))}
        <fieldset className="field">
          <legend className="field-label">{t('alerts.rules.baseline_deviation')}</legend>
          <p className="hint">{t('alerts.ruleHints.baseline_deviation')}</p>
          <SelectField
            label={t('alerts.fields.mode')}
            value={draft.baseline.mode}
            onChange={(value) => setBaseline('mode', value)}
            options={baselineModeOptions}
          />
          <TextField
            label={t('alerts.fields.days')}
            inputMode="numeric"
            inputClassName="input input-number"
            value={draft.baseline.days}
            onChange={(value) => setBaseline('days', value)}
            error={errorFor('baseline.days')}
            required
          />
          <TextField
            label={t('alerts.fields.sigmas')}
            inputMode="text"
            inputClassName="input input-number"
            value={draft.baseline.sigmas}
            onChange={(value) => setBaseline('sigmas', value)}
            error={errorFor('baseline.sigmas')}
            required
          />
          <TextField
            label={t('alerts.fields.minEvents')}
            inputMode="numeric"
            inputClassName="input input-number"
            value={draft.baseline.minEvents}
            onChange={(value) => setBaseline('minEvents', value)}
            error={errorFor('baseline.minEvents')}
            required
          />
        </fieldset>
        <fieldset className="field">
          <legend className="field-label">{t('alerts.fields.enforcement')}</legend>
          <SelectField
            label={t('alerts.fields.enforceAction')}
            value={draft.enforceAction}
            onChange={(value) => setDraft((d) => ({ ...d, enforceAction: value }))}
            options={ENFORCE_ACTION_CODES.map((code) => ({ value: code, label: t(`alerts.enforceActions.${code}`) }))}
          />
        </fieldset>
        <fieldset className="field">
          <legend className="field-label">{t('alerts.fields.storeHours')}</legend>
          <label className="checkbox-row">
            <input
              type="checkbox"
              checked={draft.hoursSet}
              onChange={(event) => setDraft((d) => ({ ...d, hoursSet: event.target.checked }))}
            />
            {t('alerts.fields.hoursSet')}
          </label>
          {draft.hoursSet ? (
            <>
              <Field label={t('alerts.fields.opens')} error={errorFor('storeHours.opens')} required>
                {(aria) => (
                  <input
                    {...aria}
                    type="time"
                    className="input"
                    value={draft.opens}
                    onChange={(event) => setDraft((d) => ({ ...d, opens: event.target.value }))}
                  />
                )}
              </Field>
              <Field label={t('alerts.fields.closes')} error={errorFor('storeHours.closes')} required>
                {(aria) => (
                  <input
                    {...aria}
                    type="time"
                    className="input"
                    value={draft.closes}
                    onChange={(event) => setDraft((d) => ({ ...d, closes: event.target.value }))}
                  />
                )}
              </Field>
              <TextField
                label={t('alerts.fields.timeZone')}
                hint={t('alerts.fields.timeZoneHint')}
                value={draft.timeZone}
                onChange={(value) => setDraft((d) => ({ ...d, timeZone: value }))}
                error={errorFor('storeHours.timeZone')}
                required
              />
            </>
          ) : null}
        </fieldset>
      </fieldset>
      {write.error?.code === 'conflict' ? <p className="notice notice-error">{t('alerts.policyConflict')}</p> : null}
      {write.error && write.error.code !== 'conflict' ? <ErrorNotice error={write.error} /> : null}
      {canEdit ? (
        <button ref={saveRef} type="submit" className="button button-primary" disabled={write.busy}>
          {t('alerts.savePolicy')}
        </button>
      ) : null}
    </form>
  );
}
