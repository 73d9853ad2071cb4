import { useId, type ReactNode } from 'react';
import { controlAria, fieldIds, type ControlAria } from './field-aria';

interface FieldProps {
  label: string;
  /** Short help under the field, read out with it. */
  hint?: ReactNode;
  /** What is wrong with the value; the field is marked invalid while there is one. */
  error?: string | null | undefined;
  /** The control's id; a generated one when not given. */
  id?: string;
  /** Marks the field required: a visual star outside the label (so the name is exactly the label) and aria-required. */
  required?: boolean;
  /** Ids of texts outside the field that describe it too (a hint shared by two fields, a message under a PIN pad). */
  describedBy?: readonly string[];
  /** Invalid because of a message shown outside the field (named in `describedBy`). */
  invalid?: boolean;
  /** Replaces the wrapper's `form-field` class. */
  className?: string;
  errorTestId?: string;
  /** Shown after the error and the hint (a button that fills the field, a PIN pad). */
  after?: ReactNode;
  /** Renders the control with the id and ARIA attributes it must carry. */
  children: (control: ControlAria) => ReactNode;
}

/**
 * One labelled form field: label, control, error and hint, with the control wired to all of them
 * (id, aria-describedby, aria-invalid, aria-errormessage, aria-required). The form moves the focus
 * to the first invalid field and announces a summary, so the error text itself is not an alert.
 */
export function Field({
  label,
  hint,
  error,
  id,
  required = false,
  describedBy,
  invalid = false,
  className = 'form-field',
  errorTestId,
  after,
  children,
}: FieldProps) {
  const generated = useId();
  const ids = fieldIds(id ?? generated);
  const hasError = Boolean(error);
  const aria = controlAria({
    ids,
    hasError,
    hasHint: Boolean(hint),
    invalid,
    required,
    ...(describedBy ? { describedBy } : {}),
  });
  const labelElement = (
    <label htmlFor={ids.id} className="field-label">
      {label}
    </label>
  );
  return (
    <div className={className}>
      {required ? (
        <div className="field-label-row">
          {labelElement}
          <span className="required-mark" aria-hidden="true">
            *
          </span>
        </div>
      ) : (
        labelElement
      )}
      {children(aria)}
      <FieldTexts ids={ids} error={error} hint={hint} errorTestId={errorTestId} />
      {after}
    </div>
  );
}

interface CheckboxFieldProps {
  label: string;
  hint?: ReactNode;
  error?: string | null | undefined;
  id?: string;
  required?: boolean;
  checked: boolean;
  onChange: (checked: boolean) => void;
  inputRef?: (element: HTMLInputElement | null) => void;
  testId?: string;
  errorTestId?: string;
  /** The wrapper's class; the box and its label sit in a `rowClassName` row inside it. */
  className?: string;
  rowClassName?: string;
  labelClassName?: string;
}

/** A checkbox with its label after it, then its error and hint, wired like every other field. */
export function CheckboxField({
  label,
  hint,
  error,
  id,
  required = false,
  checked,
  onChange,
  inputRef,
  testId,
  errorTestId,
  className = 'form-field',
  rowClassName = 'checkbox-row',
  labelClassName = 'checkbox-label',
}: CheckboxFieldProps) {
  const generated = useId();
  const ids = fieldIds(id ?? generated);
  const aria = controlAria({ ids, hasError: Boolean(error), hasHint: Boolean(hint), required });
  return (
    <div className={className}>
      <div className={rowClassName}>
        <input
          {...aria}
          ref={inputRef}
          type="checkbox"
          className="checkbox"
          data-testid={testId}
          checked={checked}
          onChange={(event) => onChange(event.target.checked)}
        />
        <label htmlFor={ids.id} className={labelClassName}>
          {label}
          {required ? (
            <span className="required-mark" aria-hidden="true">
              {' '}
              *
            </span>
          ) : null}
        </label>
      </div>
      <FieldTexts ids={ids} error={error} hint={hint} errorTestId={errorTestId} />
    </div>
  );
}

function FieldTexts({
  ids,
  error,
  hint,
  errorTestId,
}: {
  ids: { errorId: string; hintId: string };
  error: string | null | undefined;
  hint: ReactNode;
  errorTestId: string | undefined;
}) {
  return (
    <>
      {error ? (
        <p id={ids.errorId} className="field-error" data-testid={errorTestId}>
          {error}
        </p>
      ) : null}
      {hint ? (
        <p id={ids.hintId} className="hint">
          {hint}
        </p>
      ) : null}
    </>
  );
}
