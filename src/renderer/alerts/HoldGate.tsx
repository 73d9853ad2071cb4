import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, onDetectionHold } from '../api/client';
import { useIntent } from '../api/intent';
import { useSession } from '../app/session-context';
import {
  ManagerPinDialog,
  pinDialogProblem,
  type ApprovalProblem,
  type ManagerPinInput,
} from '../approvals/ManagerPinDialog';

/**
 * The held staff member's way on: when a call is refused with `detection_hold`, this asks a store
 * manager other than them for their PIN (detection.clearHold, checked in the main process), then
 * the refused call is made again (api/client.ts). Cancelled, the call fails with the hold's message.
 */
export function HoldGate() {
  const { t } = useTranslation();
  const { session, roster, refreshRoster } = useSession();
  /** The dialog is open (with the element it returns the focus to). */
  const [pending, setPending] = useState<{ opener: HTMLElement | null } | null>(null);
  /** Every refused call waiting on this one dialog (a search and an open may both be refused). */
  const waiting = useRef<((cleared: boolean) => void)[]>([]);
  const intent = useIntent();

  useEffect(
    () =>
      onDetectionHold(
        (details) =>
          new Promise<boolean>((resolve) => {
            // A lock is lifted on the Staff tab (staff.unlock), not here.
            if (details.kind !== 'manager_pin') {
              resolve(false);
              return;
            }
            waiting.current.push(resolve);
            const focused = document.activeElement instanceof HTMLElement ? document.activeElement : null;
            setPending((current) => current ?? { opener: focused });
          }),
      ),
    [],
  );

  // Signed out meanwhile (the Shell unmounts): the waiting calls fail rather than hang.
  useEffect(() => {
    const list = waiting.current;
    return () => {
      for (const resolve of list.splice(0)) resolve(false);
    };
  }, []);

  if (!pending) return null;
  const finish = (cleared: boolean) => {
    for (const resolve of waiting.current.splice(0)) resolve(cleared);
    setPending(null);
  };
  const managers = roster.filter(
    (entry) => entry.role === 'manager' && !entry.pinLocked && entry.staffId !== session.staffId,
  );

  const clear = async ({ pin, managerId }: ManagerPinInput): Promise<ApprovalProblem | null> => {
    try {
      await api.clearHold({ staffId: session.staffId, managerId, pin, requestId: intent.id() });
      intent.succeeded();
      finish(true);
      return null;
    } catch (caught) {
      // Wrong manager PINs count towards disabling that PIN: the roster says when it is.
      void refreshRoster();
      return pinDialogProblem(t, caught);
    }
  };

  return (
    <ManagerPinDialog
      title={t('alerts.hold.title')}
      opener={pending.opener}
      onClose={() => finish(false)}
      testId="hold-modal"
      prefix="hold"
      what={t('alerts.hold.why', { name: session.displayName })}
      whatTestId="hold-why"
      pinLabel={t('alerts.hold.pin')}
      managers={managers}
      {...(managers.length === 0 ? { managerHint: t('alerts.hold.noManager') } : {})}
      initialManagerId={managers[0]?.staffId ?? ''}
      submitLabel={t('alerts.hold.submit')}
      busyLabel={t('alerts.hold.busy')}
      onSubmit={clear}
    />
  );
}
