import { CodeSelect } from '../forms/CodeSelect';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { roleHasPermission } from '../../shared/auth/permissions';
import { ERASURE_REASONS, type ErasureReason } from '../../shared/privacy/requests';
import { api, type MemberView } from '../api/client';
import { useIntent } from '../api/intent';
import { formatDateTime } from '../app/format-date';
import { useLocale } from '../app/locale';
import { useSession } from '../app/session-context';
import {
  ManagerPinDialog,
  pinDialogProblem,
  type ApprovalProblem,
  type ManagerPinInput,
} from '../approvals/ManagerPinDialog';
import { CheckboxField } from '../forms/Field';
import { MemberExportPanel } from './MemberExportPanel';

/**
 * The member's rights at the counter: a manager asks, with the member there, that the member be
 * erased (GDPR Art. 17). On a paired till head office carries it out after its hold, and the member
 * screen says it is on its way; a standalone till erases at once and the member screen closes. A
 * manager also hands the member their data (Art. 15/20: MemberExportPanel).
 */
export function MemberRightsSection({
  view,
  onRequested,
  onErased,
}: {
  view: MemberView;
  onRequested: (message: string) => void;
  onErased: (message: string) => void;
}) {
  const { t } = useTranslation();
  const locale = useLocale();
  const { session, info } = useSession();
  /** The erasure dialog is open, opened from this element (it gets the focus back). */
  const [asking, setAsking] = useState<HTMLElement | null>(null);
  const mayErase = roleHasPermission(session.role, 'members.erase');
  const mayExport = roleHasPermission(session.role, 'members.export');
  const requestedAt = view.erasureRequestedAt;

  return (
    <section className="rights-section" aria-labelledby="rights-heading" data-testid="member-rights">
      <h3 id="rights-heading" className="section-title">
        {t('rights.heading')}
      </h3>
      {!mayErase && !mayExport ? <p className="hint">{t('rights.managerOnly')}</p> : null}
      {/* The copy first: it is what most members ask for, and it changes nothing. */}
      {mayExport ? <MemberExportPanel view={view} /> : null}
      {requestedAt ? (
        <p className="banner banner-info" data-testid="erasure-requested">
          {t('rights.requestedOn', { date: formatDateTime(requestedAt, locale) })}
        </p>
      ) : mayErase ? (
        <>
          <p className="hint">{info.paired ? t('rights.eraseHintPaired') : t('rights.eraseHintStandalone')}</p>
          <button
            type="button"
            className="button button-danger"
            data-testid="erase-member"
            onClick={(event) => setAsking(event.currentTarget)}
          >
            {t('rights.erase')}
          </button>
        </>
      ) : null}
      {asking ? (
        <EraseDialog
          view={view}
          opener={asking}
          onClose={() => setAsking(null)}
          onDone={(status) => {
            setAsking(null);
            if (status === 'erased') onErased(t('rights.erasedHere'));
            else onRequested(t('rights.requested'));
          }}
        />
      ) : null}
    </section>
  );
}

function EraseDialog({
  view,
  opener,
  onClose,
  onDone,
}: {
  view: MemberView;
  opener: HTMLElement | null;
  onClose: () => void;
  onDone: (status: 'requested' | 'erased') => void;
}) {
  const { t } = useTranslation();
  const intent = useIntent();
  const [reasonCode, setReasonCode] = useState<ErasureReason>('member_request');
  const [present, setPresent] = useState(false);
  const [presentError, setPresentError] = useState<string | null>(null);
  const name = `${view.member.givenName} ${view.member.familyName}`;

  const submit = async ({ pin }: ManagerPinInput): Promise<ApprovalProblem | null> => {
    if (!present) {
      setPresentError(t('rights.presentRequired'));
      return { kind: 'message', text: t('rights.presentRequired') };
    }
    try {
      const answer = await api.requestErasure({
        memberId: view.member.id,
        reasonCode,
        memberPresent: true,
        pin,
        requestId: intent.id(),
      });
      intent.succeeded();
      onDone(answer.status);
      return null;
    } catch (caught) {
      return pinDialogProblem(t, caught);
    }
  };

  return (
    <ManagerPinDialog
      title={t('rights.eraseTitle')}
      opener={opener}
      onClose={onClose}
      testId="erase-modal"
      prefix="erase"
      what={t('rights.eraseWhat', { name })}
      details={
        <div className="approval-fields">
          <CodeSelect
            label={t('rights.reason')}
            codes={ERASURE_REASONS}
            value={reasonCode}
            onChange={setReasonCode}
            text={(code) => t(`rights.reasons.${code}`)}
            testId="erase-reason"
          />
          <CheckboxField
            label={t('rights.present')}
            checked={present}
            onChange={(next) => {
              setPresent(next);
              if (next) setPresentError(null);
            }}
            error={presentError}
            required
            testId="erase-present"
          />
        </div>
      }
      pinLabel={t('rights.yourPin')}
      submitLabel={t('rights.eraseSubmit')}
      danger
      onSubmit={submit}
    />
  );
}
