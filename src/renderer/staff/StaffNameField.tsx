import type { Ref } from 'react';
import { STAFF_NAME_MAX } from '../../shared/staff/schemas';
import { Field } from '../forms/Field';

interface Props {
  label: string;
  value: string;
  error?: string | undefined;
  onChange: (value: string) => void;
  ref?: Ref<HTMLInputElement>;
}

/** A staff member's display name, as typed at first-run setup and when a manager adds staff. */
export function StaffNameField({ label, value, error, onChange, ref }: Props) {
  return (
    <Field label={label} error={error}>
      {(aria) => (
        <input
          {...aria}
          ref={ref}
          className="input"
          type="text"
          autoComplete="off"
          spellCheck={false}
          maxLength={STAFF_NAME_MAX * 4}
          value={value}
          onChange={(event) => onChange(event.target.value)}
        />
      )}
    </Field>
  );
}
