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
 * Converts zod's issues into stable, translatable codes. Zod's own messages may echo the input,
 * so they never leave this function.
 */
export function toFieldIssues(error: z.ZodError): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const add = (path: string, code: FieldIssueCode) => {
    if (issues.length < MAX_FIELD_ISSUES) issues.push({ path: path.slice(0, MAX_ISSUE_PATH_LENGTH), code });
  };
  for (const issue of error.issues) {
    if (issues.length >= MAX_FIELD_ISSUES) break;
    const path = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) add(path ? `${path}.${key}` : key, 'unknown_field');
      continue;
    }
    let code: FieldIssueCode = 'invalid';
    if (KNOWN.has(issue.message)) code = issue.message as FieldIssueCode;
    else if (issue.code === 'invalid_type') code = 'invalid_type';
    else if (issue.code === 'too_big') code = 'too_long';
    add(path, code);
  }
  return issues;
}
