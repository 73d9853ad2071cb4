import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IpcResult } from '../../src/shared/errors';
import { withCheckDigit } from '../../src/shared/members/card-number';
import type { FindResponse, MemberSummary } from '../../src/shared/members/schemas';
import { startTestApp, type TestApp } from '../support/app';
import { CONSENTS } from '../support/members';

type Enrolled = IpcResult<MemberSummary>;

const ANNA = {
  givenName: 'Anna-Zoë',
  familyName: 'Ångström',
  phone: '020 7946 0018',
  email: 'Anna.Angstrom@Example.COM',
  cardNumber: withCheckDigit('600410000000').replace(/(\d{4})(?=\d)/g, '$1 '),
  consents: CONSENTS,
};
const ALYONA = {
  givenName: 'Алёна',
  familyName: 'Иванова',
  phone: '+7 912 345-67-89',
  cardNumber: withCheckDigit('600410000011'),
  consents: CONSENTS,
};

describe('enroll and find members', () => {
  let app: TestApp;
  const ids: Record<string, string> = {};

  async function find(query: string): Promise<FindResponse> {
    const result = await app.call<IpcResult<FindResponse>>('members.find', { query });
    if (!result.ok) throw new Error(`find failed: ${result.error.code}`);
    return result.value;
  }
  function count(): number {
    return (app.services.database.db.prepare('SELECT count(*) AS n FROM members').get() as { n: number }).n;
  }

  beforeAll(async () => {
    app = await startTestApp();
    for (const [key, member] of Object.entries({ ANNA, ALYONA })) {
      const result = await app.call<Enrolled>('members.enroll', member);
      if (!result.ok) throw new Error(`enroll failed: ${JSON.stringify(result.error)}`);
      ids[key] = result.value.id;
    }
  });
  afterAll(async () => {
    await app.dispose();
  });

  it('returns the enrolled member with masked contacts only', async () => {
    const result = await find(ANNA.cardNumber);
    expect(result.matchedAs).toContain('card');
    expect(result.members).toHaveLength(1);
    const anna = result.members[0]!;
    expect(anna).toMatchObject({
      id: ids.ANNA,
      givenName: 'Anna-Zoë',
      familyName: 'Ångström',
      cardNumber: ANNA.cardNumber.replace(/ /g, ''),
      tier: 'standard',
      balance: { confirmed: 0, pending: 0, total: 0 },
    });
    expect(anna.phoneMasked).toBe('+44•••018');
    expect(anna.emailMasked).toBe('a•••@e•••.com');
    expect(JSON.stringify(result)).not.toMatch(/7946|angstrom@/i);
  });

  it.each([
    ['card with spaces', () => ANNA.cardNumber],
    ['card compact', () => ANNA.cardNumber.replace(/ /g, '')],
    ['phone as typed in the store region', () => '020 7946 0018'],
    ['phone in E.164', () => '+442079460018'],
    ['phone with punctuation', () => '+44 (20) 7946-0018'],
    ['e-mail in other case', () => 'anna.angstrom@example.com'],
    ['e-mail with spaces', () => '  ANNA.ANGSTROM@EXAMPLE.COM '],
    ['given-name prefix', () => 'ann'],
    ['accent-insensitive family name', () => 'angst'],
    ['second part of a hyphenated name', () => 'zoe'],
    ['two words', () => 'anna angstrom'],
  ])('finds Anna by %s', async (_label, query) => {
    const result = await find(query());
    expect(result.members.map((m) => m.id)).toEqual([ids.ANNA]);
  });

  it.each([
    ['Cyrillic prefix', 'але'],
    ['ё typed as е', 'Алена'],
    ['upper case', 'ИВАН'],
    ['full international phone', '+79123456789'],
  ])('finds Alyona by %s', async (_label, query) => {
    const result = await find(query);
    expect(result.members.map((m) => m.id)).toEqual([ids.ALYONA]);
  });

  it('finds nobody for a blank query, a valid card nobody holds, or an unknown name', async () => {
    expect(await find('   ')).toEqual({ matchedAs: ['none'], members: [], truncated: false });
    expect((await find(withCheckDigit('999999999999'))).members).toEqual([]);
    expect((await find('zzzz')).members).toEqual([]);
  });

  it('does not treat a card number with a wrong check digit as a card', async () => {
    const good = ANNA.cardNumber.replace(/ /g, '');
    const bad = good.slice(0, -1) + String((Number(good.slice(-1)) + 1) % 10);
    const result = await find(bad);
    expect(result.matchedAs).not.toContain('card');
    expect(result.members).toEqual([]);
  });

  it('offers the existing member instead of enrolling a duplicate phone or e-mail', async () => {
    const before = count();
    const byPhone = await app.call<Enrolled>('members.enroll', {
      ...ALYONA,
      cardNumber: withCheckDigit('600410000002'),
      consents: CONSENTS,
    });
    expect(byPhone).toMatchObject({
      ok: false,
      error: { code: 'member_duplicate', details: { memberId: ids.ALYONA, field: 'phone' } },
    });
    const byEmail = await app.call<Enrolled>('members.enroll', {
      givenName: 'Other',
      familyName: 'Person',
      email: 'ANNA.ANGSTROM@example.com',
      cardNumber: withCheckDigit('600410000003'),
      consents: CONSENTS,
    });
    expect(byEmail).toMatchObject({
      ok: false,
      error: { code: 'member_duplicate', details: { memberId: ids.ANNA, field: 'email' } },
    });
    expect(count()).toBe(before);
  });

  it('refuses a card that already belongs to a member', async () => {
    const before = count();
    const result = await app.call<Enrolled>('members.enroll', {
      givenName: 'New',
      familyName: 'Person',
      email: 'new@example.org',
      cardNumber: ANNA.cardNumber,
      consents: CONSENTS,
    });
    expect(result).toMatchObject({ ok: false, error: { code: 'card_in_use', details: { memberId: ids.ANNA } } });
    expect(count()).toBe(before);
  });

  const base = {
    givenName: 'Bob',
    familyName: 'Stone',
    email: 'bob@example.org',
    cardNumber: withCheckDigit('600420000000'),
    consents: CONSENTS,
  };
  const tenKb = 'x'.repeat(10 * 1024);
  it.each([
    [
      'wrong check digit',
      { ...base, cardNumber: base.cardNumber.slice(0, -1) + String((Number(base.cardNumber.slice(-1)) + 1) % 10) },
      'cardNumber',
      'card_check_digit',
    ],
    ['letters in the card', { ...base, cardNumber: '6004ABCD00001' }, 'cardNumber', 'card_not_digits'],
    ['too short a card', { ...base, cardNumber: '1234' }, 'cardNumber', 'card_length'],
    ['empty card', { ...base, cardNumber: '' }, 'cardNumber', 'required'],
    ['empty given name', { ...base, givenName: '   ' }, 'givenName', 'required'],
    ['missing family name', { ...base, familyName: undefined }, 'familyName', 'required'],
    ['digits in a name', { ...base, givenName: 'B0b' }, 'givenName', 'invalid_characters'],
    ['markup in a name', { ...base, familyName: '<script>' }, 'familyName', 'invalid_characters'],
    ['10 kB given name', { ...base, givenName: tenKb }, 'givenName', 'too_long'],
    ['10 kB e-mail', { ...base, email: `${tenKb}@example.org` }, 'email', 'too_long'],
    ['10 kB phone', { ...base, phone: '1'.repeat(10 * 1024) }, 'phone', 'too_long'],
    ['10 kB card', { ...base, cardNumber: '4'.repeat(10 * 1024) }, 'cardNumber', 'too_long'],
    ['malformed e-mail', { ...base, email: 'bob@@example' }, 'email', 'email_invalid'],
    ['no contact at all', { ...base, email: '  ' }, 'phone', 'contact_required'],
    ['impossible phone', { ...base, phone: '+44 12' }, 'phone', 'phone_invalid'],
    ['letters as phone', { ...base, phone: 'call me maybe' }, 'phone', 'phone_invalid'],
  ])('refuses %s with a field message and stores nothing', async (_label, payload, path, code) => {
    const before = count();
    const result = await app.call<Enrolled>('members.enroll', payload);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe('validation_failed');
    expect(result.error.issues).toContainEqual({ path, code });
    expect(count()).toBe(before);
    // The refusal never echoes what was typed.
    expect(JSON.stringify(result)).not.toContain('xxxxxxxxxx');
  });

  it('refuses a 10 kB search query', async () => {
    const result = await app.call<IpcResult<FindResponse>>('members.find', { query: tenKb });
    expect(result).toMatchObject({
      ok: false,
      error: { code: 'validation_failed', issues: [{ path: 'query', code: 'too_long' }] },
    });
  });

  it('reads a phone typed without a country code in the store region, which a manager can change', async () => {
    app.services.sessions.open({
      staffId: 'm1',
      displayName: 'Manager',
      role: 'manager',
      startedAt: new Date().toISOString(),
    });
    try {
      expect(await app.call('settings.setStoreRegion', { region: 'RU' })).toMatchObject({
        ok: true,
        value: { storeRegion: 'RU' },
      });
      expect((await find('8 912 345-67-89')).members.map((m) => m.id)).toEqual([ids.ALYONA]);
    } finally {
      await app.call('settings.setStoreRegion', { region: 'GB' });
    }
  });

  it('logs nothing personal', () => {
    const log = app.logLines.join('\n');
    for (const needle of ['Anna', 'Ångström', 'Алёна', '7946', '912', 'example', 'angstrom'])
      expect(log).not.toContain(needle);
  });
});
