import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { deriveKey } from '../../packages/hq/src/keys/derived-keys';
import { createOperatorAuditLog } from '../../packages/hq/src/operators/operator-audit';
import { requestErasure } from '../../packages/hq/src/privacy/erasure';
import { runPrivacyJob } from '../../packages/hq/src/privacy/privacy-job';
import { startTestHq, type TestHq } from './support/hq';
import { earnOp, enrollOp, newMemberId } from './support/ops';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * HQ's privacy job (issue 13): erasures wait for the chain's hold after the member's last purchase
 * and for any legal hold to be lifted; export documents go after their retention; every purge is in
 * the operator audit, done by the system. The clock is the test's.
 */
describe('the privacy job', () => {
  let hq: TestHq;
  let job: () => ReturnType<typeof runPrivacyJob>;
  beforeAll(async () => {
    hq = await startTestHq('pglite', { console: true });
    const audit = createOperatorAuditLog({
      db: hq.db,
      key: deriveKey(hq.masterKey!, 'operator-audit'),
      now: () => hq.clock.now,
    });
    job = () => runPrivacyJob({ db: hq.db, audit, now: () => hq.clock.now });
  }, 60_000);
  afterAll(async () => {
    await hq?.close();
  });

  const systemAudit = async () =>
    (
      await hq.db.query<{ action: string; subject_id: string | null; details: unknown }>(
        "SELECT action, subject_id, details FROM operator_audit WHERE action LIKE 'privacy.%' ORDER BY seq",
      )
    ).rows;

  test('holds an erasure for the hold and a legal hold, then erases once and audits it; deletes export documents past retention', async () => {
    await hq.db.query('UPDATE privacy_policy SET erasure_hold_days = 3 WHERE id = 1');
    const device = await hq.pairedDevice();
    const member = newMemberId();
    const start = hq.clock.now.getTime();
    await hq.push(device, [enrollOp(1, member), earnOp(2, member, 120)]);
    // The earn's `at` is the ops' fixed time; the hold counts from it.
    const lastPurchase = (
      await hq.db.query<{ at: Date }>('SELECT max(at) AS at FROM ledger WHERE member_id = $1', [member])
    ).rows[0]!.at;
    const exportId = randomUUID();
    await hq.db.query(
      `INSERT INTO member_exports (id, member_id, purpose, source, created_at, expires_at, document)
       VALUES ($1, $2, 'access_request', 'console', $3, $4, '{"member":"x"}'::jsonb)`,
      [exportId, member, hq.clock.now, new Date(start + DAY_MS)],
    );

    const asked = await requestErasure({ db: hq.db, now: () => hq.clock.now }, member);
    expect(asked).toMatchObject({
      status: 'pending',
      dueAt: new Date(new Date(lastPurchase).getTime() + 3 * DAY_MS),
      erasedAt: null,
      legalHold: false,
    });

    hq.clock.now = new Date(start + DAY_MS + 60_000);
    expect(await job()).toEqual({
      erased: 0,
      exportsDeleted: 1,
      anonymised: 0,
      auditEntriesDeleted: 0,
      tillAuditEntriesDeleted: 0,
    });
    expect(
      (await hq.db.query('SELECT document, deleted_at FROM member_exports WHERE id = $1', [exportId])).rows,
    ).toEqual([{ document: null, deleted_at: hq.clock.now }]);

    // A legal hold stops the erasure even after its hold has passed.
    await hq.db.query("UPDATE members SET legal_hold_reason = 'litigation', legal_hold_at = $2 WHERE id = $1", [
      member,
      hq.clock.now,
    ]);
    hq.clock.now = new Date(new Date(lastPurchase).getTime() + 3 * DAY_MS + 60_000);
    expect(await job()).toEqual({
      erased: 0,
      exportsDeleted: 0,
      anonymised: 0,
      auditEntriesDeleted: 0,
      tillAuditEntriesDeleted: 0,
    });
    expect((await hq.db.query('SELECT erased_at FROM members WHERE id = $1', [member])).rows).toEqual([
      { erased_at: null },
    ]);

    await hq.db.query('UPDATE members SET legal_hold_reason = NULL, legal_hold_at = NULL WHERE id = $1', [member]);
    expect(await job()).toEqual({
      erased: 1,
      exportsDeleted: 0,
      anonymised: 0,
      auditEntriesDeleted: 0,
      tillAuditEntriesDeleted: 0,
    });
    expect(await job()).toEqual({
      erased: 0,
      exportsDeleted: 0,
      anonymised: 0,
      auditEntriesDeleted: 0,
      tillAuditEntriesDeleted: 0,
    });
    expect(
      (await hq.db.query('SELECT status, completed_at FROM erasure_requests WHERE member_id = $1', [member])).rows,
    ).toEqual([{ status: 'completed', completed_at: hq.clock.now }]);
    expect(await systemAudit()).toEqual([
      { action: 'privacy.retention_purged', subject_id: null, details: { kind: 'member_exports', count: 1 } },
      {
        action: 'privacy.erasure_completed',
        subject_id: member,
        details: { erasureRequest: asked.requestId, ledgerRows: 1, opsScrubbed: 2 },
      },
    ]);
  });
});
