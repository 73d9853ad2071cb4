// A member's data export at HQ (GDPR Art. 15 and 20): member A's export holds every section of A's
// data and nothing of member B's, who shares A's store, till, a disclosure and the audit trail.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createOperatorAuditLog } from '../../packages/hq/src/operators/operator-audit';
import { eraseMember, recordErasureRequest } from '../../packages/hq/src/privacy/erasure';
import { buildMemberExport, memberExportState } from '../../packages/hq/src/privacy/member-export';
import type { PairResponse } from '../../src/shared/sync/protocol';
import { BACKENDS, skipBackend, startTestHq, type TestHq } from './support/hq';
import type { WireOp } from './support/ops';
import { approvedCorrectionOp, staffWithPin } from './support/staff-proofs';

const A = '0195f3c2-aaaa-7000-8000-00000000000a';
const B = '0195f3c2-bbbb-7000-8000-00000000000b';
/** Enrolled and nothing else. */
const C = '0195f3c2-cccc-7000-8000-00000000000c';

const A_PROFILE = {
  cardNumber: '6004993100000017',
  givenName: 'Augusta',
  familyName: 'King',
  phone: '+447700900111',
  email: 'augusta@example.com',
  birthDate: '1815-12-10',
};
const B_PROFILE = {
  cardNumber: '6004993200000016',
  givenName: 'Bartholomew',
  familyName: 'Quince',
  phone: '+447700900222',
  email: 'bart.quince@example.net',
  birthDate: '1970-07-07',
};
const C_PROFILE = {
  cardNumber: '6004993300000015',
  givenName: 'Cleo',
  familyName: 'Ng',
  phone: null,
  email: null,
  birthDate: null,
};

const ENROLLED_AT = '2026-03-02T09:30:00.000Z';
const EXPORT_ID = '0195f3d0-e000-7000-8000-0000000000e1';
const NOW = new Date('2026-03-05T12:00:00.000Z');
const MANAGER_PIN = '482916';

const OP = {
  aEarn1: '0195f3c2-a001-7000-8000-000000000001',
  aEarn2: '0195f3c2-a002-7000-8000-000000000002',
  aRedeem100: '0195f3c2-a003-7000-8000-000000000003',
  aRedeem50: '0195f3c2-a004-7000-8000-000000000004',
  aReversal: '0195f3c2-a005-7000-8000-000000000005',
  bEarn: '0195f3c2-b001-7000-8000-000000000001',
};

function enrol(seq: number, memberId: string, profile: typeof A_PROFILE | typeof C_PROFILE): WireOp {
  return {
    seq,
    opId: memberId,
    type: 'member.enrolled',
    staffId: 'staff-1',
    deviceTime: ENROLLED_AT,
    payload: { memberId, ...profile, enrolledAt: ENROLLED_AT },
  };
}

function consent(
  seq: number,
  opId: string,
  memberId: string,
  fields: { purpose: 'terms' | 'marketing_email' | 'marketing_sms'; granted: boolean; at: string; notice: string },
  language: 'en' | 'ru',
  staffId: string | null = 'staff-1',
): WireOp {
  return {
    seq,
    opId,
    type: 'consent.changed',
    staffId,
    deviceTime: fields.at,
    payload: {
      memberId,
      purpose: fields.purpose,
      granted: fields.granted,
      noticeVersion: fields.notice,
      noticeLanguage: language,
      channel: 'counter',
      at: fields.at,
    },
  };
}

function earn(seq: number, opId: string, memberId: string, at: string, reference: string, amountMinor: number): WireOp {
  return {
    seq,
    opId,
    type: 'points.earned',
    staffId: 'staff-1',
    deviceTime: at,
    payload: {
      memberId,
      kind: 'earn',
      // TEST_RULES: one point per whole pound.
      points: Math.floor(amountMinor / 100),
      at,
      reference,
      amountMinor,
      currency: 'GBP',
      rewardId: null,
      reasonCode: null,
      approvedBy: null,
      approvalId: null,
      reversesOpId: null,
      rulesVersion: 1,
    },
  };
}

function redeem(seq: number, opId: string, memberId: string, at: string, cost: number): WireOp {
  return {
    seq,
    opId,
    type: 'points.redeemed',
    staffId: 'staff-1',
    deviceTime: at,
    payload: {
      memberId,
      kind: 'redeem',
      points: -cost,
      at,
      reference: null,
      amountMinor: null,
      currency: null,
      rewardId: `reward-${cost}`,
      reasonCode: null,
      approvedBy: null,
      approvalId: null,
      reversesOpId: null,
      rulesVersion: null,
    },
  };
}

const SCHEMA = JSON.parse(
  readFileSync(join(__dirname, '..', '..', 'docs', 'schemas', 'member-export.v1.schema.json'), 'utf8'),
) as object;

function validator() {
  const ajv = new Ajv2020({ allErrors: true, strict: true });
  addFormats(ajv);
  return ajv.compile(SCHEMA);
}

describe.each(BACKENDS)('member data export on %s', (backend) => {
  describe.skipIf(skipBackend(backend))(backend, () => {
    let hq: TestHq;
    let till: PairResponse;
    let otherStoreTill: PairResponse;
    let manager: string;

    beforeAll(async () => {
      hq = await startTestHq(backend);
      till = await hq.pairedDevice('Till 1');
      otherStoreTill = await hq.pairedDevice('Till 2');
      manager = await staffWithPin(hq.db, till.storeId, 'manager', MANAGER_PIN);
      let seq = 0;
      const applied = await hq.push(till, [
        enrol(++seq, A, A_PROFILE),
        enrol(++seq, B, B_PROFILE),
        enrol(++seq, C, C_PROFILE),
        consent(
          ++seq,
          '0195f3c2-ac01-7000-8000-000000000001',
          A,
          { purpose: 'terms', granted: true, at: '2026-03-02T09:30:00.000Z', notice: '2026-01' },
          'en',
        ),
        consent(
          ++seq,
          '0195f3c2-ac02-7000-8000-000000000002',
          A,
          { purpose: 'marketing_email', granted: true, at: '2026-03-02T09:31:00.000Z', notice: '2026-02' },
          'ru',
        ),
        consent(
          ++seq,
          '0195f3c2-ac03-7000-8000-000000000003',
          A,
          { purpose: 'marketing_sms', granted: true, at: '2026-03-02T09:32:00.000Z', notice: '2026-02' },
          'ru',
        ),
        consent(
          ++seq,
          '0195f3c2-ac04-7000-8000-000000000004',
          A,
          { purpose: 'marketing_sms', granted: false, at: '2026-03-02T10:15:00.000Z', notice: '2026-02' },
          'ru',
          null,
        ),
        // B's records are later than A's: a query that forgot the member would take B's language.
        consent(
          ++seq,
          '0195f3c2-bc01-7000-8000-000000000001',
          B,
          { purpose: 'terms', granted: true, at: '2026-03-02T11:00:00.000Z', notice: '2026-09' },
          'en',
          'staff-b',
        ),
        consent(
          ++seq,
          '0195f3c2-bc02-7000-8000-000000000002',
          B,
          { purpose: 'marketing_email', granted: true, at: '2026-03-02T11:01:00.000Z', notice: '2026-09' },
          'en',
          'staff-b',
        ),
        earn(++seq, OP.aEarn1, A, '2026-03-02T09:35:00.000Z', 'R-A-1', 30000),
        redeem(++seq, OP.aRedeem100, A, '2026-03-03T11:00:00.000Z', 100),
        redeem(++seq, OP.aRedeem50, A, '2026-03-03T11:05:00.000Z', 50),
        earn(++seq, OP.bEarn, B, '2026-03-02T11:30:00.000Z', 'R-B-SECRET', 77700),
      ]);
      expect(applied.outcomes.map((outcome) => outcome.outcome)).toEqual(Array(seq).fill('applied'));
      const reversal = approvedCorrectionOp(till, seq + 1, {
        memberId: A,
        points: 100,
        approvedBy: manager,
        managerPin: MANAGER_PIN,
        reversesOpId: OP.aRedeem100,
      });
      (reversal.payload as { at: string }).at = '2026-03-03T12:00:00.000Z';
      const reversed = await hq.push(till, [{ ...reversal, opId: OP.aReversal }]);
      expect(reversed.outcomes[0]).toMatchObject({ outcome: 'applied' });
      // A shops in another store too: HQ's export has every store's entries.
      const elsewhere = await hq.push(otherStoreTill, [
        earn(1, OP.aEarn2, A, '2026-03-04T15:00:00.000Z', 'R-A-2', 5099),
      ]);
      expect(elsewhere.outcomes[0]).toMatchObject({ outcome: 'applied' });

      await hq.db.query('UPDATE members SET marketing_email_confirmed_at = $2 WHERE id = $1', [
        A,
        new Date('2026-03-02T12:00:00.000Z'),
      ]);
      await hq.db.query('UPDATE members SET marketing_email_confirmed_at = $2 WHERE id = $1', [
        B,
        new Date('2026-03-02T13:13:00.000Z'),
      ]);

      // The operator audit as the console writes it: about A, about B, and about no member.
      const audit = createOperatorAuditLog({ db: hq.db, key: randomBytes(32), now: () => hq.clock.now });
      const entries = [
        {
          at: '2026-03-04T08:00:00.000Z',
          input: {
            operatorId: 'op-alice',
            action: 'member.search',
            subjectType: 'member',
            subjectId: A,
            details: { by: 'card', found: 1 },
          },
        },
        {
          at: '2026-03-04T08:01:00.000Z',
          input: {
            operatorId: 'op-alice',
            action: 'member.reveal',
            subjectType: 'member',
            subjectId: A,
            details: { reason: 'member_support', reference: 'TICKET-7' },
          },
        },
        {
          at: '2026-03-04T08:02:00.000Z',
          input: {
            operatorId: 'op-bob',
            action: 'member.reveal',
            subjectType: 'member',
            subjectId: B,
            details: { reason: 'breach_investigation', reference: 'CASE-B-99' },
          },
        },
        { at: '2026-03-04T08:03:00.000Z', input: { operatorId: 'op-alice', action: 'operator.logout' } },
      ] as const;
      for (const entry of entries) {
        hq.clock.now = new Date(entry.at);
        await hq.db.transaction((tx) => audit.append(tx, entry.input));
      }

      const disclose = async (id: string, row: unknown[], members: string[]) => {
        await hq.db.query(
          `INSERT INTO disclosures (id, recipient, purpose, fields, pseudonymised, member_count, operator_id, disclosed_at)
           VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7, $8)`,
          [id, ...row],
        );
        for (const member of members)
          await hq.db.query('INSERT INTO disclosure_members (disclosure_id, member_id) VALUES ($1, $2)', [id, member]);
      };
      await disclose(
        '0195f3c2-d001-7000-8000-000000000001',
        [
          'Mail House Ltd',
          'marketing_email',
          '["givenName","email"]',
          false,
          2,
          'op-carol',
          new Date('2026-03-04T09:00:00.000Z'),
        ],
        [A, B],
      );
      await disclose(
        '0195f3c2-d002-7000-8000-000000000002',
        [
          'Survey Partners Oy',
          'research',
          '["birthDate","tier"]',
          true,
          1,
          'op-carol',
          new Date('2026-03-04T09:30:00.000Z'),
        ],
        [B],
      );
      await disclose(
        '0195f3c2-d003-7000-8000-000000000003',
        [
          'Analytics Co',
          'analytics',
          '["memberId","points"]',
          true,
          1,
          'op-dave',
          new Date('2026-03-04T10:00:00.000Z'),
        ],
        [A],
      );

      const erasure = async (row: unknown[]) =>
        hq.db.query(
          `INSERT INTO erasure_requests (id, member_id, source, reason_code, store_id, device_id, staff_id, operator_id,
             requested_at, due_at, status, completed_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
          row,
        );
      await erasure([
        '0195f3c2-e001-7000-8000-000000000001',
        A,
        'console',
        'member_request',
        null,
        null,
        null,
        'op-erin',
        new Date('2026-03-04T11:00:00.000Z'),
        new Date('2026-04-03T11:00:00.000Z'),
        'cancelled',
        null,
      ]);

      const exported = async (row: unknown[]) =>
        hq.db.query(
          `INSERT INTO member_exports (id, member_id, purpose, source, operator_id, device_id, staff_id, created_at,
             expires_at, document)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, NULL)`,
          row,
        );
      await exported([
        '0195f3c2-f001-7000-8000-000000000001',
        A,
        'portability_request',
        'till',
        null,
        till.deviceId,
        'staff-1',
        new Date('2026-03-03T08:00:00.000Z'),
        new Date('2026-04-02T08:00:00.000Z'),
      ]);
      await exported([
        '0195f3c2-f002-7000-8000-000000000002',
        B,
        'access_request',
        'console',
        'op-frank',
        null,
        null,
        new Date('2026-03-03T09:00:00.000Z'),
        new Date('2026-04-02T09:00:00.000Z'),
      ]);
      // The export being made, recorded before its document is built: not an "earlier" one.
      await exported([
        EXPORT_ID,
        A,
        'access_request',
        'console',
        'op-alice',
        null,
        null,
        NOW,
        new Date('2026-04-04T12:00:00.000Z'),
      ]);
    }, 120_000);

    afterAll(async () => {
      await hq?.close();
    });

    const exportOf = (memberId: string, language?: 'en' | 'ru') =>
      buildMemberExport(hq.db, {
        memberId,
        exportId: EXPORT_ID,
        purpose: 'access_request',
        now: NOW,
        keys: hq.keys,
        ...(language ? { language } : {}),
      });

    test("A's export: every section, field by field", async () => {
      const doc = await exportOf(A);
      expect(doc).not.toBeNull();
      expect({ ...doc, member: undefined, consents: undefined, ledger: undefined }).toEqual({
        schema: 'https://loyalty-desk.example/schemas/member-export/v1',
        exportId: '0195f3d0-e000-7000-8000-0000000000e1',
        generatedAt: '2026-03-05T12:00:00.000Z',
        purpose: 'access_request',
        producedBy: { kind: 'hq', storeId: null },
        // The notice A last consented under was Russian.
        language: 'ru',
        complete: true,
        missing: [],
        member: undefined,
        consents: undefined,
        ledger: undefined,
        redemptions: [
          {
            opId: OP.aRedeem100,
            at: '2026-03-03T11:00:00.000Z',
            rewardId: 'reward-100',
            rewardName: { en: 'Reward 100', ru: 'Награда 100' },
            points: -100,
            reversed: true,
          },
          {
            opId: OP.aRedeem50,
            at: '2026-03-03T11:05:00.000Z',
            rewardId: 'reward-50',
            rewardName: { en: 'Reward 50', ru: 'Награда 50' },
            points: -50,
            reversed: false,
          },
        ],
        accessLog: [
          { action: 'member.search', at: '2026-03-04T08:00:00.000Z', reasonCode: null },
          { action: 'member.reveal', at: '2026-03-04T08:01:00.000Z', reasonCode: 'member_support' },
        ],
        disclosures: [
          {
            disclosedAt: '2026-03-04T09:00:00.000Z',
            recipient: 'Mail House Ltd',
            purpose: 'marketing_email',
            fields: ['givenName', 'email'],
            pseudonymised: false,
          },
          {
            disclosedAt: '2026-03-04T10:00:00.000Z',
            recipient: 'Analytics Co',
            purpose: 'analytics',
            fields: ['memberId', 'points'],
            pseudonymised: true,
          },
        ],
        requests: {
          erasure: [
            {
              requestedAt: '2026-03-04T11:00:00.000Z',
              source: 'console',
              reasonCode: 'member_request',
              status: 'cancelled',
              dueAt: '2026-04-03T11:00:00.000Z',
              completedAt: null,
            },
          ],
          exports: [{ createdAt: '2026-03-03T08:00:00.000Z', purpose: 'portability_request', source: 'till' }],
        },
      });
      expect(doc!.member).toEqual({
        memberId: A,
        cardNumber: '6004993100000017',
        givenName: 'Augusta',
        familyName: 'King',
        phone: '+447700900111',
        email: 'augusta@example.com',
        birthDate: '1815-12-10',
        homeStoreId: till.storeId,
        enrolledAt: '2026-03-02T09:30:00.000Z',
        tier: 'standard',
        // 300 + 50 (other store) − 100 + 100 (reversed) − 50
        points: 300,
        erasureRequested: false,
      });
      expect(doc!.consents.current).toEqual({
        terms: { granted: true, noticeVersion: '2026-01', since: '2026-03-02T09:30:00.000Z' },
        marketing_email: {
          granted: true,
          noticeVersion: '2026-02',
          since: '2026-03-02T09:31:00.000Z',
          confirmedAt: '2026-03-02T12:00:00.000Z',
        },
        marketing_sms: { granted: false, noticeVersion: '2026-02', since: '2026-03-02T10:15:00.000Z' },
      });
      const recorded = {
        channel: 'counter',
        storeId: till.storeId,
        deviceId: till.deviceId,
      };
      expect(doc!.consents.history).toEqual([
        {
          purpose: 'terms',
          granted: true,
          at: '2026-03-02T09:30:00.000Z',
          noticeVersion: '2026-01',
          noticeLanguage: 'en',
          staffId: 'staff-1',
          ...recorded,
        },
        {
          purpose: 'marketing_email',
          granted: true,
          at: '2026-03-02T09:31:00.000Z',
          noticeVersion: '2026-02',
          noticeLanguage: 'ru',
          staffId: 'staff-1',
          ...recorded,
        },
        {
          purpose: 'marketing_sms',
          granted: true,
          at: '2026-03-02T09:32:00.000Z',
          noticeVersion: '2026-02',
          noticeLanguage: 'ru',
          staffId: 'staff-1',
          ...recorded,
        },
        {
          purpose: 'marketing_sms',
          granted: false,
          at: '2026-03-02T10:15:00.000Z',
          noticeVersion: '2026-02',
          noticeLanguage: 'ru',
          staffId: null,
          ...recorded,
        },
      ]);
      const none = { reference: null, amountMinor: null, currency: null, rewardId: null, reasonCode: null };
      expect(doc!.ledger).toEqual([
        {
          ...none,
          opId: OP.aEarn1,
          kind: 'earn',
          points: 300,
          at: '2026-03-02T09:35:00.000Z',
          storeId: till.storeId,
          reference: 'R-A-1',
          amountMinor: 30000,
          currency: 'GBP',
          reversesOpId: null,
        },
        {
          ...none,
          opId: OP.aRedeem100,
          kind: 'redeem',
          points: -100,
          at: '2026-03-03T11:00:00.000Z',
          storeId: till.storeId,
          rewardId: 'reward-100',
          reversesOpId: null,
        },
        {
          ...none,
          opId: OP.aRedeem50,
          kind: 'redeem',
          points: -50,
          at: '2026-03-03T11:05:00.000Z',
          storeId: till.storeId,
          rewardId: 'reward-50',
          reversesOpId: null,
        },
        {
          ...none,
          opId: OP.aReversal,
          kind: 'reversal',
          points: 100,
          at: '2026-03-03T12:00:00.000Z',
          storeId: till.storeId,
          reasonCode: 'goodwill',
          reversesOpId: OP.aRedeem100,
        },
        {
          ...none,
          opId: OP.aEarn2,
          kind: 'earn',
          points: 50,
          at: '2026-03-04T15:00:00.000Z',
          storeId: otherStoreTill.storeId,
          reference: 'R-A-2',
          amountMinor: 5099,
          currency: 'GBP',
          reversesOpId: null,
        },
      ]);
    });

    test("nothing of B's, nor any operator's id, appears anywhere in A's export", async () => {
      const text = JSON.stringify(await exportOf(A));
      /** B's data: each is in B's own export, so its absence from A's is not a typo in this list. */
      const ofB = [
        B,
        ...Object.values(B_PROFILE),
        OP.bEarn,
        'R-B-SECRET',
        // Quoted as JSON has them: a random store or device id could hold the bare digits.
        '"amountMinor":77700',
        '"points":777',
        '"noticeVersion":"2026-09"',
        'staff-b',
        '2026-03-02T13:13:00.000Z',
        'Survey Partners Oy',
        'research',
        'breach_investigation',
      ];
      const textOfB = JSON.stringify(await exportOf(B));
      for (const value of ofB) {
        expect(textOfB, value).toContain(value);
        expect(text, value).not.toContain(value);
      }
      /** About others than A (operators, B's request records): held at HQ, in nobody's export. */
      const aboutOthers = [
        'CASE-B-99',
        '0195f3c2-f002-7000-8000-000000000002',
        '0195f3c2-d002-7000-8000-000000000002',
        'op-alice',
        'op-bob',
        'op-carol',
        'op-dave',
        'op-erin',
        'op-frank',
        // What the audit keeps beside the reason, and an entry about no member.
        'TICKET-7',
        'operator.logout',
        manager,
      ];
      const everything = await hq.snapshot();
      for (const value of aboutOthers) {
        expect(everything, value).toContain(value);
        expect(text, value).not.toContain(value);
      }
      // A disclosure's head count is about the other people in it.
      expect(text).not.toContain('memberCount');
    });

    test('the export validates against the published JSON Schema', async () => {
      const validate = validator();
      for (const memberId of [A, B, C]) {
        const doc = await exportOf(memberId);
        expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
      }
    });

    test('the language asked for wins; with no consent on record it is English', async () => {
      expect((await exportOf(A, 'en'))?.language).toBe('en');
      expect((await exportOf(B))?.language).toBe('en');
      const c = await exportOf(C);
      expect(c?.language).toBe('en');
      expect(c?.consents).toEqual({
        current: {
          terms: { granted: false, noticeVersion: null, since: null },
          marketing_email: { granted: false, noticeVersion: null, since: null, confirmedAt: null },
          marketing_sms: { granted: false, noticeVersion: null, since: null },
        },
        history: [],
      });
      expect(c?.member).toMatchObject({ phone: null, email: null, birthDate: null, points: 0 });
      expect([c?.ledger, c?.redemptions, c?.accessLog, c?.disclosures, c?.requests]).toEqual([
        [],
        [],
        [],
        [],
        { erasure: [], exports: [] },
      ]);
    });

    test('an unknown member: null, and the state says not_found', async () => {
      expect(await exportOf('0195f3c2-dead-7000-8000-000000000000')).toBeNull();
      expect(await memberExportState(hq.db, '0195f3c2-dead-7000-8000-000000000000')).toBe('not_found');
      expect(await memberExportState(hq.db, A)).toBe('ok');
    });

    test('a member waiting for erasure is exported as restricted; once erased there is nothing to export', async () => {
      await hq.db.query('UPDATE privacy_policy SET erasure_hold_days = 30 WHERE id = 1');
      const requestedAt = new Date('2026-03-05T09:00:00.000Z');
      const outcome = await hq.db.transaction((tx) =>
        recordErasureRequest(
          tx,
          {
            id: '0195f3c2-e002-7000-8000-000000000002',
            memberId: B,
            source: 'console',
            reasonCode: 'consent_withdrawn',
            operatorId: 'op-erin',
          },
          requestedAt,
        ),
      );
      expect(outcome).toMatchObject({ kind: 'recorded', erasedAt: null });
      const waiting = await exportOf(B);
      expect(waiting?.member.erasureRequested).toBe(true);
      expect(waiting?.requests.erasure).toEqual([
        {
          requestedAt: '2026-03-05T09:00:00.000Z',
          source: 'console',
          reasonCode: 'consent_withdrawn',
          status: 'pending',
          // 30 days after B's last purchase.
          dueAt: '2026-04-01T11:30:00.000Z',
          completedAt: null,
        },
      ]);
      // The request withdrew B's marketing e-mail at once (erasure.ts), and says so.
      expect(waiting?.consents.current.marketing_email).toEqual({
        granted: false,
        noticeVersion: '2026-09',
        since: '2026-03-05T09:00:00.000Z',
        confirmedAt: null,
      });
      expect(waiting?.consents.history.at(-1)).toMatchObject({ channel: 'erasure_request', staffId: null });
      expect(validator()(waiting)).toBe(true);
      // A is not touched by B's request.
      expect((await exportOf(A))?.member.erasureRequested).toBe(false);

      await hq.db.transaction((tx) => eraseMember(tx, B, new Date('2026-04-01T12:00:00.000Z')));
      expect(await memberExportState(hq.db, B)).toBe('erased');
      expect(await exportOf(B)).toBeNull();
    });
  });
});
