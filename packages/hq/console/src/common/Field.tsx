import { useId, type ReactNode } from 'react';

/** What a control carries so its label, hint and error are read out with it. */
export interface ControlAria {
  id: string;
  'aria-invalid'?: true;
  'aria-describedby'?: string;
  'aria-required'?: true;
}

interface FieldProps {
  label: string;
  hint?: ReactNode;
  error?: string | null | undefined;
  required?: boolean;
  className?: string;
  children: (control: ControlAria) => ReactNode;
}

/** One labelled field (the till's forms/Field pattern): label, control, its error, then its hint. */
export function Field({ label, hint, error, required = false, className = 'field', children }: FieldProps) {
  const id = useId();
  const errorId = `${id}-error`;
  const hintId = `${id}-hint`;
  const described = [error ? errorId : '', hint ? hintId : ''].filter(Boolean).join(' ');
  const aria: ControlAria = {
    id,
    ...(error ? { 'aria-invalid': true as const } : {}),
    ...(described ? { 'aria-describedby': described } : {}),
    ...(required ? { 'aria-required': true as const } : {}),
  };
  return (
    <div className={className}>
      <label htmlFor={id} className="field-label">
        {label}
        {required ? (
          <span className="required-mark" aria-hidden="true">
            {' '}
            *
          </span>
        ) : null}
      </label>
      {children(aria)}
      {error ? (
        <p id={errorId} className="field-error">
          {error}
        </p>
      ) : null}
      {hint ? (
        <p id={hintId} className="hint">
          {hint}
        </p>
      ) : null}
    </div>
  );
}

interface TextFieldProps {
  label: string;
  value: string;
  onChange: (value: string) => void;
  type?: 'text' | 'email' | 'password' | 'number';
  autoComplete?: string;
  inputMode?: 'numeric' | 'text' | 'email';
  hint?: ReactNode;
  error?: string | null | undefined;
  required?: boolean;
  maxLength?: number;
  className?: string;
  inputClassName?: string;
  autoFocus?: boolean;
}

export function TextField({
  label,
  value,
  onChange,
  type = 'text',
  autoComplete = 'off',
  inputMode,
  hint,
  error,
  required,
  maxLength,
  className,
  inputClassName = 'input',
  autoFocus,
}: TextFieldProps) {
  return (
    <Field label={label} hint={hint} error={error} required={required ?? false} {...(className ? { className } : {})}>
      {(aria) => (
        <input
          {...aria}
          className={inputClassName}
          type={type}
          value={value}
          autoComplete={autoComplete}
          spellCheck={false}
          {...(inputMode ? { inputMode } : {})}
          {...(maxLength ? { maxLength } : {})}
          {...(autoFocus ? { autoFocus: true } : {})}
          onChange={(event) => onChange(event.target.value)}
        />
      )}
    </Field>
  );
}

interface SelectFieldProps {
  label: string;
  value: string;
  onChange: (value: string) => void;
  options: readonly { value: string; label: string }[];
  error?: string | null | undefined;
  hint?: ReactNode;
  required?: boolean;
  className?: string;
}

export function SelectField({ label, value, onChange, options, error, hint, required, className }: SelectFieldProps) {
  return (
    <Field label={label} hint={hint} error={error} required={required ?? false} {...(className ? { className } : {})}>
      {(aria) => (
        <select {...aria} className="input" value={value} onChange={(event) => onChange(event.target.value)}>
          {options.map((option) => (
            <option key={option.value} value={option.value}>
              {option.label}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}

interface CheckboxGroupProps {
  legend: string;
  options: readonly { value: string; label: string }[];
  selected: readonly string[];
  onChange: (selected: string[]) => void;
  error?: string | null | undefined;
}

/** Several checkboxes under one legend (roles). */
export function CheckboxGroup({ legend, options, selected, onChange, error }: CheckboxGroupProps) {
  const id = useId();
  return (
    <fieldset className="field checkbox-group" {...(error ? { 'aria-describedby': `${id}-error` } : {})}>
      <legend className="field-label">{legend}</legend>
      {options.map((option) => (
        <label key={option.value} className="checkbox-row">
          <input
            type="checkbox"
            checked={selected.includes(option.value)}
            onChange={(event) =>
              onChange(
                event.target.checked ? [...selected, option.value] : selected.filter((value) => value !== option.value),
              )
            }
          />
          {option.label}
        </label>
      ))}
      {error ? (
        <p id={`${id}-error`} className="field-error">
          {error}
        </p>
      ) : null}
    </fieldset>
  );
}
