import { useId, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { REASONS_FOR, REASON_TEXT_MAX, type ReasonCode } from '../../shared/approvals/schemas';
import { api, asApiError, type ApprovalSubjectInput, type RosterEntry } from '../api/client';
import { errorMessage, issueMessage } from '../app/messages';
import { useSession } from '../app/session-context';
import { PinEntry } from '../auth/PinEntry';
import { effectivePinLength, issueFor } from '../auth/pin';
import { PinMessage } from '../auth/PinMessage';
import { usePinRefusal } from '../auth/usePinRefusal';
import { Modal } from '../common/Modal';
import { describeAction } from './describe';
import { useIntent } from '../api/intent';

/** The member a points action is about, as the member screen shows them. */
export interface MemberRef {
  id: string;
  name: string;
}

/** A restricted action waiting for a manager's approval, as the staff or member screen describes it. */
export type ApprovalRequest =
  | { action: 'staff.resetPin'; staff: RosterEntry; temporaryPin: string }
  | { action: 'staff.unlock'; staff: RosterEntry }
  | { action: 'points.adjust'; member: MemberRef; points: number; reasonCode?: ReasonCode; reasonText?: string }
  /** `points`: what the reversal changes the balance by (minus the earn's points). */
  | { action: 'points.reverse'; member: MemberRef; opId: string; points: number };

const DEFAULT_REASON: Record<ApprovalRequest['action'], ReasonCode> = {
  'staff.resetPin': 'forgot_pin',
  'staff.unlock': 'locked_out',
  'points.adjust': 'missed_purchase',
  'points.reverse': 'returned_goods',
};

/** Whom the action is about, for the sentence the manager reads before typing their PIN. */
export function subjectName(request: ApprovalRequest): string {
  return 'staff' in request ? request.staff.displayName : request.member.name;
}

export function subjectOf(request: ApprovalRequest, reasonCode: ReasonCode, reasonText: string): ApprovalSubjectInput {
  const reason = { reasonCode, ...(reasonText.trim() ? { reasonText: reasonText.trim() } : {}) };
  switch (request.action) {
    case 'staff.resetPin':
      return {
        action: request.action,
        payload: { staffId: request.staff.staffId, temporaryPin: request.temporaryPin },
        ...reason,
      } as ApprovalSubjectInput;
    case 'staff.unlock':
      return { action: request.action, payload: { staffId: request.staff.staffId }, ...reason } as ApprovalSubjectInput;
    case 'points.adjust':
      return {
        action: request.action,
        payload: { memberId: request.member.id, points: request.points },
        ...reason,
      } as ApprovalSubjectInput;
    case 'points.reverse':
      return { action: request.action, payload: { opId: request.opId }, ...reason } as ApprovalSubjectInput;
  }
}

/** Runs the approved action with the one-time approval just granted. */
async function perform(request: ApprovalRequest, approvalId: string, requestId: string): Promise<void> {
  switch (request.action) {
    case 'staff.resetPin':
      await api.resetPin({
        staffId: request.staff.staffId,
        temporaryPin: request.temporaryPin,
        approvalId,
        requestId,
      });
      return;
    case 'staff.unlock':
      await api.unlockStaff({ staffId: request.staff.staffId, approvalId, requestId });
      return;
    case 'points.adjust':
      await api.adjustPoints({ memberId: request.member.id, points: request.points, approvalId, requestId });
      return;
    case 'points.reverse':
      await api.reverseEarn({ opId: request.opId, approvalId, requestId });
      return;
  }
}

type Problem =
  { kind: 'message'; text: string } | { kind: 'delayed'; seconds: number } | { kind: 'reasonText'; text: string };

/**
 * On-the-spot approval: a manager picks their name, types their PIN, and the action runs at once
 * with the approval it was granted (bound to this exact action, single use, short-lived).
 */
export function ApprovalModal({
  request,
  opener,
  onClose,
  onDone,
}: {
  request: ApprovalRequest;
  opener: HTMLElement | null;
  onClose: () => void;
  onDone: (request: ApprovalRequest) => void;
}) {
  const { t } = useTranslation();
  const { session, roster, info, refreshRoster } = useSession();
  const managers = roster.filter((entry) => entry.role === 'manager' && !entry.pinLocked);
  const [reasonCode, setReasonCode] = useState<ReasonCode>(
    ('reasonCode' in request && request.reasonCode) || DEFAULT_REASON[request.action],
  );
  const [reasonText, setReasonText] = useState(('reasonText' in request && request.reasonText) || '');
  const [chosenManager, setChosenManager] = useState<string>(
    session.role === 'manager' && managers.some((m) => m.staffId === session.staffId)
      ? session.staffId
      : (managers[0]?.staffId ?? ''),
  );
  const [pin, setPin] = useState('');
  const [problem, setProblem] = useState<Problem | null>(null);
  const [busy, setBusy] = useState(false);
  const grantIntent = useIntent();
  const actionIntent = useIntent();
  const refusal = usePinRefusal();
  const { waiting } = refusal;
  const pinRef = useRef<HTMLInputElement>(null);
  const reasonTextRef = useRef<HTMLInputElement>(null);
  const ids = useId();
  // A manager whose PIN was just disabled drops out of the list: fall back to the first one left.
  const managerId = managers.some((m) => m.staffId === chosenManager) ? chosenManager : (managers[0]?.staffId ?? '');
  const textRequired = reasonCode === 'other';
  const name = subjectName(request);
  const points = 'points' in request ? request.points : 0;

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    if (busy || waiting) return;
    refusal.clear();
    if (textRequired && !reasonText.trim()) {
      setProblem({ kind: 'reasonText', text: t('approval.reasonTextRequired') });
      reasonTextRef.current?.focus();
      return;
    }
    if (!managerId) {
      setProblem({ kind: 'message', text: t('approval.noManager') });
      return;
    }
    if (!pin) {
      setProblem({ kind: 'message', text: t('lock.enterPin') });
      pinRef.current?.focus();
      return;
    }
    setProblem(null);
    setBusy(true);
    let granted = false;
    try {
      const { approvalId } = await api.grantApproval({
        subject: subjectOf(request, reasonCode, reasonText),
        managerId,
        pin,
        requestId: grantIntent.id(),
      });
      granted = true;
      await perform(request, approvalId, actionIntent.id());
      // Until the action itself succeeded, a retry asks for the same approval again (one grant, not two).
      grantIntent.succeeded();
      actionIntent.succeeded();
      void refreshRoster();
      onDone(request);
      return;
    } catch (caught) {
      const error = asApiError(caught);
      const textIssue = issueFor(error.issues, 'reasonText', 'subject.reasonText');
      const pinIssue = issueFor(error.issues, 'temporaryPin', 'payload.temporaryPin', 'subject.payload.temporaryPin');
      if (!granted && refusal.take(error)) {
        setProblem(null);
      } else if (textIssue) {
        setProblem({ kind: 'reasonText', text: issueMessage(t, textIssue, { max: REASON_TEXT_MAX }) });
      } else if (error.code === 'pin_rejected' || pinIssue) {
        const reason = issueMessage(t, pinIssue ?? 'pin_weak', { n: effectivePinLength(info.pinLength) });
        setProblem({ kind: 'message', text: t('approval.tempPinRejected', { reason }) });
      } else if (error.code === 'staff_not_found') {
        setProblem({ kind: 'message', text: t('approval.staffGone', { name }) });
      } else {
        setProblem({ kind: 'message', text: errorMessage(t, error.code) });
      }
      // Wrong manager PINs count towards disabling that PIN: the roster says when it is.
      void refreshRoster();
    } finally {
      setBusy(false);
    }
    setPin('');
    pinRef.current?.focus();
  };

  const problemText = refusal.message ?? (problem?.kind === 'message' ? problem.text : null);
  const errorId = `${ids}-error`;
  const textErrorId = `${ids}-text-error`;

  return (
    <Modal
      title={t('approval.title')}
      opener={opener}
      onClose={onClose}
      busy={busy}
      testId="approval-modal"
      wide
      initialFocus={pinRef}
    >
      <form className="modal-form" noValidate onSubmit={(event) => void onSubmit(event)}>
        <p className="approval-what" data-testid="approval-what">
          {describeAction(t, request.action, { name, points: 'points' in request ? points : null })}
        </p>
        <div className="approval-grid">
          <div className="approval-fields">
            <div className="form-field">
              <label htmlFor={`${ids}-reason`} className="field-label">
                {t('approval.reason')}
              </label>
              <select
                id={`${ids}-reason`}
                className="input select"
                data-testid="approval-reason"
                value={reasonCode}
                onChange={(event) => {
                  setReasonCode(event.target.value as ReasonCode);
                  if (problem?.kind === 'reasonText') setProblem(null);
                }}
              >
                {REASONS_FOR[request.action].map((code) => (
                  <option key={code} value={code}>
                    {t(`approval.reasons.${code}`)}
                  </option>
                ))}
              </select>
            </div>
            <div className="form-field">
              <label htmlFor={`${ids}-text`} className="field-label">
                {textRequired ? t('approval.reasonTextRequiredLabel') : t('approval.reasonText')}
              </label>
              <input
                id={`${ids}-text`}
                ref={reasonTextRef}
                className="input"
                type="text"
                autoComplete="off"
                maxLength={REASON_TEXT_MAX}
                aria-required={textRequired || undefined}
                aria-invalid={problem?.kind === 'reasonText' || undefined}
                aria-describedby={problem?.kind === 'reasonText' ? textErrorId : undefined}
                data-testid="approval-reason-text"
                value={reasonText}
                onChange={(event) => {
                  setReasonText(event.target.value);
                  if (problem?.kind === 'reasonText') setProblem(null);
                }}
              />
              {problem?.kind === 'reasonText' ? (
                <p id={textErrorId} className="field-error" role="alert">
                  {problem.text}
                </p>
              ) : null}
            </div>
            <div className="form-field">
              <label htmlFor={`${ids}-manager`} className="field-label">
                {t('approval.manager')}
              </label>
              <select
                id={`${ids}-manager`}
                className="input select"
                data-testid="approval-manager"
                value={managerId}
                disabled={managers.length === 0}
                onChange={(event) => {
                  setChosenManager(event.target.value);
                  setPin('');
                  refusal.clear();
                }}
              >
                {managers.length === 0 ? <option value="">{t('approval.noManager')}</option> : null}
                {managers.map((manager) => (
                  <option key={manager.staffId} value={manager.staffId}>
                    {manager.displayName}
                  </option>
                ))}
              </select>
            </div>
          </div>
          <PinEntry
            label={t('approval.pin')}
            value={pin}
            onChange={setPin}
            inputRef={pinRef}
            testId="approval-pin"
            padTestIdPrefix="approval-pin"
            describedBy={problemText ? errorId : undefined}
            invalid={problemText !== null && !waiting}
          />
        </div>
        <div className="modal-error-slot">
          <PinMessage
            id={errorId}
            testId="approval-error"
            className="banner banner-error"
            message={problemText}
            ticking={waiting}
            announcement={refusal.announcement}
          />
        </div>
        <div className="modal-actions">
          <button
            type="submit"
            className="button button-primary button-large"
            disabled={busy || waiting || managers.length === 0}
            aria-busy={busy || undefined}
            data-testid="approval-submit"
          >
            {busy ? t('approval.approving') : t('approval.submit')}
          </button>
          <button
            type="button"
            className="button button-secondary button-large"
            disabled={busy}
            data-testid="approval-cancel"
            onClick={onClose}
          >
            {t('approval.cancel')}
          </button>
        </div>
      </form>
    </Modal>
  );
}
