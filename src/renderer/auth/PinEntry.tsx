import { useId, type Ref, type RefObject } from 'react';
import { MAX_PIN_LENGTH } from '../../shared/staff/pin-policy';
import { onlyDigits } from './pin';
import { PinPad } from './PinPad';

/**
 * A labelled PIN box (a real password input: digits only, never autofilled) with the on-screen
 * pad under it. The pad types into the box, so the value has one source.
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
  const id = useId();
  const set = (next: string) => {
    onChange(onlyDigits(next));
    inputRef.current?.focus();
  };
  return (
    <div className="pin-entry">
      <label htmlFor={id} className="field-label">
        {label}
      </label>
      <input
        id={id}
        ref={inputRef}
        className="input input-pin"
        type="password"
        inputMode="numeric"
        autoComplete="off"
        spellCheck={false}
        enterKeyHint="done"
        maxLength={MAX_PIN_LENGTH}
        aria-invalid={invalid || undefined}
        aria-describedby={describedBy || undefined}
        data-testid={testId}
        value={value}
        onChange={(event) => onChange(onlyDigits(event.target.value))}
      />
      <PinPad
        testIdPrefix={padTestIdPrefix}
        onDigit={(digit) => set(value + digit)}
        onBackspace={() => set(value.slice(0, -1))}
        {...(submit ? { submit } : {})}
      />
    </div>
  );
}
