import type { Ref } from 'react';
import { STAFF_NAME_MAX } from '../../shared/staff/schemas';

interface Props {
  id: string;
  label: string;
  value: string;
  error?: string | undefined;
  onChange: (value: string) => void;
  ref?: Ref<HTMLInputElement>;
}

/** A staff member's display name, as typed at first-run setup and when a manager adds staff. */
export function StaffNameField({ id, label, value, error, onChange, ref }: Props) {
  const errorId = `${id}-error`;
  return (
    <div className="form-field">
      <label htmlFor={id} className="field-label">
        {label}
      </label>
      <input
        id={id}
        ref={ref}
        className="input"
        type="text"
        autoComplete="off"
        spellCheck={false}
        maxLength={STAFF_NAME_MAX * 4}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? errorId : undefined}
        value={value}
        onChange={(event) => onChange(event.target.value)}
      />
      {error ? (
        <p id={errorId} className="field-error">
          {error}
        </p>
      ) : null}
    </div>
  );
}
