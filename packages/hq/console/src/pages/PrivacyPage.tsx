import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';
import type { ConsoleOutput } from '../../../src/console/contract';
import { callConsole } from '../api/console-client';
import { formatNumber } from '../app/format';
import { useSession } from '../app/session';
import { Field, SelectField, TextField } from '../common/Field';
import { useAction, useApprovals, useLoad, useObjectUrls, type Loaded } from '../common/hooks';
import { ErrorNotice, LoadState, StatusNotice } from '../common/Notices';
import { ConfirmDialog, PageHeading, Time } from '../common/widgets';
import { issuesByPath } from '../logic/issues';
import {
  AUDIENCE_FIELD_CODES,
  AUDIENCE_PURPOSE_CODES,
  AUDIENCE_RULES,
  FIRST_AUDIENCE_PURPOSE,
  ERASURE_REASON_CODES,
  ERASURE_SOURCES,
  LEGAL_HOLD_REASON_CODES,
  POLICY_BOUNDS,
  POLICY_RULES,
  RETENTION_ERASURE_REASON,
  audienceCsv,
  audienceFileName,
  barWidths,
  draftFromPolicy,
  durationText,
  fieldsForPurpose,
  policyFromDraft,
  rebaseDraft,
  policySentences,
  type AudienceFieldCode,
  type AudiencePurposeCode,
  type PolicyDraft,
  type PolicyRule,
} from '../logic/privacy';

type Overview = ConsoleOutput<'getPrivacyOverview'>;
type Policy = Overview['policy'];
type AudienceAnswer = ConsoleOutput<'exportAudience'>;

/** HQ answers codes (some as open strings): the words for a known one, else the code itself. */
function words(t: TFunction, group: string, known: readonly string[], code: string): string {
  return known.includes(code) ? t(`${group}.${code}`) : code;
}

const ERASURE_REASON_WORDS: readonly string[] = [...ERASURE_REASON_CODES, RETENTION_ERASURE_REASON];

export function PrivacyPage() {
  const { t } = useTranslation();
  const { may } = useSession();
  const overview = useLoad(() => callConsole('getPrivacyOverview', {}), 'privacy');
  const disclosures = useLoad(() => callConsole('listDisclosures', {}), 'disclosures');
  const [status, setStatus] = useState<string | null>(null);
  const data = overview.data;

  return (
    <>
      <PageHeading>{t('pages.privacy')}</PageHeading>
      <div className="toolbar">
        <p className="hint">{t('privacy.intro')}</p>
        {/* Another officer's change, an erasure carried out: read again without leaving the page. */}
        <button
          type="button"
          className="button button-small"
          disabled={overview.loading || disclosures.loading}
          onClick={() => {
            setStatus(null);
            overview.reload();
            disclosures.reload();
          }}
        >
          {t('privacy.refresh')}
        </button>
      </div>
      <StatusNotice message={status} />
      <LoadState
        loading={overview.loading}
        error={overview.error}
        empty={!data}
        emptyText={t('common.loading')}
        onRetry={overview.reload}
      />
      {data ? (
        <>
          <PolicySection
            policy={data.policy}
            editable={may('privacy.policy_edit')}
            onSaved={(version) => {
              setStatus(t('privacy.policySaved', { version }));
              overview.reload();
            }}
            onConflict={overview.reload}
          />
          <PreviewSection preview={data.preview} />
          <ErasuresSection erasures={data.pendingErasures} completed={data.completedErasures} />
          <HoldsSection
            holds={data.legalHolds}
            canLift={may('member.legal_hold')}
            onLifted={(memberId) => {
              setStatus(t('privacy.lifted', { member: memberId }));
              overview.reload();
            }}
          />
        </>
      ) : null}
      <DisclosuresSection disclosures={disclosures} />
      {may('audience.export') ? <AudienceSection onExported={disclosures.reload} /> : null}
    </>
  );
}

// --- the policy ------------------------------------------------------------------------------

function PolicySection({
  policy,
  editable,
  onSaved,
  onConflict,
}: {
  policy: Policy;
  editable: boolean;
  onSaved: (version: number) => void;
  onConflict: () => void;
}) {
  const { t } = useTranslation();
  const { language } = useSession();
  const [editing, setEditing] = useState(false);
  const editorId = useId();
  const toggleRef = useRef<HTMLButtonElement>(null);
  return (
    <section aria-labelledby="privacy-policy-title">
      <h2 id="privacy-policy-title">{t('privacy.policyTitle')}</h2>
      <ul className="policy-rules" data-testid="policy-rules">
        {policySentences(policy, t, language).map((sentence) => (
          <li key={sentence.rule}>{sentence.text}</li>
        ))}
      </ul>
      <p className="muted">
        {t('privacy.policyVersion', { version: formatNumber(policy.version, language) })}
        {' · '}
        {policy.updatedAt ? (
          <>
            {t('privacy.lastChanged')} <Time iso={policy.updatedAt} />
          </>
        ) : (
          t('privacy.neverChanged')
        )}
      </p>
      {editable ? (
        <button
          ref={toggleRef}
          type="button"
          className="button"
          aria-expanded={editing}
          aria-controls={editorId}
          onClick={() => setEditing((open) => !open)}
        >
          {editing ? t('privacy.closeEditor') : t('privacy.editPolicy')}
        </button>
      ) : null}
      {editable && editing ? (
        <PolicyEditor
          id={editorId}
          policy={policy}
          onSaved={(version) => {
            setEditing(false);
            onSaved(version);
            // The form and its Save button are gone: the focus goes back to the button that opened it.
            toggleRef.current?.focus();
          }}
          onConflict={onConflict}
        />
      ) : null}
    </section>
  );
}

function PolicyEditor({
  id,
  policy,
  onSaved,
  onConflict,
}: {
  id: string;
  policy: Policy;
  onSaved: (version: number) => void;
  onConflict: () => void;
}) {
  const { t } = useTranslation();
  const { language } = useSession();
  const [draft, setDraft] = useState<PolicyDraft>(() => draftFromPolicy(policy));
  // The policy the draft was made from: its version is the save's baseVersion.
  const [opened, setOpened] = useState<Policy>(policy);
  const [conflicted, setConflicted] = useState(false);
  // After a conflict the page reloads the policy; once the newer one is here, the draft moves onto
  // it (adjusted during render, as React does state that follows a prop), keeping what was typed.
  if (conflicted && policy.version !== opened.version) {
    setConflicted(false);
    setOpened(policy);
    setDraft(rebaseDraft(draft, opened, policy));
  }
  const baseVersion = opened.version;
  const action = useAction();
  const fields = issuesByPath(action.error?.issues ?? []);

  async function save(event: FormEvent) {
    event.preventDefault();
    const wanted = policyFromDraft(draft);
    const answer = await action.run(
      `savePrivacyPolicy:${baseVersion}:${JSON.stringify(wanted)}`,
      (requestId) => callConsole('savePrivacyPolicy', { requestId, baseVersion, policy: wanted }),
      (refusal) => {
        if (refusal.code === 'conflict') {
          setConflicted(true);
          onConflict();
        }
      },
    );
    if (answer) onSaved(answer.version);
  }

  const set = (rule: PolicyRule, value: string) =>
    setDraft((previous) => ({ ...previous, values: { ...previous.values, [rule]: value } }));
  const error = action.error;
  return (
    <form id={id} className="inline-form policy-editor" onSubmit={(event) => void save(event)} noValidate>
      <h3>{t('privacy.editTitle')}</h3>
      <div className="policy-fields">
        {POLICY_RULES.map((rule) => {
          const bounds = {
            min: formatNumber(POLICY_BOUNDS[rule].min, language),
            max: formatNumber(POLICY_BOUNDS[rule].max, language),
          };
          const disabled = rule === 'inactiveMemberMonths' && draft.inactiveNever;
          return (
            <div key={rule} className="policy-field">
              <Field
                label={t(`privacy.fields.${rule}`)}
                hint={t('privacy.boundsHint', bounds)}
                error={fields[`policy.${rule}`] && !disabled ? t('privacy.boundsError', bounds) : null}
                required={!disabled}
              >
                {(aria) => (
                  <input
                    {...aria}
                    className="input input-number"
                    inputMode="numeric"
                    autoComplete="off"
                    value={draft.values[rule]}
                    disabled={disabled}
                    onChange={(event) => set(rule, event.target.value)}
                  />
                )}
              </Field>
              {rule === 'inactiveMemberMonths' ? (
                <label className="checkbox-row">
                  <input
                    type="checkbox"
                    checked={draft.inactiveNever}
                    onChange={(event) => setDraft((previous) => ({ ...previous, inactiveNever: event.target.checked }))}
                  />
                  {t('privacy.inactiveNeverOption')}
                </label>
              ) : null}
            </div>
          );
        })}
      </div>
      <div role="alert">
        {error?.code === 'conflict' ? <p className="notice notice-error">{t('privacy.policyConflict')}</p> : null}
        {error?.code === 'bad_request' ? <p className="notice notice-error">{t('errors.bad_request')}</p> : null}
      </div>
      {error && error.code !== 'conflict' && error.code !== 'bad_request' ? <ErrorNotice error={error} /> : null}
      <button type="submit" className="button button-primary" disabled={action.busy}>
        {t('privacy.savePolicy')}
      </button>
    </form>
  );
}

// --- what will expire ------------------------------------------------------------------------

const PREVIEW_ITEMS = [
  'inactiveMembers',
  'erasuresDue',
  'exportsExpiring',
  'auditEntries',
  'tillAuditEntries',
] as const;
const BAR_MAX = 330;
const ROW_HEIGHT = 48;
const CHART_WIDTH = 420;

function PreviewSection({ preview }: { preview: Overview['preview'] }) {
  const { t } = useTranslation();
  const { language } = useSession();
  const titleId = useId();
  const horizon = durationText(t, language, 'day', preview.horizonDays);
  const items = PREVIEW_ITEMS.map((item) => ({ item, label: t(`privacy.preview.${item}`), value: preview[item] }));
  const bars = barWidths(
    items.map((entry) => entry.value),
    BAR_MAX,
  );
  const height = items.length * ROW_HEIGHT;
  return (
    <section aria-labelledby="privacy-preview-title">
      <h2 id="privacy-preview-title">{t('privacy.previewTitle', { duration: horizon })}</h2>
      <div className="chart-and-table">
        <svg
          className="chart"
          viewBox={`0 0 ${CHART_WIDTH} ${height}`}
          role="img"
          aria-labelledby={titleId}
          data-testid="expiry-chart"
        >
          <title id={titleId}>{t('privacy.chartTitle', { duration: horizon })}</title>
          {items.map((entry, index) => {
            const bar = bars[index] ?? { width: 0, value: entry.value };
            return (
              <g key={entry.item} transform={`translate(0 ${index * ROW_HEIGHT})`}>
                <text x={0} y={15} className="chart-label">
                  {entry.label}
                </text>
                <rect x={0} y={22} width={BAR_MAX} height={16} rx={2} className="chart-track" />
                <rect x={0} y={22} width={bar.width} height={16} rx={2} className="chart-bar" />
                <text x={BAR_MAX + 8} y={35} className="chart-value">
                  {formatNumber(entry.value, language)}
                </text>
              </g>
            );
          })}
        </svg>
        <table className="table chart-table">
          <caption>{t('privacy.previewCaption', { duration: horizon })}</caption>
          <thead>
            <tr>
              <th scope="col">{t('privacy.previewWhat')}</th>
              <th scope="col" className="num">
                {t('privacy.previewCount')}
              </th>
            </tr>
          </thead>
          <tbody>
            {items.map((entry) => (
              <tr key={entry.item}>
                <th scope="row">{entry.label}</th>
                <td className="num">{formatNumber(entry.value, language)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p>{t('privacy.legalHoldsCount', { count: formatNumber(preview.legalHolds, language) })}</p>
    </section>
  );
}

// --- erasures and holds ------------------------------------------------------------------------

function HoldBadge({ reason }: { reason: string }) {
  const { t } = useTranslation();
  return (
    <span className="badge badge-warning">
      {t('privacy.onHold', { reason: words(t, 'privacy.legalHoldReasons', LEGAL_HOLD_REASON_CODES, reason) })}
    </span>
  );
}

function ErasuresSection({ erasures, completed }: { erasures: Overview['pendingErasures']; completed: number }) {
  const { t } = useTranslation();
  const { language } = useSession();
  return (
    <section aria-labelledby="privacy-erasures-title">
      <h2 id="privacy-erasures-title">{t('privacy.erasuresTitle')}</h2>
      <p>{t('privacy.erasuresCompleted', { count: formatNumber(completed, language) })}</p>
      {erasures.length === 0 ? (
        <p className="empty-state">{t('privacy.erasuresEmpty')}</p>
      ) : (
        <table className="table">
          <caption className="visually-hidden">{t('privacy.erasuresTitle')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('privacy.columns.member')}</th>
              <th scope="col">{t('privacy.columns.source')}</th>
              <th scope="col">{t('privacy.columns.reason')}</th>
              <th scope="col">{t('privacy.columns.requested')}</th>
              <th scope="col">{t('privacy.columns.due')}</th>
              <th scope="col">{t('privacy.columns.legalHold')}</th>
            </tr>
          </thead>
          <tbody>
            {erasures.map((erasure) => (
              <tr key={erasure.erasureRequestId}>
                <th scope="row" className="mono">
                  {erasure.memberId}
                </th>
                <td>
                  {words(t, 'privacy.sources', ERASURE_SOURCES, erasure.source)}
                  {erasure.storeId ? <span className="block-id mono">{erasure.storeId}</span> : null}
                </td>
                <td>{words(t, 'privacy.erasureReasons', ERASURE_REASON_WORDS, erasure.reasonCode)}</td>
                <td>
                  <Time iso={erasure.requestedAt} />
                </td>
                <td>
                  <Time iso={erasure.dueAt} />
                </td>
                <td>
                  {erasure.legalHold ? <HoldBadge reason={erasure.legalHold} /> : <span className="muted">—</span>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function HoldsSection({
  holds,
  canLift,
  onLifted,
}: {
  holds: Overview['legalHolds'];
  canLift: boolean;
  onLifted: (memberId: string) => void;
}) {
  const { t } = useTranslation();
  const [lifting, setLifting] = useState<string | null>(null);
  const action = useAction();
  const headingRef = useRef<HTMLHeadingElement>(null);

  async function lift(memberId: string) {
    setLifting(null);
    const answer = await action.run(`liftHold:${memberId}`, (requestId) =>
      callConsole('setLegalHold', { requestId, memberId, reason: null }),
    );
    if (!answer) return;
    onLifted(memberId);
    // The row and its Lift button go with the reload: the focus stays in the section.
    headingRef.current?.focus();
  }

  return (
    <section aria-labelledby="privacy-holds-title">
      <h2 id="privacy-holds-title" ref={headingRef} tabIndex={-1}>
        {t('privacy.holdsTitle')}
      </h2>
      <ErrorNotice error={action.error} />
      {holds.length === 0 ? (
        <p className="empty-state">{t('privacy.holdsEmpty')}</p>
      ) : (
        <table className="table" data-testid="legal-holds">
          <caption className="visually-hidden">{t('privacy.holdsTitle')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('privacy.columns.member')}</th>
              <th scope="col">{t('privacy.columns.reason')}</th>
              <th scope="col">{t('privacy.columns.since')}</th>
              {canLift ? <th scope="col">{t('common.actions')}</th> : null}
            </tr>
          </thead>
          <tbody>
            {holds.map((hold) => (
              <tr key={hold.memberId}>
                <th scope="row" className="mono">
                  {hold.memberId}
                </th>
                <td>{words(t, 'privacy.legalHoldReasons', LEGAL_HOLD_REASON_CODES, hold.reason)}</td>
                <td>
                  <Time iso={hold.since} />
                </td>
                {canLift ? (
                  <td>
                    <button
                      type="button"
                      className="button button-small"
                      disabled={action.busy}
                      aria-label={t('privacy.liftOf', { member: hold.memberId })}
                      onClick={() => setLifting(hold.memberId)}
                    >
                      {t('privacy.lift')}
                    </button>
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {lifting ? (
        <ConfirmDialog
          title={t('privacy.liftTitle')}
          text={t('privacy.liftText', { member: lifting })}
          confirmLabel={t('privacy.lift')}
          onConfirm={() => void lift(lifting)}
          onClose={() => setLifting(null)}
        />
      ) : null}
    </section>
  );
}

// --- disclosures -------------------------------------------------------------------------------

function DisclosuresSection({ disclosures }: { disclosures: Loaded<ConsoleOutput<'listDisclosures'>> }) {
  const { t } = useTranslation();
  const { language } = useSession();
  const rows = disclosures.data?.disclosures ?? [];
  return (
    <section aria-labelledby="privacy-disclosures-title">
      <h2 id="privacy-disclosures-title">{t('privacy.disclosuresTitle')}</h2>
      <LoadState
        loading={disclosures.loading}
        error={disclosures.error}
        empty={rows.length === 0}
        emptyText={t('privacy.disclosuresEmpty')}
        onRetry={disclosures.reload}
      />
      {rows.length > 0 ? (
        <table className="table" data-testid="disclosures">
          <caption className="visually-hidden">{t('privacy.disclosuresTitle')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('privacy.columns.when')}</th>
              <th scope="col">{t('privacy.columns.recipient')}</th>
              <th scope="col">{t('privacy.columns.purpose')}</th>
              <th scope="col">{t('privacy.columns.fields')}</th>
              <th scope="col">{t('privacy.columns.pseudonymised')}</th>
              <th scope="col" className="num">
                {t('privacy.columns.members')}
              </th>
              <th scope="col">{t('privacy.columns.operator')}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.disclosureId}>
                <td>
                  <Time iso={row.disclosedAt} />
                </td>
                <th scope="row">{row.recipient}</th>
                <td>{words(t, 'privacy.audiencePurposes', AUDIENCE_PURPOSE_CODES, row.purpose)}</td>
                <td className="cell-wrap">
                  {row.fields
                    .map((field) => words(t, 'privacy.audienceFields', AUDIENCE_FIELD_CODES, field))
                    .join(', ')}
                </td>
                <td>{row.pseudonymised ? t('privacy.yes') : t('privacy.no')}</td>
                <td className="num">{formatNumber(row.memberCount, language)}</td>
                <td className="mono cell-wrap">{row.operatorId}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}

// --- an audience -------------------------------------------------------------------------------

const RECIPIENT = /^[A-Za-z0-9](?:[A-Za-z0-9 _.:-]{0,98}[A-Za-z0-9])?$/;

function AudienceSection({ onExported }: { onExported: () => void }) {
  const { t } = useTranslation();
  const { language } = useSession();
  const firstPurpose = FIRST_AUDIENCE_PURPOSE;
  const [purpose, setPurpose] = useState<AudiencePurposeCode>(firstPurpose);
  const [recipient, setRecipient] = useState('');
  const [fields, setFields] = useState<AudienceFieldCode[]>(() => fieldsForPurpose(firstPurpose, []));
  const [result, setResult] = useState<{ answer: AudienceAnswer; url: string | null } | null>(null);
  const action = useAction();
  const { approvals, dispatch } = useApprovals();
  const urls = useObjectUrls();
  const issues = issuesByPath(action.error?.issues ?? []);
  const rule = AUDIENCE_RULES[purpose];
  const resultRef = useRef<HTMLDivElement>(null);

  // The list is below the form: the focus goes to its download link (or the panel), which brings
  // it into view and tells a screen reader where the file is.
  useEffect(() => {
    if (!result) return;
    const panel = resultRef.current;
    (panel?.querySelector<HTMLElement>('a[download]') ?? panel)?.focus();
  }, [result]);

  // The approval is for this exact list: another purpose, recipient or field asks for a new one.
  const request = { purpose, recipient: recipient.trim(), fields: fieldsForPurpose(purpose, fields) };
  const key = `audience:${JSON.stringify(request)}`;
  const approvalId = approvals[key];

  async function submit(event: FormEvent) {
    event.preventDefault();
    const answer = await action.run(
      `${key}:${approvalId ?? ''}`,
      (requestId) => callConsole('exportAudience', { requestId, ...request, ...(approvalId ? { approvalId } : {}) }),
      (error) => dispatch({ type: 'refused', key, error }),
    );
    if (!answer) return;
    dispatch({ type: 'done', key });
    if (result?.url) urls.revoke(result.url);
    // A retry of an answered request gets the record without its rows: there is no list to offer.
    const handedOut = answer.rows.length === 0 && answer.memberCount > 0;
    setResult({ answer, url: handedOut ? null : urls.make(audienceCsv(answer), 'text/csv;charset=utf-8') });
    onExported();
  }

  const recipientError =
    issues['recipient'] || (action.error?.code === 'bad_request' && !RECIPIENT.test(request.recipient))
      ? t('privacy.recipientInvalid')
      : null;
  return (
    <section aria-labelledby="privacy-audience-title">
      <h2 id="privacy-audience-title">{t('privacy.audienceTitle')}</h2>
      <form className="inline-form" onSubmit={(event) => void submit(event)} noValidate>
        <p className="hint">{t('privacy.audienceHelp')}</p>
        <div className="form-row form-row-top">
          <SelectField
            label={t('privacy.purpose')}
            value={purpose}
            onChange={(next) => {
              const chosen = AUDIENCE_PURPOSE_CODES.find((code) => code === next) ?? firstPurpose;
              setPurpose(chosen);
              setFields((ticked) => fieldsForPurpose(chosen, ticked));
            }}
            options={AUDIENCE_PURPOSE_CODES.map((code) => ({
              value: code,
              label: t(`privacy.audiencePurposes.${code}`),
            }))}
          />
          <TextField
            label={t('privacy.recipient')}
            hint={t('privacy.recipientHint')}
            value={recipient}
            onChange={setRecipient}
            maxLength={100}
            required
            error={recipientError}
          />
        </div>
        <fieldset
          className="field checkbox-group"
          aria-describedby={issues['fields'] ? 'audience-fields-error' : undefined}
        >
          <legend className="field-label">{t('privacy.fieldsLegend')}</legend>
          <div className="checkbox-columns">
            {rule.allowed.map((field) => {
              const required = rule.required.includes(field);
              return (
                <label key={field} className="checkbox-row">
                  <input
                    type="checkbox"
                    checked={required || fields.includes(field)}
                    disabled={required}
                    onChange={(event) =>
                      setFields((ticked) =>
                        event.target.checked ? [...ticked, field] : ticked.filter((kept) => kept !== field),
                      )
                    }
                  />
                  {required
                    ? t('privacy.fieldRequired', { field: t(`privacy.audienceFields.${field}`) })
                    : t(`privacy.audienceFields.${field}`)}
                </label>
              );
            })}
          </div>
          {issues['fields'] ? (
            <p id="audience-fields-error" className="field-error">
              {t('privacy.fieldsInvalid')}
            </p>
          ) : null}
        </fieldset>
        <ErrorNotice error={action.error?.code === 'bad_request' ? null : action.error} />
        <button type="submit" className="button button-primary" disabled={action.busy}>
          {approvalId ? t('common.runAgain') : t('privacy.audienceButton')}
        </button>
      </form>
      {result ? (
        <div className="result-panel" data-testid="audience-result" ref={resultRef} tabIndex={-1}>
          <p className="notice notice-success" role="status">
            {t('privacy.audienceReady', {
              count: formatNumber(result.answer.memberCount, language),
              recipient: result.answer.recipient,
            })}
          </p>
          {result.url ? (
            <>
              <p className="notice notice-warning">{t('privacy.audienceShownOnce')}</p>
              <a className="button button-primary" href={result.url} download={audienceFileName(result.answer)}>
                {t('privacy.downloadCsv')}
              </a>
            </>
          ) : (
            <p className="notice notice-info">{t('privacy.audienceHandedOut')}</p>
          )}
        </div>
      ) : null}
    </section>
  );
}
