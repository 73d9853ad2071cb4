import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSnapshotIngest } from '../../src/main/members/ingest-snapshot';
import { createCardBlock } from '../../src/main/members/card-block';
import { CURRENT_NOTICE_VERSION } from '../../src/main/privacy/notices';
import { isValidCardNumber, withCheckDigit } from '../../src/shared/members/card-number';
import type { MemberView } from '../../src/shared/members/member-view';
import type { EnrollInput, FindResponse, MemberSummary } from '../../src/shared/members/schemas';
import { manualClock } from '../support/clock';
import {
  DEMO_CARDS,
  DEMO_PII,
  auditRows,
  counts,
  diff,
  expectCounterInvariants,
  expectNoPii,
  expectOneOp,
  lastSeq,
  snapshotAll,
  startCounter,
  type Counter,
  type DemoMember,
  type OutboxRow,
} from '../support/counter';
import { CONSENTS } from '../support/members';

const OLD_NOTICE = '2025-05';
/** The demo till's own card numbers: 60049920 + four digits + Luhn digit. */
const blockCard = (n: number) => withCheckDigit(`60049920${String(n).padStart(4, '0')}`);

/** A member enrolled at this till: full contacts are kept here until HQ acknowledges them. */
const MAREN = {
  givenName: 'Maren',
  familyName: 'Thorsby-Lind',
  phone: '020 7946 0018',
  email: 'Maren.Thorsby@Example.COM',
  cardNumber: blockCard(1),
  consents: { ...CONSENTS, marketingEmail: true },
} satisfies EnrollInput;
const MAREN_PII = ['Maren', 'Thorsby', 'Lind', '2079460018', '7946 0018', 'maren.thorsby', 'Kathrin', '2079460777'];

interface ConsentRow {
  op_id: string;
  member_id: string;
  purpose: string;
  granted: number;
  notice_version: string;
  language: string;
  channel: string;
  staff_id: string | null;
  store_id: string;
  at: string;
}

describe('counter: members, consents and contacts', () => {
  let clock: ReturnType<typeof manualClock>;
  let c: Counter;
  const id = (member: DemoMember) => c.memberId(DEMO_CARDS[member]);
  const view = (memberId: string) => c.ok<MemberView>('members.get', { memberId });
  const find = async (query: string) => (await c.ok<FindResponse>('members.find', { query })).members.map((m) => m.id);
  const consentRows = (memberId: string) =>
    c.db.prepare('SELECT * FROM consents WHERE member_id = ? ORDER BY rowid').all(memberId) as ConsentRow[];
  const setConsent = (memberId: string, purpose: string, granted: boolean, noticeVersion = CURRENT_NOTICE_VERSION) =>
    c.call<MemberView>('members.setConsent', { memberId, purpose, granted, noticeVersion, noticeLanguage: 'en' });
  async function enrollMaren(): Promise<MemberSummary> {
    return c.ok<MemberSummary>('members.enroll', MAREN);
  }

  beforeEach(async () => {
    clock = manualClock();
    c = await startCounter(clock);
  });
  afterEach(async () => {
    expectCounterInvariants(c.db);
    expect(c.app.services.audit.verify().ok).toBe(true);
    expectNoPii(c.db, c.app.logLines, [...DEMO_PII, ...MAREN_PII]);
    await c.app.dispose();
  });

  describe('enrolment', () => {
    it('writes the member, one consent row per purpose with the notice shown, their audit entries and outbox ops together', async () => {
      const before = snapshotAll(c.db);
      const maren = await enrollMaren();
      const changes = diff(before, snapshotAll(c.db));
      expect(counts(changes)).toEqual({
        members: [1, 0],
        member_name_tokens: [3, 0], // maren, thorsby, lind
        consents: [3, 0],
        audit: [4, 0],
        outbox: [4, 0],
        sync_state: [1, 0],
        card_block: [1, 1], // next: 1 -> 2
        requests: [1, 0], // the client request, recorded with its write
      });
      const at = clock.now().toISOString();
      const consents = consentRows(maren.id);
      expect(consents.map((row) => [row.purpose, row.granted])).toEqual([
        ['terms', 1],
        ['marketing_email', 1],
        ['marketing_sms', 0],
      ]);
      for (const row of consents) {
        expect(row).toMatchObject({
          notice_version: CURRENT_NOTICE_VERSION,
          language: 'en',
          channel: 'counter',
          staff_id: 'demo-carl',
          store_id: 'unpaired',
          at,
        });
        expect(row.op_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7/);
      }
      // Outbox: the member first (its op id is the member id), then the three consents, seq 1..4.
      const outbox = (changes.outbox?.added ?? []) as unknown as OutboxRow[];
      expect(outbox.map((row) => [row.seq, row.type, row.op_id, row.staff_id])).toEqual([
        [1, 'member.enrolled', maren.id, 'demo-carl'],
        ...consents.map((row, i) => [i + 2, 'consent.changed', row.op_id, 'demo-carl']),
      ]);
      expect(JSON.parse(outbox[0]?.payload ?? '')).toEqual({
        memberId: maren.id,
        cardNumber: blockCard(1),
        givenName: 'Maren',
        familyName: 'Thorsby-Lind',
        phone: '+442079460018',
        email: 'maren.thorsby@example.com',
        birthDate: null,
        enrolledAt: at,
      });
      expect(JSON.parse(outbox[2]?.payload ?? '')).toEqual({
        memberId: maren.id,
        purpose: 'marketing_email',
        granted: true,
        noticeVersion: CURRENT_NOTICE_VERSION,
        noticeLanguage: 'en',
        channel: 'counter',
        at,
      });
      expect(
        changes.audit?.added.map((row) => [row.action, row.subject_id, JSON.parse(row.details as string)]),
      ).toEqual([
        ['member.enrolled', maren.id, {}],
        ...consents.map((row) => [
          'consent.changed',
          maren.id,
          { opId: row.op_id, purpose: row.purpose, granted: row.granted === 1, noticeVersion: CURRENT_NOTICE_VERSION },
        ]),
      ]);

      const shown = await view(maren.id);
      expect(shown.consents).toEqual({
        terms: { granted: true, noticeVersion: CURRENT_NOTICE_VERSION, at },
        marketingEmail: { granted: true, noticeVersion: CURRENT_NOTICE_VERSION, at },
        marketingSms: { granted: false, noticeVersion: CURRENT_NOTICE_VERSION, at },
      });
      expect(shown).toMatchObject({
        member: {
          phoneMasked: '+44•••018',
          emailMasked: 'm•••@e•••.com',
          tier: 'standard',
          balance: { confirmed: 0, pending: 0, total: 0 },
        },
        spendable: 0,
        contactsOnDevice: true,
        ledger: [],
      });
    });

    it.each([OLD_NOTICE, '2099-01'])(
      'refuses notice version %s as not the current one, writing nothing',
      async (version) => {
        const before = snapshotAll(c.db);
        expect(
          await c.call('members.enroll', { ...MAREN, consents: { ...MAREN.consents, noticeVersion: version } }),
        ).toMatchObject({ ok: false, error: { code: 'notice_outdated' } });
        expect(snapshotAll(c.db)).toEqual(before);
      },
    );

    it('refuses marketing consent without the contact it needs', async () => {
      const before = snapshotAll(c.db);
      const result = await c.call('members.enroll', {
        ...MAREN,
        email: undefined,
        consents: { ...CONSENTS, marketingEmail: true },
      });
      expect(result).toMatchObject({
        ok: false,
        error: {
          code: 'validation_failed',
          issues: [{ path: 'consents.marketingEmail', code: 'consent_needs_email' }],
        },
      });
      expect(snapshotAll(c.db)).toEqual(before);
    });
  });

  describe('consent changes', () => {
    it('withdraws and grants one purpose at a time, each change one row, audit entry and outbox op; no change, no row', async () => {
      const maren = await enrollMaren();
      for (const [purpose, granted, field] of [
        ['marketing_email', false, 'marketingEmail'],
        ['marketing_sms', true, 'marketingSms'],
        ['marketing_email', true, 'marketingEmail'],
        ['marketing_sms', false, 'marketingSms'],
      ] as const) {
        clock.advance(60);
        await c.call('session.touch', {});
        const before = snapshotAll(c.db);
        const seqBefore = lastSeq(c.db);
        const result = await setConsent(maren.id, purpose, granted);
        expect(result.ok).toBe(true);
        const changes = diff(before, snapshotAll(c.db));
        expect(counts(changes)).toEqual({
          consents: [1, 0],
          members: [1, 1], // the current flag
          audit: [1, 0],
          outbox: [1, 0],
          sync_state: [1, 1],
          requests: [1, 0], // the client request, recorded with its write
        });
        const row = changes.consents?.added[0] as unknown as ConsentRow;
        expect(row).toMatchObject({
          member_id: maren.id,
          purpose,
          granted: granted ? 1 : 0,
          notice_version: CURRENT_NOTICE_VERSION,
          staff_id: 'demo-carl',
          at: clock.now().toISOString(),
        });
        expectOneOp(c.db, changes, { type: 'consent.changed', opId: row.op_id, staffId: 'demo-carl', seqBefore });
        expect(JSON.parse(changes.audit?.added[0]?.details as string)).toEqual({
          opId: row.op_id,
          purpose,
          granted,
          noticeVersion: CURRENT_NOTICE_VERSION,
        });
        const expected = { granted, noticeVersion: CURRENT_NOTICE_VERSION, at: clock.now().toISOString() };
        expect(result.ok && result.value.consents[field]).toEqual(expected);
        expect((await view(maren.id)).consents[field]).toEqual(expected);

        // The same answer again (a new request) is not a change: nothing but its request record is written.
        const again = snapshotAll(c.db);
        expect(await setConsent(maren.id, purpose, granted)).toMatchObject({ ok: true });
        expect(counts(diff(again, snapshotAll(c.db)))).toEqual({ requests: [1, 0] });
      }
    });

    it('granting needs the current notice; withdrawing is always possible', async () => {
      const maren = await enrollMaren();
      const before = snapshotAll(c.db);
      expect(await setConsent(maren.id, 'marketing_sms', true, OLD_NOTICE)).toMatchObject({
        ok: false,
        error: { code: 'notice_outdated' },
      });
      expect(snapshotAll(c.db)).toEqual(before);
      expect(await setConsent(maren.id, 'marketing_email', false, OLD_NOTICE)).toMatchObject({
        ok: true,
        value: { consents: { marketingEmail: { granted: false, noticeVersion: OLD_NOTICE } } },
      });
    });

    it('refuses a marketing consent for a contact the member does not have', async () => {
      const before = snapshotAll(c.db);
      expect(await setConsent(id('oliver'), 'marketing_email', true)).toMatchObject({
        ok: false,
        error: { code: 'validation_failed', issues: [{ path: 'granted', code: 'consent_needs_email' }] },
      });
      expect(await setConsent(id('amelia'), 'marketing_sms', true)).toMatchObject({
        ok: false,
        error: { code: 'validation_failed', issues: [{ path: 'granted', code: 'consent_needs_phone' }] },
      });
      expect(await setConsent('01900000-0000-7000-8000-000000000000', 'marketing_sms', false)).toMatchObject({
        ok: false,
        error: { code: 'member_not_found' },
      });
      expect(
        await c.call('members.setConsent', {
          memberId: id('oliver'),
          purpose: 'terms',
          granted: false,
          noticeVersion: CURRENT_NOTICE_VERSION,
          noticeLanguage: 'en',
        }),
      ).toMatchObject({
        ok: false,
        error: { code: 'validation_failed', issues: [{ path: 'purpose', code: 'invalid_choice' }] },
      });
      expect(snapshotAll(c.db)).toEqual(before);
      expect((await view(id('oliver'))).consents.marketingEmail.granted).toBe(false);
      expect((await view(id('amelia'))).consents.marketingSms.granted).toBe(false);
    });

    it('shows what HQ sent for a member with no history here, then the change made here', async () => {
      const olivia = id('olivia');
      expect((await view(olivia)).consents).toEqual({
        terms: { granted: true, noticeVersion: CURRENT_NOTICE_VERSION, at: null },
        marketingEmail: { granted: true, noticeVersion: null, at: null },
        marketingSms: { granted: true, noticeVersion: null, at: null },
      });
      clock.advance(5);
      const result = await setConsent(olivia, 'marketing_email', false);
      expect(result.ok && result.value.consents).toEqual({
        terms: { granted: true, noticeVersion: CURRENT_NOTICE_VERSION, at: null },
        marketingEmail: { granted: false, noticeVersion: CURRENT_NOTICE_VERSION, at: clock.now().toISOString() },
        marketingSms: { granted: true, noticeVersion: null, at: null },
      });
    });

    it('shows the latest decision even when several share a timestamp', async () => {
      const maren = await enrollMaren();
      // The manual clock stands still: every change below has the same `at`. Each withdrawal
      // names a notice version, so the one shown tells which row the view picked.
      for (let i = 0; i < 10; i++) {
        for (const purpose of ['marketing_email', 'marketing_sms'] as const) {
          expect((await setConsent(maren.id, purpose, true)).ok).toBe(true);
          expect((await setConsent(maren.id, purpose, false, `2026-0${i}`)).ok).toBe(true);
        }
      }
      expect((await setConsent(maren.id, 'marketing_sms', true)).ok).toBe(true);
      const at = clock.now().toISOString();
      expect((await view(maren.id)).consents).toEqual({
        terms: { granted: true, noticeVersion: CURRENT_NOTICE_VERSION, at },
        marketingEmail: { granted: false, noticeVersion: '2026-09', at },
        marketingSms: { granted: true, noticeVersion: CURRENT_NOTICE_VERSION, at },
      });
    });
  });

  describe('revealing contacts', () => {
    it('is for managers only', async () => {
      const maren = await enrollMaren();
      const before = snapshotAll(c.db);
      expect(
        await c.call('members.revealContacts', { memberId: maren.id, reasonCode: 'member_request' }),
      ).toMatchObject({ ok: false, error: { code: 'permission_denied' } });
      expect(snapshotAll(c.db)).toEqual(before);
    });

    it('gives a manager the full contacts of a member enrolled here and audits it with the reason, no PII', async () => {
      const maren = await enrollMaren();
      await c.signIn('manager');
      const before = snapshotAll(c.db);
      expect(await c.call('members.revealContacts', { memberId: maren.id, reasonCode: 'identity_check' })).toEqual({
        ok: true,
        value: { phone: '+442079460018', email: 'maren.thorsby@example.com' },
      });
      const changes = diff(before, snapshotAll(c.db));
      expect(counts(changes)).toEqual({ audit: [1, 0] });
      expect(changes.audit?.added[0]).toMatchObject({
        staff_id: 'demo-mia',
        action: 'member.contacts_revealed',
        subject_type: 'member',
        subject_id: maren.id,
        details: JSON.stringify({ reasonCode: 'identity_check' }),
      });
      expect(await c.call('members.revealContacts', { memberId: maren.id, reasonCode: 'curiosity' })).toMatchObject({
        ok: false,
        error: { code: 'validation_failed', issues: [{ path: 'reasonCode', code: 'invalid_choice' }] },
      });
    });

    it('says a snapshot member’s contacts are kept at HQ, and writes nothing', async () => {
      await c.signIn('manager');
      expect((await view(id('olivia'))).contactsOnDevice).toBe(false);
      const before = snapshotAll(c.db);
      expect(
        await c.call('members.revealContacts', { memberId: id('olivia'), reasonCode: 'member_request' }),
      ).toMatchObject({ ok: false, error: { code: 'contacts_not_cached' } });
      expect(
        await c.call('members.revealContacts', {
          memberId: '01900000-0000-7000-8000-000000000000',
          reasonCode: 'member_request',
        }),
      ).toMatchObject({ ok: false, error: { code: 'member_not_found' } });
      expect(snapshotAll(c.db)).toEqual(before);
    });
  });

  describe('profile changes', () => {
    it('a name change re-indexes name search and is one audited outbox op', async () => {
      const maren = await enrollMaren();
      expect(await find('maren')).toEqual([maren.id]);
      clock.advance(30);
      const before = snapshotAll(c.db);
      const updated = await c.ok<MemberSummary>('members.update', { memberId: maren.id, givenName: '  Kathrin ' });
      expect(updated).toMatchObject({ id: maren.id, givenName: 'Kathrin', familyName: 'Thorsby-Lind' });
      const changes = diff(before, snapshotAll(c.db));
      expect(counts(changes)).toEqual({
        members: [1, 1],
        member_name_tokens: [1, 1], // maren -> kathrin
        audit: [1, 0],
        outbox: [1, 0],
        sync_state: [1, 1],
        requests: [1, 0], // the client request, recorded with its write
      });
      const audit = changes.audit?.added[0];
      const details = JSON.parse(audit?.details as string) as { opId: string; fields: string };
      expect(details).toEqual({ opId: details.opId, fields: 'givenName' });
      expect(audit).toMatchObject({ action: 'member.updated', subject_id: maren.id, staff_id: 'demo-carl' });
      const payload = expectOneOp(c.db, changes, {
        type: 'member.updated',
        opId: details.opId,
        staffId: 'demo-carl',
        seqBefore: 4,
      });
      expect(payload).toEqual({
        memberId: maren.id,
        changes: { givenName: 'Kathrin' },
        updatedAt: clock.now().toISOString(),
      });
      expect(await find('maren')).toEqual([]);
      expect(await find('kathrin')).toEqual([maren.id]);
      expect(await find('kath thors')).toEqual([maren.id]);
      expect(await find('lind')).toEqual([maren.id]);
    });

    it('removing a contact withdraws the marketing consent that needed it, in the same change', async () => {
      const maren = await enrollMaren();
      expect((await setConsent(maren.id, 'marketing_sms', true)).ok).toBe(true);
      expect((await view(maren.id)).consents.marketingSms.granted).toBe(true);
      const before = consentRows(maren.id).length;
      await c.ok('members.update', { memberId: maren.id, phone: null });
      const after = await view(maren.id);
      expect(after.member.phoneMasked).toBeNull();
      expect(after.consents.marketingSms).toMatchObject({ granted: false, noticeVersion: CURRENT_NOTICE_VERSION });
      const rows = consentRows(maren.id);
      expect(rows).toHaveLength(before + 1);
      expect(rows.at(-1)).toMatchObject({ purpose: 'marketing_sms', granted: 0 });
      // The e-mail consent was not about the phone: untouched.
      expect(after.consents.marketingEmail.granted).toBe(true);
    });

    it('a phone change moves the lookup: the new number finds the member, the old one does not', async () => {
      const maren = await enrollMaren();
      expect(await find('020 7946 0018')).toEqual([maren.id]);
      const updated = await c.ok<MemberSummary>('members.update', { memberId: maren.id, phone: '020 7946 0777' });
      expect(updated.phoneMasked).toBe('+44•••777');
      expect(await find('020 7946 0018')).toEqual([]);
      expect(await find('+44 20 7946 0777')).toEqual([maren.id]);
      const last = c.db.prepare('SELECT payload FROM outbox ORDER BY seq DESC LIMIT 1').get() as { payload: string };
      expect(JSON.parse(last.payload)).toMatchObject({ changes: { phone: '+442079460777' } });
      await c.signIn('manager');
      expect(await c.ok('members.revealContacts', { memberId: maren.id, reasonCode: 'data_correction' })).toEqual({
        phone: '+442079460777',
        email: 'maren.thorsby@example.com',
      });
    });

    it('an e-mail or birth date change, and removing one of two contacts, are recorded', async () => {
      const maren = await enrollMaren();
      await c.ok('members.update', { memberId: maren.id, email: 'maren.t@example.org', birthDate: '1990-05-17' });
      expect(await find('maren.t@example.org')).toEqual([maren.id]);
      expect(await find('maren.thorsby@example.com')).toEqual([]);
      const updated = await c.ok<MemberSummary>('members.update', { memberId: maren.id, phone: null });
      expect(updated).toMatchObject({ phoneMasked: null, emailMasked: 'm•••@e•••.org' });
      expect(await find('020 7946 0018')).toEqual([]);
      const payloads = (
        c.db.prepare("SELECT payload FROM outbox WHERE type = 'member.updated' ORDER BY seq").all() as {
          payload: string;
        }[]
      ).map((row) => (JSON.parse(row.payload) as { changes: unknown }).changes);
      expect(payloads).toEqual([{ email: 'maren.t@example.org', birthDate: '1990-05-17' }, { phone: null }]);
      expect((await view(maren.id)).birthDate).toBe('1990-05-17');
    });

    it('refuses another member’s phone or e-mail, writing nothing', async () => {
      const maren = await enrollMaren();
      const before = snapshotAll(c.db);
      expect(await c.call('members.update', { memberId: maren.id, phone: '020 7946 0456' })).toMatchObject({
        ok: false,
        error: { code: 'member_duplicate', details: { field: 'phone' } },
      });
      expect(
        await c.call('members.update', {
          memberId: maren.id,
          givenName: 'Kathrin',
          email: ' OLIVIA.Bennett@example.com ',
        }),
      ).toMatchObject({ ok: false, error: { code: 'member_duplicate', details: { field: 'email' } } });
      expect(snapshotAll(c.db)).toEqual(before);
      expect(await find('020 7946 0456')).toEqual([id('oliver')]);
    });

    it('refuses removing the only contact, writing nothing', async () => {
      const maren = await enrollMaren();
      const before = snapshotAll(c.db);
      expect(await c.call('members.update', { memberId: maren.id, phone: null, email: null })).toMatchObject({
        ok: false,
        error: { code: 'validation_failed', issues: [{ path: 'phone', code: 'contact_required' }] },
      });
      // Oliver (from HQ) has a phone and no e-mail.
      expect(await c.call('members.update', { memberId: id('oliver'), phone: null })).toMatchObject({
        ok: false,
        error: { code: 'validation_failed', issues: [{ path: 'phone', code: 'contact_required' }] },
      });
      expect(await c.call('members.update', { memberId: id('oliver'), phone: 'not a phone' })).toMatchObject({
        ok: false,
        error: { code: 'validation_failed', issues: [{ path: 'phone', code: 'phone_invalid' }] },
      });
      expect(
        await c.call('members.update', { memberId: '01900000-0000-7000-8000-000000000000', givenName: 'Kathrin' }),
      ).toMatchObject({ ok: false, error: { code: 'member_not_found' } });
      expect(snapshotAll(c.db)).toEqual(before);
    });

    it('an update that changes nothing writes nothing but its request record', async () => {
      const maren = await enrollMaren();
      const before = snapshotAll(c.db);
      expect(
        await c.call('members.update', {
          memberId: maren.id,
          givenName: 'Maren',
          phone: '+44 20 7946 0018',
          email: 'MAREN.THORSBY@example.com',
        }),
      ).toMatchObject({ ok: true, value: { id: maren.id } });
      // Answered, so a retry of this request is answered alike; nothing about the member changed.
      expect(counts(diff(before, snapshotAll(c.db)))).toEqual({ requests: [1, 0] });
    });

    it('a new phone for a member from HQ is kept here, so a manager can reveal it offline', async () => {
      const isla = id('isla');
      await c.ok('members.update', { memberId: isla, phone: '020 7946 0999' });
      expect((await view(isla)).contactsOnDevice).toBe(true);
      await c.signIn('manager');
      expect(await c.ok('members.revealContacts', { memberId: isla, reasonCode: 'member_request' })).toEqual({
        phone: '+442079460999',
        email: null,
      });
    });
  });

  describe('card block', () => {
    it('offers the next Luhn-valid number of the block; enrolling with it moves the block on', async () => {
      const first = await c.ok<{ cardNumber: string }>('members.nextCardNumber', {});
      expect(first.cardNumber).toBe(blockCard(1));
      expect(first.cardNumber).toBe('6004992000014');
      expect(isValidCardNumber(first.cardNumber)).toBe(true);
      // Offering a number takes nothing.
      expect(await c.ok('members.nextCardNumber', {})).toEqual(first);
      await enrollMaren();
      expect(await c.ok('members.nextCardNumber', {})).toEqual({ cardNumber: blockCard(2) });
      expect(c.db.prepare('SELECT prefix, width, next, last FROM card_block').get()).toEqual({
        prefix: '60049920',
        width: 4,
        next: 2,
        last: 9999,
      });
    });

    it('skips numbers of the block that pre-printed cards already hold', async () => {
      // Two pre-printed cards from this block were handed out elsewhere and came back with HQ's snapshot.
      const at = clock.now().toISOString();
      createSnapshotIngest(c.db).writeBatch(
        [1, 2].map((n) => ({
          id: `01900000-0000-7000-8000-00000000000${n}`,
          cardNumber: blockCard(n),
          givenName: 'Pre',
          familyName: 'Printed',
          phoneHash: null,
          emailHash: null,
          phoneMasked: null,
          emailMasked: null,
          tier: 'standard' as const,
          pointsConfirmed: 0,
          termsVersion: CURRENT_NOTICE_VERSION,
          marketingEmail: false,
          marketingSms: false,
          enrolledAt: at,
          updatedAt: at,
        })),
      );
      const next = await c.ok<{ cardNumber: string }>('members.nextCardNumber', {});
      expect(next.cardNumber).toBe(blockCard(3));
      const member = await c.ok<MemberSummary>('members.enroll', { ...MAREN, cardNumber: next.cardNumber });
      expect(member.cardNumber).toBe(blockCard(3));
      expect(await c.ok('members.nextCardNumber', {})).toEqual({ cardNumber: blockCard(4) });

      // A pre-printed card from outside the block leaves the block alone.
      await c.ok('members.enroll', {
        ...MAREN,
        phone: '020 7946 0777',
        email: undefined,
        consents: CONSENTS,
        cardNumber: withCheckDigit('600410000000'),
      });
      expect(await c.ok('members.nextCardNumber', {})).toEqual({ cardNumber: blockCard(4) });
      // A pre-printed card from further on in the block: the block moves past it.
      await c.ok('members.enroll', {
        ...MAREN,
        phone: '020 7946 0999',
        email: undefined,
        consents: CONSENTS,
        cardNumber: blockCard(10),
      });
      expect(await c.ok('members.nextCardNumber', {})).toEqual({ cardNumber: blockCard(11) });
    });

    it('refuses a number enrolled meanwhile at another window, and says when the block is used up', async () => {
      const offered = await c.ok<{ cardNumber: string }>('members.nextCardNumber', {});
      await enrollMaren(); // takes blockCard(1)
      const before = snapshotAll(c.db);
      expect(
        await c.call('members.enroll', {
          ...MAREN,
          phone: '020 7946 0777',
          email: undefined,
          consents: CONSENTS,
          cardNumber: offered.cardNumber,
        }),
      ).toMatchObject({ ok: false, error: { code: 'card_in_use' } });
      expect(snapshotAll(c.db)).toEqual(before);

      createCardBlock(c.db).set({ prefix: '60049920', width: 4, next: 9999, last: 9999 });
      expect(await c.ok('members.nextCardNumber', {})).toEqual({ cardNumber: blockCard(9999) });
      await c.ok('members.enroll', {
        ...MAREN,
        phone: '020 7946 0777',
        email: undefined,
        consents: CONSENTS,
        cardNumber: blockCard(9999),
      });
      expect(await c.call('members.nextCardNumber', {})).toMatchObject({
        ok: false,
        error: { code: 'card_block_exhausted' },
      });
    });
  });

  it('no names, phone numbers or e-mails reach the audit log or the log lines', async () => {
    const maren = await enrollMaren();
    await c.ok('members.update', { memberId: maren.id, givenName: 'Kathrin', phone: '020 7946 0777' });
    await setConsent(maren.id, 'marketing_sms', true);
    await setConsent(maren.id, 'marketing_email', false);
    await c.ok('points.earn', { memberId: maren.id, amountMinor: 45_000, reference: 'P-1' });
    await c.ok('points.earn', { memberId: id('anna'), amountMinor: 1000, reference: 'P-2' });
    await c.ok('points.redeem', { memberId: id('anna'), rewardId: 'coffee' });
    // Refusals and failures are logged too: a duplicate, a bad request, a cashier asking to reveal.
    await c.call('members.update', { memberId: maren.id, phone: '020 7946 0456' });
    await c.call('members.enroll', { ...MAREN, givenName: '<Maren>' });
    await c.call('members.revealContacts', { memberId: maren.id, reasonCode: 'member_request' });
    c.db.exec("CREATE TEMP TRIGGER broken BEFORE INSERT ON main.outbox BEGIN SELECT RAISE(ABORT, 'injected'); END");
    await c.call('members.update', { memberId: maren.id, familyName: 'Lind' });
    c.db.exec('DROP TRIGGER temp.broken');
    await c.signIn('manager');
    await c.ok('members.revealContacts', { memberId: maren.id, reasonCode: 'member_request' });
    await c.ok('members.get', { memberId: maren.id });
    await c.ok('audit.list', {});
    const actions = new Set(auditRows(c.db).map((row) => row.action));
    for (const action of [
      'member.enrolled',
      'member.updated',
      'consent.changed',
      'points.earned',
      'points.redeemed',
      'member.contacts_revealed',
    ])
      expect(actions).toContain(action);
    expect(c.app.logLines.length).toBeGreaterThan(0);
    // afterEach checks every audit detail and log line for the names and contacts above.
    expect((await view(maren.id)).ledger).toHaveLength(1);
  });
});

describe('counter: a till without a card block', () => {
  it('says it has no card numbers of its own', async () => {
    const c = await startCounter(manualClock(), { demo: false });
    try {
      expect(await c.call('members.nextCardNumber', {})).toMatchObject({
        ok: false,
        error: { code: 'card_block_missing' },
      });
    } finally {
      await c.app.dispose();
    }
  });
});
