import { useId, useRef, useState, type FormEvent } from 'react';
import { StaffNameField } from './StaffNameField';
import { useTranslation } from 'react-i18next';
import { ROLES, type Role } from '../../shared/auth/permissions';
import { toFieldIssues } from '../../shared/ipc/validation';
import { checkPin } from '../../shared/staff/pin-policy';
import { AddStaffRequest, STAFF_NAME_MAX } from '../../shared/staff/schemas';
import { api, asApiError } from '../api/client';
import { errorMessage, issueMessage } from '../app/messages';
import { useSession } from '../app/session-context';
import { effectivePinLength, issueFor } from '../auth/pin';
import { PinField } from '../auth/PinField';
import { useIntent } from '../api/intent';
import { Field } from '../forms/Field';

type Errors = { displayName?: string; temporaryPin?: string };

/** Managers add a colleague with a temporary PIN, which the colleague replaces at their first sign-in. */
export function AddStaffForm({ onAdded }: { onAdded: (text: string) => void }) {
  const { t } = useTranslation();
  const { info, refreshRoster } = useSession();
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('cashier');
  const [pin, setPin] = useState('');
  const [errors, setErrors] = useState<Errors>({});
  const [general, setGeneral] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const intent = useIntent();
  const ids = useId();
  const nameRef = useRef<HTMLInputElement>(null);
  const pinRef = useRef<HTMLInputElement>(null);
  const n = effectivePinLength(info.pinLength);

  const show = (found: Errors) => {
    setErrors(found);
    if (found.displayName) nameRef.current?.focus();
    else if (found.temporaryPin) pinRef.current?.focus();
  };

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    if (busy) return;
    setGeneral(null);
    const found: Errors = {};
    const parsed = AddStaffRequest.shape.displayName.safeParse(name);
    if (!parsed.success) {
      found.displayName = issueMessage(t, toFieldIssues(parsed.error)[0]?.code ?? 'invalid', { max: STAFF_NAME_MAX });
    }
    const problem = pin ? checkPin(pin, info.pinLength) : 'required';
    if (problem) found.temporaryPin = issueMessage(t, problem, { n });
    if (found.displayName || found.temporaryPin) {
      show(found);
      return;
    }
    setErrors({});
    setBusy(true);
    try {
      const added = await api.addStaff({ displayName: name, role, temporaryPin: pin, requestId: intent.id() });
      intent.succeeded();
      setName('');
      setPin('');
      setRole('cashier');
      void refreshRoster();
      onAdded(t('staff.added', { name: added.displayName, role: t(`session.roles.${added.role}`) }));
    } catch (caught) {
      const error = asApiError(caught);
      const nameIssue = issueFor(error.issues, 'displayName');
      const pinIssue = issueFor(error.issues, 'temporaryPin', 'pin');
      if (nameIssue || pinIssue) {
        show({
          ...(nameIssue ? { displayName: issueMessage(t, nameIssue, { max: STAFF_NAME_MAX }) } : {}),
          ...(pinIssue ? { temporaryPin: issueMessage(t, pinIssue, { n }) } : {}),
        });
      } else setGeneral(errorMessage(t, error.code));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card" aria-labelledby={`${ids}-title`}>
      <h2 id={`${ids}-title`} className="card-title">
        {t('staff.addTitle')}
      </h2>
      <div role="alert" className="status-slot">
        {general ? (
          <p className="banner banner-error" data-testid="staff-add-error">
            {general}
          </p>
        ) : null}
      </div>
      <form className="stack-form" data-testid="staff-add-form" noValidate onSubmit={(event) => void onSubmit(event)}>
        <StaffNameField
          ref={nameRef}
          label={t('staff.addName')}
          value={name}
          error={errors.displayName}
          onChange={setName}
        />
        <Field label={t('staff.role')}>
          {(aria) => (
            <select
              {...aria}
              className="input select"
              value={role}
              onChange={(event) => setRole(event.target.value as Role)}
            >
              {ROLES.map((option) => (
                <option key={option} value={option}>
                  {t(`session.roles.${option}`)}
                </option>
              ))}
            </select>
          )}
        </Field>
        <PinField
          label={t('staff.temporaryPin')}
          value={pin}
          onChange={setPin}
          error={errors.temporaryPin}
          inputRef={pinRef}
          hintId={`${ids}-policy`}
          visible
        />
        <p id={`${ids}-policy`} className="hint">
          {t('staff.addHint', { n })}
        </p>
        <div>
          <button
            type="submit"
            className="button button-primary"
            disabled={busy}
            aria-busy={busy || undefined}
            data-testid="staff-add-submit"
          >
            {t('staff.addSubmit')}
          </button>
        </div>
      </form>
    </section>
  );
}
