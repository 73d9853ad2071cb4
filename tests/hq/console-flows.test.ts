// Console flows (issue 12): second-operator approvals for revokeDevice / eraseMember /
// setOperatorRoles, request-id idempotency, catalogue conflicts, masked member search with an
// audited reveal, and the operator audit chain's verification.
import { randomUUID } from 'node:crypto';
import { requestErasure } from '../../packages/hq/src/privacy/erasure';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import type { PairResponse } from '../../src/shared/sync/protocol';
import { BACKENDS, skipBackend, startTestHq, type TestHq } from './support/hq';
import { firstAdmin, operatorWith, type ConsoleClient } from './support/console';
import { enrollOp, newMemberId } from './support/ops';
import { TEST_REWARDS } from './support/test-catalog';

const PERSONAL = {
  givenName: 'Augusta',
  familyName: 'Byronova',
  phone: '+447700900123',
  email: 'augusta.byronova@example.com',
  birthDate: '1815-12-10',
};

const details = (value: unknown): Record<string, unknown> =>
  (typeof value === 'string' ? JSON.parse(value) : value) as Record<string, unknown>;

describe.each(BACKENDS)('console flows on %s', (backend) => {
  let hq: TestHq;
  let admin: ConsoleClient;
  let admin2: ConsoleClient;
  let opsA: ConsoleClient;
  let opsB: ConsoleClient;
  let privA: ConsoleClient;
  let privB: ConsoleClient;
  let auditor: ConsoleClient;
  let device: PairResponse;
  let seq = 0;

  beforeAll(async () => {
    if (skipBackend(backend)) return;
    hq = await startTestHq(backend, { console: true });
    admin = (await firstAdmin(hq)).client;
    admin2 = (await operatorWith(hq, admin, ['chain_admin'])).client;
    opsA = (await operatorWith(hq, admin, ['store_operations'])).client;
    opsB = (await operatorWith(hq, admin, ['store_operations'])).client;
    privA = (await operatorWith(hq, admin, ['privacy_officer'])).client;
    privB = (await operatorWith(hq, admin, ['privacy_officer'])).client;
    auditor = (await operatorWith(hq, admin, ['auditor'])).client;
    device = await hq.pairedDevice('Members till');
  }, 180_000);
  afterAll(async () => {
    await hq?.close();
  });
  // Logins move the clock 30 s each; every session is touched so none idles out between tests.
  beforeEach(async () => {
    if (skipBackend(backend)) return;
    for (const client of [admin, admin2, opsA, opsB, privA, privB, auditor])
      expect((await client.call('session')).status).toBe(200);
  });

  async function enrolMember(personal: Partial<typeof PERSONAL> = {}): Promise<{ memberId: string; card: string }> {
    const memberId = newMemberId();
    const op = enrollOp(++seq, memberId);
    Object.assign(op.payload, personal);
    await hq.push(device, [op]);
    return { memberId, card: String(op.payload.cardNumber) };
  }

  async function approvalRequested(response: { status: number; body: unknown }): Promise<string> {
    expect(response.status).toBe(409);
    expect(response.body).toMatchObject({ code: 'approval_required' });
    const { approvalId } = response.body as { approvalId: string };
    expect(approvalId).toMatch(/^[A-Za-z0-9_.:-]+$/);
    return approvalId;
  }

  test.skipIf(skipBackend(backend))(
    'revokeDevice: asked by A, not approvable by A, approved by B, bound to the device, spent once',
    async () => {
      const x = await hq.pairedDevice('Till X');
      const y = await hq.pairedDevice('Till Y');
      const approvalId = await approvalRequested(await opsA.call('revokeDevice', { deviceId: x.deviceId }));
      const revoked = () =>
        hq.db.query<{ id: string }>('SELECT id FROM devices WHERE revoked_at IS NOT NULL AND id = ANY($1::text[])', [
          [x.deviceId, y.deviceId],
        ]);
      expect((await revoked()).rows).toEqual([]);

      const self = await opsA.call('approve', { approvalId });
      expect(self.status).toBe(409);
      expect(self.body).toMatchObject({ code: 'approval_self' });
      const notYet = await opsA.call('revokeDevice', { deviceId: x.deviceId, approvalId });
      expect(notYet.status).toBe(409);
      expect(notYet.body).toMatchObject({ code: 'approval_not_approved' });

      expect((await opsB.call('approve', { approvalId })).status).toBe(200);

      const otherDevice = await opsA.call('revokeDevice', { deviceId: y.deviceId, approvalId });
      expect(otherDevice.status).toBe(409);
      expect(otherDevice.body).toMatchObject({ code: 'approval_mismatch' });
      const otherRequester = await opsB.call('revokeDevice', { deviceId: x.deviceId, approvalId });
      expect(otherRequester.status).toBe(409);
      expect(otherRequester.body).toMatchObject({ code: 'approval_mismatch' });
      expect((await revoked()).rows).toEqual([]);

      const done = await opsA.call('revokeDevice', { deviceId: x.deviceId, approvalId });
      expect(done.status).toBe(200);
      expect(done.body).toEqual({ revokedAt: hq.clock.now.toISOString() });
      expect((await revoked()).rows).toEqual([{ id: x.deviceId }]);

      const again = await opsA.call('revokeDevice', { deviceId: x.deviceId, approvalId });
      expect(again.status).toBe(409);
      expect(again.body).toMatchObject({ code: 'approval_used' });
      const forY = await opsA.call('revokeDevice', { deviceId: y.deviceId, approvalId });
      expect(forY.status).toBe(409);
      expect((await revoked()).rows).toEqual([{ id: x.deviceId }]);
    },
  );

  test.skipIf(skipBackend(backend))(
    'no approval is asked for on something that does not exist: 404 and no approval row',
    async () => {
      const approvals = () => hq.db.query('SELECT id FROM operator_approvals ORDER BY id');
      const before = (await approvals()).rows;
      const device = await opsA.call('revokeDevice', { deviceId: 'no-such-device' });
      expect(device.status).toBe(404);
      expect(device.body).toMatchObject({ code: 'device_not_found', message: 'No device no-such-device.' });
      const member = await privA.call('eraseMember', { reasonCode: 'member_request', memberId: 'no-such-member' });
      expect(member.status).toBe(404);
      expect(member.body).toMatchObject({ code: 'member_not_found' });
      const operator = await admin.call('setOperatorRoles', { operatorId: 'no-such-operator', roles: ['auditor'] });
      expect(operator.status).toBe(404);
      expect(operator.body).toMatchObject({ code: 'operator_not_found' });
      expect((await approvals()).rows).toEqual(before);
    },
  );

  test.skipIf(skipBackend(backend))(
    'eraseMember: privacy officer A asks, B approves (store operations may not), bound to the member, spent once',
    async () => {
      const member = await enrolMember(PERSONAL);
      const other = await enrolMember({ givenName: 'Other' });
      const approvalId = await approvalRequested(
        await privA.call('eraseMember', { reasonCode: 'member_request', memberId: member.memberId }),
      );
      const self = await privA.call('approve', { approvalId });
      expect(self.status).toBe(409);
      expect(self.body).toMatchObject({ code: 'approval_self' });
      const wrongRole = await opsB.call('approve', { approvalId });
      expect(wrongRole.status).toBe(403);
      expect(wrongRole.body).toMatchObject({ code: 'forbidden' });
      expect((await privB.call('approve', { approvalId })).status).toBe(200);

      const mismatch = await privA.call('eraseMember', {
        reasonCode: 'member_request',
        memberId: other.memberId,
        approvalId,
      });
      expect(mismatch.status).toBe(409);
      expect(mismatch.body).toMatchObject({ code: 'approval_mismatch' });
      const erasedIds = async () =>
        (
          await hq.db.query<{ id: string }>(
            'SELECT id FROM members WHERE erased_at IS NOT NULL AND id = ANY($1::text[]) ORDER BY id',
            [[member.memberId, other.memberId]],
          )
        ).rows;
      expect(await erasedIds()).toEqual([]);

      const done = await privA.call('eraseMember', {
        reasonCode: 'member_request',
        memberId: member.memberId,
        approvalId,
      });
      expect(done.status).toBe(200);
      expect(done.body).toMatchObject({ status: 'erased', legalHold: false });
      expect(await erasedIds()).toEqual([{ id: member.memberId }]);
      const row = await hq.db.query<{ phone: string | null; email: string | null }>(
        'SELECT phone, email FROM members WHERE id = $1',
        [member.memberId],
      );
      expect(row.rows[0]).toEqual({ phone: null, email: null });

      const again = await privA.call('eraseMember', {
        reasonCode: 'member_request',
        memberId: member.memberId,
        approvalId,
      });
      expect(again.status).toBe(409);
      expect(again.body).toMatchObject({ code: 'approval_used' });
    },
  );

  test.skipIf(skipBackend(backend))(
    'setOperatorRoles: chain admin asks, another approves, bound to the roles asked for, spent once',
    async () => {
      const target = (await operatorWith(hq, admin, ['auditor'])).client;
      const rolesOf = async () =>
        (
          await hq.db.query<{ role: string }>('SELECT role FROM operator_roles WHERE operator_id = $1 ORDER BY role', [
            target.operatorId,
          ])
        ).rows.map((r) => r.role);
      const approvalId = await approvalRequested(
        await admin.call('setOperatorRoles', { operatorId: target.operatorId, roles: ['auditor', 'store_operations'] }),
      );
      const self = await admin.call('approve', { approvalId });
      expect(self.status).toBe(409);
      expect(self.body).toMatchObject({ code: 'approval_self' });
      const subject = await target.call('approve', { approvalId });
      expect(subject.status).toBeGreaterThanOrEqual(403);
      expect(subject.status).toBeLessThan(500);
      expect((await admin2.call('approve', { approvalId })).status).toBe(200);

      const moreRoles = await admin.call('setOperatorRoles', {
        operatorId: target.operatorId,
        roles: ['auditor', 'store_operations', 'chain_admin'],
        approvalId,
      });
      expect(moreRoles.status).toBe(409);
      expect(moreRoles.body).toMatchObject({ code: 'approval_mismatch' });
      expect(await rolesOf()).toEqual(['auditor']);

      const done = await admin.call('setOperatorRoles', {
        operatorId: target.operatorId,
        roles: ['auditor', 'store_operations'],
        approvalId,
      });
      expect(done.status).toBe(200);
      expect(done.body).toEqual({ roles: ['store_operations', 'auditor'] });
      expect(await rolesOf()).toEqual(['auditor', 'store_operations']);
      // Their sessions end with the change.
      expect((await target.call('session')).status).toBe(401);

      const again = await admin.call('setOperatorRoles', {
        operatorId: target.operatorId,
        roles: ['auditor', 'store_operations'],
        approvalId,
      });
      expect(again.status).toBe(409);
      expect(again.body).toMatchObject({ code: 'approval_used' });
    },
  );

  test.skipIf(skipBackend(backend))(
    'an operator cannot change their own roles: 409 self_change, and no approval is left waiting',
    async () => {
      const approvalsBefore = (await hq.db.query('SELECT id FROM operator_approvals ORDER BY id')).rows;
      const own = await admin.call('setOperatorRoles', {
        operatorId: admin.operatorId,
        roles: ['chain_admin', 'auditor'],
      });
      expect(own.status).toBe(409);
      expect(own.body).toMatchObject({ code: 'self_change' });
      expect((await hq.db.query('SELECT id FROM operator_approvals ORDER BY id')).rows).toEqual(approvalsBefore);
    },
  );

  test.skipIf(skipBackend(backend))(
    'the same request id twice: one store, the second answer is the first replayed (idempotent-replay: true)',
    async () => {
      const requestId = randomUUID();
      const first = await admin.call('createStore', { requestId, name: 'Idempotent Lane' });
      const second = await admin.call('createStore', { requestId, name: 'Idempotent Lane' });
      expect(first.status).toBe(200);
      expect(first.headers['idempotent-replay']).toBeUndefined();
      expect(second.status).toBe(200);
      expect(second.headers['idempotent-replay']).toBe('true');
      expect(second.body).toEqual(first.body);
      const stores = await hq.db.query('SELECT id FROM stores WHERE name = $1', ['Idempotent Lane']);
      expect(stores.rows).toEqual([{ id: (first.body as { storeId: string }).storeId }]);

      const reused = await admin.call('listOperators', {});
      expect(reused.status).toBe(200);
      const otherEndpoint = await admin.call('createOperator', {
        requestId,
        email: 'reuse@chain.example',
        displayName: 'Reuse',
        roles: ['auditor'],
      });
      expect(otherEndpoint.status).toBe(409);
      expect(otherEndpoint.body).toMatchObject({ code: 'conflict' });
    },
  );

  test.skipIf(skipBackend(backend))(
    'addStaff retried: one staff row, and the replay shows temporaryPin ""',
    async () => {
      const requestId = randomUUID();
      const input = { requestId, storeId: null, displayName: 'Retry Cashier', role: 'cashier' };
      const first = await opsA.call('addStaff', input);
      const second = await opsA.call('addStaff', input);
      expect(first.status).toBe(200);
      const { staffId, temporaryPin } = first.body as { staffId: string; temporaryPin: string };
      expect(temporaryPin).toMatch(/^\d{4,}$/);
      expect(second.status).toBe(200);
      expect(second.headers['idempotent-replay']).toBe('true');
      expect(second.body).toEqual({ staffId, temporaryPin: '' });
      const rows = await hq.db.query('SELECT id FROM staff WHERE display_name = $1', ['Retry Cashier']);
      expect(rows.rows).toEqual([{ id: staffId }]);
    },
  );

  test.skipIf(skipBackend(backend))(
    'a catalogue saved on a stale baseVersion is a 409 conflict and changes nothing',
    async () => {
      const current = await opsA.call('getCatalog');
      expect(current.status).toBe(200);
      const base = (current.body as { version: number }).version;
      const saved = await opsA.call('saveCatalog', { baseVersion: base, catalog: { rewards: TEST_REWARDS } });
      expect(saved.status).toBe(200);
      expect(saved.body).toMatchObject({ version: base + 1 });
      const before = await hq.snapshot();
      const stale = await opsB.call('saveCatalog', {
        baseVersion: base,
        catalog: {
          rewards: [...TEST_REWARDS, { id: 'reward-stale', name: { en: 'Stale', ru: 'Старое' }, costPoints: 7 }],
        },
      });
      expect(stale.status).toBe(409);
      expect(stale.body).toMatchObject({ code: 'conflict' });
      const after = JSON.parse(await hq.snapshot()) as Record<string, unknown>;
      const was = JSON.parse(before) as Record<string, unknown>;
      for (const table of ['rewards', 'catalog_versions', 'store_settings', 'console_requests'])
        expect(after[table], table).toEqual(was[table]);
    },
  );

  test.skipIf(skipBackend(backend))(
    'a member whose phone changes is found by the new number, no longer by the old one; an erased member by neither',
    async () => {
      const { memberId } = await enrolMember({ phone: '+447911123001', email: 'first.address@example.com' });
      const find = async (by: 'phone' | 'email', value: string) => {
        const found = await privA.call('searchMembers', { by, value });
        expect(found.status).toBe(200);
        return (found.body as { members: { memberId: string }[] }).members.map((m) => m.memberId);
      };
      expect(await find('phone', '+447911123001')).toEqual([memberId]);
      await hq.push(device, [
        {
          seq: ++seq,
          opId: randomUUID(),
          type: 'member.updated',
          staffId: 'staff-1',
          deviceTime: '2026-03-02T09:00:00.000Z',
          payload: {
            memberId,
            changes: { phone: '+447911123002', email: 'second.address@example.com' },
            updatedAt: '2026-03-02T09:00:00.000Z',
          },
        },
      ] as Parameters<TestHq['push']>[1]);
      expect(await find('phone', '+447911123001')).toEqual([]);
      expect(await find('phone', '+447911123002')).toEqual([memberId]);
      expect(await find('email', 'first.address@example.com')).toEqual([]);
      expect(await find('email', 'SECOND.address@example.com')).toEqual([memberId]);
      await requestErasure({ db: hq.db, now: () => hq.clock.now }, memberId);
      expect(await find('phone', '+447911123002')).toEqual([]);
      const row = await hq.db.query('SELECT phone_lookup, email_lookup FROM members WHERE id = $1', [memberId]);
      expect(row.rows).toEqual([{ phone_lookup: null, email_lookup: null }]);
    },
  );

  test.skipIf(skipBackend(backend))(
    'member search by card, phone and e-mail answers masked data only; reveal needs a reason and is audited without contacts',
    async () => {
      const { memberId, card } = await enrolMember({
        ...PERSONAL,
        email: 'search.me@example.com',
        phone: '+447911123456',
      });
      const secrets = ['search.me@example.com', '+447911123456', '7911123456', 'Augusta', 'Byronova', card];
      for (const [by, value] of [
        ['card', card],
        ['phone', '+447911123456'],
        ['email', 'Search.Me@example.com'],
      ] as const) {
        const found = await privA.call('searchMembers', { by, value });
        expect(found.status, by).toBe(200);
        const { members } = found.body as { members: { memberId: string; initials: string }[] };
        expect(
          members.map((m) => m.memberId),
          by,
        ).toEqual([memberId]);
        expect(members[0]?.initials).toBe('A. B.');
        for (const secret of secrets) expect(found.text, `${by} answer holds ${secret}`).not.toContain(secret);
      }

      const noReason = await privA.call('revealMember', { memberId });
      expect(noReason.status).toBe(400);
      expect(noReason.body).toMatchObject({ code: 'bad_request' });
      const freeText = await privA.call('revealMember', { memberId, reason: 'because I want to' });
      expect(freeText.status).toBe(400);

      const revealed = await privA.call('revealMember', { memberId, reason: 'member_support', reference: 'TICKET-42' });
      expect(revealed.status).toBe(200);
      expect(revealed.body).toMatchObject({
        memberId,
        cardNumber: card,
        givenName: 'Augusta',
        familyName: 'Byronova',
        phone: '+447911123456',
        email: 'search.me@example.com',
      });
      const last = await hq.db.query<{ action: string; operator_id: string; subject_id: string; details: unknown }>(
        'SELECT action, operator_id, subject_id, details FROM operator_audit ORDER BY seq DESC LIMIT 1',
      );
      expect(last.rows[0]).toMatchObject({
        action: 'member.reveal',
        operator_id: privA.operatorId,
        subject_id: memberId,
      });
      expect(details(last.rows[0]?.details)).toEqual({ reason: 'member_support', reference: 'TICKET-42' });

      const audit = JSON.stringify((await hq.db.query('SELECT * FROM operator_audit ORDER BY seq')).rows);
      for (const secret of secrets) expect(audit, `operator_audit holds ${secret}`).not.toContain(secret);
    },
  );

  test.skipIf(skipBackend(backend))(
    'the audit trail names each operator beside their id; the chained entry itself holds the id only',
    async () => {
      const trail = await auditor.call('listAudit', { limit: 500 });
      expect(trail.status).toBe(200);
      const entries = (
        trail.body as { entries: { operatorId: string | null; operatorName: string | null; action: string }[] }
      ).entries;
      const adminLogin = entries.find((e) => e.operatorId === admin.operatorId && e.action === 'operator.login');
      expect(adminLogin).toMatchObject({ operatorName: 'Chain Admin' });
      const stored = await hq.db.query('SELECT * FROM operator_audit');
      expect(JSON.stringify(stored.rows)).not.toContain('Chain Admin');
    },
  );

  test.skipIf(skipBackend(backend))(
    'audit verify is ok, and after one row is tampered with in SQL it names that row',
    async () => {
      const ok = await auditor.call('verifyAudit');
      expect(ok.status).toBe(200);
      expect(ok.body).toMatchObject({ ok: true, firstBadSeq: null });
      const middle = await hq.db.query<{ seq: string | number }>(
        'SELECT seq FROM operator_audit ORDER BY seq OFFSET 5 LIMIT 1',
      );
      const seqToTamper = Number(middle.rows[0]?.seq);
      expect(seqToTamper).toBeGreaterThan(1);
      await hq.db.query(`UPDATE operator_audit SET details = '{"tampered": true}'::jsonb WHERE seq = $1`, [
        seqToTamper,
      ]);
      const bad = await auditor.call('verifyAudit');
      expect(bad.status).toBe(200);
      expect(bad.body).toMatchObject({ ok: false, firstBadSeq: seqToTamper });
    },
  );
});
