// The published JSON Schema of a member's data export is generated from the zod schema and
// committed; this test fails when they drift apart. Regenerate with
//   WRITE_SCHEMA=1 npx vitest run tests/unit/member-export-schema.test.ts
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import * as prettier from 'prettier';
import { describe, expect, test } from 'vitest';
import { z } from 'zod';
import { MEMBER_EXPORT_MISSING, MEMBER_EXPORT_SCHEMA_ID, MemberExport } from '../../src/shared/privacy/member-export';

const SCHEMA_PATH = join(__dirname, '..', '..', 'docs', 'schemas', 'member-export.v1.schema.json');

/** What the committed file must hold: zod's draft 2020-12 schema, named by its URL. */
function publishedSchema(): Record<string, unknown> {
  const { $schema, title, description, ...rest } = z.toJSONSchema(MemberExport, { target: 'draft-2020-12' });
  // Name and explanation first, for whoever opens the file to read it.
  return { $schema, $id: MEMBER_EXPORT_SCHEMA_ID, title, description, ...rest };
}

/**
 * JSON.stringify's layout, then Prettier's (it puts short arrays on one line), so the file passes
 * `prettier --check` as everything else in the repository does.
 */
async function publishedText(): Promise<string> {
  const options = await prettier.resolveConfig(SCHEMA_PATH);
  return prettier.format(JSON.stringify(publishedSchema(), null, 2) + '\n', { ...options, filepath: SCHEMA_PATH });
}

/** An export as HQ would write it, every section filled, written out by hand. */
const EXAMPLE = {
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
    tier: 'standard',
    points: 200,
    erasureRequested: false,
  },
  consents: {
    current: {
      terms: { granted: true, noticeVersion: '2026-01', since: '2026-03-02T09:30:00.000Z' },
      marketing_email: {
        granted: true,
        noticeVersion: '2026-01',
        since: '2026-03-02T09:31:00.000Z',
        confirmedAt: '2026-03-02T10:00:00+01:00',
      },
      marketing_sms: { granted: false, noticeVersion: null, since: null },
    },
    history: [
      {
        purpose: 'terms',
        granted: true,
        at: '2026-03-02T09:30:00.000Z',
        channel: 'counter',
        noticeVersion: '2026-01',
        noticeLanguage: 'en',
        storeId: 'store-1',
        deviceId: 'device-1',
        staffId: 'staff-1',
      },
      {
        purpose: 'marketing_email',
        granted: true,
        at: '2026-03-02T09:31:00.000Z',
        channel: 'counter',
        noticeVersion: '2026-01',
        noticeLanguage: 'en',
        storeId: 'store-1',
        deviceId: 'device-1',
        staffId: null,
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
      amountMinor: 30000,
      currency: 'GBP',
      rewardId: null,
      reasonCode: null,
      reversesOpId: null,
    },
    {
      opId: '0195f3c2-1111-7000-8000-000000000002',
      kind: 'redeem',
      points: -100,
      at: '2026-03-03T11:00:00.000Z',
      storeId: 'store-1',
      reference: null,
      amountMinor: null,
      currency: null,
      rewardId: 'reward-100',
      reasonCode: null,
      reversesOpId: null,
    },
  ],
  redemptions: [
    {
      opId: '0195f3c2-1111-7000-8000-000000000002',
      at: '2026-03-03T11:00:00.000Z',
      rewardId: 'reward-100',
      rewardName: { en: 'Free coffee', ru: 'Бесплатный кофе' },
      points: -100,
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
  requests: {
    erasure: [
      {
        requestedAt: '2026-03-04T10:00:00.000Z',
        source: 'console',
        reasonCode: 'member_request',
        status: 'cancelled',
        dueAt: '2026-04-03T10:00:00.000Z',
        completedAt: null,
      },
    ],
    exports: [{ createdAt: '2026-03-04T11:00:00.000Z', purpose: 'portability_request', source: 'till' }],
  },
};

/** A till offline: its own store's part, and the list of what only HQ holds. */
const PARTIAL = {
  ...EXAMPLE,
  producedBy: { kind: 'till', storeId: 'store-1' },
  complete: false,
  missing: ['contacts_held_at_hq', 'audit_at_hq', 'disclosures_at_hq'],
  member: { ...EXAMPLE.member, phone: null, email: null },
  accessLog: [],
  disclosures: [],
  requests: { erasure: [], exports: [] },
};

function compiled() {
  const ajv = new Ajv2020({ allErrors: true, strict: true });
  addFormats(ajv);
  return ajv.compile(JSON.parse(readFileSync(SCHEMA_PATH, 'utf8')) as object);
}

type Path = readonly (string | number)[];
const REMOVE = Symbol('remove');

/** A deep copy of EXAMPLE with the value at each path replaced (or removed). */
function changed(...edits: (readonly [Path, unknown])[]): unknown {
  const doc: unknown = structuredClone(EXAMPLE);
  for (const [path, value] of edits) {
    let parent = doc as Record<string | number, unknown>;
    for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
    const last = path.at(-1)!;
    if (value === REMOVE) Reflect.deleteProperty(parent, last);
    else parent[last] = value;
  }
  return doc;
}

describe('docs/schemas/member-export.v1.schema.json', () => {
  test('is the zod schema as JSON Schema 2020-12, with its $id, formatted as Prettier would', async () => {
    const expected = await publishedText();
    if (process.env.WRITE_SCHEMA === '1') writeFileSync(SCHEMA_PATH, expected);
    const committed = readFileSync(SCHEMA_PATH, 'utf8');
    expect(committed).toBe(expected);
    const parsed = JSON.parse(committed) as Record<string, unknown>;
    expect(parsed).toEqual(publishedSchema());
    expect(parsed.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(parsed.$id).toBe('https://loyalty-desk.example/schemas/member-export/v1');
    expect(parsed.additionalProperties).toBe(false);
  });

  test('the missing-part codes are the closed list the schema publishes', () => {
    expect(MEMBER_EXPORT_MISSING).toEqual([
      'contacts_held_at_hq',
      'ledger_from_other_stores',
      'consent_history_at_hq',
      'audit_at_hq',
      'disclosures_at_hq',
      'requests_at_hq',
    ]);
  });

  test('a complete example and a partial one pass both ajv and zod', () => {
    const validate = compiled();
    for (const doc of [EXAMPLE, PARTIAL]) {
      expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
      expect(MemberExport.parse(doc)).toEqual(doc);
    }
  });

  const refused: { name: string; doc: unknown; ajvKeyword: string; zodCode: string; path: (string | number)[] }[] = [
    {
      name: 'an extra top-level field',
      doc: changed([['operatorNotes'], 'x']),
      ajvKeyword: 'additionalProperties',
      zodCode: 'unrecognized_keys',
      path: [],
    },
    {
      name: 'an operator id in an access log entry',
      doc: changed([['accessLog', 0, 'operatorId'], 'op-1']),
      ajvKeyword: 'additionalProperties',
      zodCode: 'unrecognized_keys',
      path: ['accessLog', 0],
    },
    {
      name: 'a missing section',
      doc: changed([['disclosures'], REMOVE]),
      ajvKeyword: 'required',
      zodCode: 'invalid_type',
      path: ['disclosures'],
    },
    {
      name: 'a missing member field',
      doc: changed([['member', 'email'], REMOVE]),
      ajvKeyword: 'required',
      zodCode: 'invalid_type',
      path: ['member', 'email'],
    },
    {
      name: 'an unknown purpose',
      doc: changed([['purpose'], 'marketing']),
      ajvKeyword: 'enum',
      zodCode: 'invalid_value',
      path: ['purpose'],
    },
    {
      name: 'an unknown ledger kind',
      doc: changed([['ledger', 1, 'kind'], 'bonus']),
      ajvKeyword: 'enum',
      zodCode: 'invalid_value',
      path: ['ledger', 1, 'kind'],
    },
    {
      name: 'an unknown missing-part code',
      doc: changed([['complete'], false], [['missing'], ['everything_else']]),
      ajvKeyword: 'enum',
      zodCode: 'invalid_value',
      path: ['missing', 0],
    },
    {
      name: 'another schema URL',
      doc: changed([['schema'], 'https://loyalty-desk.example/schemas/member-export/v2']),
      ajvKeyword: 'const',
      zodCode: 'invalid_value',
      path: ['schema'],
    },
  ];

  test.each(refused)('$name is refused by ajv and by zod', ({ doc, ajvKeyword, zodCode, path }) => {
    const validate = compiled();
    expect(validate(doc)).toBe(false);
    expect(validate.errors?.map((error) => error.keyword)).toContain(ajvKeyword);
    const parsed = MemberExport.safeParse(doc);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((issue) => [issue.code, issue.path])).toContainEqual([zodCode, path]);
  });

  test('zod also holds complete and missing to each other (the JSON Schema only says so in words)', () => {
    const claimsComplete = MemberExport.safeParse(changed([['missing'], ['audit_at_hq']]));
    expect(claimsComplete.error?.issues).toEqual([
      expect.objectContaining({ path: ['complete'], message: 'complete_means_nothing_missing' }),
    ]);
    const repeated = MemberExport.safeParse(
      changed([['complete'], false], [['missing'], ['audit_at_hq', 'audit_at_hq']]),
    );
    expect(repeated.error?.issues).toEqual([
      expect.objectContaining({ path: ['missing'], message: 'missing_repeated' }),
    ]);
  });
});
