import { describe, expect, it } from 'vitest';
import { controlAria, fieldIds } from '../../../src/renderer/forms/field-aria';

const ids = fieldIds('f1');

describe('field ARIA wiring', () => {
  it('a plain field carries only its id', () => {
    expect(controlAria({ ids, hasError: false, hasHint: false })).toEqual({ id: 'f1' });
  });

  it('a hint describes the field', () => {
    expect(controlAria({ ids, hasError: false, hasHint: true })).toEqual({ id: 'f1', 'aria-describedby': 'f1-hint' });
  });

  it('an error marks the field invalid, names the error message and is read before the hints', () => {
    expect(controlAria({ ids, hasError: true, hasHint: true, describedBy: ['policy'], required: true })).toEqual({
      id: 'f1',
      'aria-invalid': true,
      'aria-describedby': 'f1-error policy f1-hint',
      'aria-errormessage': 'f1-error',
      'aria-required': true,
    });
  });

  it('a message shown outside the field makes it invalid without an error message of its own', () => {
    expect(controlAria({ ids, hasError: false, hasHint: false, describedBy: ['msg'], invalid: true })).toEqual({
      id: 'f1',
      'aria-invalid': true,
      'aria-describedby': 'msg',
    });
  });
});
