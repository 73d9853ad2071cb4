// Who may do what at HQ (issue 12 item 2): the role × operation table written out here in full and
// compared with roles.ts, the admin commands each mapped to the console endpoints they call, and second-operator
// approvals of sensitive operations on PGlite and PostgreSQL.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ADMIN_USAGE, adminCommandEndpoints } from '../../packages/hq/src/admin/cli';
import { CONSOLE_ENDPOINTS } from '../../packages/hq/src/console/contract';
import type { HqDatabase } from '../../packages/hq/src/db/database';
import { createOperatorAuditLog } from '../../packages/hq/src/operators/operator-audit';
import {
  CONTACT_READING_OPERATIONS,
  OPERATIONS,
  OPERATOR_ROLES,
  OperatorAccessError,
  RevealReason,
  may,
  needsSecondOperator,
  readOperatorRoles,
  setOperatorRoles,
  type OperatorAccessErrorCode,
  type OperatorRole,
} from '../../packages/hq/src/operators/roles';
import {
  APPROVAL_TTL_MS,
  approvalPayloadHash,
  approveRequest,
  listPendingApprovals,
  requestApproval,
  useApproval,
  type SecondOperatorDeps,
} from '../../packages/hq/src/operators/second-operator';
import { BACKENDS, openTestDatabase, skipBackend } from './support/hq';

// admin = chain_admin, store = store_operations, privacy = privacy_officer, auditor = auditor,
// relay = mail_relay (the mail service's account: mail.dispatch alone, which hands it the addresses
// of members waiting for a double opt-in e-mail, so it counts as showing contacts);
// 2nd = needs a second operator's approval; contacts = shows member contacts unmasked.
const TABLE = `
operation                    admin  store  privacy  auditor  relay  2nd  contacts
operators.manage             yes    -      -        -        -      -    -
roles.change                 yes    -      -        -        -      yes  -
stores.read                  yes    yes    -        yes      -      -    -
stores.create                yes    -      -        -        -      -    -
policies.edit                yes    -      -        -        -      -    -
devices.read                 -      yes    -        yes      -      -    -
devices.issue_pairing_code   -      yes    -        -        -      -    -
devices.revoke               -      yes    -        -        -      yes  -
devices.clear_rollback       -      yes    -        -        -      -    -
devices.request_rekey        -      yes    -        -        -      -    -
staff.read                   -      yes    -        -        -      -    -
staff.add                    -      yes    -        -        -      -    -
staff.set_status             -      yes    -        -        -      -    -
staff.reset_pin              -      yes    -        -        -      -    -
catalog.read                 -      yes    -        yes      -      -    -
catalog.edit                 -      yes    -        -        -      -    -
overdrafts.list              -      yes    -        yes      -      -    -
rejected.list                -      yes    -        yes      -      -    -
flagged.list                 -      yes    -        yes      -      -    -
reviews.resolve              -      yes    -        -        -      -    -
reports.read                 -      yes    -        yes      -      -    -
member.search                -      -      yes      -        -      -    -
member.reveal                -      -      yes      -        -      -    yes
member.data_request          -      -      yes      -        -      -    yes
member.erase                 -      -      yes      -        -      yes  -
member.legal_hold            -      -      yes      -        -      -    -
privacy.read                 -      -      yes      yes      -      -    -
privacy.policy_edit          -      -      yes      -        -      -    -
audience.export              -      -      yes      -        -      yes  yes
breach.manage                -      -      yes      -        -      -    -
incidents.read               yes    -      yes      yes      -      -    -
incidents.edit               -      -      yes      -        -      -    -
incidents.members            -      -      yes      -        -      -    -
incidents.notification_list  -      -      yes      -        -      -    yes
incidents.revoke_till        -      -      yes      -        -      yes  -
dashboard.read               yes    yes    yes      yes      -      -    -
detection.policy_read        yes    yes    yes      yes      -      -    -
detection.policy_edit        yes    yes    -        -        -      -    -
alerts.read                  yes    yes    yes      yes      -      -    -
alerts.resolve               -      yes    yes      -        -      -    -
audit.read                   -      -      -        yes      -      -    -
audit.export                 -      -      -        yes      -      -    -
mail.dispatch                -      -      -        -        yes    -    yes
`;

const COLUMNS: readonly OperatorRole[] = [
  'chain_admin',
  'store_operations',
  'privacy_officer',
  'auditor',
  'mail_relay',
];

interface Row {
  operation: string;
  allowed: Record<OperatorRole, boolean>;
  second: boolean;
  contacts: boolean;
}

const ROWS: Row[] = TABLE.trim()
  .split('\n')
  .slice(1)
  .map((line) => {
    const [operation = '', ...cells] = line.trim().split(/\s+/);
    const yes = cells.map((cell) => {
      if (cell !== 'yes' && cell !== '-') throw new Error(`bad cell ${cell} in ${operation}`);
      return cell === 'yes';
    });
    if (yes.length !== 7) throw new Error(`row ${operation} has ${yes.length} cells, not 7`);
    return {
      operation,
      allowed: {
        chain_admin: yes[0] === true,
        store_operations: yes[1] === true,
        privacy_officer: yes[2] === true,
        auditor: yes[3] === true,
        mail_relay: yes[4] === true,
      },
      second: yes[5] === true,
      contacts: yes[6] === true,
    };
  });

describe('the role × operation table', () => {
  test('names every operation once and the five roles (issue 12, and mail_relay of issue 13)', () => {
    expect(ROWS.map((row) => row.operation).sort()).toEqual([...OPERATIONS].sort());
    expect(new Set(ROWS.map((row) => row.operation)).size).toBe(ROWS.length);
    expect([...OPERATOR_ROLES]).toEqual(COLUMNS);
  });

  test.each(ROWS)('$operation: may() for each role alone', ({ operation, allowed }) => {
    const actual = Object.fromEntries(COLUMNS.map((role) => [role, may([role], operation)]));
    expect(actual).toEqual(allowed);
  });

  test.each(ROWS)('$operation: second operator and contacts', ({ operation, second, contacts }) => {
    expect(needsSecondOperator(operation as (typeof OPERATIONS)[number])).toBe(second);
    expect(CONTACT_READING_OPERATIONS.has(operation as (typeof OPERATIONS)[number])).toBe(contacts);
  });

  test('several roles allow what any of them allows; nothing, unknown roles and operations allow nothing', () => {
    expect(may(['auditor', 'privacy_officer'], 'member.reveal')).toBe(true);
    expect(may(['auditor', 'privacy_officer'], 'audit.export')).toBe(true);
    expect(may(['auditor', 'privacy_officer'], 'staff.add')).toBe(false);
    expect(may([], 'stores.read')).toBe(false);
    expect(may(['superuser'], 'stores.read')).toBe(false);
    expect(may(['chain_admin'], 'everything')).toBe(false);
    expect(may(['chain_admin'], 'constructor')).toBe(false);
    expect(may(['__proto__'], 'stores.read')).toBe(false);
  });

  test('a reveal reason is a code and at most an id-like reference, never free text', () => {
    expect(RevealReason.safeParse({ code: 'member_support', reference: 'TICKET-4711' }).success).toBe(true);
    expect(RevealReason.safeParse({ code: 'curiosity' }).success).toBe(false);
    expect(RevealReason.safeParse({ code: 'member_support', reference: 'Anna Petrova called' }).success).toBe(false);
    expect(RevealReason.safeParse({ code: 'member_support', reference: 'anna@example.org' }).success).toBe(false);
  });
});

describe('admin commands, the console endpoints they call and who may run them', () => {
  test('every command of `npm run hq -- COMMAND` names the endpoints it calls, and what each needs', () => {
    const commands = ADMIN_USAGE.map((line) => line.split(' ')[0]);
    const endpoints = adminCommandEndpoints();
    expect(Object.keys(endpoints)).toEqual(commands);
    const needs = Object.fromEntries(
      Object.entries(endpoints).map(([command, names]) => [
        command,
        names.map((name) => `${name}:${CONSOLE_ENDPOINTS[name].access}`),
      ]),
    );
    // create-admin reaches the bootstrap route and export-audit the audit export (audit.export),
    // both outside the endpoint contract.
    expect(needs).toEqual({
      'create-admin': [],
      'create-store': ['createStore:stores.create'],
      'list-stores': ['listStores:stores.read'],
      'issue-pairing-code': ['issuePairingCode:devices.issue_pairing_code'],
      'list-devices': ['listDevices:devices.read'],
      'revoke-device': ['revokeDevice:devices.revoke'],
      'add-staff': ['addStaff:staff.add'],
      'set-staff-status': ['setStaffStatus:staff.set_status'],
      'reset-staff-pin': ['resetStaffPin:staff.reset_pin'],
      'load-catalog': ['getCatalog:catalog.read', 'saveCatalog:catalog.edit'],
      'request-erasure': ['eraseMember:member.erase'],
      'list-overdrafts': ['listOverdrafts:overdrafts.list'],
      'list-rejected': ['listRejected:rejected.list'],
      'list-flagged': ['listFlagged:flagged.list'],
      'verify-audit': ['verifyAudit:audit.read'],
      'export-audit': [],
      'mail-relay': ['listPendingConfirmations:mail.dispatch', 'markConfirmationsDispatched:mail.dispatch'],
    });
  });

  const COMMAND_TABLE = `
command              admin  store  privacy  auditor  relay  admin+store
create-store         yes    -      -        -        -      yes
list-stores          yes    yes    -        yes      -      yes
issue-pairing-code   -      yes    -        -        -      yes
list-devices         -      yes    -        yes      -      yes
revoke-device        -      yes    -        -        -      yes
add-staff            -      yes    -        -        -      yes
set-staff-status     -      yes    -        -        -      yes
reset-staff-pin      -      yes    -        -        -      yes
load-catalog         -      yes    -        -        -      yes
request-erasure      -      -      yes      -        -      -
list-overdrafts      -      yes    -        yes      -      yes
list-rejected        -      yes    -        yes      -      yes
list-flagged         -      yes    -        yes      -      yes
verify-audit         -      -      -        yes      -      -
mail-relay           -      -      -        -        yes    -
`;
  const commandRows = COMMAND_TABLE.trim()
    .split('\n')
    .slice(1)
    .map((line) => {
      const [command = '', ...cells] = line.trim().split(/\s+/);
      return { command, cells: cells.map((cell) => cell === 'yes') };
    });

  test.each(commandRows)('$command: whose token HQ lets run it', ({ command, cells }) => {
    const holders: readonly (readonly OperatorRole[])[] = [
      ['chain_admin'],
      ['store_operations'],
      ['privacy_officer'],
      ['auditor'],
      ['mail_relay'],
      ['chain_admin', 'store_operations'],
    ];
    const endpoints = adminCommandEndpoints()[command] ?? [];
    expect(endpoints.length).toBeGreaterThan(0);
    const mayRun = (roles: readonly OperatorRole[]) =>
      endpoints.every((name) => {
        const access = CONSOLE_ENDPOINTS[name].access;
        return access !== 'public' && access !== 'session' && may(roles, access);
      });
    expect(holders.map(mayRun)).toEqual(cells);
  });
});

async function addOperator(db: HqDatabase, id: string, roles: readonly OperatorRole[]): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.query(`INSERT INTO operators (id, email, display_name, created_at) VALUES ($1, $2, $3, now())`, [
      id,
      `${id}@hq.test`,
      id,
    ]);
    await setOperatorRoles(tx, id, roles);
  });
}

async function refusal(promise: Promise<unknown>): Promise<OperatorAccessErrorCode> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(OperatorAccessError);
  return (error as OperatorAccessError).code;
}

describe.each(BACKENDS)('operator roles and second-operator approvals on %s', (backend) => {
  describe.skipIf(skipBackend(backend))(backend, () => {
    let db: HqDatabase;
    let stop: () => Promise<void>;
    const clock = { now: new Date('2026-12-06T10:00:00.000Z') };
    let deps: SecondOperatorDeps;
    beforeAll(async () => {
      ({ db, stop } = await openTestDatabase(backend));
      const auditKey = randomBytes(32);
      deps = {
        audit: createOperatorAuditLog({ db, key: auditKey, now: () => clock.now }),
        payloadKey: randomBytes(32),
        now: () => clock.now,
      };
      await addOperator(db, 'op-admin', ['chain_admin']);
      await addOperator(db, 'op-admin-2', ['chain_admin', 'auditor']);
      await addOperator(db, 'op-admin-3', ['chain_admin']);
      await addOperator(db, 'op-store', ['store_operations']);
      await addOperator(db, 'op-store-2', ['store_operations']);
      await addOperator(db, 'op-privacy', ['privacy_officer']);
      await addOperator(db, 'op-privacy-2', ['privacy_officer']);
      await addOperator(db, 'op-auditor', ['auditor']);
    });
    afterAll(async () => {
      await stop?.();
    });

    const erase = (memberId: string) => ({
      operatorId: 'op-privacy',
      operation: 'member.erase' as const,
      payload: { memberId },
    });

    test('roles are read back in the order of OPERATOR_ROLES; a disabled operator holds none', async () => {
      expect(await readOperatorRoles(db, 'op-admin-2')).toEqual(['chain_admin', 'auditor']);
      await addOperator(db, 'op-disabled', ['store_operations']);
      await db.query(`UPDATE operators SET status = 'disabled' WHERE id = 'op-disabled'`);
      expect(await readOperatorRoles(db, 'op-disabled')).toEqual([]);
      expect(await readOperatorRoles(db, 'op-nobody')).toEqual([]);
    });

    test('the database refuses a role that is not one of the five, and takes mail_relay (migration 13)', async () => {
      await expect(
        db.query(`INSERT INTO operator_roles (operator_id, role) VALUES ('op-admin', 'superuser')`),
      ).rejects.toThrow();
      await addOperator(db, 'op-relay', ['mail_relay']);
      expect(await readOperatorRoles(db, 'op-relay')).toEqual(['mail_relay']);
    });

    test('a second privacy officer approves an erasure; the requester does it once, with that payload', async () => {
      const { approvalId, expiresAt } = await db.transaction((tx) => requestApproval(tx, deps, erase('m-1')));
      expect(expiresAt.toISOString()).toBe('2026-12-06T10:30:00.000Z');
      expect(await db.transaction((tx) => approveRequest(tx, deps, approvalId, 'op-privacy-2'))).toEqual({
        operation: 'member.erase',
        requestedBy: 'op-privacy',
        payload: { memberId: 'm-1' },
      });
      // Another member, another operation or another requester: not what was approved.
      expect(await refusal(db.transaction((tx) => useApproval(tx, deps, approvalId, erase('m-2'))))).toBe(
        'approval_mismatch',
      );
      expect(
        await refusal(
          db.transaction((tx) => useApproval(tx, deps, approvalId, { ...erase('m-1'), operatorId: 'op-privacy-2' })),
        ),
      ).toBe('approval_mismatch');
      expect(await db.transaction((tx) => useApproval(tx, deps, approvalId, erase('m-1')))).toEqual({
        approvedBy: 'op-privacy-2',
      });
      expect(await refusal(db.transaction((tx) => useApproval(tx, deps, approvalId, erase('m-1'))))).toBe(
        'approval_used',
      );
      const audited = await db.query<{ seq: unknown; operator_id: string; action: string }>(
        `SELECT seq, operator_id, action FROM operator_audit WHERE subject_id = $1 ORDER BY seq`,
        [approvalId],
      );
      expect(audited.rows.map((row) => [row.operator_id, row.action])).toEqual([
        ['op-privacy', 'approval.requested'],
        ['op-privacy-2', 'approval.granted'],
        ['op-privacy', 'approval.used'],
      ]);
      expect((await deps.audit.verify()).ok).toBe(true);
    });

    test('the requester can never approve their own request', async () => {
      const { approvalId } = await db.transaction((tx) => requestApproval(tx, deps, erase('m-3')));
      expect(await refusal(db.transaction((tx) => approveRequest(tx, deps, approvalId, 'op-privacy')))).toBe(
        'approval_self',
      );
      // Nor behind the module's back: the table refuses it.
      await expect(
        db.query(`UPDATE operator_approvals SET approved_by = requested_by, approved_at = now() WHERE id = $1`, [
          approvalId,
        ]),
      ).rejects.toThrow();
      expect(await refusal(db.transaction((tx) => useApproval(tx, deps, approvalId, erase('m-3'))))).toBe(
        'approval_not_approved',
      );
    });

    test('only an operator whose own roles may do the operation approves it', async () => {
      const { approvalId } = await db.transaction((tx) => requestApproval(tx, deps, erase('m-4')));
      for (const approver of ['op-admin', 'op-store', 'op-auditor']) {
        expect(await refusal(db.transaction((tx) => approveRequest(tx, deps, approvalId, approver)))).toBe('forbidden');
      }
      const revoke = { operatorId: 'op-store', operation: 'devices.revoke' as const, payload: { deviceId: 'd-1' } };
      const asked = await db.transaction((tx) => requestApproval(tx, deps, revoke));
      expect(await refusal(db.transaction((tx) => approveRequest(tx, deps, asked.approvalId, 'op-privacy')))).toBe(
        'forbidden',
      );
      await db.transaction((tx) => approveRequest(tx, deps, asked.approvalId, 'op-store-2'));
      expect(await refusal(db.transaction((tx) => approveRequest(tx, deps, asked.approvalId, 'op-admin-2')))).toBe(
        'approval_already_decided',
      );
    });

    test('only a sensitive operation, asked for by an operator who may do it', async () => {
      expect(
        await refusal(
          db.transaction((tx) =>
            requestApproval(tx, deps, { operatorId: 'op-auditor', operation: 'member.erase', payload: {} }),
          ),
        ),
      ).toBe('forbidden');
      expect(
        await refusal(
          db.transaction((tx) =>
            requestApproval(tx, deps, { operatorId: 'op-admin', operation: 'stores.create', payload: {} }),
          ),
        ),
      ).toBe('invalid_argument');
    });

    test('an approval expires 30 minutes after the request, approved or not', async () => {
      const pending = await db.transaction((tx) => requestApproval(tx, deps, erase('m-5')));
      const approved = await db.transaction((tx) => requestApproval(tx, deps, erase('m-6')));
      await db.transaction((tx) => approveRequest(tx, deps, approved.approvalId, 'op-privacy-2'));
      const start = clock.now;
      clock.now = new Date(start.getTime() + APPROVAL_TTL_MS);
      try {
        expect(
          await refusal(db.transaction((tx) => approveRequest(tx, deps, pending.approvalId, 'op-privacy-2'))),
        ).toBe('approval_expired');
        expect(await refusal(db.transaction((tx) => useApproval(tx, deps, approved.approvalId, erase('m-6'))))).toBe(
          'approval_expired',
        );
      } finally {
        clock.now = start;
      }
    });

    test('a failed operation leaves its approval unspent: using it is part of the operation’s transaction', async () => {
      const { approvalId } = await db.transaction((tx) => requestApproval(tx, deps, erase('m-7')));
      await db.transaction((tx) => approveRequest(tx, deps, approvalId, 'op-privacy-2'));
      class OperationFailed extends Error {}
      await expect(
        db.transaction(async (tx) => {
          await useApproval(tx, deps, approvalId, erase('m-7'));
          throw new OperationFailed('the erasure itself failed');
        }),
      ).rejects.toBeInstanceOf(OperationFailed);
      expect(await db.transaction((tx) => useApproval(tx, deps, approvalId, erase('m-7')))).toEqual({
        approvedBy: 'op-privacy-2',
      });
    });

    test('the payload binding is an HMAC of the canonical JSON: key order does not matter, the key does', () => {
      const key = Buffer.alloc(32, 7);
      const a = approvalPayloadHash(key, 'roles.change', { operatorId: 'op-b', roles: ['auditor'], count: 1 });
      const b = approvalPayloadHash(key, 'roles.change', { count: 1, roles: ['auditor'], operatorId: 'op-b' });
      expect(a).toBe(b);
      expect(a).toMatch(/^[0-9a-f]{64}$/);
      expect(
        approvalPayloadHash(Buffer.alloc(32, 8), 'roles.change', { operatorId: 'op-b', roles: ['auditor'], count: 1 }),
      ).not.toBe(a);
      expect(approvalPayloadHash(key, 'member.erase', { operatorId: 'op-b', roles: ['auditor'], count: 1 })).not.toBe(
        a,
      );
      expect(approvalPayloadHash(key, 'roles.change', { operatorId: 'op-b', roles: ['auditor'], count: 2 })).not.toBe(
        a,
      );
    });

    test('the approver sees what is pending; a role change is never approved by the operator it is about', async () => {
      const change = {
        operatorId: 'op-admin',
        operation: 'roles.change' as const,
        payload: { operatorId: 'op-admin-2', roles: ['chain_admin', 'privacy_officer'] },
      };
      const { approvalId } = await db.transaction((tx) => requestApproval(tx, deps, change));
      const pending = await listPendingApprovals(db, clock.now);
      expect(pending.find((item) => item.approvalId === approvalId)).toEqual({
        approvalId,
        operation: 'roles.change',
        requestedBy: 'op-admin',
        payload: { operatorId: 'op-admin-2', roles: ['chain_admin', 'privacy_officer'] },
        requestedAt: new Date('2026-12-06T10:00:00.000Z'),
        expiresAt: new Date('2026-12-06T10:30:00.000Z'),
      });
      expect(await refusal(db.transaction((tx) => approveRequest(tx, deps, approvalId, 'op-admin-2')))).toBe(
        'approval_self',
      );
      expect(await db.transaction((tx) => approveRequest(tx, deps, approvalId, 'op-admin-3'))).toEqual({
        operation: 'roles.change',
        requestedBy: 'op-admin',
        payload: { operatorId: 'op-admin-2', roles: ['chain_admin', 'privacy_officer'] },
      });
      expect((await listPendingApprovals(db, clock.now)).map((item) => item.approvalId)).not.toContain(approvalId);
    });

    test('a payload edited in the table after the request is refused at approval and at use', async () => {
      const asked = await db.transaction((tx) => requestApproval(tx, deps, erase('m-8')));
      await db.query(`UPDATE operator_approvals SET payload = '{"memberId":"m-9"}'::jsonb WHERE id = $1`, [
        asked.approvalId,
      ]);
      expect(await refusal(db.transaction((tx) => approveRequest(tx, deps, asked.approvalId, 'op-privacy-2')))).toBe(
        'approval_mismatch',
      );
      const approved = await db.transaction((tx) => requestApproval(tx, deps, erase('m-10')));
      await db.transaction((tx) => approveRequest(tx, deps, approved.approvalId, 'op-privacy-2'));
      await db.query(`UPDATE operator_approvals SET payload = '{"memberId":"m-11"}'::jsonb WHERE id = $1`, [
        approved.approvalId,
      ]);
      expect(await refusal(db.transaction((tx) => useApproval(tx, deps, approved.approvalId, erase('m-11'))))).toBe(
        'approval_mismatch',
      );
    });

    test('a payload holding anything but ids, codes and counts is refused', async () => {
      for (const payload of [
        { memberId: 'm-1', note: 'Anna Petrova asked' },
        { email: 'anna@example.org' },
        { memberId: { nested: 'm-1' } },
      ]) {
        expect(
          await refusal(
            db.transaction((tx) =>
              requestApproval(tx, deps, {
                operatorId: 'op-privacy',
                operation: 'member.erase',
                payload: payload as unknown as Record<string, string>,
              }),
            ),
          ),
        ).toBe('invalid_argument');
      }
    });
  });
});
