import { useTranslation } from 'react-i18next';
import { needsSecondApprover } from '../../shared/approvals/second-approver';
import { REASON_TEXT_MAX, type ReasonCode } from '../../shared/approvals/schemas';
import { api, asApiError, type ApprovalSubjectInput, type RosterEntry } from '../api/client';
import { errorMessage, issueMessage } from '../app/messages';
import { formatNumber } from '../app/format-number';
import { useLocale } from '../app/locale';
import { useSession } from '../app/session-context';
import { effectivePinLength, issueFor, pinRefusal } from '../auth/pin';
import { describeAction } from './describe';
import { ManagerPinDialog, type ApprovalProblem, type ManagerPinInput } from './ManagerPinDialog';
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
  const locale = useLocale();
  const points = 'points' in request ? request.points : null;
  // Four-eyes (shared/approvals/second-approver.ts): above the store's threshold the manager who
  // asked is not offered; the main process refuses them anyway.
  const secondPerson =
    points !== null && session.role === 'manager' && needsSecondApprover(points, info.secondApproverAbovePoints);
  const managers = roster.filter(
    (entry) => entry.role === 'manager' && !entry.pinLocked && !(secondPerson && entry.staffId === session.staffId),
  );
  const grantIntent = useIntent();
  const actionIntent = useIntent();
  const name = subjectName(request);

  const approve = async ({
    pin,
    managerId,
    reasonCode,
    reasonText,
  }: ManagerPinInput): Promise<ApprovalProblem | null> => {
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
      return null;
    } catch (caught) {
      const error = asApiError(caught);
      // Wrong manager PINs count towards disabling that PIN: the roster says when it is.
      void refreshRoster();
      const textIssue = issueFor(error.issues, 'reasonText', 'subject.reasonText');
      const pinIssue = issueFor(error.issues, 'temporaryPin', 'payload.temporaryPin', 'subject.payload.temporaryPin');
      if (!granted && pinRefusal(error.code, error.details)) return { kind: 'refusal', error };
      if (textIssue) return { kind: 'reasonText', text: issueMessage(t, textIssue, { max: REASON_TEXT_MAX }) };
      if (error.code === 'pin_rejected' || pinIssue) {
        const reason = issueMessage(t, pinIssue ?? 'pin_weak', { n: effectivePinLength(info.pinLength) });
        return { kind: 'message', text: t('approval.tempPinRejected', { reason }) };
      }
      if (error.code === 'staff_not_found') return { kind: 'message', text: t('approval.staffGone', { name }) };
      return { kind: 'message', text: errorMessage(t, error.code) };
    }
  };

  return (
    <ManagerPinDialog
      title={t('approval.title')}
      opener={opener}
      onClose={onClose}
      testId="approval-modal"
      prefix="approval"
      wide
      what={describeAction(t, request.action, { name, points })}
      whatTestId="approval-what"
      pinLabel={t('approval.pin')}
      reason={{
        action: request.action,
        code: ('reasonCode' in request && request.reasonCode) || DEFAULT_REASON[request.action],
        text: ('reasonText' in request && request.reasonText) || '',
      }}
      managers={managers}
      {...(secondPerson
        ? { managerHint: t('approval.secondPerson', { n: formatNumber(info.secondApproverAbovePoints, locale) }) }
        : {})}
      initialManagerId={
        session.role === 'manager' && managers.some((m) => m.staffId === session.staffId)
          ? session.staffId
          : (managers[0]?.staffId ?? '')
      }
      submitLabel={t('approval.submit')}
      busyLabel={t('approval.approving')}
      onSubmit={approve}
    />
  );
}
