// The console's audit page (issue 14): the tills' audit entries HQ holds, filtered by store, till,
// staff member, action group and time, with staff named from HQ's roster and members masked as the
// till masks them; and the operators' trail filtered by operator, action and time. PGlite.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { addStaff } from '../../packages/hq/src/admin';
import type { PairResponse } from '../../src/shared/sync/protocol';
import { describeAuditEntry } from '../../src/shared/audit/describe';
import { firstAdmin, operatorWith, type ConsoleClient } from './support/console';
import { startTestHq, type TestHq } from './support/hq';
import { enrollOp, newMemberId } from './support/ops';
import { tillChain, upload } from './support/till-audit-chain';

interface TillAuditAnswer {
  entries: {
    deviceId: string;
    storeId: string;
    seq: number;
    at: string;
    staffId: string | null;
    action: string;
    subjectType: string | null;
    subjectId: string | null;
    details: Record<string, string | number | boolean | null>;
  }[];
  hasMore: boolean;
  staff: Record<string, string>;
  members: Record<string, { maskedName: string; maskedCard: string } | { erased: true }>;
  stores: { storeId: string; name: string }[];
  devices: { deviceId: string; storeId: string; name: string }[];
}

describe("console audit: the tills' entries and the operators' trail", () => {
  let hq: TestHq;
  let admin: ConsoleClient;
  let auditor: ConsoleClient;
  let auditorOfficer: ConsoleClient;
  let storeOps: ConsoleClient;
  let front: PairResponse;
  let back: PairResponse;
  let dana: string;
  let eli: string;
  const memberId = newMemberId();
  let card = '';

  beforeAll(async () => {
    hq = await startTestHq('pglite', { console: true });
    admin = (await firstAdmin(hq)).client;
    auditor = (await operatorWith(hq, admin, ['auditor'])).client;
    // Holds member.search too (privacy officer): may see what the till's own log shows.
    auditorOfficer = (await operatorWith(hq, admin, ['auditor', 'privacy_officer'])).client;
    storeOps = (await operatorWith(hq, admin, ['store_operations'])).client;
    front = await hq.pairedDevice('Front till');
    back = await hq.pairedDevice('Back till', front.storeId);
    const deps = { db: hq.db, now: () => hq.clock.now };
    dana = (await addStaff(deps, { storeId: front.storeId, displayName: 'Dana Day', role: 'cashier' })).staffId;
    eli = (await addStaff(deps, { storeId: front.storeId, displayName: 'Eli Evening', role: 'manager' })).staffId;
    const op = enrollOp(1, memberId);
    Object.assign(op.payload, { givenName: 'Wren', familyName: 'Holloway' });
    card = String((op.payload as { cardNumber: string }).cardNumber);
    await hq.push(front, [op]);
    await upload(
      hq,
      front,
      tillChain().add(
        {
          at: '2026-03-02T09:00:00.000Z',
          staffId: dana,
          action: 'session.login',
          subjectType: 'staff',
          subjectId: dana,
        },
        {
          at: '2026-03-02T09:05:00.000Z',
          staffId: dana,
          action: 'member.viewed',
          subjectType: 'member',
          subjectId: memberId,
        },
        {
          at: '2026-03-03T10:00:00.000Z',
          staffId: dana,
          action: 'approval.granted',
          subjectType: 'approval',
          subjectId: '01935c1e-7a2b-7c3d-8e4f-00000009f3c2',
          details: {
            action: 'points.adjust',
            reasonCode: 'goodwill',
            requestedBy: dana,
            approverId: eli,
            target: memberId,
            points: 500,
          },
        },
      ),
    );
    await upload(
      hq,
      back,
      tillChain().add({
        at: '2026-03-04T18:00:00.000Z',
        staffId: eli,
        action: 'settings.changed',
        details: { setting: 'idle_lock_seconds' },
      }),
    );
  }, 120_000);
  afterAll(async () => {
    await hq?.close();
  });

  async function tills(input: Record<string, unknown> = {}): Promise<TillAuditAnswer> {
    const answer = await auditor.call('listTillAudit', input);
    expect(answer.status).toBe(200);
    return answer.body as TillAuditAnswer;
  }

  test('all entries newest first, with names from the roster, the member masked, stores and tills to choose from', async () => {
    const all = await tills();
    expect(all.entries.map((entry) => entry.action)).toEqual([
      'settings.changed',
      'approval.granted',
      'member.viewed',
      'session.login',
    ]);
    expect(all.staff[dana]).toBe('Dana Day');
    // The auditor may not see member data: initials and the card's last digits, as the alerts show them.
    expect(all.members).toEqual({ [memberId]: { maskedName: 'W. H.', maskedCard: `••${card.slice(-4)}` } });
    expect(JSON.stringify(all)).not.toContain('Holloway');
    expect(JSON.stringify(all)).not.toContain('Wren');
    expect(all.devices.map((device) => device.name).sort()).toEqual(['Back till', 'Front till']);
    expect(all.hasMore).toBe(false);

    // Said in words with the same sentences as the till's own log.
    const granted = all.entries[1]!;
    const book = {
      staff: (id: string) => all.staff[id] ?? null,
      member: (id: string) => all.members[id] ?? null,
    };
    expect(describeAuditEntry(granted, 'en', book).sentence).toBe(
      `Eli Evening approved a points adjustment of +500 for W. H. (card ••${card.slice(-4)}), asked by Dana Day`,
    );
    expect(describeAuditEntry(granted, 'ru', book).sentence).toBe(
      `Eli Evening: подтверждено действие «корректировка баллов» на +500 для W. H. (карта ••${card.slice(-4)}), запросил(а) Dana Day`,
    );
  });

  test('an operator who may see member data gets the till’s own mask', async () => {
    const answer = await auditorOfficer.call('listTillAudit', {});
    expect(answer.status).toBe(200);
    expect((answer.body as TillAuditAnswer).members).toEqual({
      [memberId]: { maskedName: 'Wren H.', maskedCard: `••••${card.slice(-4)}` },
    });
  });

  test('each read is audited as audit.read with the filters’ ids and counts, never a member', async () => {
    await tills({ deviceId: front.deviceId, group: 'members' });
    const last = await hq.db.query<{
      action: string;
      subject_type: string | null;
      subject_id: string;
      details: unknown;
    }>(
      `SELECT action, subject_type, subject_id, details FROM operator_audit WHERE action = 'audit.read'
        ORDER BY seq DESC LIMIT 1`,
    );
    const row = last.rows[0];
    const details = typeof row?.details === 'string' ? JSON.parse(row.details) : row?.details;
    expect({ ...row, details }).toEqual({
      action: 'audit.read',
      subject_type: 'device',
      subject_id: front.deviceId,
      details: {
        source: 'till_audit',
        storeId: null,
        deviceId: front.deviceId,
        staffId: null,
        group: 'members',
        entries: 1,
        members: 1,
      },
    });
    expect(JSON.stringify(last.rows)).not.toContain(memberId);
  });

  test('filters: staff member, action group, till, store, time range, and pages', async () => {
    expect((await tills({ staffId: eli })).entries.map((entry) => entry.action)).toEqual(['settings.changed']);
    expect((await tills({ group: 'members' })).entries.map((entry) => entry.action)).toEqual(['member.viewed']);
    expect((await tills({ deviceId: back.deviceId })).entries).toHaveLength(1);
    expect((await tills({ storeId: front.storeId })).entries).toHaveLength(4);
    const day = await tills({ from: '2026-03-02T00:00:00.000Z', to: '2026-03-02T23:59:59.999Z' });
    expect(day.entries.map((entry) => entry.action)).toEqual(['member.viewed', 'session.login']);
    const page = await tills({ limit: 3 });
    expect(page.hasMore).toBe(true);
    expect((await tills({ limit: 3, offset: 3 })).entries.map((entry) => entry.action)).toEqual(['session.login']);
  });

  test('only auditors read it; a bad filter is refused by the contract', async () => {
    expect((await storeOps.call('listTillAudit', {})).status).toBe(403);
    expect((await auditor.call('listTillAudit', { group: 'everything' })).status).toBe(400);
  });

  test("the operators' trail filters by operator, action prefix and time", async () => {
    const all = (await auditor.call('listAudit', {})).body as {
      entries: { operatorId: string | null; action: string; at: string }[];
    };
    const someone = all.entries.find((entry) => entry.operatorId !== null)!;
    const mine = (await auditor.call('listAudit', { operatorId: someone.operatorId })).body as typeof all;
    expect(mine.entries.length).toBeGreaterThan(0);
    expect(mine.entries.every((entry) => entry.operatorId === someone.operatorId)).toBe(true);
    const logins = (await auditor.call('listAudit', { actionPrefix: 'operator.' })).body as typeof all;
    expect(logins.entries.length).toBeGreaterThan(0);
    expect(logins.entries.every((entry) => entry.action.startsWith('operator.'))).toBe(true);
    const future = (await auditor.call('listAudit', { from: '2099-01-01T00:00:00.000Z' })).body as typeof all;
    expect(future.entries).toEqual([]);
    expect((await auditor.call('listAudit', { actionPrefix: '%' })).status).toBe(400);
  });
});
