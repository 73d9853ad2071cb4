import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_DETECTION_POLICY, type DetectionPolicy, type RuleSetting } from '../../src/shared/detection/policy';
import type { ListAlertsResponse, TillAlert } from '../../src/shared/detection/alert-schemas';
import type { FindResponse } from '../../src/shared/members/schemas';
import { manualClock } from '../support/clock';
import { DEMO_CARDS, DEMO_PII, DEMO_STAFF, startCounter, type Counter } from '../support/counter';
import { errorCode, login } from '../support/staff';
import { CONSENTS } from '../support/members';

const CARL = DEMO_STAFF.cashier.id;
const MIA = DEMO_STAFF.manager.id;
const OLGA = { id: 'demo-olga', pin: '860247' } as const;

function policyWith(
  rule: keyof DetectionPolicy['rules'],
  setting: RuleSetting,
  enforceAction: DetectionPolicy['enforceAction'] = 'manager_pin',
): DetectionPolicy {
  return {
    ...DEFAULT_DETECTION_POLICY,
    rules: { ...DEFAULT_DETECTION_POLICY.rules, [rule]: setting },
    enforceAction,
  };
}

interface AlertRow {
  id: string;
  rule: string;
  source: string;
  staff_id: string;
  mode: string;
  count: number;
  threshold: number;
  member_ids: string;
  acknowledged_at: string | null;
}

describe('detection at the till', () => {
  let clock: ReturnType<typeof manualClock>;
  let c: Counter;
  const alerts = () => c.db.prepare('SELECT * FROM detection_alerts ORDER BY raised_at').all() as AlertRow[];
  const holds = () => c.db.prepare('SELECT staff_id, kind, alert_id FROM staff_holds').all();
  const auditOf = (action: string) => c.app.services.audit.list({ action, limit: 500 }).entries;
  /** The demo members' cards (12), in card order: the first ones a snooping cashier opens. */
  let MEMBERS: string[];
  const open = (card: string) => c.call('members.get', { memberId: c.memberId(card) });
  /** Opens members one after another, 20 s apart (the session's idle lock is 2 minutes). */
  async function snoop(members: readonly string[]) {
    for (const member of members) {
      clock.advance(20);
      const result = await open(member);
      if (!result.ok) throw new Error(`members.get ${member} failed: ${result.error.code}`);
    }
  }

  beforeEach(async () => {
    clock = manualClock();
    c = await startCounter(clock);
    MEMBERS = (
      c.db.prepare('SELECT card_number FROM members ORDER BY card_number').all() as { card_number: string }[]
    ).map((row) => row.card_number);
    expect(MEMBERS).toHaveLength(12);
  });
  afterEach(async () => {
    await c.app.dispose();
  });

  it('a cashier opening more members than members_opened allows raises exactly one alert, audited with its keys', async () => {
    c.app.services.settings.setDetectionPolicy(
      policyWith('members_opened', { mode: 'notify', threshold: 3, windowMinutes: 60 }),
    );
    await snoop(MEMBERS.slice(0, 6));

    const raised = alerts();
    expect(raised).toHaveLength(1);
    expect(raised[0]).toMatchObject({
      rule: 'members_opened',
      source: 'till',
      staff_id: CARL,
      mode: 'notify',
      count: 4,
      threshold: 3,
      acknowledged_at: null,
    });
    expect(JSON.parse(raised[0]!.member_ids)).toEqual(MEMBERS.slice(0, 4).map((card) => c.memberId(card)));
    // Notify only: nobody is held, the cashier goes on.
    expect(holds()).toEqual([]);
    expect((await open(MEMBERS[6]!)).ok).toBe(true);

    const entries = auditOf('detection.alert');
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ staffId: CARL, subjectType: 'alert', subjectId: raised[0]!.id });
    expect(Object.keys(entries[0]!.details).sort()).toEqual(
      ['alertId', 'count', 'mode', 'rule', 'threshold', 'windowEnd', 'windowStart'].sort(),
    );
    expect(entries[0]!.details).toMatchObject({
      alertId: raised[0]!.id,
      rule: 'members_opened',
      mode: 'notify',
      count: 4,
      threshold: 3,
      windowStart: '2026-11-24T09:00:20.000Z',
      windowEnd: '2026-11-24T09:01:20.000Z',
    });
    // Each open is one member.viewed entry about the member, never with a name in it.
    expect(auditOf('member.viewed')).toHaveLength(7);
    expect(JSON.stringify(c.app.services.audit.list({ limit: 500 }).entries)).not.toMatch(/Olivia|Bennett/);

    // The cashier may not see alerts; the store manager sees it with masked members and acknowledges it.
    expect(errorCode(await c.call('alerts.list', {}))).toBe('permission_denied');
    await c.signIn('manager');
    expect(await c.ok('alerts.openCount', {})).toEqual({ openCount: 1 });
    const list = await c.ok<ListAlertsResponse>('alerts.list', {});
    expect(list.openCount).toBe(1);
    expect(list.alerts[0]).toMatchObject({ alertId: raised[0]!.id, staffId: CARL, count: 4, threshold: 3, hold: null });
    expect(list.alerts[0]!.members[0]).toEqual({
      memberId: c.memberId(DEMO_CARDS.olivia),
      label: 'O. B. ••0016',
    });
    for (const pii of DEMO_PII) expect(JSON.stringify(list)).not.toContain(pii);
    const acknowledged = await c.ok<TillAlert>('alerts.acknowledge', { alertId: raised[0]!.id });
    expect(acknowledged).toMatchObject({ acknowledgedBy: MIA });
    expect(await c.ok('alerts.openCount', {})).toEqual({ openCount: 0 });
    expect(auditOf('detection.acknowledged')).toHaveLength(1);
    expect(errorCode(await c.call('alerts.acknowledge', { alertId: 'no-such-alert' }))).toBe('alert_not_found');
  });

  it('an honest cashier (search, open, earn, the screen refreshed) raises nothing under the default policy', async () => {
    for (const [i, card] of MEMBERS.entries()) {
      clock.advance(40);
      expect((await c.call('members.find', { query: card })).ok).toBe(true);
      expect((await open(card)).ok).toBe(true);
      clock.advance(30);
      expect(
        (await c.call('points.earn', { memberId: c.memberId(card), amountMinor: 1500, reference: `R-${i}` })).ok,
      ).toBe(true);
      // The member screen reads the member again after the earn: the same look, not a second one.
      expect((await open(card)).ok).toBe(true);
    }
    expect(auditOf('member.searched')).toHaveLength(MEMBERS.length);
    // Newest first: the last card searched, the one member it listed.
    expect(auditOf('member.searched')[0]!.details).toEqual({
      by: 'card',
      results: 1,
      memberIds: c.memberId(MEMBERS.at(-1)!),
    });
    expect(auditOf('member.viewed')).toHaveLength(MEMBERS.length);

    // Past every follow-up: the lookups are decided, all served.
    clock.advance(20 * 60);
    await login(c.app, CARL, DEMO_STAFF.cashier.pin);
    expect((await c.call('members.find', { query: 'Olivia' })).ok).toBe(true);
    expect(alerts()).toEqual([]);

    // The same cashier then opens eleven members and serves none: once the follow-up has passed, the
    // next sensitive action decides them, and lookups_without_sale (more than 10) fires.
    await snoop(MEMBERS.slice(0, 11));
    expect(alerts()).toEqual([]);
    clock.advance(16 * 60);
    await login(c.app, CARL, DEMO_STAFF.cashier.pin);
    expect((await c.call('members.find', { query: 'Olivia' })).ok).toBe(true);
    expect(alerts()).toMatchObject([{ rule: 'lookups_without_sale', count: 11, threshold: 10, staff_id: CARL }]);
  });

  it('enforce with manager_pin: the next sensitive action is refused until another manager’s right PIN clears the hold', async () => {
    c.app.services.settings.setDetectionPolicy(
      policyWith('members_opened', { mode: 'enforce', threshold: 3, windowMinutes: 60 }, 'manager_pin'),
    );
    await snoop(MEMBERS.slice(0, 4));
    const [alert] = alerts();
    expect(alert).toMatchObject({ mode: 'enforce', count: 4 });
    expect(holds()).toEqual([{ staff_id: CARL, kind: 'manager_pin', alert_id: alert!.id }]);
    expect(auditOf('detection.hold_placed')[0]).toMatchObject({
      staffId: CARL,
      subjectId: CARL,
      details: { alertId: alert!.id, kind: 'manager_pin' },
    });

    const refused = await open(MEMBERS[4]!);
    expect(refused).toMatchObject({
      ok: false,
      error: { code: 'detection_hold', details: { alertId: alert!.id, kind: 'manager_pin' } },
    });
    expect(errorCode(await c.call('members.find', { query: 'Olivia' }))).toBe('detection_hold');
    // Serving a member at the till is not held.
    expect((await c.call('points.rules', {})).ok).toBe(true);

    const clear = (managerId: string, pin: string) => c.call('detection.clearHold', { staffId: CARL, managerId, pin });
    expect(errorCode(await clear(MIA, '000000'))).toBe('login_failed');
    // The wrong PIN is the held cashier's doing: they are the actor, the manager whose PIN it was a detail.
    expect(auditOf('session.login_failed').at(0)).toMatchObject({
      staffId: CARL,
      subjectId: MIA,
      details: { purpose: 'approval', reason: 'wrong_pin', approverId: MIA },
    });
    expect(errorCode(await clear(CARL, DEMO_STAFF.cashier.pin))).toBe('second_approver_required');
    expect(holds()).toHaveLength(1);
    expect(errorCode(await open(MEMBERS[4]!))).toBe('detection_hold');

    expect(await clear(MIA, DEMO_STAFF.manager.pin)).toEqual({ ok: true, value: { staffId: CARL, cleared: true } });
    expect(holds()).toEqual([]);
    expect(auditOf('detection.hold_cleared')[0]).toMatchObject({
      staffId: CARL,
      subjectId: CARL,
      details: { alertId: alert!.id, kind: 'manager_pin', approverId: MIA },
    });
    expect((await open(MEMBERS[4]!)).ok).toBe(true);
    // Still inside the alert's window: no second alert, no new hold.
    expect(alerts()).toHaveLength(1);
    expect(holds()).toEqual([]);
  });

  it('enforce on the snoop’s pattern: people looked up by name and only read off the list, nothing sold — held at the next sensitive action', async () => {
    c.app.services.settings.setDetectionPolicy(
      policyWith('lookups_without_sale', { mode: 'enforce', threshold: 2, windowMinutes: 60 }, 'manager_pin'),
    );
    const listed: string[] = [];
    for (const query of ['Olivia', 'Amelia', 'Harry']) {
      clock.advance(20);
      const found = await c.ok<FindResponse>('members.find', { query });
      expect(found.members.length).toBeGreaterThan(0);
      listed.push(found.members.map((member) => member.id).join(','));
    }
    // Each search's entry names the members its list showed (ids joined by ',', in list order), no name.
    const searches = auditOf('member.searched');
    expect(searches.map((entry) => entry.details).reverse()).toEqual(
      listed.map((ids) => ({ by: 'name', results: ids.split(',').length, memberIds: ids })),
    );
    expect(JSON.stringify(searches)).not.toMatch(/Olivia|Amelia|Harry/);
    // Nothing yet: a list is decided once the follow-up has passed with no open and no sale.
    expect(alerts()).toEqual([]);

    clock.advance(16 * 60);
    await login(c.app, CARL, DEMO_STAFF.cashier.pin);
    // The next sensitive action runs the rules: three lists read and left, more than 2 — enforced.
    expect((await c.call('members.find', { query: 'Isla' })).ok).toBe(true);
    const [alert] = alerts();
    expect(alert).toMatchObject({
      rule: 'lookups_without_sale',
      mode: 'enforce',
      count: 3,
      threshold: 2,
      staff_id: CARL,
    });
    expect(new Set(JSON.parse(alert!.member_ids) as string[])).toEqual(
      new Set(listed.flatMap((ids) => ids.split(','))),
    );
    expect(holds()).toEqual([{ staff_id: CARL, kind: 'manager_pin', alert_id: alert!.id }]);
    // Held: no more searching or opening members until a manager's PIN clears it.
    expect(errorCode(await c.call('members.find', { query: 'Oliver' }))).toBe('detection_hold');
    expect(errorCode(await open(DEMO_CARDS.oliver))).toBe('detection_hold');
  });

  it('wrong PINs typed as a staff member at sign-in are counted for them: more than pin_failures allows is one alert', async () => {
    c.app.services.settings.setDetectionPolicy(
      policyWith('pin_failures', { mode: 'notify', threshold: 2, windowMinutes: 15 }),
    );
    await c.call('session.lock', {});
    for (let i = 0; i < 4; i++) {
      clock.advance(60);
      expect(errorCode(await login(c.app, CARL, '000000'))).toBe('login_failed');
    }
    expect(alerts()).toMatchObject([{ rule: 'pin_failures', staff_id: CARL, count: 3, threshold: 2 }]);
    expect(auditOf('detection.alert')[0]).toMatchObject({ staffId: CARL, details: { rule: 'pin_failures' } });
  });

  it('a held manager cannot clear their own hold; another manager can', async () => {
    c.app.services.settings.setDetectionPolicy(
      policyWith('members_opened', { mode: 'enforce', threshold: 3, windowMinutes: 60 }),
    );
    await c.signIn('manager');
    await snoop(MEMBERS.slice(0, 4));
    expect(holds()).toMatchObject([{ staff_id: MIA, kind: 'manager_pin' }]);
    const clear = (managerId: string, pin: string) => c.call('detection.clearHold', { staffId: MIA, managerId, pin });
    expect(errorCode(await clear(MIA, DEMO_STAFF.manager.pin))).toBe('second_approver_required');
    // Nor may the manager acknowledge the alert about themself.
    expect(errorCode(await c.call('alerts.acknowledge', { alertId: alerts()[0]!.id }))).toBe('permission_denied');
    expect((await clear(OLGA.id, OLGA.pin)).ok).toBe(true);
    expect(holds()).toEqual([]);
  });

  it('enforce with lock: the session ends at once and the PIN is refused until a manager unlocks the cashier', async () => {
    c.app.services.settings.setDetectionPolicy(
      policyWith('members_opened', { mode: 'enforce', threshold: 3, windowMinutes: 60 }, 'lock'),
    );
    await snoop(MEMBERS.slice(0, 4));
    expect(holds()).toMatchObject([{ staff_id: CARL, kind: 'lock' }]);
    expect(c.app.services.sessions.current()).toBeNull();
    expect(auditOf('session.locked')[0]).toMatchObject({ staffId: CARL, details: { reason: 'detection' } });
    expect(errorCode(await open(MEMBERS[4]!))).toBe('not_authenticated');

    clock.advance(5);
    expect(errorCode(await login(c.app, CARL, DEMO_STAFF.cashier.pin))).toBe('login_failed');
    const roster = await c.ok<{ staff: { staffId: string; pinLocked: boolean }[] }>('staff.roster', {});
    expect(roster.staff.find((s) => s.staffId === CARL)?.pinLocked).toBe(true);

    await c.signIn('manager');
    const grant = await c.ok<{ approvalId: string }>('approvals.grant', {
      subject: { action: 'staff.unlock', payload: { staffId: CARL }, reasonCode: 'locked_out' },
      managerId: MIA,
      pin: DEMO_STAFF.manager.pin,
    });
    expect((await c.call('staff.unlock', { staffId: CARL, approvalId: grant.approvalId })).ok).toBe(true);
    expect(holds()).toEqual([]);
    expect(auditOf('detection.hold_cleared')[0]).toMatchObject({
      staffId: MIA,
      subjectId: CARL,
      details: { kind: 'lock' },
    });

    clock.advance(5);
    expect((await login(c.app, CARL, DEMO_STAFF.cashier.pin)).ok).toBe(true);
    expect((await open(MEMBERS[4]!)).ok).toBe(true);
  });
});

describe('detection at the till: own or a colleague’s record', () => {
  let clock: ReturnType<typeof manualClock>;
  let c: Counter;

  beforeEach(async () => {
    clock = manualClock();
    c = await startCounter(clock);
  });
  afterEach(async () => {
    await c.app.dispose();
  });

  it('a member named like the signed-in cashier (folded, any order) is their own record: one alert at the first open', async () => {
    await c.signIn('manager');
    const { cardNumber } = await c.ok<{ cardNumber: string }>('members.nextCardNumber', {});
    const enrolled = await c.ok<{ id: string }>('members.enroll', {
      givenName: 'CASHIER',
      familyName: 'Carl',
      email: 'c.c@example.org',
      cardNumber,
      consents: CONSENTS,
    });
    await c.signIn('cashier');
    clock.advance(10);
    expect((await c.call('members.get', { memberId: enrolled.id })).ok).toBe(true);
    const rows = c.db.prepare('SELECT rule, staff_id, count, threshold, member_ids FROM detection_alerts').all();
    expect(rows).toEqual([
      {
        rule: 'own_or_colleague',
        staff_id: CARL,
        count: 1,
        threshold: 0,
        member_ids: JSON.stringify([enrolled.id]),
      },
    ]);
  });
});
