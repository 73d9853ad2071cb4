import { useEffect, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { ConsoleOutput } from '../../../src/console/contract';
import { callConsole, type ConsoleApiError } from '../api/console-client';
import { formatDateTime, formatNumber } from '../app/format';
import { useSession } from '../app/session';
import { CheckboxGroup, Field, SelectField, TextField } from '../common/Field';
import { useAction, useApprovals, useLoad, useObjectUrls } from '../common/hooks';
import { ErrorNotice, LoadState, StatusNotice } from '../common/Notices';
import { PageHeading, Time } from '../common/widgets';
import {
  DECISION_CODE_OPTIONS,
  EXPOSURE_CODES,
  INCIDENT_ISSUE_CODES,
  INCIDENT_KIND_CODES,
  TILL_KIND_CODES,
  TOUCH_ACTION_CODES,
  clockNow,
  defaultNotifyExposures,
  formatLocalDateTime,
  hoursAndMinutes,
  notificationCsv,
  notificationFileName,
  notificationJson,
  parseLocalDateTime,
  type Clock,
  type ExposureCode,
  type IncidentKindCode,
} from '../logic/incidents';
import { issueKey, issuesByPath } from '../logic/issues';

type Detail = ConsoleOutput<'getIncident'>;
type NotificationList = ConsoleOutput<'incidentNotificationList'>;

const HOUR = 60 * 60 * 1000;

/**
 * Milliseconds since `key` (HQ's serverNow of the last answer) changed, on the browser's monotonic
 * clock, refreshed every 15 s: the clock counts on from HQ's time, whatever the browser's clock says.
 */
function useElapsed(key: string): number {
  const [elapsed, setElapsed] = useState({ key, ms: 0 });
  useEffect(() => {
    const start = performance.now();
    const timer = window.setInterval(() => setElapsed({ key, ms: performance.now() - start }), 15_000);
    return () => window.clearInterval(timer);
  }, [key]);
  return elapsed.key === key ? elapsed.ms : 0;
}

/** A refusal's field codes as text beside the field. */
function useIssueText(error: ConsoleApiError | null) {
  const { t } = useTranslation();
  const byPath = issuesByPath(error?.issues ?? []);
  return (path: string): string | null => {
    const code = byPath[path];
    if (code === undefined) return null;
    return (INCIDENT_ISSUE_CODES as readonly string[]).includes(code)
      ? t(`incidents.issues.${code}`)
      : t(issueKey(code));
  };
}

/** One line of the 72-hour clock (GDPR Art. 33(1)), in HQ's time. */
function ClockText({ clock, elapsed }: { clock: Clock; elapsed: number }) {
  const { t } = useTranslation();
  const { language } = useSession();
  const now = clockNow(clock, elapsed);
  const span = hoursAndMinutes(now.msLeft);
  const deadline = formatDateTime(clock.deadlineAt, language);
  switch (now.state) {
    case 'running':
      return <>{t('incidents.clock.running', { ...span, deadline })}</>;
    case 'overdue':
      return <>{t('incidents.clock.overdue', { ...span, deadline })}</>;
    case 'notified_in_time':
      return <>{t('incidents.clock.notifiedInTime', { ...span })}</>;
    case 'notified_late':
      return <>{t('incidents.clock.notifiedLate', { ...span })}</>;
    case 'not_notifiable':
      return <>{t('incidents.clock.notNotifiable')}</>;
  }
}

const clockTone = (clock: Clock, elapsed: number): string => {
  const now = clockNow(clock, elapsed);
  if (now.state === 'overdue' || now.state === 'notified_late') return 'notice notice-error';
  if (now.state === 'running') return now.msLeft < 24 * HOUR ? 'notice notice-warning' : 'notice notice-info';
  return 'notice notice-success';
};

export function IncidentsPage() {
  const { t } = useTranslation();
  const [selected, setSelected] = useState<string | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  if (selected !== null) {
    return (
      <IncidentDetail
        incidentId={selected}
        onBack={() => {
          setStatus(null);
          setSelected(null);
        }}
      />
    );
  }
  return (
    <>
      <PageHeading>{t('pages.incidents')}</PageHeading>
      <p className="hint">{t('incidents.intro')}</p>
      <StatusNotice message={status} />
      <IncidentList onOpen={setSelected} />
      <CreateIncident
        onOpened={(incidentId) => {
          setStatus(t('incidents.opened'));
          setSelected(incidentId);
        }}
      />
    </>
  );
}

function IncidentList({ onOpen }: { onOpen: (incidentId: string) => void }) {
  const { t } = useTranslation();
  const list = useLoad(() => callConsole('listIncidents', {}), 'incidents');
  const rows = list.data?.incidents ?? [];
  const elapsed = useElapsed(list.data?.serverNow ?? '');
  return (
    <section aria-labelledby="incidents-list-heading">
      <h2 id="incidents-list-heading">{t('incidents.listHeading')}</h2>
      <div className="toolbar">
        <button type="button" className="button" onClick={list.reload}>
          {t('incidents.refresh')}
        </button>
      </div>
      <LoadState
        loading={list.loading}
        error={list.error}
        empty={rows.length === 0}
        emptyText={t('incidents.empty')}
        onRetry={list.reload}
      />
      {rows.length > 0 ? (
        <table className="table">
          <caption className="visually-hidden">{t('incidents.listHeading')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('incidents.fields.title')}</th>
              <th scope="col">{t('incidents.fields.kind')}</th>
              <th scope="col">{t('incidents.fields.status')}</th>
              <th scope="col">{t('incidents.clock.heading')}</th>
              <th scope="col">{t('incidents.fields.awareAt')}</th>
              <th scope="col">{t('common.actions')}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((incident) => (
              <tr key={incident.incidentId}>
                <th scope="row" className="cell-wrap">
                  {incident.title}
                </th>
                <td>{t(`incidents.kinds.${incident.kind}`)}</td>
                <td>
                  <span className={incident.status === 'open' ? 'badge badge-warning' : 'badge badge-ok'}>
                    {t(`incidents.statuses.${incident.status}`)}
                  </span>
                </td>
                <td className="cell-wrap">
                  <ClockText clock={incident.clock} elapsed={elapsed} />
                </td>
                <td>
                  <Time iso={incident.awareAt} />
                </td>
                <td>
                  <button
                    type="button"
                    className="button button-small"
                    aria-label={t('incidents.openOf', { title: incident.title })}
                    onClick={() => onOpen(incident.incidentId)}
                  >
                    {t('incidents.open')}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}

function CreateIncident({ onOpened }: { onOpened: (incidentId: string) => void }) {
  const { t } = useTranslation();
  const { may } = useSession();
  const canEdit = may('incidents.edit');
  const subjects = useLoad(
    () => (canEdit ? callConsole('listIncidentSubjects', {}) : Promise.resolve(null)),
    `subjects:${String(canEdit)}`,
  );
  const action = useAction();
  const issue = useIssueText(action.error);
  const [kind, setKind] = useState<IncidentKindCode>('lost_till');
  const [title, setTitle] = useState('');
  // null: not typed, so HQ's now (from its answer, not the browser's clock) stands in.
  const [awareTyped, setAwareAt] = useState<string | null>(null);
  const [deviceId, setDeviceId] = useState('');
  const [staffId, setStaffId] = useState('');
  const [startTyped, setWindowStart] = useState<string | null>(null);
  const [endTyped, setWindowEnd] = useState<string | null>(null);
  const [typed, setTyped] = useState<Record<string, string>>({});
  if (!canEdit) return null;
  const serverNow = subjects.data ? new Date(subjects.data.serverNow) : null;
  const nowText = serverNow ? formatLocalDateTime(serverNow) : '';
  const awareAt = awareTyped ?? nowText;
  const windowStart = startTyped ?? (serverNow ? formatLocalDateTime(new Date(serverNow.getTime() - 24 * HOUR)) : '');
  const windowEnd = endTyped ?? nowText;
  const tills = subjects.data?.tills ?? [];
  const staff = subjects.data?.staff ?? [];
  const needsTill = TILL_KIND_CODES.includes(kind);
  const needsStaff = kind === 'staff_misuse';

  async function submit(event: FormEvent) {
    event.preventDefault();
    const dates = { awareAt, windowStart, windowEnd };
    const parsed = Object.fromEntries(Object.entries(dates).map(([key, text]) => [key, parseLocalDateTime(text)]));
    const wrong = Object.fromEntries(
      Object.entries(parsed)
        .filter(([key, date]) => date === null && (key === 'awareAt' || needsTill || needsStaff))
        .map(([key]) => [key, t('incidents.dateFormat')]),
    );
    setTyped(wrong);
    if (Object.keys(wrong).length > 0) return;
    const answer = await action.run(
      JSON.stringify({ kind, title, awareTyped, deviceId, staffId, windowStart, windowEnd }),
      (requestId) =>
        callConsole('openIncident', {
          requestId,
          kind,
          title,
          // Untyped awareness is HQ's own now.
          ...(awareTyped !== null && parsed.awareAt ? { awareAt: parsed.awareAt.toISOString() } : {}),
          ...(needsTill && deviceId ? { deviceId } : {}),
          ...(needsStaff && staffId ? { staffId } : {}),
          ...((needsTill || needsStaff) && parsed.windowStart && parsed.windowEnd
            ? { windowStart: parsed.windowStart.toISOString(), windowEnd: parsed.windowEnd.toISOString() }
            : {}),
        }),
    );
    if (answer) onOpened(answer.incidentId);
  }

  return (
    <section aria-labelledby="incidents-create-heading">
      <h2 id="incidents-create-heading">{t('incidents.createHeading')}</h2>
      <form className="inline-form" onSubmit={(event) => void submit(event)} noValidate>
        <div className="form-row form-row-top">
          <SelectField
            label={t('incidents.fields.kind')}
            value={kind}
            onChange={(value) => setKind(value as IncidentKindCode)}
            options={INCIDENT_KIND_CODES.map((code) => ({ value: code, label: t(`incidents.kinds.${code}`) }))}
            required
          />
          <TextField
            label={t('incidents.fields.title')}
            value={title}
            onChange={setTitle}
            maxLength={120}
            hint={t('incidents.titleHint')}
            error={issue('title')}
            required
          />
          <TextField
            label={t('incidents.fields.awareAt')}
            value={awareAt}
            onChange={setAwareAt}
            hint={t('incidents.awareHint')}
            error={typed.awareAt ?? issue('awareAt')}
            required
          />
        </div>
        {needsTill ? (
          <SelectField
            label={t('incidents.fields.till')}
            value={deviceId}
            onChange={setDeviceId}
            options={[
              { value: '', label: t('incidents.chooseTill') },
              ...tills.map((till) => ({
                value: till.deviceId,
                label: `${till.storeName} — ${till.name}${till.revokedAt ? ` (${t('incidents.revoked')})` : ''}`,
              })),
            ]}
            error={issue('deviceId')}
            required
          />
        ) : null}
        {needsStaff ? (
          <SelectField
            label={t('incidents.fields.staff')}
            value={staffId}
            onChange={setStaffId}
            options={[
              { value: '', label: t('incidents.chooseStaff') },
              ...staff.map((member) => ({ value: member.staffId, label: member.displayName })),
            ]}
            error={issue('staffId')}
            required
          />
        ) : null}
        {needsTill || needsStaff ? (
          <div className="form-row form-row-top">
            <TextField
              label={t('incidents.fields.windowStart')}
              value={windowStart}
              onChange={setWindowStart}
              hint={t(needsTill ? 'incidents.windowHintTill' : 'incidents.windowHintStaff')}
              error={typed.windowStart ?? issue('windowStart')}
              required
            />
            <TextField
              label={t('incidents.fields.windowEnd')}
              value={windowEnd}
              onChange={setWindowEnd}
              error={typed.windowEnd ?? issue('windowEnd')}
              required
            />
          </div>
        ) : null}
        <ErrorNotice error={subjects.error} />
        <ErrorNotice error={action.error} />
        <button type="submit" className="button button-primary" disabled={action.busy}>
          {t('incidents.create')}
        </button>
      </form>
    </section>
  );
}

function IncidentDetail({ incidentId, onBack }: { incidentId: string; onBack: () => void }) {
  const { t } = useTranslation();
  const { may, language } = useSession();
  const [version, setVersion] = useState(0);
  const detail = useLoad(() => callConsole('getIncident', { incidentId }), `${incidentId}:${version}`);
  const [status, setStatus] = useState<string | null>(null);
  const elapsed = useElapsed(detail.data?.serverNow ?? '');
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);
  const changed = (message: string) => {
    setStatus(message);
    setVersion((n) => n + 1);
  };
  const data = detail.data;
  const incident = data?.incident;
  const editable = may('incidents.edit') && incident?.status === 'open';

  return (
    <>
      <h1 tabIndex={-1} ref={heading}>
        {incident ? t('incidents.detailHeading', { title: incident.title }) : t('pages.incidents')}
      </h1>
      <div className="toolbar">
        <button type="button" className="button" onClick={onBack}>
          {t('incidents.back')}
        </button>
        <button type="button" className="button" onClick={detail.reload}>
          {t('incidents.refresh')}
        </button>
      </div>
      <StatusNotice message={status} />
      <LoadState
        loading={detail.loading}
        error={detail.error}
        empty={!data}
        emptyText={t('common.loading')}
        onRetry={detail.reload}
      />
      {data && incident ? (
        <>
          <div
            role="timer"
            aria-label={t('incidents.clock.heading')}
            className={`${clockTone(incident.clock, elapsed)} incident-clock`}
          >
            <strong>{t('incidents.clock.heading')}: </strong>
            <ClockText clock={incident.clock} elapsed={elapsed} />
            <span className="muted">
              {' '}
              {t('incidents.clock.serverTime', {
                time: formatDateTime(new Date(Date.parse(data.serverNow) + elapsed).toISOString(), language),
              })}
            </span>
          </div>
          <Facts detail={data} />
          {data.till ? <TillSection detail={data} editable={editable} onChanged={changed} /> : null}
          <ExposureSection detail={data} editable={editable} onChanged={changed} />
          <Timeline detail={data} />
          {editable ? <EntryForm detail={data} onChanged={changed} /> : null}
          {editable ? <NotificationForms detail={data} onChanged={changed} /> : null}
          {may('incidents.notification_list') ? <NotificationListSection detail={data} /> : null}
          {editable ? <CloseForm detail={data} onChanged={changed} /> : null}
        </>
      ) : null}
    </>
  );
}

function Facts({ detail }: { detail: Detail }) {
  const { t } = useTranslation();
  const { incident } = detail;
  const rows: [string, ReactNode][] = [
    [t('incidents.fields.kind'), t(`incidents.kinds.${incident.kind}`)],
    [t('incidents.fields.status'), t(`incidents.statuses.${incident.status}`)],
    [t('incidents.fields.awareAt'), <Time key="aware" iso={incident.awareAt} />],
    [t('incidents.fields.openedAt'), <Time key="opened" iso={incident.openedAt} />],
    [t('incidents.fields.windowStart'), <Time key="ws" iso={incident.windowStart} />],
    [t('incidents.fields.windowEnd'), <Time key="we" iso={incident.windowEnd} />],
    [t('incidents.fields.staff'), incident.staffId ?? '—'],
    [t('incidents.fields.regulatorNotifiedAt'), <Time key="reg" iso={incident.regulatorNotifiedAt} />],
    [t('incidents.fields.regulatorReference'), incident.regulatorReference ?? '—'],
    [t('incidents.fields.membersNotifiedAt'), <Time key="mem" iso={incident.membersNotifiedAt} />],
    [t('incidents.fields.closedAt'), <Time key="closed" iso={incident.closedAt} />],
  ];
  return (
    <section aria-labelledby="incident-facts-heading">
      <h2 id="incident-facts-heading">{t('incidents.factsHeading')}</h2>
      <table className="table">
        <caption className="visually-hidden">{t('incidents.factsHeading')}</caption>
        <tbody>
          {rows.map(([label, value]) => (
            <tr key={label}>
              <th scope="row">{label}</th>
              <td>{value}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

interface SectionProps {
  detail: Detail;
  editable: boolean;
  onChanged: (message: string) => void;
}

function TillSection({ detail, editable, onChanged }: SectionProps) {
  const { t } = useTranslation();
  const { may, language } = useSession();
  const till = detail.till;
  const action = useAction();
  const { approvals, dispatch } = useApprovals();
  if (!till) return null;
  const key = `revoke:${detail.incident.incidentId}`;
  const approvalId = approvals[key];

  async function revoke() {
    const answer = await action.run(
      `${key}:${approvalId ?? ''}`,
      (requestId) =>
        callConsole('revokeIncidentTill', {
          requestId,
          incidentId: detail.incident.incidentId,
          ...(approvalId ? { approvalId } : {}),
        }),
      (error) => dispatch({ type: 'refused', key, error }),
    );
    if (answer) {
      dispatch({ type: 'done', key });
      onChanged(t('incidents.till.revokedStatus', { name: till?.name ?? '' }));
    }
  }

  const counts = till.dayEnd?.counts ?? {};
  return (
    <section aria-labelledby="incident-till-heading">
      <h2 id="incident-till-heading">{t('incidents.till.heading', { name: till.name })}</h2>
      <p>
        {till.revokedAt ? (
          <span className="badge badge-danger">
            {t('incidents.till.revokedAt')} <Time iso={till.revokedAt} />
          </span>
        ) : (
          <span className="badge badge-warning">{t('incidents.till.active')}</span>
        )}{' '}
        {t('incidents.till.lastContact')} <Time iso={till.lastContactAt} />
      </p>
      {!till.revokedAt && editable && may('incidents.revoke_till') ? (
        <div className="actions-row">
          <button type="button" className="button button-danger" disabled={action.busy} onClick={() => void revoke()}>
            {approvalId ? t('common.runAgain') : t('incidents.till.revoke')}
          </button>
          <p className="hint">{t('incidents.till.revokeHint')}</p>
        </div>
      ) : null}
      <ErrorNotice error={action.error} />
      <div className="notice notice-warning" role="note">
        <p>
          {till.lastContactAt
            ? t('incidents.till.unknownAfter', { time: formatDateTime(till.lastContactAt, language) })
            : t('incidents.till.neverHeard')}
        </p>
        {till.dayEnd && till.dayEnd.opsNotReceived > 0 ? (
          <p>
            {t('incidents.till.dayEndMissing', {
              n: till.dayEnd.opsNotReceived,
              time: formatDateTime(till.dayEnd.receivedAt, language),
              enrolled: formatNumber(counts['member.enrolled'] ?? 0, language),
              updated: formatNumber(counts['member.updated'] ?? 0, language),
            })}
          </p>
        ) : null}
      </div>
    </section>
  );
}

function ExposureSection({ detail, editable, onChanged }: SectionProps) {
  const { t } = useTranslation();
  const { may, language } = useSession();
  const { incident } = detail;
  const canList = may('incidents.members');
  const members = useLoad(
    () => (canList ? callConsole('listIncidentMembers', { incidentId: incident.incidentId }) : Promise.resolve(null)),
    `${incident.incidentId}:${incident.version}:${String(canList)}`,
  );
  const action = useAction();
  const isTill = TILL_KIND_CODES.includes(incident.kind);
  const isStaff = incident.kind === 'staff_misuse';
  if (!isTill && !isStaff) return null;
  const forms: ExposureCode[] = isStaff ? ['touched'] : ['revealed', 'full_contacts', 'masked'];

  async function compute() {
    const answer = await action.run(`compute:${incident.incidentId}:${incident.version}`, (requestId) =>
      callConsole('computeIncidentExposure', {
        requestId,
        incidentId: incident.incidentId,
        baseVersion: incident.version,
      }),
    );
    if (answer) onChanged(t('incidents.exposure.computed'));
  }

  const rows = members.data?.members ?? [];
  const touched = members.data?.touched ?? [];
  return (
    <section aria-labelledby="incident-exposure-heading">
      <h2 id="incident-exposure-heading">
        {t(isStaff ? 'incidents.exposure.staffHeading' : 'incidents.exposure.heading')}
      </h2>
      <p className="hint">{t(isStaff ? 'incidents.exposure.staffHelp' : 'incidents.exposure.help')}</p>
      {isTill ? (
        <ul className="compact-list hint">
          <li>{t('incidents.exposure.ruleRevealed')}</li>
          <li>{t('incidents.exposure.ruleFull')}</li>
          <li>{t('incidents.exposure.ruleMasked')}</li>
        </ul>
      ) : null}
      <table className="table">
        <caption>{t('incidents.exposure.countsCaption')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('incidents.exposure.form')}</th>
            <th scope="col" className="num">
              {t('incidents.exposure.members')}
            </th>
          </tr>
        </thead>
        <tbody>
          {forms.map((form) => (
            <tr key={form}>
              <th scope="row">{t(`incidents.exposures.${form}`)}</th>
              <td className="num">{formatNumber(incident.exposure[form], language)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {editable ? (
        <button type="button" className="button" disabled={action.busy} onClick={() => void compute()}>
          {t('incidents.exposure.compute')}
        </button>
      ) : null}
      <ErrorNotice error={action.error} />
      {canList ? (
        <>
          <ErrorNotice error={members.error} />
          {isTill && rows.length > 0 ? (
            <table className="table">
              <caption>{t('incidents.exposure.membersCaption')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('incidents.exposure.card')}</th>
                  <th scope="col">{t('incidents.exposure.initials')}</th>
                  <th scope="col">{t('incidents.exposure.form')}</th>
                  <th scope="col">{t('incidents.exposure.contacts')}</th>
                  <th scope="col">{t('incidents.exposure.why')}</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((member) => (
                  <tr key={member.memberId}>
                    <th scope="row" className="mono">
                      {member.cardMasked ?? t('incidents.exposure.erased')}
                    </th>
                    <td>{member.initials || '—'}</td>
                    <td>{t(`incidents.exposures.${member.exposure}`)}</td>
                    <td className="mono">
                      {[member.phoneMasked, member.emailMasked].filter(Boolean).join(' · ') || '—'}
                    </td>
                    <td className="cell-wrap">
                      {(members.data?.sources[member.memberId] ?? [])
                        .map((source) => t(`incidents.sources.${source}`))
                        .join('; ')}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : null}
          {isStaff && touched.length > 0 ? (
            <table className="table">
              <caption>{t('incidents.exposure.touchedCaption')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('incidents.exposure.member')}</th>
                  {TOUCH_ACTION_CODES.map((code) => (
                    <th scope="col" className="num" key={code}>
                      {t(`incidents.actions.${code}`)}
                    </th>
                  ))}
                  <th scope="col">{t('incidents.exposure.tills')}</th>
                  <th scope="col">{t('incidents.exposure.lastAt')}</th>
                </tr>
              </thead>
              <tbody>
                {touched.map((member) => {
                  const masked = rows.find((row) => row.memberId === member.memberId);
                  return (
                    <tr key={member.memberId}>
                      <th scope="row" className="mono">
                        {masked?.cardMasked ??
                          (member.erased ? t('incidents.exposure.erased') : member.memberId.slice(0, 8))}
                      </th>
                      {TOUCH_ACTION_CODES.map((code) => (
                        <td className="num" key={code}>
                          {formatNumber(member.actions[code], language)}
                        </td>
                      ))}
                      <td>{member.devices.join(', ')}</td>
                      <td>
                        <Time iso={member.lastAt} />
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          ) : null}
          {rows.length === 0 && touched.length === 0 && !members.loading ? (
            <p className="empty-state">{t('incidents.exposure.none')}</p>
          ) : null}
        </>
      ) : null}
    </section>
  );
}

function Timeline({ detail }: { detail: Detail }) {
  const { t } = useTranslation();
  return (
    <section aria-labelledby="incident-timeline-heading">
      <h2 id="incident-timeline-heading">{t('incidents.timeline.heading')}</h2>
      {detail.entries.length === 0 ? <p className="empty-state">{t('incidents.timeline.empty')}</p> : null}
      <ol className="compact-list">
        {detail.entries.map((entry) => (
          <li key={entry.entryId}>
            <Time iso={entry.at} /> — <strong>{t(`incidents.entryKinds.${entry.kind}`)}</strong>
            {entry.code ? `: ${t(`incidents.codes.${entry.code}`)}` : ''}
            {entry.text ? <p className="cell-wrap">{entry.text}</p> : null}
          </li>
        ))}
      </ol>
    </section>
  );
}

interface FormProps {
  detail: Detail;
  onChanged: (message: string) => void;
}

function EntryForm({ detail, onChanged }: FormProps) {
  const { t } = useTranslation();
  const [kind, setKind] = useState<'assessment' | 'decision'>('assessment');
  const [code, setCode] = useState<(typeof DECISION_CODE_OPTIONS)[number]>('notifiable');
  const [text, setText] = useState('');
  const action = useAction();
  const issue = useIssueText(action.error);
  const { incident } = detail;

  async function submit(event: FormEvent) {
    event.preventDefault();
    const answer = await action.run(JSON.stringify({ v: incident.version, kind, code, text }), (requestId) =>
      callConsole('addIncidentEntry', {
        requestId,
        incidentId: incident.incidentId,
        baseVersion: incident.version,
        kind,
        ...(kind === 'decision' ? { code } : {}),
        text,
      }),
    );
    if (answer) {
      setText('');
      onChanged(t('incidents.entry.added'));
    }
  }

  return (
    <section aria-labelledby="incident-entry-heading">
      <h2 id="incident-entry-heading">{t('incidents.entry.heading')}</h2>
      <form className="inline-form" onSubmit={(event) => void submit(event)} noValidate>
        <div className="form-row form-row-top">
          <SelectField
            label={t('incidents.entry.kind')}
            value={kind}
            onChange={(value) => setKind(value === 'decision' ? 'decision' : 'assessment')}
            options={[
              { value: 'assessment', label: t('incidents.entryKinds.assessment') },
              { value: 'decision', label: t('incidents.entryKinds.decision') },
            ]}
          />
          {kind === 'decision' ? (
            <SelectField
              label={t('incidents.entry.decision')}
              value={code}
              onChange={(value) => setCode(value as (typeof DECISION_CODE_OPTIONS)[number])}
              options={DECISION_CODE_OPTIONS.map((option) => ({
                value: option,
                label: t(`incidents.codes.${option}`),
              }))}
              hint={t('incidents.entry.decisionHint')}
            />
          ) : null}
        </div>
        {/* The notes are read by every incidents.read holder (chain admin, auditor): the hint says so. */}
        <Field
          label={t('incidents.entry.text')}
          hint={`${t('incidents.entry.textHint')} ${t('incidents.entry.privacyHint')}`}
          error={issue('text')}
          required
        >
          {(aria) => (
            <textarea
              {...aria}
              className="input"
              rows={4}
              maxLength={2000}
              value={text}
              onChange={(event) => setText(event.target.value)}
            />
          )}
        </Field>
        <ErrorNotice error={action.error} />
        <button type="submit" className="button button-primary" disabled={action.busy}>
          {t('incidents.entry.add')}
        </button>
      </form>
    </section>
  );
}

function NotificationForms({ detail, onChanged }: FormProps) {
  const { t } = useTranslation();
  const { incident } = detail;
  // null: not typed; HQ records its own now (the field shows HQ's time of the last answer).
  const serverNow = formatLocalDateTime(new Date(detail.serverNow));
  const [regulatorTyped, setRegulatorAt] = useState<string | null>(null);
  const [reference, setReference] = useState('');
  const [membersTyped, setMembersAt] = useState<string | null>(null);
  const [typed, setTyped] = useState<string | null>(null);
  const regulator = useAction();
  const members = useAction();
  const regulatorIssue = useIssueText(regulator.error);
  const membersIssue = useIssueText(members.error);
  const regulatorAt = regulatorTyped ?? serverNow;
  const membersAt = membersTyped ?? serverNow;

  /** The typed time as ISO, {} for HQ's now, or null when it is not a date and time. */
  const when = (text: string | null): { notifiedAt?: string } | null => {
    if (text === null) return {};
    const at = parseLocalDateTime(text);
    return at ? { notifiedAt: at.toISOString() } : null;
  };

  async function recordRegulator(event: FormEvent) {
    event.preventDefault();
    const at = when(regulatorTyped);
    setTyped(at ? null : 'regulator');
    if (!at) return;
    const answer = await regulator.run(
      JSON.stringify({ v: incident.version, regulatorTyped, reference }),
      (requestId) =>
        callConsole('recordRegulatorNotification', {
          requestId,
          incidentId: incident.incidentId,
          baseVersion: incident.version,
          ...at,
          reference,
        }),
    );
    if (answer) onChanged(t('incidents.notify.regulatorRecorded'));
  }

  async function recordMembers(event: FormEvent) {
    event.preventDefault();
    const at = when(membersTyped);
    setTyped(at ? null : 'members');
    if (!at) return;
    const answer = await members.run(JSON.stringify({ v: incident.version, membersTyped }), (requestId) =>
      callConsole('recordMembersNotification', {
        requestId,
        incidentId: incident.incidentId,
        baseVersion: incident.version,
        ...at,
      }),
    );
    if (answer) onChanged(t('incidents.notify.membersRecorded'));
  }

  return (
    <section aria-labelledby="incident-notify-heading">
      <h2 id="incident-notify-heading">{t('incidents.notify.heading')}</h2>
      <div className="two-columns">
        {incident.regulatorNotifiedAt === null ? (
          <form className="inline-form column-main" onSubmit={(event) => void recordRegulator(event)} noValidate>
            <h3>{t('incidents.notify.regulatorHeading')}</h3>
            <TextField
              label={t('incidents.notify.regulatorAt')}
              value={regulatorAt}
              onChange={setRegulatorAt}
              hint={t('incidents.dateHint')}
              error={typed === 'regulator' ? t('incidents.dateFormat') : regulatorIssue('notifiedAt')}
              required
            />
            <TextField
              label={t('incidents.notify.reference')}
              value={reference}
              onChange={setReference}
              maxLength={64}
              hint={t('incidents.notify.referenceHint')}
              error={regulatorIssue('reference')}
              required
            />
            <ErrorNotice error={regulator.error} />
            <button type="submit" className="button button-primary" disabled={regulator.busy}>
              {t('incidents.notify.recordRegulator')}
            </button>
          </form>
        ) : null}
        {incident.membersNotifiedAt === null ? (
          <form className="inline-form column-side" onSubmit={(event) => void recordMembers(event)} noValidate>
            <h3>{t('incidents.notify.membersHeading')}</h3>
            <TextField
              label={t('incidents.notify.membersAt')}
              value={membersAt}
              onChange={setMembersAt}
              hint={t('incidents.dateHint')}
              error={typed === 'members' ? t('incidents.dateFormat') : membersIssue('notifiedAt')}
              required
            />
            <ErrorNotice error={members.error} />
            <button type="submit" className="button" disabled={members.busy}>
              {t('incidents.notify.recordMembers')}
            </button>
          </form>
        ) : null}
      </div>
    </section>
  );
}

function NotificationListSection({ detail }: { detail: Detail }) {
  const { t } = useTranslation();
  const { incident } = detail;
  const [exposures, setExposures] = useState<ExposureCode[]>(() => defaultNotifyExposures(incident.kind));
  const [contactPoint, setContactPoint] = useState('');
  const [result, setResult] = useState<{ list: NotificationList; csv: string; json: string } | null>(null);
  const action = useAction();
  const issue = useIssueText(action.error);
  const urls = useObjectUrls();
  const panel = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (result) panel.current?.querySelector<HTMLElement>('a[download]')?.focus();
  }, [result]);

  async function produce(event: FormEvent) {
    event.preventDefault();
    if (result) {
      urls.revoke(result.csv);
      urls.revoke(result.json);
      setResult(null);
    }
    const list = await action.run(JSON.stringify({ exposures, contactPoint }), (requestId) =>
      callConsole('incidentNotificationList', { requestId, incidentId: incident.incidentId, exposures, contactPoint }),
    );
    if (list) {
      setResult({
        list,
        csv: urls.make(notificationCsv(list.rows), 'text/csv;charset=utf-8'),
        json: urls.make(notificationJson(list.rows), 'application/json'),
      });
    }
  }

  return (
    <section aria-labelledby="incident-list-heading">
      <h2 id="incident-list-heading">{t('incidents.list.heading')}</h2>
      <p className="hint">{t('incidents.list.help')}</p>
      <form className="inline-form" onSubmit={(event) => void produce(event)} noValidate>
        <CheckboxGroup
          legend={t('incidents.list.forms')}
          options={EXPOSURE_CODES.map((code) => ({ value: code, label: t(`incidents.exposures.${code}`) }))}
          selected={exposures}
          onChange={(selected) => setExposures(selected as ExposureCode[])}
          error={issue('exposures')}
        />
        <TextField
          label={t('incidents.list.contactPoint')}
          value={contactPoint}
          onChange={setContactPoint}
          maxLength={200}
          hint={t('incidents.list.contactPointHint')}
          error={issue('contactPoint')}
          required
        />
        <ErrorNotice error={action.error} />
        <button type="submit" className="button button-primary" disabled={action.busy || exposures.length === 0}>
          {t('incidents.list.produce')}
        </button>
      </form>
      {result ? (
        <div className="result-panel" ref={panel}>
          <p>
            {t('incidents.list.produced', { n: result.list.rows.length })}{' '}
            {t('incidents.list.erasedExcluded', { n: result.list.erasedExcluded })}{' '}
            {result.list.withoutContact > 0
              ? t('incidents.list.withoutContact', { n: result.list.withoutContact })
              : ''}
          </p>
          <p className="hint">{t('incidents.list.onceHint')}</p>
          <div className="download-row">
            <a
              className="button button-primary"
              href={result.csv}
              download={notificationFileName(result.list.disclosureId, 'csv')}
            >
              {t('incidents.list.downloadCsv')}
            </a>
            <a className="button" href={result.json} download={notificationFileName(result.list.disclosureId, 'json')}>
              {t('incidents.list.downloadJson')}
            </a>
          </div>
        </div>
      ) : null}
    </section>
  );
}

function CloseForm({ detail, onChanged }: FormProps) {
  const { t } = useTranslation();
  const [text, setText] = useState('');
  const action = useAction();
  const { incident } = detail;

  async function submit(event: FormEvent) {
    event.preventDefault();
    const answer = await action.run(JSON.stringify({ v: incident.version, text }), (requestId) =>
      callConsole('closeIncident', { requestId, incidentId: incident.incidentId, baseVersion: incident.version, text }),
    );
    if (answer) onChanged(t('incidents.close.closed'));
  }

  return (
    <section aria-labelledby="incident-close-heading">
      <h2 id="incident-close-heading">{t('incidents.close.heading')}</h2>
      <form className="inline-form" onSubmit={(event) => void submit(event)} noValidate>
        <Field
          label={t('incidents.close.decision')}
          hint={`${t('incidents.close.hint')} ${t('incidents.entry.privacyHint')}`}
          required
        >
          {(aria) => (
            <textarea
              {...aria}
              className="input"
              rows={3}
              maxLength={2000}
              value={text}
              onChange={(event) => setText(event.target.value)}
            />
          )}
        </Field>
        <ErrorNotice error={action.error} />
        <button type="submit" className="button button-danger" disabled={action.busy}>
          {t('incidents.close.submit')}
        </button>
      </form>
    </section>
  );
}
