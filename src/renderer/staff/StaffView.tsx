import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { mayResetPinOf } from '../../shared/auth/permissions';
import { checkPin } from '../../shared/staff/pin-policy';
import { api, asApiError, type RosterEntry } from '../api/client';
import { ApprovalModal, type ApprovalRequest } from '../approvals/ApprovalModal';
import { errorMessage, issueMessage } from '../app/messages';
import { useSession } from '../app/session-context';
import { staffAbilities } from '../app/views';
import { effectivePinLength } from '../auth/pin';
import { PinField } from '../auth/PinField';
import { Modal } from '../common/Modal';
import { AddStaffForm } from './AddStaffForm';
import { IdleLockSetting } from './IdleLockSetting';
import { useIntents } from '../api/intent';

type Dialog =
  | { kind: 'tempPin'; staff: RosterEntry; opener: HTMLElement }
  | { kind: 'approve'; request: ApprovalRequest; opener: HTMLElement }
  | null;

/** A confirmation (or a refusal) shown at the top of the section. */
export type StaffNotice = { tone: 'success' | 'error'; text: string; seq: number };

/**
 * The staff roster with what each role may do about it: reset a PIN or unlock one (with a
 * manager's approval on the spot), or ask for an unlock from the approvals queue. Managers also
 * add staff and set the auto-lock time.
 */
export function StaffView() {
  const { t } = useTranslation();
  const { session, roster, refreshRoster, info } = useSession();
  const abilities = staffAbilities(session.role);
  const [dialog, setDialog] = useState<Dialog>(null);
  const [notice, setNotice] = useState<StaffNotice | null>(null);
  const [requesting, setRequesting] = useState<string | null>(null);
  const unlockIntent = useIntents();
  const noticeRef = useRef<HTMLDivElement>(null);
  const seq = useRef(0);
  const headingId = useId();

  useEffect(() => {
    void refreshRoster();
  }, [refreshRoster]);

  // A new confirmation takes the focus (its button may be gone, e.g. Unlock once unlocked).
  const noticeSeq = notice?.seq;
  useEffect(() => {
    if (noticeSeq !== undefined) noticeRef.current?.focus();
  }, [noticeSeq]);

  const say = (tone: StaffNotice['tone'], text: string) => {
    seq.current += 1;
    setNotice({ tone, text, seq: seq.current });
  };

  const requestUnlock = async (staff: RosterEntry) => {
    if (requesting) return;
    setRequesting(staff.staffId);
    try {
      await api.requestApproval(
        {
          action: 'staff.unlock',
          payload: { staffId: staff.staffId },
          reasonCode: 'locked_out',
        },
        unlockIntent(staff.staffId).id(),
      );
      unlockIntent(staff.staffId).succeeded();
      say('success', t('staff.requestSent', { name: staff.displayName }));
    } catch (caught) {
      say('error', errorMessage(t, asApiError(caught).code));
    } finally {
      setRequesting(null);
    }
  };

  const done = (request: ApprovalRequest) => {
    setDialog(null);
    if (!('staff' in request)) return;
    const name = request.staff.displayName;
    if (request.action === 'staff.resetPin') say('success', t('staff.resetDone', { name }));
    else say('success', t('staff.unlockDone', { name }));
  };

  return (
    <div className="staff">
      <h1 id={headingId} className="view-title">
        {t('staff.heading')}
      </h1>
      <div role="status" className="status-slot">
        {notice?.tone === 'success' ? (
          <div ref={noticeRef} tabIndex={-1} className="banner banner-success" data-testid="staff-notice">
            <p>{notice.text}</p>
          </div>
        ) : null}
      </div>
      <div role="alert" className="status-slot">
        {notice?.tone === 'error' ? (
          <div ref={noticeRef} tabIndex={-1} className="banner banner-error" data-testid="staff-error">
            <p>{notice.text}</p>
          </div>
        ) : null}
      </div>

      <div className="table-wrap">
        <table className="table" aria-labelledby={headingId}>
          <thead>
            <tr>
              <th scope="col">{t('staff.name')}</th>
              <th scope="col">{t('staff.role')}</th>
              <th scope="col">{t('staff.status')}</th>
              <th scope="col">{t('staff.actions')}</th>
            </tr>
          </thead>
          <tbody>
            {roster.map((entry) => {
              const self = entry.staffId === session.staffId;
              const nameId = `${headingId}-${entry.staffId}`;
              return (
                <tr key={entry.staffId} data-testid="staff-row" data-staff-id={entry.staffId}>
                  <th scope="row" id={nameId} className="cell-name">
                    {entry.displayName}
                    {self ? <span className="badge">{t('staff.you')}</span> : null}
                  </th>
                  <td>{t(`session.roles.${entry.role}`)}</td>
                  <td>
                    {entry.pinLocked ? (
                      <span className="status status-locked">{t('staff.statusLocked')}</span>
                    ) : entry.mustChangePin ? (
                      <span className="status status-temporary">{t('staff.statusTemporary')}</span>
                    ) : (
                      <span className="status status-active">{t('staff.statusActive')}</span>
                    )}
                  </td>
                  <td>
                    <div className="row-actions">
                      {self || !mayResetPinOf(session.role, entry.role) ? null : (
                        <button
                          type="button"
                          className="button button-secondary button-small"
                          aria-describedby={nameId}
                          data-testid="staff-reset-pin"
                          onClick={(event) => setDialog({ kind: 'tempPin', staff: entry, opener: event.currentTarget })}
                        >
                          {t('staff.resetPin')}
                        </button>
                      )}
                      {entry.pinLocked && !self ? (
                        <>
                          <button
                            type="button"
                            className="button button-primary button-small"
                            aria-describedby={nameId}
                            data-testid="staff-unlock"
                            onClick={(event) =>
                              setDialog({
                                kind: 'approve',
                                request: { action: 'staff.unlock', staff: entry },
                                opener: event.currentTarget,
                              })
                            }
                          >
                            {t('staff.unlock')}
                          </button>
                          <button
                            type="button"
                            className="button button-secondary button-small"
                            aria-describedby={nameId}
                            disabled={requesting !== null}
                            data-testid="staff-request-unlock"
                            onClick={() => void requestUnlock(entry)}
                          >
                            {t('staff.requestUnlock')}
                          </button>
                        </>
                      ) : null}
                    </div>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>

      {abilities.addStaff || abilities.idleLock ? (
        <div className="staff-manage">
          {abilities.addStaff && info.paired ? (
            // The main process refuses it too: a paired till's roster is HQ's.
            <p className="hint">{t('staff.managedAtHq')}</p>
          ) : abilities.addStaff ? (
            <AddStaffForm onAdded={(text) => say('success', text)} />
          ) : null}
          {abilities.idleLock ? (
            <IdleLockSetting onSaved={(text) => say('success', text)} onFailed={(text) => say('error', text)} />
          ) : null}
        </div>
      ) : null}

      {dialog?.kind === 'tempPin' ? (
        <TemporaryPinDialog
          staff={dialog.staff}
          opener={dialog.opener}
          onClose={() => setDialog(null)}
          onContinue={(temporaryPin) =>
            setDialog({
              kind: 'approve',
              request: { action: 'staff.resetPin', staff: dialog.staff, temporaryPin },
              opener: dialog.opener,
            })
          }
        />
      ) : null}
      {dialog?.kind === 'approve' ? (
        <ApprovalModal request={dialog.request} opener={dialog.opener} onClose={() => setDialog(null)} onDone={done} />
      ) : null}
    </div>
  );
}

/** Step one of a PIN reset: the temporary PIN to tell the colleague, checked against the PIN policy. */
function TemporaryPinDialog({
  staff,
  opener,
  onClose,
  onContinue,
}: {
  staff: RosterEntry;
  opener: HTMLElement;
  onClose: () => void;
  onContinue: (temporaryPin: string) => void;
}) {
  const { t } = useTranslation();
  const { info } = useSession();
  const [pin, setPin] = useState('');
  const [error, setError] = useState<string | undefined>(undefined);
  const policyId = useId();
  const inputRef = useRef<HTMLInputElement>(null);
  const n = effectivePinLength(info.pinLength);

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    const problem = pin ? checkPin(pin, info.pinLength) : 'required';
    if (problem) {
      setError(issueMessage(t, problem, { n }));
      inputRef.current?.focus();
      return;
    }
    onContinue(pin);
  };

  return (
    <Modal
      title={t('staff.resetTitle', { name: staff.displayName })}
      opener={opener}
      onClose={onClose}
      testId="temp-pin-modal"
      initialFocus={inputRef}
    >
      <form className="modal-form" noValidate onSubmit={onSubmit}>
        <p>{t('staff.resetIntro', { name: staff.displayName })}</p>
        <PinField
          label={t('staff.temporaryPin')}
          value={pin}
          onChange={(value) => {
            setPin(value);
            setError(undefined);
          }}
          error={error}
          inputRef={inputRef}
          testId="temp-pin-input"
          hintId={policyId}
          visible
        />
        <p id={policyId} className="hint">
          {t('pin.policy', { n })}
        </p>
        <div className="modal-actions">
          <button type="submit" className="button button-primary button-large" data-testid="temp-pin-submit">
            {t('staff.resetContinue')}
          </button>
          <button
            type="button"
            className="button button-secondary button-large"
            data-testid="temp-pin-cancel"
            onClick={onClose}
          >
            {t('approval.cancel')}
          </button>
        </div>
      </form>
    </Modal>
  );
}
