// POST /v1/member-data (issue 13): a till asks HQ, for a member at its counter, for the member's
// data export or full contacts, with the asking manager's PIN sealed for HQ. HQ checks the proof
// before reading anything about the member, records and audits each request once by its id, keeps
// the export's document for its retention and never a copy of the contacts.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { deriveKey } from '../../packages/hq/src/keys/derived-keys';
import { createOperatorAuditLog } from '../../packages/hq/src/operators/operator-audit';
import { PROOF_FAILURES_PER_HOUR } from '../../packages/hq/src/push/staff-proof';
import {
  HQ_ROUTES,
  MemberDataResponse,
  type MemberDataRequest,
  type PairResponse,
} from '../../src/shared/sync/protocol';
import type { StaffProofSecret } from '../../src/shared/sync/staff-proof';
import { BACKENDS, skipBackend, startTestHq, type TestHq } from './support/hq';
import { enrollOp, type WireOp } from './support/ops';
import { proofFrom, staffWithPin } from './support/staff-proofs';
import { openMemberContacts } from '../../packages/hq/src/keys/sealed-columns';

const MANAGER_PIN = '482916';
const CASHIER_PIN = '175039';
const PHONE = '+447700900345';
const EMAIL = 'ottoline.brisk@example.org';

const SCHEMA = JSON.parse(
  readFileSync(join(__dirname, '..', '..', 'docs', 'schemas', 'member-export.v1.schema.json'), 'utf8'),
) as object;

type Request = MemberDataRequest;

describe.each(BACKENDS)('POST /v1/member-data on %s', (backend) => {
  describe.skipIf(skipBackend(backend))(backend, () => {
    let hq: TestHq;
    let till: PairResponse;
    let otherStoreTill: PairResponse;
    let manager: string;
    let cashier: string;
    let otherStoreManager: string;
    let memberId: string;
    let seq = 0;
    const logLines: string[] = [];

    beforeAll(async () => {
      hq = await startTestHq(backend, { console: true, logLines });
      till = await hq.pairedDevice('Till 1');
      otherStoreTill = await hq.pairedDevice('Till 2');
      manager = await staffWithPin(hq.db, till.storeId, 'manager', MANAGER_PIN);
      cashier = await staffWithPin(hq.db, till.storeId, 'cashier', CASHIER_PIN);
      otherStoreManager = await staffWithPin(hq.db, otherStoreTill.storeId, 'manager', MANAGER_PIN);
      memberId = randomUUID();
      const enrol = enrollOp(++seq, memberId);
      Object.assign(enrol.payload, { givenName: 'Ottoline', familyName: 'Brisk', phone: PHONE, email: EMAIL });
      const pushed = await hq.push(till, [enrol]);
      expect(pushed.outcomes[0]?.outcome).toBe('applied');
    }, 120_000);
    afterAll(async () => {
      await hq?.close();
    });

    /** A request as a till sends it: the proof sealed for this device, request, manager, member and kind. */
    function request(
      fields: Partial<Request> & { kind: Request['kind'] },
      secret: StaffProofSecret = { pin: MANAGER_PIN },
      device: PairResponse = till,
    ): Request {
      const requestId = fields.requestId ?? randomUUID();
      const requestedBy = fields.requestedBy ?? manager;
      const member = fields.memberId ?? memberId;
      const staffProof = proofFrom(
        device,
        { purpose: 'member_data', requestId, requestedBy, memberId: member, kind: fields.kind },
        secret,
      );
      const base = { requestId, memberId: member, requestedBy, staffProof };
      return fields.kind === 'export'
        ? ({ purpose: 'access_request', ...base, ...fields } as Request)
        : ({ reasonCode: 'member_request', ...base, ...fields } as Request);
    }

    async function ask(body: unknown, device: PairResponse = till) {
      const response = await hq.send(HQ_ROUTES.memberData, body, { token: device.deviceToken });
      return { status: response.status, body: response.body };
    }

    async function answered(body: unknown, device: PairResponse = till): Promise<MemberDataResponse> {
      const { status, body: answer } = await ask(body, device);
      expect(status, JSON.stringify(answer)).toBe(200);
      return MemberDataResponse.parse(answer);
    }

    async function auditEntries(subject: string) {
      return (
        await hq.db.query<{ operator_id: string | null; action: string; details: unknown }>(
          "SELECT operator_id, action, details FROM operator_audit WHERE subject_type = 'member' AND subject_id = $1 ORDER BY seq",
          [subject],
        )
      ).rows.map((row) => ({
        ...row,
        details: typeof row.details === 'string' ? (JSON.parse(row.details) as unknown) : row.details,
      }));
    }

    test('an export: the member’s document (valid against the published schema), its record, its kept copy and one audit entry; a retry is answered from the copy and recorded once', async () => {
      const body = request({ kind: 'export', purpose: 'portability_request', language: 'ru' });
      const first = await answered(body);
      if (first.kind !== 'export') throw new Error(`expected an export, got ${first.kind}`);
      const ajv = new Ajv2020({ allErrors: true, strict: true });
      addFormats(ajv);
      const validate = ajv.compile(SCHEMA);
      expect(validate(first.document), JSON.stringify(validate.errors)).toBe(true);
      expect(first.document).toMatchObject({
        exportId: body.requestId,
        purpose: 'portability_request',
        language: 'ru',
        complete: true,
        missing: [],
        producedBy: { kind: 'hq', storeId: null },
        member: { memberId, givenName: 'Ottoline', familyName: 'Brisk', phone: PHONE, email: EMAIL },
      });
      const stored = await hq.db.query<{
        member_id: string;
        purpose: string;
        source: string;
        operator_id: string | null;
        device_id: string;
        staff_id: string;
        created_at: Date;
        expires_at: Date;
      }>(
        'SELECT member_id, purpose, source, operator_id, device_id, staff_id, created_at, expires_at FROM member_exports WHERE id = $1',
        [body.requestId],
      );
      // The default retention: 30 days.
      expect(stored.rows).toEqual([
        {
          member_id: memberId,
          purpose: 'portability_request',
          source: 'till',
          operator_id: null,
          device_id: till.deviceId,
          staff_id: manager,
          created_at: hq.clock.now,
          expires_at: new Date(hq.clock.now.getTime() + 30 * 24 * 60 * 60 * 1000),
        },
      ]);
      const recorded = await hq.db.query(
        'SELECT device_id, staff_id, member_id, kind, reason_code FROM till_member_requests WHERE request_id = $1',
        [body.requestId],
      );
      expect(recorded.rows).toEqual([
        {
          device_id: till.deviceId,
          staff_id: manager,
          member_id: memberId,
          kind: 'export',
          reason_code: 'portability_request',
        },
      ]);
      const audited = (await auditEntries(memberId)).filter((entry) => entry.action === 'member.data_request');
      expect(audited).toEqual([
        {
          operator_id: null,
          action: 'member.data_request',
          details: {
            via: 'till',
            deviceId: till.deviceId,
            staffId: manager,
            purpose: 'portability_request',
            exportId: body.requestId,
          },
        },
      ]);

      const before = await hq.snapshot();
      const again = await answered(body);
      expect(again).toEqual(first);
      // Sealed again by the till for its retry: another box, the same request.
      const resealed = await answered(
        request({ kind: 'export', purpose: 'portability_request', language: 'ru', requestId: body.requestId }),
      );
      expect(resealed).toEqual(first);
      expect(await hq.snapshot()).toBe(before);
    });

    test('the same request id for another request is refused and changes nothing', async () => {
      const body = request({ kind: 'export' });
      expect((await answered(body)).kind).toBe('export');
      const before = await hq.snapshot();
      const otherPurpose = request({ kind: 'export', requestId: body.requestId, purpose: 'portability_request' });
      expect(await answered(otherPurpose)).toEqual({ kind: 'refused', reason: 'request_id_reused' });
      const otherKind = request({ kind: 'contacts', requestId: body.requestId });
      expect(await answered(otherKind)).toEqual({ kind: 'refused', reason: 'request_id_reused' });
      expect(await hq.snapshot()).toBe(before);
    });

    test('contacts: answered, recorded and audited with the reason, kept nowhere but the member’s row, and not in HQ’s log', async () => {
      const body = request({ kind: 'contacts', reasonCode: 'identity_check' });
      expect(await answered(body)).toEqual({ kind: 'contacts', phone: PHONE, email: EMAIL });
      const reveals = (await auditEntries(memberId)).filter((entry) => entry.action === 'member.reveal');
      expect(reveals).toEqual([
        {
          operator_id: null,
          action: 'member.reveal',
          details: { via: 'till', deviceId: till.deviceId, staffId: manager, reason: 'identity_check' },
        },
      ]);
      const before = await hq.snapshot();
      expect(await answered(body)).toEqual({ kind: 'contacts', phone: PHONE, email: EMAIL });
      expect(await hq.snapshot()).toBe(before);

      const tables = JSON.parse(await hq.snapshot()) as Record<string, unknown[]>;
      const holding = (value: string) =>
        Object.entries(tables)
          .filter(([, rows]) => JSON.stringify(rows).includes(value))
          .map(([table]) => table)
          .sort();
      // Issue 15: sealed at rest in the member's row, the enrolment op and the stored export alike,
      // so no table holds them in clear; the member's row opens to both (the positive control).
      expect(holding(PHONE)).toEqual([]);
      expect(holding(EMAIL)).toEqual([]);
      const row = (
        await hq.db.query<{ phone: string | null; email: string | null }>(
          'SELECT phone, email FROM members WHERE id = $1',
          [memberId],
        )
      ).rows[0];
      expect(row && openMemberContacts(hq.keys, memberId, row)).toEqual({ phone: PHONE, email: EMAIL });
      const log = logLines.join('');
      expect(log).toContain('"kind":"contacts"');
      expect(log).not.toContain(PHONE);
      expect(log).not.toContain(EMAIL);
      expect(log).not.toContain(memberId);
    });

    test('a proof HQ cannot confirm is proof_invalid and records nothing: wrong PIN, a cashier, another store’s manager, another member’s or kind’s box; no box is proof_missing', async () => {
      const before = await hq.snapshot();
      const wrongPin = request({ kind: 'export' }, { pin: '000000' });
      const byCashier = request({ kind: 'export', requestedBy: cashier }, { pin: CASHIER_PIN });
      const otherStore = request({ kind: 'contacts', requestedBy: otherStoreManager });
      const boxForContacts = request({ kind: 'contacts' });
      const usedForExport = {
        ...request({ kind: 'export', requestId: boxForContacts.requestId }),
        staffProof: boxForContacts.staffProof,
      };
      const boxForOtherMember = request({ kind: 'contacts', memberId: randomUUID() });
      const usedForMember = {
        ...boxForContacts,
        requestId: boxForOtherMember.requestId,
        staffProof: boxForOtherMember.staffProof,
      };
      for (const body of [wrongPin, byCashier, otherStore, usedForExport, usedForMember]) {
        expect(await answered(body)).toEqual({ kind: 'refused', reason: 'proof_invalid' });
      }
      const { staffProof: _none, ...noBox } = request({ kind: 'export' });
      expect(await answered(noBox)).toEqual({ kind: 'refused', reason: 'proof_missing' });
      expect(await hq.snapshot()).toBe(before);
      // Another till's failures are its own: this one's budget (5 spent of 10) is not another's.
      expect((await answered(request({ kind: 'contacts' }))).kind).toBe('contacts');
    });

    test('an unknown member is member_not_found and an erased one member_erased, once the proof holds; nothing is recorded', async () => {
      const unknown = randomUUID();
      const erased = randomUUID();
      const erasedEnrol: WireOp = enrollOp(++seq, erased);
      expect((await hq.push(till, [erasedEnrol])).outcomes[0]?.outcome).toBe('applied');
      await hq.db.query('UPDATE members SET erased_at = $2 WHERE id = $1', [erased, hq.clock.now]);
      const before = await hq.snapshot();
      expect(await answered(request({ kind: 'export', memberId: unknown }))).toEqual({
        kind: 'refused',
        reason: 'member_not_found',
      });
      expect(await answered(request({ kind: 'contacts', memberId: erased }))).toEqual({
        kind: 'refused',
        reason: 'member_erased',
      });
      expect(await hq.snapshot()).toBe(before);
    });

    test('a malformed request is bad_request; no device token is unauthorized', async () => {
      const body = request({ kind: 'export' });
      expect((await ask({ ...body, purpose: 'curiosity' })).body).toMatchObject({ code: 'bad_request' });
      expect((await ask({ ...body, extra: 1 })).body).toMatchObject({ code: 'bad_request' });
      const anonymous = await hq.send(HQ_ROUTES.memberData, body);
      expect(anonymous).toMatchObject({ status: 401, body: { code: 'unauthorized' } });
    });

    test(`after ${PROOF_FAILURES_PER_HOUR} unconfirmed proofs in an hour the device is answered 429 and no PIN is checked, its pushed proofs included; an hour later it goes on`, async () => {
      const device = await hq.pairedDevice('Guessing till', till.storeId);
      for (let i = 0; i < PROOF_FAILURES_PER_HOUR; i++) {
        expect(await answered(request({ kind: 'contacts' }, { pin: String(100000 + i) }, device), device)).toEqual({
          kind: 'refused',
          reason: 'proof_invalid',
        });
      }
      const right = request({ kind: 'contacts' }, { pin: MANAGER_PIN }, device);
      const throttled = await ask(right, device);
      expect(throttled).toEqual({
        status: 429,
        body: { code: 'too_many_requests', message: expect.any(String) as string },
      });
      expect(await auditEntries(memberId)).not.toContainEqual(
        expect.objectContaining({ details: expect.objectContaining({ deviceId: device.deviceId }) as unknown }),
      );
      // One budget per device: its pushed proofs are refused too (an erasure request, here), not opened.
      const opId = randomUUID();
      const erasure = {
        seq: 1,
        opId,
        type: 'member.erasure_requested',
        staffId: manager,
        deviceTime: hq.clock.now.toISOString(),
        payload: {
          memberId,
          reasonCode: 'member_request',
          requestedBy: manager,
          at: hq.clock.now.toISOString(),
          staffProof: proofFrom(
            device,
            { purpose: 'member_erasure', opId, requestedBy: manager, memberId },
            { pin: MANAGER_PIN },
          ),
        },
      };
      const pushed = await hq.send(HQ_ROUTES.push, { ops: [erasure] }, { token: device.deviceToken });
      expect(pushed.status).toBe(429);
      expect((await hq.db.query('SELECT 1 FROM erasure_requests WHERE id = $1', [opId])).rows).toEqual([]);
      const saved = hq.clock.now;
      hq.clock.now = new Date(saved.getTime() + 60 * 60 * 1000 + 1);
      try {
        expect(await answered(right, device)).toEqual({ kind: 'contacts', phone: PHONE, email: EMAIL });
      } finally {
        hq.clock.now = saved;
      }
    });

    test('the operator audit chain still verifies after the tills’ requests', async () => {
      const key = hq.masterKey;
      if (!key) throw new Error('started without the console');
      const audit = createOperatorAuditLog({
        db: hq.db,
        key: deriveKey(key, 'operator-audit'),
        now: () => hq.clock.now,
      });
      expect(await audit.verify()).toMatchObject({ ok: true, firstBrokenSeq: null });
    });
  });
});

describe('an HQ started without its master key (no console)', () => {
  test('does not serve member data: it could not audit it (404 not_found)', async () => {
    const hq = await startTestHq('pglite');
    try {
      const till = await hq.pairedDevice('Till 1');
      const response = await hq.send(
        HQ_ROUTES.memberData,
        {
          kind: 'contacts',
          requestId: randomUUID(),
          memberId: 'm-1',
          requestedBy: 's-1',
          reasonCode: 'member_request',
        },
        { token: till.deviceToken },
      );
      expect(response).toEqual({ status: 404, body: { code: 'not_found', message: 'No such route.' } });
    } finally {
      await hq.close();
    }
  });
});
