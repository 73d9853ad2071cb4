import i18next, { type TFunction } from 'i18next';
import { beforeAll, describe, expect, it } from 'vitest';
import en from '../../packages/hq/console/src/i18n/en.json';
import ru from '../../packages/hq/console/src/i18n/ru.json';
import {
  AUDIENCE_FIELD_CODES,
  AUDIENCE_PURPOSE_CODES,
  AUDIENCE_RULES,
  ERASURE_REASON_CODES,
  EXPORT_LANGUAGES,
  EXPORT_PURPOSE_CODES,
  LEGAL_HOLD_REASON_CODES,
  POLICY_BOUNDS,
  RETENTION_ERASURE_REASON,
  audienceCsv,
  audienceFileName,
  barWidths,
  buildCsv,
  csvField,
  draftFromPolicy,
  durationText,
  fieldsForPurpose,
  policyFromDraft,
  policySentences,
  rebaseDraft,
} from '../../packages/hq/console/src/logic/privacy';
import {
  AUDIENCE_FIELDS,
  AUDIENCE_PURPOSE_FIELDS,
  AUDIENCE_PURPOSES,
} from '../../packages/hq/src/privacy/audience-purposes';
import { PrivacyPolicy } from '../../packages/hq/src/privacy/policy-schema';
import { LANGUAGES } from '../../src/shared/i18n/languages';
import {
  ERASURE_REASONS,
  EXPORT_PURPOSES,
  LEGAL_HOLD_REASONS,
  RETENTION_ERASURE_REASON as SHARED_RETENTION_REASON,
} from '../../src/shared/privacy/requests';

const POLICY = {
  erasureHoldDays: 2,
  inactiveMemberMonths: 24,
  auditRetentionYears: 6,
  exportRetentionDays: 14,
  confirmationTtlHours: 72,
};

let tEn: TFunction;
let tRu: TFunction;

beforeAll(async () => {
  const make = async (language: 'en' | 'ru') => {
    const instance = i18next.createInstance();
    await instance.init({
      resources: { en: { translation: en }, ru: { translation: ru } },
      lng: language,
      interpolation: { escapeValue: false },
    });
    return instance.t;
  };
  tEn = await make('en');
  tRu = await make('ru');
});

describe('lists read off the contract', () => {
  // The lint boundary keeps these modules out of the console; the contract's schemas carry them.
  it('match the modules HQ checks against', () => {
    expect(ERASURE_REASON_CODES).toEqual([...ERASURE_REASONS]);
    expect(LEGAL_HOLD_REASON_CODES).toEqual([...LEGAL_HOLD_REASONS]);
    expect(EXPORT_PURPOSE_CODES).toEqual([...EXPORT_PURPOSES]);
    expect(EXPORT_LANGUAGES).toEqual([...LANGUAGES]);
    expect(AUDIENCE_PURPOSE_CODES).toEqual([...AUDIENCE_PURPOSES]);
    expect(AUDIENCE_FIELD_CODES).toEqual([...AUDIENCE_FIELDS]);
    expect(RETENTION_ERASURE_REASON).toBe(SHARED_RETENTION_REASON);
  });

  it('reads each audience purpose rule as audience-purposes.ts has it', () => {
    for (const purpose of AUDIENCE_PURPOSES) {
      const rule = AUDIENCE_PURPOSE_FIELDS[purpose];
      expect([...AUDIENCE_RULES[purpose].allowed].sort(), purpose).toEqual([...rule.allowed].sort());
      expect([...AUDIENCE_RULES[purpose].required].sort(), purpose).toEqual([...rule.required].sort());
    }
    // Written out, so a change of the rules is seen here too.
    expect(AUDIENCE_RULES.marketing_email).toEqual({
      allowed: ['givenName', 'email', 'language', 'tier', 'homeStoreId'],
      required: ['email'],
    });
    expect(AUDIENCE_RULES.analytics).toEqual({
      allowed: ['language', 'tier', 'points', 'homeStoreId', 'enrolledMonth'],
      required: [],
    });
  });

  it('reads the policy bounds of policy-schema.ts', () => {
    expect(POLICY_BOUNDS).toEqual({
      erasureHoldDays: { min: 0, max: 365 },
      inactiveMemberMonths: { min: 1, max: 240 },
      auditRetentionYears: { min: 1, max: 50 },
      exportRetentionDays: { min: 1, max: 365 },
      confirmationTtlHours: { min: 1, max: 720 },
    });
    expect(PrivacyPolicy.safeParse({ ...POLICY, erasureHoldDays: 366 }).success).toBe(false);
    expect(PrivacyPolicy.safeParse({ ...POLICY, inactiveMemberMonths: 0 }).success).toBe(false);
  });
});

describe('audience fields by purpose', () => {
  it('keeps the ticked fields the new purpose allows, and adds its required ones', () => {
    expect(fieldsForPurpose('marketing_email', [])).toEqual(['email']);
    expect(fieldsForPurpose('marketing_sms', ['email', 'givenName', 'tier'])).toEqual(['givenName', 'phone', 'tier']);
    expect(fieldsForPurpose('analytics', ['givenName', 'email', 'tier', 'points'])).toEqual(['tier', 'points']);
  });
});

describe('the policy in words', () => {
  it('says each rule with its value in English', () => {
    expect(policySentences(POLICY, tEn, 'en').map((s) => s.text)).toEqual([
      "Erasure waits 2 days after the member's last purchase (a purchase may still be disputed).",
      'Inactive members are anonymised after 24 months without activity.',
      'Operator audit entries are kept for 6 years.',
      "A member's data export stays downloadable at HQ for 14 days.",
      'Double opt-in links stay valid for 72 hours.',
    ]);
  });

  it('uses one for 1, a no-wait sentence for 0 and "never" for no inactivity rule', () => {
    const sentences = policySentences(
      { ...POLICY, erasureHoldDays: 1, inactiveMemberMonths: null, auditRetentionYears: 1, confirmationTtlHours: 1 },
      tEn,
      'en',
    ).map((s) => s.text);
    expect(sentences[0]).toBe(
      "Erasure waits 1 day after the member's last purchase (a purchase may still be disputed).",
    );
    expect(sentences[1]).toBe('Inactive members are never anonymised.');
    expect(sentences[2]).toBe('Operator audit entries are kept for 1 year.');
    expect(sentences[4]).toBe('Double opt-in links stay valid for 1 hour.');
    expect(policySentences({ ...POLICY, erasureHoldDays: 0 }, tEn, 'en')[0]?.text).toBe(
      "Erasure does not wait after the member's last purchase.",
    );
  });

  it('says each rule in Russian with the plural form the number takes', () => {
    expect(policySentences(POLICY, tRu, 'ru').map((s) => s.text)).toEqual([
      'Удаление ждёт 2 дня после последней покупки участника (покупку ещё могут оспорить).',
      'Неактивные участники обезличиваются через 24 месяца без активности.',
      'Записи аудита операторов хранятся 6 лет.',
      'Выгрузка данных участника доступна для скачивания в HQ 14 дней.',
      'Ссылки двойного подтверждения действуют 72 часа.',
    ]);
    expect(durationText(tRu, 'ru', 'day', 1)).toBe('1 день');
    expect(durationText(tRu, 'ru', 'day', 21)).toBe('21 день');
    expect(durationText(tRu, 'ru', 'day', 11)).toBe('11 дней');
    expect(durationText(tRu, 'ru', 'month', 3)).toBe('3 месяца');
    expect(durationText(tRu, 'ru', 'year', 50)).toBe('50 лет');
    expect(durationText(tRu, 'ru', 'hour', 720)).toBe('720 часов');
    // Numbers are written the page language's way.
    expect(durationText(tEn, 'en', 'hour', 1000)).toBe('1,000 hours');
    expect(durationText(tRu, 'ru', 'hour', 1000)).toBe('1\u00a0000 часов');
  });
});

describe('the policy form', () => {
  it('shows the policy as text and "never" as a tick', () => {
    expect(draftFromPolicy({ ...POLICY, inactiveMemberMonths: null })).toEqual({
      values: {
        erasureHoldDays: '2',
        inactiveMemberMonths: '',
        auditRetentionYears: '6',
        exportRetentionDays: '14',
        confirmationTtlHours: '72',
      },
      inactiveNever: true,
    });
  });

  it('reads whole numbers back, and anything else as NaN (which the schema refuses), never as 0', () => {
    const draft = draftFromPolicy(POLICY);
    expect(policyFromDraft(draft)).toEqual(POLICY);
    expect(policyFromDraft({ ...draft, inactiveNever: true }).inactiveMemberMonths).toBeNull();
    const typed = policyFromDraft({
      ...draft,
      values: { ...draft.values, erasureHoldDays: '', auditRetentionYears: '1.5' },
    });
    expect(typed.erasureHoldDays).toBeNaN();
    expect(typed.auditRetentionYears).toBeNaN();
    expect(policyFromDraft({ ...draft, values: { ...draft.values, erasureHoldDays: ' 7 ' } }).erasureHoldDays).toBe(7);
    expect(PrivacyPolicy.safeParse(typed).success).toBe(false);
  });
});

describe('a draft after a conflict', () => {
  it('keeps the rules the operator changed and takes the rest from the newer policy', () => {
    const opened = POLICY;
    const latest = { ...POLICY, exportRetentionDays: 20, erasureHoldDays: 5, inactiveMemberMonths: 36 };
    const typed = draftFromPolicy(opened);
    typed.values.erasureHoldDays = '1';
    expect(rebaseDraft(typed, opened, latest)).toEqual({
      values: {
        erasureHoldDays: '1',
        inactiveMemberMonths: '36',
        auditRetentionYears: '6',
        exportRetentionDays: '20',
        confirmationTtlHours: '72',
      },
      inactiveNever: false,
    });
  });

  it('treats "never" and the months as one rule', () => {
    const opened = POLICY;
    const latest = { ...POLICY, inactiveMemberMonths: 36 };
    const never = { ...draftFromPolicy(opened), inactiveNever: true };
    expect(rebaseDraft(never, opened, latest)).toMatchObject({ inactiveNever: true });
    const untouched = draftFromPolicy(opened);
    expect(rebaseDraft(untouched, opened, { ...POLICY, inactiveMemberMonths: null })).toEqual(
      draftFromPolicy({ ...POLICY, inactiveMemberMonths: null }),
    );
  });
});

describe('chart bars', () => {
  it('scales to the largest value, keeps a small count visible and zero empty', () => {
    expect(barWidths([10, 5, 0, 1000], 300)).toEqual([
      { value: 10, width: 3 },
      { value: 5, width: 2 },
      { value: 0, width: 0 },
      { value: 1000, width: 300 },
    ]);
    expect(barWidths([0, 0], 300)).toEqual([
      { value: 0, width: 0 },
      { value: 0, width: 0 },
    ]);
    expect(barWidths([4, 2], 300)).toEqual([
      { value: 4, width: 300 },
      { value: 2, width: 150 },
    ]);
  });
});

describe('audience CSV', () => {
  it('quotes commas, quotes, line breaks and edge spaces, and leaves the rest as it is', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('Smith, Anna')).toBe('"Smith, Anna"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField('cr\rhere')).toBe('"cr\rhere"');
    expect(csvField(' padded')).toBe('" padded"');
    expect(csvField('+447700900123')).toBe('+447700900123');
    expect(csvField('Ёлка')).toBe('Ёлка');
    expect(csvField(-12)).toBe('-12');
    expect(csvField(0)).toBe('0');
    expect(csvField(null)).toBe('');
    expect(csvField(undefined)).toBe('');
  });

  it('writes a header and one CRLF-ended line per row, columns in order', () => {
    expect(
      buildCsv(
        ['memberRef', 'givenName', 'points'],
        [
          { memberRef: 'a1', givenName: 'Anna, "Ann"', points: 120 },
          { memberRef: 'b2', givenName: null, points: 0 },
        ],
      ),
    ).toBe('memberRef,givenName,points\r\na1,"Anna, ""Ann""",120\r\nb2,,0\r\n');
    expect(buildCsv(['memberRef'], [])).toBe('memberRef\r\n');
  });

  it('puts the pseudonym first and the fields in the order HQ answered them', () => {
    const answer = {
      purpose: 'analytics' as const,
      disclosureId: '9d5b6c1a-2f3e-4a5b-8c7d-6e5f4a3b2c1d',
      fields: ['tier', 'points', 'enrolledMonth'] as ('tier' | 'points' | 'enrolledMonth')[],
      rows: [{ memberRef: 'Xy_9', tier: 'gold', points: 1500, enrolledMonth: '2025-03' }],
    };
    expect(audienceCsv(answer)).toBe('memberRef,tier,points,enrolledMonth\r\nXy_9,gold,1500,2025-03\r\n');
    expect(audienceFileName(answer)).toBe('audience-analytics-9d5b6c1a.csv');
  });
});
