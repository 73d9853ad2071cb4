import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { requestErasure, scrubPayload } from '../../packages/hq/src/admin';
import { readMembers } from '../../packages/hq/src/members/member-state';
import { HQ_ROUTES, PushResponse, type PairResponse } from '../../src/shared/sync/protocol';
import { cliConnection, runCli } from './support/admin-cli';
import { firstAdmin, login, operatorWith, type EnrolledOperator } from './support/console';
import { BACKENDS, skipBackend, startTestHq, type TestHq } from './support/hq';
import { consentOp, earnOp, enrollOp, newMemberId, redeemOp, type WireOp } from './support/ops';

const AT = '2026-03-02T09:30:00.000Z';

/** Everything personal the test member ever had at HQ: none of it may survive erasure. */
const PERSONAL = {
  givenName: 'Augusta',
  familyName: 'Byronova',
  phone: '+447700900123',
  email: 'augusta@example.com',
  birthDate: '1815-12-10',
};
const LATER = { familyName: 'Kingsley', phone: '+447700900456' };

function updateOp(seq: number, memberId: string, changes: Record<string, string | null>): WireOp {
  return {
    seq,
    opId: randomUUID(),
    type: 'member.updated',
    staffId: 'staff-1',
    deviceTime: AT,
    payload: { memberId, changes, updatedAt: AT },
  } as WireOp;
}

describe('scrubPayload', () => {
  test('nulls personal keys at the top and in changes, keeps ids and every other key, adds none', () => {
    expect(
      scrubPayload({
        memberId: 'm1',
        cardNumber: '6004993000000012',
        givenName: 'A',
        familyName: 'B',
        phone: '+44',
        email: 'e',
        birthDate: 'd',
        enrolledAt: AT,
      }),
    ).toEqual({
      memberId: 'm1',
      cardNumber: null,
      givenName: null,
      familyName: null,
      phone: null,
      email: null,
      birthDate: null,
      enrolledAt: AT,
    });
    expect(scrubPayload({ memberId: 'm1', changes: { phone: '+44', email: null }, updatedAt: AT })).toEqual({
      memberId: 'm1',
      changes: { phone: null, email: null },
      updatedAt: AT,
    });
    const ledger = { memberId: 'm1', kind: 'earn', points: 5, reference: 'R-1', changes: 'not an object' };
    expect(scrubPayload(ledger)).toEqual(ledger);
  });
});

describe.each(BACKENDS)('HQ request-erasure on %s', (backend) => {
  describe.skipIf(skipBackend(backend))(backend, () => {
    let hq: TestHq;
    let device: PairResponse;
    let seq = 0;
    let member: string;
    let other: string;
    let card: string;
    /** A privacy officer's API token: request-erasure acts as them. */
    let privacyToken: string;
    /** Another privacy officer, who approves their requests. */
    let approver: EnrolledOperator;
    beforeAll(async () => {
      hq = await startTestHq(backend, { console: true });
      const admin = (await firstAdmin(hq)).client;
      const privacy = (await operatorWith(hq, admin, ['privacy_officer'])).client;
      approver = (await operatorWith(hq, admin, ['privacy_officer'])).enrolled;
      const made = await privacy.call('createApiToken', { roles: ['privacy_officer'], expiresInDays: 30 });
      if (made.status !== 200) throw new Error(`createApiToken refused: ${made.text}`);
      privacyToken = (made.body as { token: string }).token;
      device = await hq.pairedDevice();
      member = newMemberId();
      other = newMemberId();
      const enrol = enrollOp(++seq, member);
      Object.assign(enrol.payload, PERSONAL);
      card = String(enrol.payload.cardNumber);
      await push([
        enrol,
        enrollOp(++seq, other),
        earnOp(++seq, member, 300),
        consentOp(++seq, member, true),
        updateOp(++seq, member, LATER),
        redeemOp(++seq, member, 100),
        earnOp(++seq, other, 50),
      ]);
    }, 120_000);
    afterAll(async () => {
      await hq?.close();
    });

    function deps() {
      return { db: hq.db, now: () => hq.clock.now };
    }

    const cli = (...argv: string[]) => runCli(cliConnection(hq, privacyToken), ...argv);

    /**
     * request-erasure without --approval exits 3 with an approval id and erases nothing; the other
     * privacy officer approves it in the console (signed in afresh: the tests move the clock by days).
     */
    async function askAndApprove(memberId: string): Promise<string> {
      const approverClient = await login(hq, approver);
      const members = await rows('SELECT * FROM members ORDER BY id', []);
      const asked = await cli('request-erasure', memberId);
      expect(asked.code).toBe(3);
      const approvalId = asked.values.APPROVAL_ID!;
      expect(asked.out).toEqual([`APPROVAL_ID=${approvalId}`]);
      expect(asked.err).toEqual([
        `error: approval_required: A second operator must approve this in the console (Approvals); then run the same command with --approval ${approvalId}.`,
      ]);
      expect(await rows('SELECT * FROM members ORDER BY id', [])).toBe(members);
      const approved = await approverClient.call('approve', { approvalId });
      expect(approved.status, approved.text).toBe(200);
      return approvalId;
    }

    async function push(ops: WireOp[]): Promise<PushResponse> {
      const response = await hq.send(HQ_ROUTES.push, { ops }, { token: device.deviceToken });
      expect(response.status).toBe(200);
      return PushResponse.parse(response.body);
    }

    /** hq.snapshot() minus when the API token was last used (a refused request still uses it). */
    async function stateOf(): Promise<string> {
      const tables = JSON.parse(await hq.snapshot()) as Record<string, Record<string, unknown>[]>;
      const tokens = tables.operator_api_tokens;
      if (!tokens) throw new Error('snapshot has no operator_api_tokens');
      tables.operator_api_tokens = tokens.map((row) =>
        Object.fromEntries(Object.entries(row).filter(([key]) => key !== 'last_used_at')),
      );
      return JSON.stringify(tables);
    }

    async function rows(sql: string, params: unknown[]): Promise<string> {
      return JSON.stringify((await hq.db.query(sql, params)).rows);
    }

    /** The other member's rows, ledger, consents and ops, and every member's ledger and consents. */
    async function untouched(): Promise<string> {
      return JSON.stringify([
        await rows('SELECT * FROM members WHERE id = $1', [other]),
        await rows("SELECT * FROM ops WHERE payload->>'memberId' = $1 ORDER BY seq", [other]),
        await rows('SELECT * FROM ledger ORDER BY op_id', []),
        await rows('SELECT * FROM consents ORDER BY op_id', []),
      ]);
    }

    test('erases the member in one go: personal columns, a new version, a tombstone for pull, scrubbed op payloads', async () => {
      const everythingBefore = await hq.snapshot();
      for (const value of [...Object.values(PERSONAL), ...Object.values(LATER), card])
        expect(everythingBefore).toContain(value);
      const keep = await untouched();
      const version = Number(
        (await hq.db.query<{ version: unknown }>('SELECT version FROM members WHERE id = $1', [member])).rows[0]!
          .version,
      );
      hq.clock.now = new Date('2026-03-03T10:00:00.000Z');

      const result = await requestErasure(deps(), member);
      expect(result).toEqual({ memberId: member, erasedAt: hq.clock.now, alreadyErased: false, opsScrubbed: 2 });

      const row = await hq.db.query('SELECT * FROM members WHERE id = $1', [member]);
      expect(row.rows[0]).toMatchObject({
        card_number: null,
        given_name: '',
        family_name: '',
        phone: null,
        email: null,
        birth_date: null,
        erased_at: hq.clock.now,
        updated_at: hq.clock.now,
        points: expect.anything(),
      });
      expect(Number((row.rows[0] as { version: unknown }).version)).toBe(version + 1);
      const logged = await hq.db.query(
        'SELECT entity, store_id FROM change_log WHERE entity_id = $1 AND changed_at = $2',
        [member, hq.clock.now],
      );
      expect(logged.rows).toEqual([{ entity: 'member', store_id: null }]);
      const lookupKey = (await hq.db.query<{ lookup_key: string }>('SELECT lookup_key FROM chain')).rows[0]!.lookup_key;
      expect(await readMembers(hq.db, [member], lookupKey)).toEqual([{ kind: 'member_erased', id: member }]);

      // Nothing personal anywhere at HQ any more; ids, ledger and consents stay.
      const everythingAfter = await hq.snapshot();
      for (const value of [...Object.values(PERSONAL), ...Object.values(LATER), card])
        expect(everythingAfter).not.toContain(value);
      expect(await untouched()).toBe(keep);
      const payloads = await hq.db.query<{ type: string; payload: Record<string, unknown> }>(
        "SELECT type, payload FROM ops WHERE payload->>'memberId' = $1 ORDER BY seq",
        [member],
      );
      expect(payloads.rows.map((r) => r.type)).toEqual([
        'member.enrolled',
        'points.earned',
        'consent.changed',
        'member.updated',
        'points.redeemed',
      ]);
      expect(payloads.rows[0]!.payload).toEqual({
        memberId: member,
        cardNumber: null,
        givenName: null,
        familyName: null,
        phone: null,
        email: null,
        birthDate: null,
        enrolledAt: AT,
      });
      expect(payloads.rows[3]!.payload).toEqual({
        memberId: member,
        changes: { familyName: null, phone: null },
        updatedAt: AT,
      });
      expect(payloads.rows[1]!.payload).toMatchObject({ memberId: member, kind: 'earn', points: 300 });
    });

    test('is idempotent: erasing again changes nothing', async () => {
      const before = await hq.snapshot();
      const again = await requestErasure(deps(), member);
      expect(again).toMatchObject({
        alreadyErased: true,
        opsScrubbed: 0,
        erasedAt: new Date('2026-03-03T10:00:00.000Z'),
      });
      expect(await hq.snapshot()).toBe(before);
    });

    test('an op a till pushed after the erasure is rejected and stored without its personal data; erasing again changes no member row', async () => {
      const late = await push([updateOp(++seq, member, { givenName: 'Augusta', email: 'late@example.com' })]);
      expect(late.outcomes[0]).toMatchObject({ outcome: 'rejected', reason: 'unknown_member' });
      // Push scrubs an op about an erased member before it stores it (DESIGN §6).
      expect(await hq.snapshot()).not.toContain('late@example.com');
      expect(await hq.snapshot()).not.toContain('Augusta');
      const memberRow = await rows('SELECT * FROM members WHERE id = $1', [member]);

      const approvalId = await askAndApprove(member);
      const run = await cli('request-erasure', member, '--approval', approvalId);
      expect(run).toEqual({
        code: 0,
        out: ['ERASED_AT=2026-03-03T10:00:00.000Z', 'ALREADY_ERASED=true', 'OPS_SCRUBBED=0'],
        err: [],
        values: { ERASED_AT: '2026-03-03T10:00:00.000Z', ALREADY_ERASED: 'true', OPS_SCRUBBED: '0' },
      });
      const after = await hq.snapshot();
      expect(after).not.toContain('late@example.com');
      expect(after).not.toContain('Augusta');
      expect(await rows('SELECT * FROM members WHERE id = $1', [member])).toBe(memberRow);
    });

    test('an unknown member is a typed error and changes nothing', async () => {
      const before = await stateOf();
      await expect(requestErasure(deps(), 'no-such-member')).rejects.toMatchObject({ code: 'member_not_found' });
      // Refused before a second operator is asked: no approval is requested for a member HQ does not hold.
      const run = await cli('request-erasure', 'no-such-member');
      expect(run).toEqual({
        code: 2,
        out: [],
        err: ['error: member_not_found: No member no-such-member.'],
        values: {},
      });
      expect(await cli('request-erasure')).toEqual({
        code: 2,
        out: [],
        err: ['error: invalid_argument: Usage: request-erasure MEMBER_ID [--approval APPROVAL_ID]'],
        values: {},
      });
      expect(await stateOf()).toBe(before);
    });
  });
});
