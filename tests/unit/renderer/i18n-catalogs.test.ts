import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ApprovalStatus, REASON_CODES, RESTRICTED_ACTIONS } from '../../../src/shared/approvals/schemas';
import { AUDIT_ACTIONS } from '../../../src/shared/audit/schemas';
import { ROLES } from '../../../src/shared/auth/permissions';
import { ERROR_CODES } from '../../../src/shared/errors';
import { LANGUAGES } from '../../../src/shared/ipc/contract';
import { FIELD_ISSUE_CODES } from '../../../src/shared/ipc/validation';
import { EnrollRequest, FIND_KINDS } from '../../../src/shared/members/schemas';
import { OP_TYPES } from '../../../src/shared/sync/ops';
import { DAY_END_PROBLEMS, DUPLICATE_REASONS, REJECT_REASONS } from '../../../src/shared/sync/protocol';
import { SYNC_ERRORS } from '../../../src/renderer/sync/sync-rules';
import en from '../../../src/renderer/i18n/en.json';
import ru from '../../../src/renderer/i18n/ru.json';

type Catalog = { [key: string]: string | Catalog };

/** Every leaf of a catalog as "a.b.c" -> text. */
function flatten(catalog: Catalog, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(catalog)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (typeof value === 'string') out.set(path, value);
    else for (const [k, v] of flatten(value, path)) out.set(k, v);
  }
  return out;
}

const EN = flatten(en as Catalog);
const RU = flatten(ru as Catalog);

/**
 * Values that are rightly the same in both languages: the product name, the "E-mail" label used in
 * Russian too, and strings that are only punctuation or placeholders.
 */
const SAME_IN_BOTH = new Set(['app.name', 'member.email', 'fields.email', 'find.kindSeparator', 'enroll.summaryItem']);

const placeholders = (text: string) => [...text.matchAll(/{{\s*(\w+)\s*}}/g)].map((m) => m[1]).sort();

describe('renderer translation catalogs', () => {
  it('have exactly the same keys, recursively', () => {
    expect([...RU.keys()].sort()).toEqual([...EN.keys()].sort());
  });

  it('hold only non-empty strings', () => {
    for (const catalog of [EN, RU]) {
      for (const [key, value] of catalog) expect(value.trim(), key).not.toBe('');
    }
  });

  it('use the same placeholders in both languages', () => {
    for (const [key, text] of EN) expect(placeholders(RU.get(key) ?? ''), key).toEqual(placeholders(text));
  });

  it('translate every error code, plus the renderer-only "unavailable"', () => {
    for (const code of [...ERROR_CODES, 'unavailable']) {
      expect(EN.get(`errors.${code}`), `en errors.${code}`).toBeTruthy();
      expect(RU.get(`errors.${code}`), `ru errors.${code}`).toBeTruthy();
    }
  });

  it('translate every field issue code', () => {
    for (const code of FIELD_ISSUE_CODES) {
      expect(EN.get(`fieldIssues.${code}`), `en fieldIssues.${code}`).toBeTruthy();
      expect(RU.get(`fieldIssues.${code}`), `ru fieldIssues.${code}`).toBeTruthy();
    }
  });

  it('name every field an issue can point at, every role and every search kind', () => {
    const keys = [
      ...Object.keys(EnrollRequest.shape).map((field) => `fields.${field}`),
      'fields.query',
      'fields.language',
      ...ROLES.map((role) => `session.roles.${role}`),
      ...FIND_KINDS.map((kind) => `find.kinds.${kind}`),
    ];
    for (const key of keys) {
      expect(EN.has(key), `en ${key}`).toBe(true);
      expect(RU.has(key), `ru ${key}`).toBe(true);
    }
  });

  it('label every audit action, approval reason, restricted action and approval status', () => {
    const keys = [
      ...AUDIT_ACTIONS.map((action) => `audit.actions.${action}`),
      ...REASON_CODES.map((code) => `approval.reasons.${code}`),
      ...RESTRICTED_ACTIONS.map((action) => `approval.describe.${action}`),
      ...ApprovalStatus.options.map((status) => `queue.statuses.${status}`),
      ...(['find', 'enroll', 'staff', 'approvals', 'audit', 'sync'] as const).map((view) => `nav.${view}`),
    ];
    for (const key of keys) {
      expect(EN.has(key), `en ${key}`).toBe(true);
      expect(RU.has(key), `ru ${key}`).toBe(true);
    }
  });

  it('label every op type, rejection reason, day-end problem and sync error the sync screen shows', () => {
    const keys = [
      ...OP_TYPES.map((type) => `sync.opTypes.${type}`),
      ...[...REJECT_REASONS, ...DUPLICATE_REASONS, 'other'].map((reason) => `sync.reasons.${reason}`),
      ...DAY_END_PROBLEMS.map((problem) => `dayEnd.problems.${problem}`),
      ...[...SYNC_ERRORS, 'other'].map((code) => `syncView.errors.${code}`),
      ...(['push', 'pull', 'day_end', 'starting'] as const).map((phase) => `syncView.phases.${phase}`),
      ...(['sent', 'reconciled', 'mismatch'] as const).map((status) => `dayEnd.statuses.${status}`),
      ...(['unpaired', 'running', 'online', 'offline', 'never'] as const).flatMap((state) => [
        `syncView.states.${state}`,
        `syncIndicator.states.${state}`,
      ]),
    ];
    for (const key of keys) {
      expect(EN.has(key), `en ${key}`).toBe(true);
      expect(RU.has(key), `ru ${key}`).toBe(true);
    }
  });

  it('exist for every language the app can be switched to', () => {
    const files = readdirSync(join(__dirname, '../../../src/renderer/i18n')).filter((f) => f.endsWith('.json'));
    expect(files.sort()).toEqual(LANGUAGES.map((language) => `${language}.json`).sort());
  });

  it('leave no Russian text untranslated', () => {
    const untranslated = [...EN].filter(([key, text]) => !SAME_IN_BOTH.has(key) && RU.get(key) === text);
    expect(untranslated).toEqual([]);
    const latinOnly = [...RU].filter(
      ([key, text]) => !SAME_IN_BOTH.has(key) && /\p{L}/u.test(text) && !/\p{Script=Cyrillic}/u.test(text),
    );
    expect(latinOnly).toEqual([]);
  });

  it('keep the allowlist honest: allowlisted keys exist', () => {
    for (const key of SAME_IN_BOTH) expect(EN.has(key), key).toBe(true);
  });
});

describe('renderer source', () => {
  const root = join(__dirname, '../../../src/renderer');
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (/\.tsx?$/.test(name)) files.push(path);
    }
  };
  walk(root);

  it('uses no inline styles (the CSP has style-src self)', () => {
    for (const file of files) expect(readFileSync(file, 'utf8'), file).not.toMatch(/\bstyle=\{/);
  });

  it('touches window.loyalty only in the API client', () => {
    const users = files.filter((file) => /\bwindow\.loyalty\b/.test(readFileSync(file, 'utf8')));
    expect(users.map((file) => file.slice(root.length + 1)).sort()).toEqual(['api/client.ts']);
  });
});
