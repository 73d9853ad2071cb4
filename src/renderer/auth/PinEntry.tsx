import type { Ref, RefObject } from 'react';
import { Field } from '../forms/Field';
import { PinInput } from '../forms/PinInput';
import { onlyDigits } from './pin';
import { PinPad } from './PinPad';

/**
 * A labelled PIN box with the on-screen pad under it. The pad types into the box, so the value has
 * one source. Its message (a wrong PIN, a wait) is shown by the form, outside: `describedBy` names it.
 */
export function PinEntry({
  label,
  value,
  onChange,
  inputRef,
  testId,
  padTestIdPrefix,
  describedBy,
  invalid = false,
  submit,
}: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  inputRef: RefObject<HTMLInputElement | null> & Ref<HTMLInputElement>;
  testId: string;
  padTestIdPrefix: string;
  describedBy?: string | undefined;
  invalid?: boolean;
  submit?: { label: string; disabled: boolean; busy?: boolean };
}) {
  const set = (next: string) => {
    onChange(onlyDigits(next));
    inputRef.current?.focus();
  };
  return (
    <Field
      label={label}
      className="pin-entry"
      invalid={invalid}
      {...(describedBy ? { describedBy: [describedBy] } : {})}
      after={
        <PinPad
          testIdPrefix={padTestIdPrefix}
          onDigit={(digit) => set(value + digit)}
          onBackspace={() => set(value.slice(0, -1))}
          {...(submit ? { submit } : {})}
        />
      }
    >
      {(aria) => <PinInput aria={aria} value={value} onChange={onChange} inputRef={inputRef} testId={testId} />}
    </Field>
  );
}
