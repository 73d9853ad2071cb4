import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  AudienceError,
  exportAudience,
  listDisclosures,
  memberPseudonym,
} from '../../packages/hq/src/privacy/audiences';
import { buildMemberExport } from '../../packages/hq/src/privacy/member-export';
import type { PairResponse } from '../../src/shared/sync/protocol';
import { startTestHq, type TestHq } from './support/hq';
import { consentOp, enrollOp, newMemberId, type WireOp } from './support/ops';

const KEY = randomBytes(32);
const OPERATOR = 'op-privacy-1';

function enrol(seq: number, memberId: string, givenName: string, email: string | null, phone: string | null): WireOp {
  const op = enrollOp(seq, memberId);
  Object.assign(op.payload, { givenName, email, phone });
  return op;
}

function smsConsent(seq: number, memberId: string, granted: boolean): WireOp {
  const op = consentOp(seq, memberId, granted);
  Object.assign(op.payload, { purpose: 'marketing_sms' });
  return op;
}

/**
 * Audiences by purpose and the disclosure log (issue 13 item 5): only consenting members, only the
 * purpose's fields, pseudonyms per recipient, every export logged with its members, and a withdrawal
 * reaches the next list as soon as the till's op is in.
 */
describe('audiences and disclosures', () => {
  let hq: TestHq;
  let device: PairResponse;
  let seq = 0;
  const [ada, bea, cy, dot] = [newMemberId(), newMemberId(), newMemberId(), newMemberId()];
  beforeAll(async () => {
    hq = await startTestHq('pglite');
    device = await hq.pairedDevice();
    await hq.push(device, [
      enrol(++seq, ada, 'Ada', 'ada@example.com', '+447700900001'),
      enrol(++seq, bea, 'Bea', 'bea@example.com', null),
      enrol(++seq, cy, 'Cy', null, '+447700900003'),
      enrol(++seq, dot, 'Dot', 'dot@example.com', '+447700900004'),
      consentOp(++seq, ada, true),
      consentOp(++seq, bea, true),
      smsConsent(++seq, cy, true),
      consentOp(++seq, dot, true),
      consentOp(++seq, dot, false),
    ]);
    // Ada confirmed her e-mail (double opt-in); Bea has not yet.
    await hq.db.query('UPDATE members SET marketing_email_confirmed_at = $2 WHERE id = $1', [ada, hq.clock.now]);
  }, 60_000);
  afterAll(async () => {
    await hq?.close();
  });

  const run = (request: Parameters<typeof exportAudience>[1]) =>
    hq.db.transaction((tx) =>
      exportAudience(tx, request, { operatorId: OPERATOR, now: hq.clock.now, pseudonymKey: KEY, keys: hq.keys }),
    );

  test('an e-mail list holds only members who granted and confirmed, with only the asked fields, under per-recipient pseudonyms; the disclosure is logged with its members', async () => {
    const audience = await run({ purpose: 'marketing_email', recipient: 'mailer-eu', fields: ['email', 'givenName'] });
    expect(audience).toMatchObject({
      purpose: 'marketing_email',
      recipient: 'mailer-eu',
      fields: ['email', 'givenName'],
      pseudonymised: false,
      memberCount: 1,
    });
    expect(audience.rows).toEqual([
      { memberRef: memberPseudonym(KEY, 'mailer-eu', ada), email: 'ada@example.com', givenName: 'Ada' },
    ]);
    expect(audience.rows[0]?.memberRef).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(JSON.stringify(audience)).not.toContain(ada);
    // Another recipient gets another pseudonym for the same member.
    expect(memberPseudonym(KEY, 'mailer-us', ada)).not.toBe(audience.rows[0]?.memberRef);

    const logged = await listDisclosures(hq.db, 10);
    expect(logged).toEqual([
      {
        disclosureId: audience.disclosureId,
        recipient: 'mailer-eu',
        purpose: 'marketing_email',
        fields: ['email', 'givenName'],
        pseudonymised: false,
        memberCount: 1,
        operatorId: OPERATOR,
        disclosedAt: hq.clock.now.toISOString(),
      },
    ]);
    expect(
      (await hq.db.query('SELECT member_id FROM disclosure_members WHERE disclosure_id = $1', [audience.disclosureId]))
        .rows,
    ).toEqual([{ member_id: ada }]);
    // Ada's own export lists it; Bea's does not.
    const exportOf = (memberId: string) =>
      buildMemberExport(hq.db, {
        memberId,
        exportId: '0190a8e2-7c4b-7d2a-9f00-123456789abc',
        purpose: 'access_request',
        now: hq.clock.now,
        keys: hq.keys,
      });
    expect((await exportOf(ada))?.disclosures).toEqual([
      {
        disclosedAt: hq.clock.now.toISOString(),
        recipient: 'mailer-eu',
        purpose: 'marketing_email',
        fields: ['email', 'givenName'],
        pseudonymised: false,
      },
    ]);
    expect((await exportOf(bea))?.disclosures).toEqual([]);
  });

  test('a field the purpose does not allow, or a list without its contact field, is refused and nothing is logged', async () => {
    const before = await listDisclosures(hq.db, 100);
    await expect(
      run({ purpose: 'marketing_email', recipient: 'mailer-eu', fields: ['email', 'phone'] }),
    ).rejects.toThrow(expect.objectContaining({ code: 'field_not_allowed' }) as AudienceError);
    await expect(run({ purpose: 'marketing_sms', recipient: 'sms-gw', fields: ['givenName'] })).rejects.toThrow(
      expect.objectContaining({ code: 'field_required' }) as AudienceError,
    );
    await expect(run({ purpose: 'analytics', recipient: 'bi', fields: ['points', 'email'] })).rejects.toThrow(
      expect.objectContaining({ code: 'field_not_allowed' }) as AudienceError,
    );
    expect(await listDisclosures(hq.db, 100)).toEqual(before);
  });

  test('an SMS list holds the SMS consenters with a phone; analytics has everyone, with no name or contact', async () => {
    const sms = await run({ purpose: 'marketing_sms', recipient: 'sms-gw', fields: ['phone'] });
    expect(sms.rows).toEqual([{ memberRef: memberPseudonym(KEY, 'sms-gw', cy), phone: '+447700900003' }]);
    const analytics = await run({ purpose: 'analytics', recipient: 'bi', fields: ['tier', 'points', 'enrolledMonth'] });
    expect(analytics.pseudonymised).toBe(true);
    expect(analytics.memberCount).toBe(4);
    const text = JSON.stringify(analytics.rows);
    // Names are matched as JSON strings: a bare 'Cy' also occurs by chance inside a random base64url pseudonym.
    for (const personal of ['"Ada"', '"Bea"', '"Cy"', '"Dot"', '@example.com', '+4477', ada, bea, cy, dot]) {
      expect(text).not.toContain(personal);
    }
    expect(analytics.rows[0]).toEqual({
      memberRef: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/),
      tier: 'standard',
      points: 0,
      enrolledMonth: '2026-03',
    });
  });

  test('a withdrawal pushed by a till takes Ada off the next e-mail list', async () => {
    await hq.push(device, [consentOp(++seq, ada, false)]);
    const audience = await run({ purpose: 'marketing_email', recipient: 'mailer-eu', fields: ['email'] });
    expect(audience.rows).toEqual([]);
    expect(audience.memberCount).toBe(0);
  });
});
