import i18next, { type TFunction } from 'i18next';
import { consoleDatePattern } from '../../packages/hq/console/src/logic/audit-trail';
import { beforeAll, describe, expect, it } from 'vitest';
import en from '../../packages/hq/console/src/i18n/en.json';
import ru from '../../packages/hq/console/src/i18n/ru.json';
import {
  ACTION_CODES,
  REASON_CODES,
  RULE_CODES,
  STATUS_CODES,
  TILL_RULE_CODES,
  actionsFor,
  alertSentence,
  draftFromPolicy,
  listInput,
  memberText,
  NO_FILTERS,
  originText,
  pageRange,
  policyFromDraft,
  type Alert,
} from '../../packages/hq/console/src/logic/alerts';
import { ALERT_ACTIONS, ALERT_REASONS, ALERT_STATUSES } from '../../packages/hq/src/detection/alert-codes';
import { DEFAULT_DETECTION_POLICY, DETECTION_RULES, TILL_RULES } from '../../src/shared/detection/policy';

let tEn: TFunction;
let tRu: TFunction;
beforeAll(async () => {
  const instance = i18next.createInstance();
  await instance.init({
    resources: { en: { translation: en }, ru: { translation: ru } },
    lng: 'en',
    // As the console does: React escapes text itself.
    interpolation: { escapeValue: false },
  });
  tEn = instance.getFixedT('en');
  tRu = instance.getFixedT('ru');
});

const alert: Alert = {
  alertId: '0b7d4f1e-5d0c-4a43-9a55-2f4f3a0b1c11',
  storeId: 'store-1',
  storeName: 'High Street',
  deviceId: null,
  deviceName: null,
  source: 'hq',
  rule: 'members_opened',
  staffId: 'staff-9',
  staffName: 'Dana Snoop',
  mode: 'notify',
  raisedAt: '2026-03-02T10:41:00.000Z',
  windowStart: '2026-03-02T10:00:00.000Z',
  windowEnd: '2026-03-02T10:49:00.000Z',
  count: 1250,
  threshold: 40,
  members: [
    { memberId: 'm1', label: 'W. H. ••1234', erased: false },
    { memberId: 'es_abc', label: null, erased: true },
    { memberId: 'm3', label: null, erased: false },
  ],
  hqConfirmed: null,
  status: 'open',
  resolvedBy: null,
  resolvedAt: null,
  resolutionCode: null,
};

describe('alerts page logic', () => {
  it('offers exactly the codes HQ accepts', () => {
    expect(RULE_CODES).toEqual(DETECTION_RULES);
    expect(TILL_RULE_CODES).toEqual(TILL_RULES);
    expect(STATUS_CODES).toEqual(ALERT_STATUSES);
    expect(ACTION_CODES).toEqual(ALERT_ACTIONS);
    expect(REASON_CODES).toEqual(ALERT_REASONS);
  });

  it('offers only the resolutions a status still allows', () => {
    expect(actionsFor('open')).toEqual(['acknowledge', 'dismiss', 'escalate']);
    expect(actionsFor('acknowledged')).toEqual(['dismiss', 'escalate']);
    expect(actionsFor('dismissed')).toEqual([]);
    expect(actionsFor('escalated')).toEqual([]);
  });

  it('says each alert in plain English and Russian, numbers in the page language', () => {
    expect(alertSentence(alert, tEn, 'en')).toBe('Dana Snoop opened 1,250 different members (threshold 40).');
    expect(alertSentence(alert, tRu, 'ru')).toBe('Dana Snoop: открыто разных участников — 1\u00a0250 (порог 40).');
    expect(alertSentence({ ...alert, staffName: null }, tEn, 'en')).toBe(
      "Staff member staff-9 (not in HQ's roster) opened 1,250 different members (threshold 40).",
    );
    expect(originText(alert, tEn)).toBe("High Street, raised by HQ across the store's tills");
    expect(originText({ ...alert, source: 'till', deviceId: 'd1', deviceName: 'Front till' }, tEn)).toBe(
      'High Street, raised by the till Front till',
    );
    for (const rule of RULE_CODES) {
      expect(alertSentence({ ...alert, rule }, tEn, 'en')).not.toContain('alerts.');
      expect(alertSentence({ ...alert, rule }, tRu, 'ru')).not.toContain('alerts.');
    }
  });

  it('shows members as masked labels, an erased or unknown member in words', () => {
    expect(alert.members.map((m) => memberText(m, tEn))).toEqual([
      'W. H. ••1234',
      'An erased member',
      'A member HQ does not hold',
    ]);
  });

  it('turns the filters into listAlerts input: dates typed as the page language writes them, the to-day included, a reversed range refused', () => {
    const en = consoleDatePattern('en');
    const ru = consoleDatePattern('ru');
    expect(listInput(NO_FILTERS, 0, en)).toEqual({ input: { limit: 25, offset: 0, status: 'open' } });
    const expected = {
      input: {
        limit: 25,
        offset: 25,
        rule: 'exports',
        from: new Date(2026, 2, 1).toISOString(),
        to: new Date(2026, 2, 3).toISOString(),
      },
    };
    const march = { ...NO_FILTERS, status: '' as const, rule: 'exports' as const };
    expect(listInput({ ...march, fromDate: '01/03/2026', toDate: '02/03/2026' }, 25, en)).toEqual(expected);
    expect(listInput({ ...march, fromDate: '01.03.2026', toDate: '02.03.2026' }, 25, ru)).toEqual(expected);
    // The browser's ISO form is not the page's pattern: refused, not read another way.
    expect(listInput({ ...NO_FILTERS, fromDate: '2026-03-01' }, 0, ru)).toEqual({ error: 'fromDate' });
    expect(listInput({ ...NO_FILTERS, fromDate: '05.03.2026', toDate: '02.03.2026' }, 0, ru)).toEqual({
      error: 'order',
    });
    expect(listInput({ ...NO_FILTERS, toDate: '31.02.2026' }, 0, ru)).toEqual({ error: 'toDate' });
    expect(listInput({ ...NO_FILTERS, fromDate: '5 March' }, 0, en)).toEqual({ error: 'fromDate' });
    expect(pageRange(25, 10, 35)).toEqual({ first: 26, last: 35 });
    expect(pageRange(0, 0, 0)).toBeNull();
  });

  it('round-trips the policy through the form, and marks the fields the schema refuses', () => {
    const draft = draftFromPolicy(DEFAULT_DETECTION_POLICY);
    expect(policyFromDraft(draft)).toEqual({ policy: DEFAULT_DETECTION_POLICY });
    const edited = {
      ...draft,
      rules: {
        ...draft.rules,
        members_opened: { mode: 'enforce', threshold: '25', windowMinutes: '30' },
        exports: { mode: 'notify', threshold: '-1', windowMinutes: 'an hour' },
      },
      baseline: { ...draft.baseline, days: '3' },
      hoursSet: true,
      opens: '08:00',
      closes: '25:00',
      timeZone: 'Europe/London',
    };
    expect(policyFromDraft(edited)).toEqual({
      issues: {
        'policy.rules.exports.threshold': 'too_small',
        'policy.rules.exports.windowMinutes': 'invalid',
        'policy.baseline.days': 'too_small',
        'policy.storeHours.closes': 'invalid',
      },
    });
    const fixed = {
      ...edited,
      rules: { ...edited.rules, exports: draft.rules.exports },
      baseline: draft.baseline,
      closes: '21:00',
    };
    expect(policyFromDraft(fixed)).toEqual({
      policy: {
        ...DEFAULT_DETECTION_POLICY,
        rules: {
          ...DEFAULT_DETECTION_POLICY.rules,
          members_opened: { mode: 'enforce', threshold: 25, windowMinutes: 30 },
        },
        storeHours: { opens: '08:00', closes: '21:00', timeZone: 'Europe/London' },
      },
    });
  });

  it('has the words for every code the page shows, in both languages', () => {
    const keys = [
      ...RULE_CODES.flatMap((rule) => [`alerts.rules.${rule}`, `alerts.sentence.${rule}`, `alerts.ruleHints.${rule}`]),
      ...STATUS_CODES.map((code) => `alerts.statuses.${code}`),
      ...ACTION_CODES.map((code) => `alerts.actions.${code}`),
      ...REASON_CODES.map((code) => `alerts.reasons.${code}`),
      ...['off', 'notify', 'enforce'].map((code) => `alerts.modes.${code}`),
      ...['manager_pin', 'lock'].map((code) => `alerts.enforceActions.${code}`),
      ...['fork', 'rewritten'].map((code) => `alerts.refusalReasons.${code}`),
      ...['too_small', 'too_big', 'invalid'].map((code) => `alerts.fieldErrors.${code}`),
    ];
    for (const key of keys) {
      expect(tEn(key), key).not.toBe(key);
      expect(tRu(key), key).not.toBe(key);
    }
  });
});
