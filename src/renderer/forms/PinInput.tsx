import type { Ref } from 'react';
import { MAX_PIN_LENGTH } from '../../shared/staff/pin-policy';
import { onlyDigits } from '../auth/pin';
import type { ControlAria } from './field-aria';

/**
 * The one PIN box: digits only (typed or pasted), never autofilled or corrected, hidden as typed
 * unless it is a temporary PIN that is to be told to a colleague.
 */
export function PinInput({
  aria,
  value,
  onChange,
  inputRef,
  testId,
  visible = false,
}: {
  aria: ControlAria;
  value: string;
  onChange: (value: string) => void;
  inputRef?: Ref<HTMLInputElement> | undefined;
  testId?: string | undefined;
  visible?: boolean;
}) {
  return (
    <input
      {...aria}
      ref={inputRef}
      className={visible ? 'input input-pin mono' : 'input input-pin'}
      type={visible ? 'text' : 'password'}
      inputMode="numeric"
      autoComplete="off"
      autoCorrect="off"
      autoCapitalize="off"
      spellCheck={false}
      enterKeyHint="done"
      maxLength={MAX_PIN_LENGTH}
      data-testid={testId}
      value={value}
      onChange={(event) => onChange(onlyDigits(event.target.value))}
    />
  );
}
