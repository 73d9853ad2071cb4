import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { deriveKey } from '../../packages/hq/src/keys/derived-keys';
import { createOperatorAuditLog, verifyOperatorAuditExport } from '../../packages/hq/src/operators/operator-audit';
import { previewRetention } from '../../packages/hq/src/privacy/retention';
import { runPrivacyJob } from '../../packages/hq/src/privacy/privacy-job';
import { startTestHq, type TestHq } from './support/hq';
import { earnOp, enrollOp, newMemberId } from './support/ops';
import { tillChain, upload } from './support/till-audit-chain';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Retention at HQ (issue 13 item 3) on a fake clock: the inactivity rule anonymises exactly the
 * members whose last activity is older than the rule (not one on legal hold, not one active since),
 * the audit rule deletes exactly the entries older than its years from the start of the chain, which
 * still verifies from its new start; the console's preview said so beforehand.
 */
describe('retention rules', () => {
  let hq: TestHq;
  let audit: ReturnType<typeof createOperatorAuditLog>;
  beforeAll(async () => {
    hq = await startTestHq('pglite', { console: true });
    audit = createOperatorAuditLog({
      db: hq.db,
      key: deriveKey(hq.masterKey!, 'operator-audit'),
      now: () => hq.clock.now,
    });
  }, 60_000);
  afterAll(async () => {
    await hq?.close();
  });

  test('a run purges exactly what the rules say, and the preview counted it', async () => {
    await hq.db.query(
      'UPDATE privacy_policy SET inactive_member_months = 12, audit_retention_years = 1, erasure_hold_days = 0 WHERE id = 1',
    );
    // Day 0 (2026-03-02): three members join; two audit entries are written.
    const device = await hq.pairedDevice();
    const [dormant, active, held] = [newMemberId(), newMemberId(), newMemberId()];
    await hq.push(device, [enrollOp(1, dormant), enrollOp(2, active), enrollOp(3, held), earnOp(4, dormant, 40)]);
    await hq.db.transaction(async (tx) => {
      await audit.append(tx, { operatorId: null, action: 'audit.verified', details: { day: 0 } });
      await audit.append(tx, { operatorId: null, action: 'audit.verified', details: { day: 0 } });
    });
    // The till's own chain reaches HQ too: two entries on day 0.
    const tillChainEntries = tillChain();
    const day0Iso = hq.clock.now.toISOString();
    await upload(
      hq,
      device,
      tillChainEntries.add(
        { at: day0Iso, staffId: 'staff-1', action: 'session.login' },
        { at: day0Iso, staffId: 'staff-1', action: 'session.logout' },
      ),
    );
    // Day 200: one of them comes back and earns; another is put on legal hold.
    const day0 = hq.clock.now.getTime();
    hq.clock.now = new Date(day0 + 200 * DAY_MS);
    await hq.push(device, [earnOp(5, active, 10)]);
    await hq.db.query("UPDATE members SET legal_hold_reason = 'dispute', legal_hold_at = $2 WHERE id = $1", [
      held,
      hq.clock.now,
    ]);
    await hq.db.transaction((tx) =>
      audit.append(tx, { operatorId: null, action: 'audit.verified', details: { day: 200 } }),
    );
    await upload(
      hq,
      device,
      tillChainEntries.add({ at: hq.clock.now.toISOString(), staffId: 'staff-1', action: 'session.login' }),
    );

    // Day 370: a year and five days on. The preview over the next 0 days says what a run now will do.
    hq.clock.now = new Date(day0 + 370 * DAY_MS);
    expect(await previewRetention(hq.db, hq.clock.now, 0)).toEqual({
      horizonDays: 0,
      inactiveMembers: 1,
      erasuresDue: 0,
      exportsExpiring: 0,
      auditEntries: 2,
      tillAuditEntries: 2,
      legalHolds: 1,
    });
    // Over the next 200 days the member active on day 200 lapses too; the day-200 entry would be old
    // enough, but it is the chain's newest and the head always stays.
    expect(await previewRetention(hq.db, hq.clock.now, 200)).toMatchObject({ inactiveMembers: 2, auditEntries: 2 });

    const result = await runPrivacyJob({ db: hq.db, audit, now: () => hq.clock.now });
    expect(result).toEqual({
      erased: 0,
      exportsDeleted: 0,
      anonymised: 1,
      auditEntriesDeleted: 2,
      tillAuditEntriesDeleted: 2,
    });
    // HQ's copy of the till's chain lost its two day-0 entries; the day-200 one stays, and the
    // device's head is untouched, so the till's next upload still chains on.
    expect(
      (await hq.db.query<{ seq: string }>('SELECT seq::text AS seq FROM till_audit ORDER BY seq')).rows.map(
        (r) => r.seq,
      ),
    ).toEqual(['3']);
    expect(
      (
        await hq.db.query<{ audit_seq: string }>('SELECT audit_seq::text AS audit_seq FROM devices WHERE id = $1', [
          device.deviceId,
        ])
      ).rows[0]?.audit_seq,
    ).toBe('3');
    const members = await hq.db.query<{ id: string; erased: boolean }>(
      'SELECT id, erased_at IS NOT NULL AS erased FROM members WHERE id = ANY($1::text[]) ORDER BY id',
      [[dormant, active, held]],
    );
    expect(Object.fromEntries(members.rows.map((row) => [row.id, row.erased]))).toEqual({
      [dormant]: true,
      [active]: false,
      [held]: false,
    });
    expect(
      (await hq.db.query('SELECT source, reason_code, status FROM erasure_requests WHERE member_id = $1', [dormant]))
        .rows,
    ).toEqual([{ source: 'retention', reason_code: 'inactivity', status: 'completed' }]);
    // The ledger of the anonymised member stays, under a token.
    expect(
      (
        await hq.db.query<{ points: number; member_id: string | null }>(
          "SELECT points, member_id FROM ledger WHERE erased_subject LIKE 'es_%'",
        )
      ).rows,
    ).toEqual([{ points: 40, member_id: null }]);

    // The two day-0 entries are gone; the chain verifies from its new start, and the entry that
    // records the purge names that start.
    const kept = await hq.db.query<{ seq: number; action: string; details: Record<string, unknown> }>(
      'SELECT seq, action, details FROM operator_audit ORDER BY seq',
    );
    expect(kept.rows.map((row) => [Number(row.seq), row.action])).toEqual([
      [3, 'audit.verified'],
      [4, 'privacy.erasure_completed'],
      [5, 'privacy.retention_purged'],
      [6, 'privacy.retention_purged'],
    ]);
    const start = await audit.start();
    expect(start?.seq).toBe(2);
    expect(kept.rows[2]?.details).toEqual({
      kind: 'operator_audit',
      count: 2,
      throughSeq: 2,
      throughHash: start?.hash,
    });
    expect(kept.rows[3]?.details).toEqual({ kind: 'till_audit', count: 2 });
    expect(await audit.verify()).toMatchObject({ ok: true, checked: 4, head: { seq: 6 } });
    // An auditor's export of what is kept verifies with the start; without it, it does not.
    const lines: string[] = [];
    for await (const line of audit.exportJsonLines()) lines.push(line);
    const key = deriveKey(hq.masterKey!, 'operator-audit');
    expect(await verifyOperatorAuditExport(key, lines, undefined, start ?? undefined)).toMatchObject({ ok: true });
    expect(await verifyOperatorAuditExport(key, lines)).toMatchObject({ ok: false, firstBrokenSeq: 1 });

    // A second run the same day finds nothing more to do.
    expect(await runPrivacyJob({ db: hq.db, audit, now: () => hq.clock.now })).toEqual({
      erased: 0,
      exportsDeleted: 0,
      anonymised: 0,
      auditEntriesDeleted: 0,
      tillAuditEntriesDeleted: 0,
    });
  });
});
