import { useEffect, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { exportFileNames, renderExportDocument } from '../../../../../src/shared/privacy/export-document';
import type { ConsoleOutput } from '../../../src/console/contract';
import { REVEAL_REASONS } from '../../../src/operators/roles';
import { callConsole, toConsoleApiError, type ConsoleApiError } from '../api/console-client';
import { formatDateTime, formatNumber } from '../app/format';
import { useSession } from '../app/session';
import { Dialog } from '../common/Dialog';
import { SelectField, TextField } from '../common/Field';
import { useAction, useApprovals, useObjectUrls } from '../common/hooks';
import { ErrorNotice, StatusNotice } from '../common/Notices';
import { PageHeading, Time } from '../common/widgets';
import { issueKey, issuesByPath } from '../logic/issues';
import {
  ERASURE_REASON_CODES,
  EXPORT_LANGUAGES,
  EXPORT_PURPOSE_CODES,
  LEGAL_HOLD_REASON_CODES,
  type ErasureReasonCode,
  type ExportLanguage,
  type ExportPurposeCode,
  type LegalHoldReasonCode,
} from '../logic/privacy';

type Member = ConsoleOutput<'searchMembers'>['members'][number];
type SearchBy = 'card' | 'phone' | 'email';

export function MembersPage() {
  const { t } = useTranslation();
  const { may, language } = useSession();
  const [by, setBy] = useState<SearchBy>('card');
  const [value, setValue] = useState('');
  const [results, setResults] = useState<Member[] | null>(null);
  const [searchError, setSearchError] = useState<ConsoleApiError | null>(null);
  const [searching, setSearching] = useState(false);
  const [revealing, setRevealing] = useState<Member | null>(null);
  const [erasing, setErasing] = useState<Member | null>(null);
  const [exporting, setExporting] = useState<Member | null>(null);
  const [holding, setHolding] = useState<Member | null>(null);
  // The reason each waiting erasure approval was asked with: "Run again" sends the same request.
  const [eraseReasons, setEraseReasons] = useState<Readonly<Record<string, ErasureReasonCode>>>({});
  const [status, setStatus] = useState<string | null>(null);
  const erase = useAction();
  const { approvals, dispatch } = useApprovals();

  async function search(event: FormEvent) {
    event.preventDefault();
    setSearching(true);
    setSearchError(null);
    try {
      setResults((await callConsole('searchMembers', { by, value: value.trim() })).members);
    } catch (error) {
      setSearchError(toConsoleApiError(error));
    } finally {
      setSearching(false);
    }
  }

  async function runErase(member: Member, reasonCode: ErasureReasonCode) {
    setErasing(null);
    setStatus(null);
    const key = `erase:${member.memberId}`;
    const approvalId = approvals[key];
    setEraseReasons((kept) => ({ ...kept, [member.memberId]: reasonCode }));
    const answer = await erase.run(
      `${key}:${reasonCode}:${approvalId ?? ''}`,
      (requestId) =>
        callConsole('eraseMember', {
          requestId,
          memberId: member.memberId,
          reasonCode,
          ...(approvalId ? { approvalId } : {}),
        }),
      (error) => dispatch({ type: 'refused', key, error }),
    );
    if (answer) {
      dispatch({ type: 'done', key });
      const date = formatDateTime(answer.dueAt, language);
      setStatus(
        answer.status === 'already_erased'
          ? t('members.alreadyErased')
          : answer.status === 'pending'
            ? answer.legalHold
              ? t('members.erasurePendingHeld', { date })
              : t('members.erasurePending', { date })
            : t('members.erased', { ops: answer.opsScrubbed }),
      );
    }
  }

  const fields = issuesByPath(searchError?.issues ?? []);
  return (
    <>
      <PageHeading>{t('pages.members')}</PageHeading>
      <StatusNotice message={status} />
      <form
        className="inline-form"
        onSubmit={(event) => void search(event)}
        noValidate
        role="search"
        aria-label={t('members.search')}
      >
        <div className="form-row">
          <SelectField
            label={t('members.searchBy')}
            value={by}
            onChange={(next) => setBy(next === 'phone' ? 'phone' : next === 'email' ? 'email' : 'card')}
            options={(['card', 'phone', 'email'] as const).map((option) => ({
              value: option,
              label: t(`members.by.${option}`),
            }))}
          />
          <TextField
            label={t('members.value')}
            value={value}
            onChange={setValue}
            required
            error={fields['value'] ? t(issueKey(fields['value'])) : null}
          />
          <button type="submit" className="button button-primary" disabled={searching}>
            {t('members.searchButton')}
          </button>
        </div>
      </form>
      <ErrorNotice error={searchError?.code === 'bad_request' ? null : searchError} />
      <ErrorNotice error={erase.error} />
      {results && results.length === 0 ? <p className="empty-state">{t('members.noResults')}</p> : null}
      {results && results.length > 0 ? (
        <table className="table">
          <caption className="visually-hidden">{t('members.results')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('members.initials')}</th>
              <th scope="col">{t('members.card')}</th>
              <th scope="col">{t('members.phone')}</th>
              <th scope="col">{t('members.email')}</th>
              <th scope="col">{t('common.store')}</th>
              <th scope="col">{t('members.points')}</th>
              <th scope="col">{t('members.tier')}</th>
              <th scope="col">{t('members.enrolled')}</th>
              <th scope="col">{t('common.actions')}</th>
            </tr>
          </thead>
          <tbody>
            {results.map((member) => (
              <tr key={member.memberId}>
                <th scope="row">{member.initials}</th>
                <td className="mono">{member.cardMasked ?? '—'}</td>
                <td className="mono">{member.phoneMasked ?? '—'}</td>
                <td className="mono">{member.emailMasked ?? '—'}</td>
                <td className="mono">{member.homeStoreId}</td>
                <td className="num">{formatNumber(member.points, language)}</td>
                <td>{member.tier}</td>
                <td>
                  <Time iso={member.enrolledAt} />
                </td>
                <td className="row-actions">
                  {member.erasedAt ? (
                    <span className="badge">
                      {t('members.erasedAt')} <Time iso={member.erasedAt} />
                    </span>
                  ) : (
                    <>
                      {may('member.reveal') ? (
                        <button type="button" className="button button-small" onClick={() => setRevealing(member)}>
                          {t('members.reveal')}
                        </button>
                      ) : null}
                      {may('member.data_request') ? (
                        <button type="button" className="button button-small" onClick={() => setExporting(member)}>
                          {t('members.exportData')}
                        </button>
                      ) : null}
                      {may('member.legal_hold') ? (
                        <button type="button" className="button button-small" onClick={() => setHolding(member)}>
                          {t('members.legalHold')}
                        </button>
                      ) : null}
                      {may('member.erase') ? (
                        <button
                          type="button"
                          className="button button-small button-danger"
                          disabled={erase.busy}
                          onClick={() => {
                            const reason = eraseReasons[member.memberId];
                            if (approvals[`erase:${member.memberId}`] && reason) void runErase(member, reason);
                            else setErasing(member);
                          }}
                        >
                          {approvals[`erase:${member.memberId}`] ? t('common.runAgain') : t('members.erase')}
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
      {revealing ? <RevealDialog member={revealing} onClose={() => setRevealing(null)} /> : null}
      {erasing ? (
        <EraseDialog
          member={erasing}
          onErase={(reason) => void runErase(erasing, reason)}
          onClose={() => setErasing(null)}
        />
      ) : null}
      {exporting ? <ExportDialog member={exporting} onClose={() => setExporting(null)} /> : null}
      {holding ? (
        <HoldDialog
          member={holding}
          onDone={(message) => {
            setHolding(null);
            setStatus(message);
          }}
          onClose={() => setHolding(null)}
        />
      ) : null}
    </>
  );
}

function RevealDialog({ member, onClose }: { member: Member; onClose: () => void }) {
  const { t } = useTranslation();
  const [reason, setReason] = useState('');
  const [reference, setReference] = useState('');
  const [revealed, setRevealed] = useState<ConsoleOutput<'revealMember'> | null>(null);
  const [error, setError] = useState<ConsoleApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const [reasonMissing, setReasonMissing] = useState(false);
  const fields = issuesByPath(error?.issues ?? []);

  async function reveal(event: FormEvent) {
    event.preventDefault();
    const code = REVEAL_REASONS.find((candidate) => candidate === reason);
    if (!code) {
      setError(null);
      setReasonMissing(true);
      return;
    }
    setReasonMissing(false);
    setBusy(true);
    setError(null);
    try {
      setRevealed(
        await callConsole('revealMember', {
          memberId: member.memberId,
          reason: code,
          ...(reference.trim() ? { reference: reference.trim() } : {}),
        }),
      );
    } catch (thrown) {
      setError(toConsoleApiError(thrown));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Dialog
      title={t('members.revealTitle', { initials: member.initials })}
      onClose={onClose}
      closeLabel={t('common.close')}
    >
      {revealed ? (
        <>
          <p role="status" className="notice notice-info">
            {t('members.revealRecorded', { reason: t(`revealReasons.${reason as (typeof REVEAL_REASONS)[number]}`) })}
          </p>
          <dl className="details">
            <dt>{t('members.name')}</dt>
            <dd>
              {revealed.givenName} {revealed.familyName}
            </dd>
            <dt>{t('members.card')}</dt>
            <dd className="mono">{revealed.cardNumber ?? '—'}</dd>
            <dt>{t('members.phone')}</dt>
            <dd className="mono">{revealed.phone ?? '—'}</dd>
            <dt>{t('members.email')}</dt>
            <dd className="mono">{revealed.email ?? '—'}</dd>
            <dt>{t('members.birthDate')}</dt>
            <dd>{revealed.birthDate ?? '—'}</dd>
          </dl>
        </>
      ) : (
        <form onSubmit={(event) => void reveal(event)} noValidate>
          <p>{t('members.revealHelp')}</p>
          <SelectField
            label={t('members.reason')}
            value={reason}
            onChange={setReason}
            required
            error={reasonMissing || fields['reason'] ? t('members.reasonRequired') : null}
            options={[
              { value: '', label: t('members.chooseReason') },
              ...REVEAL_REASONS.map((code) => ({ value: code, label: t(`revealReasons.${code}`) })),
            ]}
          />
          <TextField
            label={t('members.reference')}
            hint={t('members.referenceHint')}
            value={reference}
            onChange={setReference}
            maxLength={64}
            error={fields['reference'] ? t('members.referenceInvalid') : null}
          />
          <ErrorNotice error={error?.code === 'bad_request' ? null : error} />
          <button type="submit" className="button button-primary" disabled={busy}>
            {t('members.revealButton')}
          </button>
        </form>
      )}
    </Dialog>
  );
}

function EraseDialog({
  member,
  onErase,
  onClose,
}: {
  member: Member;
  onErase: (reason: ErasureReasonCode) => void;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const [reason, setReason] = useState('');
  const [missing, setMissing] = useState(false);
  function submit(event: FormEvent) {
    event.preventDefault();
    const code = ERASURE_REASON_CODES.find((candidate) => candidate === reason);
    if (code) onErase(code);
    else setMissing(true);
  }
  return (
    <Dialog
      title={t('members.eraseTitle')}
      onClose={onClose}
      closeLabel={t('common.cancel')}
      actions={
        <>
          <button type="submit" form="erase-form" className="button button-danger">
            {t('members.erase')}
          </button>
          <button type="button" className="button" onClick={onClose}>
            {t('common.cancel')}
          </button>
        </>
      }
    >
      <form id="erase-form" onSubmit={submit} noValidate>
        <p>{t('members.eraseText', { initials: member.initials })}</p>
        <SelectField
          label={t('members.eraseReason')}
          value={reason}
          onChange={setReason}
          required
          error={missing ? t('members.reasonRequired') : null}
          options={[
            { value: '', label: t('members.chooseReason') },
            ...ERASURE_REASON_CODES.map((code) => ({ value: code, label: t(`privacy.erasureReasons.${code}`) })),
          ]}
        />
      </form>
    </Dialog>
  );
}

/**
 * A member's data export for the member (GDPR Art. 15/20): HQ answers the document once, so the
 * dialog offers it for download at once and keeps it only while it is open.
 */
function ExportDialog({ member, onClose }: { member: Member; onClose: () => void }) {
  const { t } = useTranslation();
  const { language } = useSession();
  const [purpose, setPurpose] = useState<ExportPurposeCode>('access_request');
  const [documentLanguage, setDocumentLanguage] = useState<ExportLanguage>(language);
  const [made, setMade] = useState<{
    answer: ConsoleOutput<'exportMember'>;
    files: { json: string; html: string; names: { json: string; html: string } } | null;
  } | null>(null);
  const action = useAction();
  const urls = useObjectUrls();
  const readyRef = useRef<HTMLDivElement>(null);

  // The form is gone once the export is made: the focus goes to the download link (or the notice).
  useEffect(() => {
    if (!made) return;
    const ready = readyRef.current;
    (ready?.querySelector<HTMLElement>('a[download]') ?? ready)?.focus();
  }, [made]);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const answer = await action.run(`export:${member.memberId}:${purpose}:${documentLanguage}`, (requestId) =>
      callConsole('exportMember', { requestId, memberId: member.memberId, purpose, language: documentLanguage }),
    );
    if (!answer) return;
    // A retry of an answered request gets the record without the document: nothing to offer.
    const document = answer.document;
    setMade({
      answer,
      files: document
        ? {
            json: urls.make(JSON.stringify(document, null, 2), 'application/json'),
            // The printable page the member is handed, in the document's language.
            html: urls.make(renderExportDocument(document), 'text/html'),
            names: exportFileNames(document),
          }
        : null,
    });
  }

  return (
    <Dialog
      title={t('members.exportTitle', { initials: member.initials })}
      onClose={onClose}
      closeLabel={made ? t('common.done') : t('common.cancel')}
    >
      {made ? (
        <div data-testid="member-export-ready" ref={readyRef} tabIndex={-1}>
          {made.files ? (
            <>
              <p role="status" className="notice notice-success">
                {t('members.exportReady', {
                  reference: made.answer.exportId.slice(0, 8),
                  date: formatDateTime(made.answer.expiresAt, language),
                })}
              </p>
              <p className="notice notice-warning">{t('members.exportShownOnce')}</p>
              <div className="actions-row download-row">
                <a className="button button-primary" href={made.files.json} download={made.files.names.json}>
                  {t('members.downloadJson')}
                </a>
                <a className="button" href={made.files.html} download={made.files.names.html}>
                  {t('members.downloadHtml')}
                </a>
              </div>
            </>
          ) : (
            <p role="status" className="notice notice-info">
              {t('members.exportHandedOut', { reference: made.answer.exportId.slice(0, 8) })}
            </p>
          )}
        </div>
      ) : (
        <form onSubmit={(event) => void submit(event)} noValidate>
          <p>{t('members.exportHelp')}</p>
          <SelectField
            label={t('members.exportPurpose')}
            value={purpose}
            onChange={(next) => setPurpose(EXPORT_PURPOSE_CODES.find((code) => code === next) ?? 'access_request')}
            options={EXPORT_PURPOSE_CODES.map((code) => ({ value: code, label: t(`privacy.exportPurposes.${code}`) }))}
          />
          <SelectField
            label={t('members.exportLanguage')}
            value={documentLanguage}
            onChange={(next) => setDocumentLanguage(EXPORT_LANGUAGES.find((code) => code === next) ?? language)}
            options={EXPORT_LANGUAGES.map((code) => ({ value: code, label: t(`members.languages.${code}`) }))}
          />
          <ErrorNotice error={action.error} />
          <button type="submit" className="button button-primary" disabled={action.busy}>
            {t('members.exportButton')}
          </button>
        </form>
      )}
    </Dialog>
  );
}

/** Puts the member on legal hold with a reason, or lifts it (the search does not say which holds). */
function HoldDialog({
  member,
  onDone,
  onClose,
}: {
  member: Member;
  onDone: (message: string) => void;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const [reason, setReason] = useState('');
  const [missing, setMissing] = useState(false);
  const action = useAction();

  async function set(code: LegalHoldReasonCode | null) {
    const answer = await action.run(`hold:${member.memberId}:${code ?? 'lift'}`, (requestId) =>
      callConsole('setLegalHold', { requestId, memberId: member.memberId, reason: code }),
    );
    if (!answer) return;
    onDone(
      answer.legalHold
        ? t('members.held', { initials: member.initials, reason: t(`privacy.legalHoldReasons.${answer.legalHold}`) })
        : t('members.holdLifted', { initials: member.initials }),
    );
  }

  function hold(event: FormEvent) {
    event.preventDefault();
    const code = LEGAL_HOLD_REASON_CODES.find((candidate) => candidate === reason);
    setMissing(!code);
    if (code) void set(code);
  }

  return (
    <Dialog
      title={t('members.holdTitle', { initials: member.initials })}
      onClose={onClose}
      closeLabel={t('common.cancel')}
    >
      <form onSubmit={hold} noValidate>
        <p>{t('members.holdHelp')}</p>
        <SelectField
          label={t('members.holdReason')}
          value={reason}
          onChange={setReason}
          required
          error={missing ? t('members.reasonRequired') : null}
          options={[
            { value: '', label: t('members.chooseReason') },
            ...LEGAL_HOLD_REASON_CODES.map((code) => ({ value: code, label: t(`privacy.legalHoldReasons.${code}`) })),
          ]}
        />
        <ErrorNotice error={action.error} />
        <div className="actions-row">
          <button type="submit" className="button button-primary" disabled={action.busy}>
            {t('members.holdButton')}
          </button>
          <button type="button" className="button" disabled={action.busy} onClick={() => void set(null)}>
            {t('members.liftButton')}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
