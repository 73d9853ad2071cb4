import { useId, type Ref } from 'react';
import { MAX_PIN_LENGTH } from '../../shared/staff/pin-policy';
import { onlyDigits } from './pin';

/** A labelled PIN box for forms (setup, PIN change, temporary PINs): digits only, with its error. */
export function PinField({
  label,
  value,
  onChange,
  error,
  inputRef,
  testId,
  hintId,
  visible = false,
}: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  error?: string | undefined;
  inputRef?: Ref<HTMLInputElement>;
  testId?: string;
  /** The PIN policy text under the form, read out with the field. */
  hintId?: string;
  /** A temporary PIN is shown as typed, because it is to be told to a colleague. */
  visible?: boolean;
}) {
  const id = useId();
  const errorId = `${id}-error`;
  const describedBy = [error ? errorId : '', hintId ?? ''].filter(Boolean).join(' ');
  return (
    <div className="form-field">
      <label htmlFor={id} className="field-label">
        {label}
      </label>
      <input
        id={id}
        ref={inputRef}
        className={visible ? 'input input-pin mono' : 'input input-pin'}
        type={visible ? 'text' : 'password'}
        inputMode="numeric"
        autoComplete="off"
        autoCorrect="off"
        autoCapitalize="off"
        spellCheck={false}
        maxLength={MAX_PIN_LENGTH}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy || undefined}
        data-testid={testId}
        value={value}
        onChange={(event) => onChange(onlyDigits(event.target.value))}
      />
      {error ? (
        <p id={errorId} className="field-error">
          {error}
        </p>
      ) : null}
    </div>
  );
}
