import type { ConsoleIssue } from '../api/console-client';

/** The first issue code per path ("rewards.2.costPoints" → "too_small"), for errors beside fields. */
export function issuesByPath(issues: readonly ConsoleIssue[]): Record<string, string> {
  const byPath: Record<string, string> = {};
  for (const issue of issues) if (!(issue.path in byPath)) byPath[issue.path] = issue.code;
  return byPath;
}

/** Issue codes with their own text; any other is shown as "not valid". */
export const KNOWN_ISSUE_CODES = [
  'too_small',
  'too_big',
  'invalid_type',
  'invalid_format',
  'invalid_value',
  'custom',
  'unrecognized_keys',
  'duplicate',
  'required',
  'mismatch',
] as const;
export type KnownIssueCode = (typeof KNOWN_ISSUE_CODES)[number];

export function issueKey(code: string | undefined): `issue.${KnownIssueCode}` | 'issue.other' {
  const known = KNOWN_ISSUE_CODES.find((candidate) => candidate === code);
  return known ? `issue.${known}` : 'issue.other';
}
