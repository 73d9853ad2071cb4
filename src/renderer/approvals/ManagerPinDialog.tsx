import { useId, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { REASONS_FOR, REASON_TEXT_MAX, type ReasonCode, type RestrictedAction } from '../../shared/approvals/schemas';
import type { TFunction } from 'i18next';
import { asApiError, type ApiError, type RosterEntry } from '../api/client';
import { pinRefusal } from '../auth/pin';
import { errorMessage } from '../app/messages';
import { PinEntry } from '../auth/PinEntry';
import { PinMessage } from '../auth/PinMessage';
import { usePinRefusal } from '../auth/usePinRefusal';
import { Modal } from '../common/Modal';
import { Field } from '../forms/Field';

/** What a manager typed: always a PIN; the manager and the reason when the dialog asks for them. */
export interface ManagerPinInput {
  pin: string;
  managerId: string;
  reasonCode: ReasonCode;
  reasonText: string;
}

/** Why an approval did not go through, as the dialog shows it. */
export type ApprovalProblem =
  /** A wrong PIN or a wait (login_failed, login_delayed): told with its countdown. */
  { kind: 'refusal'; error: ApiError } | { kind: 'message'; text: string } | { kind: 'reasonText'; text: string };

/** What a failed call behind the dialog shows: a PIN refusal with its countdown, or the error's sentence. */
export function pinDialogProblem(t: TFunction, caught: unknown): ApprovalProblem {
  const error = asApiError(caught);
  return pinRefusal(error.code, error.details)
    ? { kind: 'refusal', error }
    : { kind: 'message', text: errorMessage(t, error.code) };
}

/**
 * The manager-PIN form every approval goes through: on the spot (a manager picks their name, the
 * reason is chosen, the PIN typed) and from the queue (the signed-in manager's own PIN). The focus
 * starts on the PIN, Enter submits, and after a refusal the PIN is cleared and focused again.
 */
export function ManagerPinDialog({
  title,
  opener,
  onClose,
  testId,
  prefix,
  wide = false,
  what,
  whatTestId,
  details,
  pinLabel,
  reason,
  managers,
  managerHint,
  initialManagerId = '',
  submitLabel,
  busyLabel,
  danger = false,
  onSubmit,
}: {
  title: string;
  opener: HTMLElement | null;
  onClose: () => void;
  testId: string;
  /** `approval` gives `approval-pin`, `approval-error`, `approval-submit`, `approval-cancel`. */
  prefix: string;
  wide?: boolean;
  /** The sentence the manager reads before typing their PIN. */
  what: string;
  whatTestId?: string;
  details?: ReactNode;
  pinLabel: string;
  /** Asks for a reason for this action, starting with this one. */
  reason?: { action: RestrictedAction; code: ReasonCode; text: string };
  /** Asks which of these managers approves. */
  managers?: readonly RosterEntry[];
  /** Why the list is what it is (four-eyes: the manager who asked is not offered). */
  managerHint?: string;
  initialManagerId?: string;
  submitLabel: string;
  busyLabel?: string;
  danger?: boolean;
  /** Runs the approval; resolves to null once done (the caller closes the dialog) or to what went wrong. */
  onSubmit: (input: ManagerPinInput) => Promise<ApprovalProblem | null>;
}) {
  const { t } = useTranslation();
  const [reasonCode, setReasonCode] = useState<ReasonCode>(reason?.code ?? 'other');
  const [reasonText, setReasonText] = useState(reason?.text ?? '');
  const [chosenManager, setChosenManager] = useState(initialManagerId);
  const [pin, setPin] = useState('');
  const [problem, setProblem] = useState<Exclude<ApprovalProblem, { kind: 'refusal' }> | null>(null);
  const [busy, setBusy] = useState(false);
  const refusal = usePinRefusal();
  const { waiting } = refusal;
  const pinRef = useRef<HTMLInputElement>(null);
  const reasonTextRef = useRef<HTMLInputElement>(null);
  const errorId = useId();
  // A manager whose PIN was just disabled drops out of the list: fall back to the first one left.
  const managerId =
    managers === undefined
      ? ''
      : managers.some((m) => m.staffId === chosenManager)
        ? chosenManager
        : (managers[0]?.staffId ?? '');
  const noManager = managers !== undefined && managers.length === 0;
  const textRequired = reason !== undefined && reasonCode === 'other';

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (busy || waiting) return;
    refusal.clear();
    if (textRequired && !reasonText.trim()) {
      setProblem({ kind: 'reasonText', text: t('approval.reasonTextRequired') });
      reasonTextRef.current?.focus();
      return;
    }
    if (noManager) {
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
    let failed: ApprovalProblem | null;
    try {
      failed = await onSubmit({ pin, managerId, reasonCode, reasonText });
    } finally {
      setBusy(false);
    }
    if (!failed) return;
    if (failed.kind !== 'refusal') setProblem(failed);
    else if (!refusal.take(failed.error)) setProblem({ kind: 'message', text: errorMessage(t, failed.error.code) });
    setPin('');
    pinRef.current?.focus();
  };

  const message = refusal.message ?? (problem?.kind === 'message' ? problem.text : null);

  const pinEntry = (
    <PinEntry
      label={pinLabel}
      value={pin}
      onChange={setPin}
      inputRef={pinRef}
      testId={`${prefix}-pin`}
      padTestIdPrefix={`${prefix}-pin`}
      describedBy={message ? errorId : undefined}
      invalid={message !== null && !waiting}
    />
  );

  const choices =
    reason || managers ? (
      <div className="approval-fields">
        {reason ? (
          <>
            <Field label={t('approval.reason')}>
              {(aria) => (
                <select
                  {...aria}
                  className="input select"
                  data-testid={`${prefix}-reason`}
                  value={reasonCode}
                  onChange={(event) => {
                    setReasonCode(event.target.value as ReasonCode);
                    if (problem?.kind === 'reasonText') setProblem(null);
                  }}
                >
                  {REASONS_FOR[reason.action].map((code) => (
                    <option key={code} value={code}>
                      {t(`approval.reasons.${code}`)}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <Field
              label={textRequired ? t('approval.reasonTextRequiredLabel') : t('approval.reasonText')}
              error={problem?.kind === 'reasonText' ? problem.text : null}
              required={textRequired}
            >
              {(aria) => (
                <input
                  {...aria}
                  ref={reasonTextRef}
                  className="input"
                  type="text"
                  autoComplete="off"
                  maxLength={REASON_TEXT_MAX}
                  data-testid={`${prefix}-reason-text`}
                  value={reasonText}
                  onChange={(event) => {
                    setReasonText(event.target.value);
                    if (problem?.kind === 'reasonText') setProblem(null);
                  }}
                />
              )}
            </Field>
          </>
        ) : null}
        {managers ? (
          <Field label={t('approval.manager')} hint={managerHint}>
            {(aria) => (
              <select
                {...aria}
                className="input select"
                data-testid={`${prefix}-manager`}
                value={managerId}
                disabled={noManager}
                onChange={(event) => {
                  setChosenManager(event.target.value);
                  setPin('');
                  refusal.clear();
                }}
              >
                {noManager ? <option value="">{t('approval.noManager')}</option> : null}
                {managers.map((manager) => (
                  <option key={manager.staffId} value={manager.staffId}>
                    {manager.displayName}
                  </option>
                ))}
              </select>
            )}
          </Field>
        ) : null}
      </div>
    ) : null;

  return (
    <Modal
      title={title}
      opener={opener}
      onClose={onClose}
      busy={busy}
      testId={testId}
      wide={wide}
      initialFocus={pinRef}
    >
      <form className="modal-form" noValidate onSubmit={(event) => void submit(event)}>
        <p className="approval-what" data-testid={whatTestId}>
          {what}
        </p>
        {details}
        {choices ? (
          <div className="approval-grid">
            {choices}
            {pinEntry}
          </div>
        ) : (
          pinEntry
        )}
        <div className="modal-error-slot">
          <PinMessage
            id={errorId}
            testId={`${prefix}-error`}
            className="banner banner-error"
            message={message}
            ticking={waiting}
            announcement={refusal.announcement}
          />
        </div>
        <div className="modal-actions">
          <button
            type="submit"
            className={danger ? 'button button-danger button-large' : 'button button-primary button-large'}
            disabled={busy || waiting || noManager}
            aria-busy={busy || undefined}
            data-testid={`${prefix}-submit`}
          >
            {busy && busyLabel ? busyLabel : submitLabel}
          </button>
          <button
            type="button"
            className="button button-secondary button-large"
            disabled={busy}
            data-testid={`${prefix}-cancel`}
            onClick={onClose}
          >
            {t('approval.cancel')}
          </button>
        </div>
      </form>
    </Modal>
  );
}
