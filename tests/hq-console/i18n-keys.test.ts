import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONSOLE_ERROR_CODES } from '../../packages/hq/src/console/contract';
import { OPERATIONS, OPERATOR_ROLES, REVEAL_REASONS } from '../../packages/hq/src/operators/roles';
import { PAGES } from '../../packages/hq/console/src/app/routes';
import en from '../../packages/hq/console/src/i18n/en.json';
import ru from '../../packages/hq/console/src/i18n/ru.json';
import { KNOWN_ISSUE_CODES } from '../../packages/hq/console/src/logic/issues';
import { PASSWORD_REASONS } from '../../packages/hq/console/src/common/error-text';
import {
  AUDIENCE_FIELD_CODES,
  AUDIENCE_PURPOSE_CODES,
  ERASURE_REASON_CODES,
  ERASURE_SOURCES,
  EXPORT_LANGUAGES,
  EXPORT_PURPOSE_CODES,
  LEGAL_HOLD_REASON_CODES,
  POLICY_RULES,
  RETENTION_ERASURE_REASON,
} from '../../packages/hq/console/src/logic/privacy';

/** Every plural form the console's languages use for whole numbers (durationText picks one). */
const PLURAL_FORMS = new Set(
  ['en-GB', 'ru-RU'].flatMap((locale) => new Intl.PluralRules(locale).resolvedOptions().pluralCategories),
);

const SRC = new URL('../../packages/hq/console/src', import.meta.url).pathname;

function flatten(tree: unknown, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(tree as Record<string, unknown>)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (typeof value === 'string') out.set(path, value);
    else for (const [k, v] of flatten(value, path)) out.set(k, v);
  }
  return out;
}

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : /\.tsx?$/.test(name) ? [path] : [];
  });
}

const enKeys = flatten(en);
const ruKeys = flatten(ru);

describe('console i18n', () => {
  it('has the same keys in English and Russian, none empty', () => {
    expect([...ruKeys.keys()].sort()).toEqual([...enKeys.keys()].sort());
    for (const [key, value] of [...enKeys, ...ruKeys]) expect(value.trim(), key).not.toBe('');
  });

  it('has the same {{placeholders}} in both languages', () => {
    const names = (text: string) => [...text.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]).sort();
    for (const [key, value] of enKeys) expect(names(ruKeys.get(key) ?? ''), key).toEqual(names(value));
  });

  it('has every key the source names literally', () => {
    const used = new Set<string>();
    for (const file of sources(SRC)) {
      const text = readFileSync(file, 'utf8');
      for (const match of text.matchAll(/\bt\(\s*'([A-Za-z_.]+)'/g)) used.add(match[1]!);
      for (const match of text.matchAll(/\?\s*'([a-z]+\.[A-Za-z_.]+)'\s*:\s*'([a-z]+\.[A-Za-z_.]+)'/g)) {
        used.add(match[1]!);
        used.add(match[2]!);
      }
    }
    const missing = [...used].filter((key) => !enKeys.has(key));
    expect(missing).toEqual([]);
    expect(used.size).toBeGreaterThan(200);
  });

  it('has a text for every key made at run time', () => {
    const dynamic = [
      ...CONSOLE_ERROR_CODES.map((code) => `errors.${code}`),
      'errors.network_error',
      'errors.bad_answer',
      'errors.too_many_requests_wait',
      ...OPERATOR_ROLES.map((role) => `roles.${role}`),
      ...OPERATIONS.map((operation) => `operations.${operation}`),
      ...REVEAL_REASONS.map((reason) => `revealReasons.${reason}`),
      ...PAGES.map((page) => `pages.${page}`),
      ...KNOWN_ISSUE_CODES.map((code) => `issue.${code}`),
      'issue.other',
      ...PASSWORD_REASONS.map((reason) => `passwordReason.${reason}`),
      'passwordReason.other',
      ...['maxAdjustPoints', 'graceDays', 'secondApproverAbovePoints'].flatMap((k) => [
        `policy.${k}`,
        `policy.${k}Hint`,
      ]),
      ...['id', 'nameEn', 'nameRu', 'costPoints', 'sort', 'active'].map((c) => `catalog.columns.${c}`),
      ...['overdraft', 'rejected', 'flagged'].map((k) => `reviews.tabs.${k}`),
      ...['made_good', 'written_off', 'till_fixed', 'no_action_needed'].map((k) => `reviews.resolutions.${k}`),
      ...['reconciled', 'mismatch'].map((k) => `reports.statuses.${k}`),
      ...['active', 'inactive'].map((k) => `staff.statuses.${k}`),
      ...['cashier', 'manager'].map((k) => `staff.roles.${k}`),
      ...['active', 'disabled'].map((k) => `operators.statuses.${k}`),
      ...['card', 'phone', 'email'].map((k) => `members.by.${k}`),
      // The privacy pages (logic/privacy.ts reads these lists off the contract's schemas).
      ...POLICY_RULES.map((rule) => `privacy.fields.${rule}`),
      ...['hour', 'day', 'month', 'year'].flatMap((unit) =>
        [...PLURAL_FORMS].map((form) => `privacy.units.${unit}.${form}`),
      ),
      ...['inactiveMembers', 'erasuresDue', 'exportsExpiring', 'auditEntries'].map((k) => `privacy.preview.${k}`),
      ...ERASURE_SOURCES.map((source) => `privacy.sources.${source}`),
      ...ERASURE_REASON_CODES.map((code) => `privacy.erasureReasons.${code}`),
      `privacy.erasureReasons.${RETENTION_ERASURE_REASON}`,
      ...LEGAL_HOLD_REASON_CODES.map((code) => `privacy.legalHoldReasons.${code}`),
      ...EXPORT_PURPOSE_CODES.map((code) => `privacy.exportPurposes.${code}`),
      ...EXPORT_LANGUAGES.map((code) => `members.languages.${code}`),
      ...AUDIENCE_PURPOSE_CODES.map((code) => `privacy.audiencePurposes.${code}`),
      ...AUDIENCE_FIELD_CODES.map((code) => `privacy.audienceFields.${code}`),
    ];
    expect(dynamic.filter((key) => !enKeys.has(key))).toEqual([]);
  });

  it('says one thing for every sign-in failure', () => {
    expect(enKeys.get('login.failed')).toBe('E-mail, password or code is not right.');
  });
});
