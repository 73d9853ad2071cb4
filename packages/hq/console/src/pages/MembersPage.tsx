import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { ConsoleOutput } from '../../../src/console/contract';
import { REVEAL_REASONS } from '../../../src/operators/roles';
import { callConsole, toConsoleApiError, type ConsoleApiError } from '../api/console-client';
import { formatDateTime, formatNumber } from '../app/format';
import { useSession } from '../app/session';
import { Dialog } from '../common/Dialog';
import { SelectField, TextField } from '../common/Field';
import { useAction, useApprovals } from '../common/hooks';
import { ErrorNotice, StatusNotice } from '../common/Notices';
import { ConfirmDialog, PageHeading, Time } from '../common/widgets';
import { issueKey, issuesByPath } from '../logic/issues';

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

  async function runErase(member: Member) {
    setErasing(null);
    const key = `erase:${member.memberId}`;
    const approvalId = approvals[key];
    const answer = await erase.run(
      `${key}:${approvalId ?? ''}`,
      (requestId) =>
        callConsole('eraseMember', {
          requestId,
          memberId: member.memberId,
          reasonCode: 'member_request',
          ...(approvalId ? { approvalId } : {}),
        }),
      (error) => dispatch({ type: 'refused', key, error }),
    );
    if (answer) {
      dispatch({ type: 'done', key });
      setStatus(
        answer.status === 'already_erased'
          ? t('members.alreadyErased')
          : answer.status === 'pending'
            ? t('members.erasurePending', { date: formatDateTime(answer.dueAt, language) })
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
                      {may('member.erase') ? (
                        <button
                          type="button"
                          className="button button-small button-danger"
                          disabled={erase.busy}
                          onClick={() => {
                            if (approvals[`erase:${member.memberId}`]) void runErase(member);
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
        <ConfirmDialog
          title={t('members.eraseTitle')}
          text={t('members.eraseText', { initials: erasing.initials })}
          confirmLabel={t('members.erase')}
          danger
          onConfirm={() => void runErase(erasing)}
          onClose={() => setErasing(null)}
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
