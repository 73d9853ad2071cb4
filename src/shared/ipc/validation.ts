import type { z } from 'zod';
import type { FieldIssue } from '../errors';

/** Issue codes the schemas raise on purpose; each has a translation in the renderer's catalogs. */
export const FIELD_ISSUE_CODES = [
  'required',
  'too_long',
  'invalid_characters',
  'invalid_type',
  'invalid_choice',
  'unknown_field',
  'card_not_digits',
  'card_length',
  'card_check_digit',
  'email_invalid',
  'phone_invalid',
  'phone_too_long',
  'phone_not_in_use',
  'contact_required',
  'date_invalid',
  'date_in_future',
  'date_too_early',
  'terms_required',
  'consent_needs_email',
  'consent_needs_phone',
  'not_whole_number',
  'too_small',
  'too_big',
  'not_zero',
  'amount_format',
  'pin_format',
  'pin_too_short',
  'pin_too_long',
  'pin_weak',
  'pin_reused',
  'pin_mismatch',
  'hq_url_invalid',
  'invalid',
] as const;
export type FieldIssueCode = (typeof FIELD_ISSUE_CODES)[number];

const KNOWN = new Set<string>(FIELD_ISSUE_CODES);

/** Enough for any real form; the paths of unknown keys echo what the caller sent, so both are bounded. */
export const MAX_FIELD_ISSUES = 20;
export const MAX_ISSUE_PATH_LENGTH = 100;

/**
 * How an issue's code reads. `stable` (the till, and HQ's HTTP answers): a translatable code from
 * FIELD_ISSUE_CODES. `detailed` (HQ's admin commands, read by an operator fixing a file): a code the
 * schema set itself (a custom issue's message, e.g. `duplicate`), else zod's code with the bound it
 * broke, e.g. `too_small (minimum 1)` or `invalid_value (one of "a", "b")`.
 */
export type FieldIssueStyle = 'stable' | 'detailed';

type ZodIssue = z.ZodError['issues'][number];

function stableCode(issue: ZodIssue): FieldIssueCode {
  if (KNOWN.has(issue.message)) return issue.message as FieldIssueCode;
  if (issue.code === 'invalid_type') return 'invalid_type';
  if (issue.code === 'too_big') return 'too_long';
  return 'invalid';
}

function detailedCode(issue: ZodIssue): string {
  switch (issue.code) {
    case 'custom':
      return issue.message;
    case 'invalid_type':
      return `invalid_type (expected ${issue.expected})`;
    case 'too_small':
      return `too_small (minimum ${String(issue.minimum)})`;
    case 'too_big':
      return `too_big (maximum ${String(issue.maximum)})`;
    case 'invalid_value':
      return `invalid_value (one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')})`;
    case 'invalid_format':
      return `invalid_format (${issue.format})`;
    default:
      return issue.code;
  }
}

/**
 * Converts zod's issues into field paths and codes (one unknown key is one `unknown_field` issue),
 * at most MAX_FIELD_ISSUES of them. Zod's own messages may echo the input, so they never leave this
 * function; only messages a schema wrote on purpose do.
 */
export function toFieldIssues(error: z.ZodError, style: FieldIssueStyle = 'stable'): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const add = (path: string, code: string) => {
    if (issues.length < MAX_FIELD_ISSUES) issues.push({ path: path.slice(0, MAX_ISSUE_PATH_LENGTH), code });
  };
  for (const issue of error.issues) {
    if (issues.length >= MAX_FIELD_ISSUES) break;
    const path = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) add(path ? `${path}.${key}` : key, 'unknown_field');
      continue;
    }
    add(path, style === 'stable' ? stableCode(issue) : detailedCode(issue));
  }
  return issues;
}
