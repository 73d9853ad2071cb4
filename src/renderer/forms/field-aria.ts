/** Pure ARIA wiring of a form field (no DOM, no React), so every field reads out the same way. */

export interface FieldIds {
  /** The control's id, which the label points at. */
  id: string;
  /** The id of the field's own error text. */
  errorId: string;
  /** The id of the field's own hint text. */
  hintId: string;
}

export function fieldIds(id: string): FieldIds {
  return { id, errorId: `${id}-error`, hintId: `${id}-hint` };
}

/** What a control carries so its label, hint and error are read out with it. */
export interface ControlAria {
  id: string;
  'aria-invalid'?: true;
  'aria-describedby'?: string;
  'aria-errormessage'?: string;
  'aria-required'?: true;
}

export interface FieldState {
  ids: FieldIds;
  /** The field shows its own error text. */
  hasError: boolean;
  /** The field shows its own hint text. */
  hasHint: boolean;
  /** Texts outside the field that describe it too (a hint shared by two fields, a message under a PIN pad). */
  describedBy?: readonly string[];
  /** Invalid because of a message shown outside the field (`describedBy` names it). */
  invalid?: boolean;
  required?: boolean;
}

/**
 * The error comes first in the description (it is what needs doing), then the hints. The error is
 * also named by aria-errormessage; it stays in aria-describedby because not every screen reader
 * reads aria-errormessage.
 */
export function controlAria({
  ids,
  hasError,
  hasHint,
  describedBy = [],
  invalid = false,
  required = false,
}: FieldState): ControlAria {
  const described = [hasError ? ids.errorId : '', ...describedBy, hasHint ? ids.hintId : ''].filter(Boolean);
  return {
    id: ids.id,
    ...(hasError || invalid ? { 'aria-invalid': true as const } : {}),
    ...(described.length > 0 ? { 'aria-describedby': described.join(' ') } : {}),
    ...(hasError ? { 'aria-errormessage': ids.errorId } : {}),
    ...(required ? { 'aria-required': true as const } : {}),
  };
}
