// The console's privacy endpoints (issue 13): the policy and its hold, pending erasures and legal
// holds, a member's export (shown once, kept until it expires), audiences approved by a second
// privacy officer and logged as disclosures. PGlite; the role table is console-roles.test.ts.
import { randomUUID } from 'node:crypto';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { PairResponse } from '../../src/shared/sync/protocol';
import { startTestHq, type TestHq } from './support/hq';
import { firstAdmin, operatorWith, type ConsoleClient } from './support/console';
import { consentOp, earnOp, enrollOp, newMemberId } from './support/ops';

const DAY_MS = 24 * 60 * 60 * 1000;
const schema = JSON.parse(readFileSync('docs/schemas/member-export.v1.schema.json', 'utf8')) as object;

describe('console privacy', () => {
  let hq: TestHq;
  let privA: ConsoleClient;
  let privB: ConsoleClient;
  let auditor: ConsoleClient;
  let device: PairResponse;
  let seq = 0;
  const held = newMemberId();
  const leaving = newMemberId();

  beforeAll(async () => {
    hq = await startTestHq('pglite', { console: true });
    const admin = (await firstAdmin(hq)).client;
    privA = (await operatorWith(hq, admin, ['privacy_officer'])).client;
    privB = (await operatorWith(hq, admin, ['privacy_officer'])).client;
    auditor = (await operatorWith(hq, admin, ['auditor'])).client;
    device = await hq.pairedDevice('Privacy till');
    const enrol = (memberId: string, email: string) => {
      const op = enrollOp(++seq, memberId);
      Object.assign(op.payload, { givenName: 'Wren', familyName: 'Holloway', email });
      return op;
    };
    await hq.push(device, [
      enrol(held, 'held@example.com'),
      enrol(leaving, 'leaving@example.com'),
      earnOp(++seq, leaving, 80),
      consentOp(++seq, leaving, true),
    ]);
  }, 120_000);
  afterAll(async () => {
    await hq?.close();
  });

  test('the policy: defaults shown, a change needs the current version, and the hold applies to the next erasure', async () => {
    const before = await privA.call('getPrivacyOverview');
    expect(before.status).toBe(200);
    expect(before.body).toMatchObject({
      policy: {
        erasureHoldDays: 0,
        inactiveMemberMonths: null,
        auditRetentionYears: 6,
        exportRetentionDays: 30,
        confirmationTtlHours: 72,
        version: 1,
        updatedAt: null,
      },
      pendingErasures: [],
      completedErasures: 0,
      legalHolds: [],
    });
    const policy = {
      erasureHoldDays: 2,
      inactiveMemberMonths: 24,
      auditRetentionYears: 6,
      exportRetentionDays: 14,
      confirmationTtlHours: 48,
    };
    expect((await privA.call('savePrivacyPolicy', { baseVersion: 1, policy })).body).toEqual({ version: 2 });
    const stale = await privB.call('savePrivacyPolicy', { baseVersion: 1, policy: { ...policy, erasureHoldDays: 0 } });
    expect(stale.status).toBe(409);
    expect(stale.body).toMatchObject({ code: 'conflict' });
    const outOfBounds = await privB.call('savePrivacyPolicy', {
      baseVersion: 2,
      policy: { ...policy, erasureHoldDays: 400 },
    });
    expect(outOfBounds.status).toBe(400);
    // The auditor reads it; the auditor cannot change it.
    expect((await auditor.call('getPrivacyOverview')).body).toMatchObject({
      policy: { erasureHoldDays: 2, version: 2 },
    });
    expect((await auditor.call('savePrivacyPolicy', { baseVersion: 2, policy })).status).toBe(403);

    // An erasure now waits two days after the member's last purchase (the ops' time, 09:30).
    const asked = await privA.call('eraseMember', { memberId: leaving, reasonCode: 'member_request' });
    const { approvalId } = asked.body as { approvalId: string };
    expect((await privB.call('approve', { approvalId })).status).toBe(200);
    const erased = await privA.call('eraseMember', { memberId: leaving, reasonCode: 'member_request', approvalId });
    const due = new Date(new Date('2026-03-02T09:30:00.000Z').getTime() + 2 * DAY_MS).toISOString();
    expect(erased.body).toMatchObject({ status: 'pending', dueAt: due, erasedAt: null, legalHold: false });
    const overview = await privA.call('getPrivacyOverview');
    expect((overview.body as { pendingErasures: unknown[] }).pendingErasures).toEqual([
      {
        erasureRequestId: (erased.body as { erasureRequestId: string }).erasureRequestId,
        memberId: leaving,
        source: 'console',
        reasonCode: 'member_request',
        storeId: null,
        requestedAt: hq.clock.now.toISOString(),
        dueAt: due,
        legalHold: null,
      },
    ]);
    // Restricted meanwhile: marketing e-mail was withdrawn at once.
    expect((await hq.db.query('SELECT marketing_email FROM members WHERE id = $1', [leaving])).rows).toEqual([
      { marketing_email: false },
    ]);
  });

  test('a legal hold shows on the page, keeps the member, and lifting it is recorded', async () => {
    const put = await privA.call('setLegalHold', { memberId: held, reason: 'litigation' });
    expect(put.body).toEqual({ memberId: held, legalHold: 'litigation' });
    const overview = (await privA.call('getPrivacyOverview')).body as { legalHolds: unknown[]; preview: unknown };
    expect(overview.legalHolds).toEqual([{ memberId: held, reason: 'litigation', since: hq.clock.now.toISOString() }]);
    expect(overview.preview).toMatchObject({ legalHolds: 1 });
    expect((await privA.call('setLegalHold', { memberId: 'no-such-member', reason: 'litigation' })).status).toBe(404);
    expect((await privA.call('setLegalHold', { memberId: held, reason: null })).body).toEqual({
      memberId: held,
      legalHold: null,
    });
    const audit = await hq.db.query<{ details: unknown }>(
      "SELECT details FROM operator_audit WHERE action = 'member.legal_hold' AND subject_id = $1 ORDER BY seq",
      [held],
    );
    expect(audit.rows.map((row) => row.details)).toEqual([{ reason: 'litigation' }, { reason: null }]);
  });

  test('a member export: the document validates against the published schema, a retry does not hand it out again, HQ keeps it until it expires', async () => {
    const requestId = randomUUID();
    const first = await privA.call('exportMember', { requestId, memberId: held, purpose: 'portability_request' });
    expect(first.status).toBe(200);
    const answer = first.body as { exportId: string; expiresAt: string; document: Record<string, unknown> };
    expect(answer.expiresAt).toBe(new Date(hq.clock.now.getTime() + 14 * DAY_MS).toISOString());
    const ajv = new Ajv2020({ allErrors: true, strict: true });
    addFormats(ajv);
    expect(ajv.validate(schema, answer.document), JSON.stringify(ajv.errors)).toBe(true);
    expect(answer.document).toMatchObject({
      exportId: answer.exportId,
      purpose: 'portability_request',
      complete: true,
      member: { memberId: held, givenName: 'Wren', email: 'held@example.com' },
    });
    const retry = await privA.call('exportMember', { requestId, memberId: held, purpose: 'portability_request' });
    expect(retry.body).toEqual({ exportId: answer.exportId, expiresAt: answer.expiresAt, document: null });
    expect(
      (
        await hq.db.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM member_exports WHERE member_id = $1 AND document IS NOT NULL',
          [held],
        )
      ).rows,
    ).toEqual([{ n: 1 }]);
    // Neither the request log nor the audit holds the document's personal data.
    const logged = JSON.stringify(
      (await hq.db.query('SELECT * FROM console_requests')).rows.concat(
        (await hq.db.query('SELECT * FROM operator_audit')).rows,
      ),
    );
    expect(logged).not.toContain('held@example.com');
    expect(logged).not.toContain('Holloway');
    expect((await auditor.call('exportMember', { memberId: held, purpose: 'access_request' })).status).toBe(403);
  });

  test('an audience needs a second privacy officer, is logged as a disclosure, and a retry hands out no rows', async () => {
    const request = { purpose: 'analytics', recipient: 'bi-warehouse', fields: ['tier', 'points'] };
    const asked = await privA.call('exportAudience', request);
    expect(asked.status).toBe(409);
    const { approvalId } = asked.body as { approvalId: string };
    expect((await privB.call('approve', { approvalId })).status).toBe(200);
    const requestId = randomUUID();
    const done = await privA.call('exportAudience', { ...request, requestId, approvalId });
    expect(done.status).toBe(200);
    const audience = done.body as { disclosureId: string; memberCount: number; rows: Record<string, unknown>[] };
    // The member waiting for erasure is left out (restricted); the other one is in.
    expect(audience.memberCount).toBe(1);
    expect(audience.rows).toEqual([
      { memberRef: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/), tier: 'standard', points: 0 },
    ]);
    const retry = await privA.call('exportAudience', { ...request, requestId, approvalId });
    expect(retry.body).toMatchObject({ disclosureId: audience.disclosureId, memberCount: 1, rows: [] });
    const log = await auditor.call('listDisclosures');
    expect((log.body as { disclosures: unknown[] }).disclosures).toEqual([
      {
        disclosureId: audience.disclosureId,
        recipient: 'bi-warehouse',
        purpose: 'analytics',
        fields: ['tier', 'points'],
        pseudonymised: true,
        memberCount: 1,
        operatorId: expect.any(String),
        disclosedAt: hq.clock.now.toISOString(),
      },
    ]);
    const refused = await privA.call('exportAudience', { ...request, fields: ['email'] });
    expect(refused.status).toBe(400);
  });
});
