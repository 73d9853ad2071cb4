import { describe, expect, test } from 'vitest';
import {
  EXPORT_DOCUMENT_TEXTS,
  escapeHtml,
  exportFileNames,
  renderExportDocument,
} from '../../src/shared/privacy/export-document';
import { MemberExport } from '../../src/shared/privacy/member-export';

const ATTACK = '<img src=x onerror=alert(1)>';

/** A complete export (as HQ makes it), written out by hand; parsed so the fixture itself is valid. */
const COMPLETE = MemberExport.parse({
  schema: 'https://loyalty-desk.example/schemas/member-export/v1',
  exportId: '0195f3c2-7a41-7c3e-9b2d-4f6a8e1c2d30',
  generatedAt: '2026-03-05T12:00:00.000Z',
  purpose: 'access_request',
  producedBy: { kind: 'hq', storeId: null },
  language: 'en',
  complete: true,
  missing: [],
  member: {
    memberId: '0195f3c2-0000-7000-8000-000000000001',
    cardNumber: '6004993000000012',
    givenName: 'Ada',
    familyName: 'Lovelace',
    phone: '+447700900123',
    email: 'ada@example.com',
    birthDate: '1815-12-10',
    homeStoreId: 'store-1',
    enrolledAt: '2026-03-02T09:30:00.000Z',
    tier: 'silver',
    points: 1200,
    erasureRequested: false,
  },
  consents: {
    current: {
      terms: { granted: true, noticeVersion: '2026-01', since: '2026-03-02T09:30:00.000Z' },
      marketing_email: {
        granted: true,
        noticeVersion: '2026-01',
        since: '2026-03-02T09:31:00.000Z',
        confirmedAt: null,
      },
      marketing_sms: { granted: false, noticeVersion: null, since: null },
    },
    history: [
      {
        purpose: 'marketing_email',
        granted: true,
        at: '2026-03-02T09:31:00.000Z',
        channel: 'counter',
        noticeVersion: '2026-01',
        noticeLanguage: 'ru',
        storeId: 'store-1',
        deviceId: 'device-1',
        staffId: 'staff-1',
      },
    ],
  },
  ledger: [
    {
      opId: '0195f3c2-1111-7000-8000-000000000001',
      kind: 'earn',
      points: 300,
      at: '2026-03-02T09:35:00.000Z',
      storeId: 'store-1',
      reference: 'R-1001',
      amountMinor: 1234567,
      currency: 'GBP',
      rewardId: null,
      reasonCode: null,
      reversesOpId: null,
    },
    {
      opId: '0195f3c2-1111-7000-8000-000000000002',
      kind: 'redeem',
      points: -1500,
      at: '2026-03-03T11:00:00.000Z',
      storeId: 'store-1',
      reference: null,
      amountMinor: null,
      currency: null,
      rewardId: 'reward-coffee',
      reasonCode: null,
      reversesOpId: null,
    },
  ],
  redemptions: [
    {
      opId: '0195f3c2-1111-7000-8000-000000000002',
      at: '2026-03-03T11:00:00.000Z',
      rewardId: 'reward-coffee',
      rewardName: { en: 'Free coffee', ru: 'Бесплатный кофе' },
      points: -1500,
      reversed: false,
    },
  ],
  accessLog: [{ action: 'member.reveal', at: '2026-03-04T08:00:00.000Z', reasonCode: 'member_support' }],
  disclosures: [
    {
      disclosedAt: '2026-03-04T09:00:00.000Z',
      recipient: 'Mail House Ltd',
      purpose: 'marketing_email',
      fields: ['givenName', 'email'],
      pseudonymised: false,
    },
  ],
  requests: { erasure: [], exports: [] },
});

/** A till's partial export in Russian. */
const PARTIAL_RU = MemberExport.parse({
  ...COMPLETE,
  producedBy: { kind: 'till', storeId: 'store-1' },
  language: 'ru',
  complete: false,
  missing: ['contacts_held_at_hq', 'disclosures_at_hq'],
  member: { ...COMPLETE.member, phone: null, email: null },
  disclosures: [],
});

const EN_HEADINGS = [
  'Who we are and what this is',
  'Your details',
  'Your consents',
  'Your points and transactions',
  'Rewards redeemed',
  'Who accessed your data',
  'Who we shared your data with',
  'Your requests',
];

const RU_HEADINGS = [
  'Кто мы и что это за документ',
  'Чего нет в этом документе',
  'Ваши сведения',
  'Ваши согласия',
  'Ваши баллы и операции',
  'Полученные награды',
  'Кто обращался к вашим данным',
  'Кому мы передавали ваши данные',
  'Ваши запросы',
];

const headings = (html: string): string[] => [...html.matchAll(/<h2 [^>]*>([^<]*)<\/h2>/g)].map((match) => match[1]!);

/** Every element the document may contain: anything else got in through a value. */
const ALLOWED_TAGS = new Set([
  '!doctype',
  'html',
  'head',
  'meta',
  'title',
  'style',
  'body',
  'main',
  'h1',
  'h2',
  'section',
  'p',
  'ul',
  'li',
  'table',
  'caption',
  'thead',
  'tbody',
  'tr',
  'th',
  'td',
]);

const tagNames = (html: string): string[] =>
  [...html.matchAll(/<\/?([!a-zA-Z][a-zA-Z0-9]*)/g)].map((match) => match[1]!.toLowerCase());

describe('renderExportDocument', () => {
  test('English: lang, title, the section headings, no missing-data section when complete', () => {
    const html = renderExportDocument(COMPLETE);
    expect(html.startsWith('<!DOCTYPE html>\n<html lang="en">')).toBe(true);
    expect(html).toContain('<title>Your loyalty programme data</title>');
    expect(html).toContain('<h1>Your loyalty programme data</h1>');
    expect(headings(html)).toEqual(EN_HEADINGS);
    expect(html).not.toContain('What this document does not include');
    expect(html).not.toContain('class="missing"');
  });

  test('Russian: lang, title, the section headings and the missing parts in plain words, first after the introduction', () => {
    const html = renderExportDocument(PARTIAL_RU);
    expect(html).toContain('<html lang="ru">');
    expect(html).toContain('<title>Ваши данные в программе лояльности</title>');
    expect(headings(html)).toEqual(RU_HEADINGS);
    const missing = /<section id="missing" class="missing"[^>]*>([\s\S]*?)<\/section>/.exec(html)?.[1];
    expect(missing).toBeDefined();
    expect([...missing!.matchAll(/<li>([^<]*)<\/li>/g)].map((match) => match[1])).toEqual([
      'Ваш номер телефона и адрес электронной почты: на кассе они хранятся лишь частично скрытыми.',
      'Список организаций, которым мы передавали ваши данные.',
    ]);
    expect(html).toContain('Касса магазина store-1');
    expect(html).toContain('Бесплатный кофе');
    expect(html).not.toContain('Free coffee');
  });

  test('an English partial export names what is missing in English', () => {
    const html = renderExportDocument({ ...PARTIAL_RU, language: 'en' });
    expect(headings(html)[1]).toBe('What this document does not include');
    expect(html).toContain('<li>Your phone number and e-mail address: the till keeps them only partly hidden.</li>');
    expect(html).toContain('<li>The list of organisations we shared your data with.</li>');
  });

  test('dates in the document language, in UTC and saying so; points with the minus sign U+2212', () => {
    const en = renderExportDocument(COMPLETE);
    expect(en).toContain('<td>2 March 2026 at 09:35 UTC</td>');
    expect(en).toContain('<td>10 December 1815</td>');
    expect(en).toContain('<td class="num">+300</td>');
    expect(en).toContain('<td class="num">\u22121,500</td>');
    expect(en).toContain('<td class="num">£12,345.67</td>');
    expect(en).toContain('<td>1,200</td>');
    expect(en).not.toMatch(/-1,?500/);
    const ru = renderExportDocument(PARTIAL_RU);
    expect(ru).toContain('<td>2 марта 2026 г. в 09:35 UTC</td>');
    expect(ru).toContain('<td class="num">\u22121\u00a0500</td>');
  });

  test('tables have captions and every header cell its scope', () => {
    const html = renderExportDocument(COMPLETE);
    const tables = html.match(/<table[\s>]/g) ?? [];
    const captions = html.match(/<caption>/g) ?? [];
    expect(tables.length).toBeGreaterThan(5);
    expect(captions.length).toBe(tables.length);
    expect(html.match(/<th>/g)).toBeNull();
    expect(html).toContain('<th scope="col">Points</th>');
    expect(html).toContain('<th scope="row">Name</th>');
  });

  test('every value is escaped: a name, a recipient, a reward, a reference and a store id print as text', () => {
    const hostile = MemberExport.parse({
      ...COMPLETE,
      producedBy: { kind: 'till', storeId: '<b>s</b>' },
      complete: false,
      missing: ['audit_at_hq'],
      member: { ...COMPLETE.member, givenName: ATTACK, familyName: 'O\'Brien & "Sons"' },
      ledger: [{ ...COMPLETE.ledger[0]!, reference: '</td><script>x</script>' }],
      redemptions: [{ ...COMPLETE.redemptions[0]!, rewardName: { en: '<svg onload=alert(2)>', ru: 'x' } }],
      disclosures: [{ ...COMPLETE.disclosures[0]!, recipient: '<iframe src="https://evil.example">' }],
    });
    const html = renderExportDocument(hostile);
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt; O&#39;Brien &amp; &quot;Sons&quot;');
    expect(html).toContain('&lt;/td&gt;&lt;script&gt;x&lt;/script&gt;');
    expect(html).toContain('&lt;svg onload=alert(2)&gt;');
    expect(html).toContain('&lt;iframe src=&quot;https://evil.example&quot;&gt;');
    expect(html).toContain('A till in store &lt;b&gt;s&lt;/b&gt;');
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<svg');
    expect(html).not.toContain('<iframe');
    expect(html.toLowerCase()).not.toContain('<script');
    expect(tagNames(html).filter((name) => !ALLOWED_TAGS.has(name))).toEqual([]);
  });

  test('self-contained: a CSP that allows only its own style, one style block, no script', () => {
    for (const doc of [COMPLETE, PARTIAL_RU]) {
      const html = renderExportDocument(doc);
      expect(html).toContain(
        `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`,
      );
      expect(html).toContain('<meta charset="utf-8">');
      expect(html.match(/<style>/g)).toHaveLength(1);
      expect(html.toLowerCase()).not.toContain('<script');
      expect(html).not.toMatch(/\b(src|href)=/);
      expect(tagNames(html).filter((name) => !ALLOWED_TAGS.has(name))).toEqual([]);
    }
  });

  test('empty sections say so instead of an empty table', () => {
    const html = renderExportDocument(COMPLETE);
    expect(html).toContain('<p class="empty">Requests to erase your data: Nothing recorded.</p>');
    expect(renderExportDocument(PARTIAL_RU)).toContain(
      '<p class="empty">Организации, получившие данные о вас: Записей нет.</p>',
    );
  });
});

describe('the texts', () => {
  test('English and Russian have the same keys, none empty', () => {
    const en = Object.keys(EXPORT_DOCUMENT_TEXTS.en).sort();
    const ru = Object.keys(EXPORT_DOCUMENT_TEXTS.ru).sort();
    expect(ru).toEqual(en);
    for (const language of ['en', 'ru'] as const)
      for (const [key, text] of Object.entries(EXPORT_DOCUMENT_TEXTS[language]))
        expect(text.trim(), `${language} ${key}`).not.toBe('');
  });
});

describe('escapeHtml', () => {
  test('escapes the five characters that matter in content and quoted attributes', () => {
    expect(escapeHtml(`<a href="x" title='y'>&amp;</a>`)).toBe(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;',
    );
  });
});

describe('exportFileNames', () => {
  test('named by the first 8 characters of the export id, nothing personal', () => {
    expect(exportFileNames(COMPLETE)).toEqual({
      json: 'loyalty-data-0195f3c2.json',
      html: 'loyalty-data-0195f3c2.html',
    });
  });
});
