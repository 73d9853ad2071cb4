import { hkdfSync } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { withCheckDigit } from '../../src/shared/members/card-number';
import { GENESIS_HASH, chainHash } from '../../src/main/audit/audit-log';
import { secretAccounts } from '../../src/main/keychain/device-secrets';
import { canonicalJson } from '../../src/shared/canonical-json';
import { startTestApp, type TestApp } from '../support/app';
import { manualClock } from '../support/clock';
import { CONSENTS } from '../support/members';
import { PINS, errorCode, login, seedStaff, type Result } from '../support/staff';

const resetNina = {
  action: 'staff.resetPin',
  payload: { staffId: 'nina', temporaryPin: '864213' },
  reasonCode: 'forgot_pin',
} as const;

interface Row {
  seq: number;
  staff_id: string | null;
  action: string;
  subject_type: string | null;
  subject_id: string | null;
  details: string;
}

describe('the audit log readable by people, on a real till', () => {
  let app: TestApp;
  let clock: ReturnType<typeof manualClock>;
  const call = <T = unknown>(channel: string, payload: unknown) => app.call<Result<T>>(channel, payload);
  const rows = (action: string) =>
    app.services.database.db.prepare('SELECT * FROM audit WHERE action = ? ORDER BY seq').all(action) as Row[];
  const details = (row: Row | undefined) => JSON.parse(row?.details ?? 'null') as Record<string, unknown>;

  beforeEach(async () => {
    clock = manualClock();
    app = await startTestApp(undefined, { now: clock.now, signedIn: null });
    await seedStaff(app);
  });
  afterEach(async () => {
    await app.dispose();
  });

  it('a wrong manager PIN and a reused approval are two different refusals; the cashier signed in is the actor, the manager the approverId', async () => {
    await login(app, 'carl', PINS.carl);

    // Mia's wrong PIN typed at Carl's till.
    const wrong = await call('approvals.grant', { subject: resetNina, managerId: 'mia', pin: '864219' });
    expect(errorCode(wrong)).toBe('login_failed');
    const failed = rows('session.login_failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ staff_id: 'carl', subject_type: 'staff', subject_id: 'mia' });
    expect(details(failed[0])).toEqual({ purpose: 'approval', consecutive: 1, reason: 'wrong_pin', approverId: 'mia' });

    // Her right PIN: the grant is Carl's entry with Mia as the approver.
    clock.advance(5);
    const granted = await call<{ approvalId: string }>('approvals.grant', {
      subject: resetNina,
      managerId: 'mia',
      pin: PINS.mia,
    });
    const approvalId = granted.ok ? granted.value.approvalId : '';
    expect(approvalId).not.toBe('');
    const grant = rows('approval.granted');
    expect(grant).toHaveLength(1);
    expect(grant[0]).toMatchObject({ staff_id: 'carl', subject_type: 'approval', subject_id: approvalId });
    expect(details(grant[0])).toEqual({
      action: 'staff.resetPin',
      reasonCode: 'forgot_pin',
      requestedBy: 'carl',
      approverId: 'mia',
      target: 'nina',
    });

    // Used once, then used again.
    expect((await call('staff.resetPin', { ...resetNina.payload, approvalId })).ok).toBe(true);
    expect(errorCode(await call('staff.resetPin', { ...resetNina.payload, approvalId }))).toBe('approval_invalid');
    const refused = rows('approval.refused');
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({ staff_id: 'carl', subject_id: approvalId });
    expect(details(refused[0])).toEqual({ action: 'staff.resetPin', reason: 'already_used', approverId: 'mia' });

    // And an approval for another temporary PIN is refused as such, not as used or a wrong PIN.
    clock.advance(5);
    const second = await call<{ approvalId: string }>('approvals.grant', {
      subject: resetNina,
      managerId: 'mia',
      pin: PINS.mia,
    });
    const secondId = second.ok ? second.value.approvalId : '';
    expect(
      errorCode(await call('staff.resetPin', { staffId: 'nina', temporaryPin: '975318', approvalId: secondId })),
    ).toBe('approval_invalid');
    expect(details(rows('approval.refused')[1])).toEqual({
      action: 'staff.resetPin',
      reason: 'other_action',
      approverId: 'mia',
    });

    // A cashier typing their own id as the approver: refused as not a manager, the cashier named as approver.
    clock.advance(5);
    expect(errorCode(await call('approvals.grant', { subject: resetNina, managerId: 'carl', pin: PINS.carl }))).toBe(
      'permission_denied',
    );
    expect(details(rows('approval.refused')[2])).toEqual({
      action: 'staff.resetPin',
      reason: 'not_manager',
      approverId: 'carl',
    });
  });

  it('the list names members masked, filters by group and by card (never stored), and the export is a manager’s, audited, with the chain', async () => {
    await login(app, 'mia', PINS.mia);
    const card = withCheckDigit('600400000777');
    const enrolled = await call<{ id: string }>('members.enroll', {
      givenName: 'Ada',
      familyName: 'Lovelace',
      email: 'ada@example.org',
      cardNumber: card,
      consents: CONSENTS,
    });
    const memberId = enrolled.ok ? enrolled.value.id : '';
    await call('settings.setIdleLock', { seconds: 300 });

    const byCard = await call<{ entries: { action: string; subjectId: string }[]; members: Record<string, unknown> }>(
      'audit.list',
      { memberCard: card },
    );
    expect(byCard.ok).toBe(true);
    if (!byCard.ok) return;
    expect(byCard.value.entries.map((entry) => entry.action).sort()).toEqual([
      // The three consents recorded at enrolment (terms, e-mail, SMS) and the enrolment.
      'consent.changed',
      'consent.changed',
      'consent.changed',
      'member.enrolled',
    ]);
    expect(byCard.value.members).toEqual({ [memberId]: { maskedName: 'Ada L.', maskedCard: `••••${card.slice(-4)}` } });
    const auditText = (
      app.services.database.db.prepare('SELECT group_concat(details) AS t FROM audit').get() as { t: string }
    ).t;
    expect(auditText).not.toContain(card);

    expect(await call('audit.list', { memberCard: withCheckDigit('600400000888') })).toMatchObject({
      ok: true,
      value: { entries: [], memberNotFound: true },
    });
    const settings = await call<{ entries: { action: string }[] }>('audit.list', { group: 'settings' });
    expect(settings.ok && settings.value.entries.map((entry) => entry.action)).toEqual(['settings.changed']);

    // The export, two pages of two entries, in Russian.
    const first = await call<{
      csv: string;
      jsonl: string;
      count: number;
      total: number;
      next: { afterSeq: number; throughSeq: number } | null;
    }>('audit.export', { language: 'ru', limit: 2 });
    expect(first.ok).toBe(true);
    if (!first.ok) return;
    const head = rows('audit.exported');
    expect(head).toHaveLength(1);
    expect(head[0]?.staff_id).toBe('mia');
    const total = first.value.total;
    expect(details(head[0])).toMatchObject({ entries: total, byMember: false });
    expect(first.value.csv.split('\r\n')[0]).toBe('"№","Время (UTC)","Сотрудник","Что произошло","Подробности"');
    const lines = first.value.jsonl
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines[0]).toMatchObject({
      kind: 'loyalty-desk/till-audit-export',
      chainStart: { seq: 0, hash: GENESIS_HASH },
      keyVersions: {
        1: 'the till audit key',
        2: 'HKDF-SHA256(the till audit key, empty salt, info "loyalty-desk/till/audit-chain/v1", 32 bytes)',
      },
    });
    let all = lines.slice(1);
    let csv = first.value.csv;
    let next = first.value.next;
    while (next) {
      const page = await call<{ csv: string; jsonl: string; next: typeof next }>('audit.export', {
        language: 'ru',
        limit: 2,
        cursor: next,
      });
      if (!page.ok) throw new Error('export page refused');
      all = all.concat(
        page.value.jsonl
          .trim()
          .split('\n')
          .filter(Boolean)
          .map((line) => JSON.parse(line) as Record<string, unknown>),
      );
      csv += page.value.csv;
      next = page.value.next;
    }
    expect(all).toHaveLength(total);
    expect(csv).toContain(`Mia Manager: зарегистрирован участник Ada L. (карта ••••${card.slice(-4)})`);
    expect(csv).toContain('Mia Manager: изменена настройка «время автоблокировки»');
    expect(csv).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-/);
    expect(csv).not.toContain('Lovelace');
    // An auditor with the key checks every link from the chain's start, each entry under the key its
    // key_version names in the preamble: on a till made since migration 9, the derived one throughout.
    const key = await app.keychain.keychain.get(secretAccounts(app.services.database.installId).auditKey);
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    const chainKey = Buffer.from(
      hkdfSync('sha256', Buffer.from(key ?? '', 'hex'), Buffer.alloc(0), 'loyalty-desk/till/audit-chain/v1', 32),
    );
    let prev = GENESIS_HASH;
    for (const entry of all) {
      expect(entry.prev_hash).toBe(prev);
      expect(entry.key_version).toBe(2);
      if (key) {
        expect(
          chainHash(chainKey, prev, {
            seq: entry.seq as number,
            at: entry.at as string,
            staff_id: entry.staffId as string | null,
            action: entry.action as string,
            subject_type: entry.subjectType as string | null,
            subject_id: entry.subjectId as string | null,
            details: canonicalJson(entry.details),
          }),
        ).toBe(entry.hash);
      }
      prev = entry.hash as string;
    }

    // Cashiers do not export.
    await login(app, 'carl', PINS.carl);
    expect(errorCode(await call('audit.export', { language: 'en' }))).toBe('permission_denied');
  });
});
