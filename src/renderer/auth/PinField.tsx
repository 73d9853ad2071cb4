import type { Ref } from 'react';
import { Field } from '../forms/Field';
import { PinInput } from '../forms/PinInput';

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
  return (
    <Field label={label} error={error} {...(hintId ? { describedBy: [hintId] } : {})}>
      {(aria) => (
        <PinInput aria={aria} value={value} onChange={onChange} inputRef={inputRef} testId={testId} visible={visible} />
      )}
    </Field>
  );
}
