import { rmSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import counterJson from '../../resources/demo/counter.json';
import { createEarnRulesStore } from '../../src/main/points/earn-rules-store';
import { createRewardsCatalog } from '../../src/main/rewards/catalog';
import type { QueueEntry } from '../../src/shared/approvals/schemas';
import { withCheckDigit } from '../../src/shared/members/card-number';
import type { MemberSummary } from '../../src/shared/members/schemas';
import type { MemberView } from '../../src/shared/members/member-view';
import { EarnRules, MAX_PURCHASE_MINOR } from '../../src/shared/points/rules';
import type { LedgerEntry } from '../../src/shared/points/schemas';
import type { Balance } from '../../src/shared/members/schemas';
import { manualClock } from '../support/clock';
import {
  DEMO_CARDS,
  DEMO_PII,
  DEMO_STAFF,
  UUID_V7,
  auditRows,
  counts,
  diff,
  expectCounterInvariants,
  expectNoPii,
  expectOneOp,
  lastSeq,
  snapshotAll,
  startCounter,
  type Counter,
  type DemoMember,
  type Snapshot,
} from '../support/counter';
import { CONSENTS } from '../support/members';
import { markPaired } from '../support/paired-identity';

type Written = { entry: LedgerEntry; balance: Balance };
type Quote = { points: number; multiplierPermille: number; tier: string; currency: string; rulesVersion: number };

const DEMO_RULES = EarnRules.parse(counterJson.earnRules);
/** A well-formed id nothing on the till has. */
const UNKNOWN = '01900000-0000-7000-8000-000000000000';

interface LedgerRow {
  op_id: string;
  member_id: string;
  kind: string;
  points: number;
  state: string;
  at: string;
  staff_id: string | null;
  approved_by: string | null;
  approval_id: string | null;
  store_id: string;
  reference: string | null;
  amount_minor: number | null;
  currency: string | null;
  reward_id: string | null;
  reason_code: string | null;
  rules_version: number | null;
  reverses_op_id: string | null;
}

describe('counter: earning points', () => {
  let clock: ReturnType<typeof manualClock>;
  let c: Counter;
  const id = (member: DemoMember) => c.memberId(DEMO_CARDS[member]);
  const ledgerRow = (opId: string) => c.db.prepare('SELECT * FROM ledger WHERE op_id = ?').get(opId) as LedgerRow;
  const quote = (member: DemoMember, amountMinor: number) =>
    c.ok<Quote>('points.quote', { memberId: id(member), amountMinor });

  beforeEach(async () => {
    clock = manualClock();
    c = await startCounter(clock);
  });
  afterEach(async () => {
    expectCounterInvariants(c.db);
    expect(c.app.services.audit.verify().ok).toBe(true);
    expectNoPii(c.db, c.app.logLines, DEMO_PII);
    await c.app.dispose();
  });

  it('the quote shown before the commit is exactly what is written, for every tier', async () => {
    const cases = [
      { member: 'oliver', tier: 'standard', multiplierPermille: 1000, points: 12, confirmed: 320 },
      { member: 'amelia', tier: 'silver', multiplierPermille: 1250, points: 15, confirmed: 760 },
      { member: 'olivia', tier: 'gold', multiplierPermille: 1500, points: 18, confirmed: 1840 },
    ] as const;
    for (const [i, expected] of cases.entries()) {
      // £12.34 → 12.34 / 15.425 / 18.51 points, rounded down.
      const shown = await quote(expected.member, 1234);
      expect(shown).toEqual({
        points: expected.points,
        multiplierPermille: expected.multiplierPermille,
        tier: expected.tier,
        currency: 'GBP',
        rulesVersion: 1,
      });
      const written = await c.ok<Written>('points.earn', {
        memberId: id(expected.member),
        amountMinor: 1234,
        reference: `R-100${i}`,
        expectedPoints: shown.points,
      });
      expect(written.entry).toMatchObject({
        kind: 'earn',
        points: shown.points,
        state: 'pending',
        staffId: 'demo-carl',
        approvedBy: null,
        reference: `R-100${i}`,
        amountMinor: 1234,
        currency: 'GBP',
        rewardId: null,
        reasonCode: null,
        reversesOpId: null,
        reversedBy: null,
      });
      expect(written.balance).toEqual({
        confirmed: expected.confirmed,
        pending: expected.points,
        total: expected.confirmed + expected.points,
      });
      expect(ledgerRow(written.entry.opId)).toMatchObject({
        member_id: id(expected.member),
        points: expected.points,
        amount_minor: 1234,
        currency: 'GBP',
        rules_version: 1,
        state: 'pending',
        store_id: 'unpaired',
        at: clock.now().toISOString(),
      });
      const view = await c.ok<MemberView>('members.get', { memberId: id(expected.member) });
      expect(view.member.balance).toEqual(written.balance);
      expect(view.member.balance).toEqual(written.balance);
      expect(view.ledger[0]).toEqual(written.entry);
    }
  });

  it('an earn adds one ledger entry, one audit entry and one outbox row (next seq, same UUIDv7 op id), nothing else', async () => {
    for (let i = 0; i < 3; i++) {
      const before = snapshotAll(c.db);
      const seqBefore = lastSeq(c.db);
      clock.advance(1);
      const written = await c.ok<Written>('points.earn', {
        memberId: id('oliver'),
        amountMinor: 2500 + i,
        reference: `T${i}`,
      });
      const changes = diff(before, snapshotAll(c.db));
      expect(counts(changes)).toEqual({
        ledger: [1, 0],
        audit: [1, 0],
        outbox: [1, 0],
        sync_state: [1, i === 0 ? 0 : 1], // outbox_last_seq
        requests: [1, 0], // the client request, recorded with its write
      });
      expect(written.entry.opId).toMatch(UUID_V7);
      const payload = expectOneOp(c.db, changes, {
        type: 'points.earned',
        opId: written.entry.opId,
        staffId: 'demo-carl',
        seqBefore,
      });
      expect(payload).toEqual({
        memberId: id('oliver'),
        kind: 'earn',
        points: 25,
        at: clock.now().toISOString(),
        reference: `T${i}`,
        amountMinor: 2500 + i,
        currency: 'GBP',
        rewardId: null,
        reasonCode: null,
        approvedBy: null,
        approvalId: null,
        reversesOpId: null,
        rulesVersion: 1,
      });
      expect(changes.audit?.added[0]).toMatchObject({
        staff_id: 'demo-carl',
        action: 'points.earned',
        subject_type: 'member',
        subject_id: id('oliver'),
      });
      expect(JSON.parse(changes.audit?.added[0]?.details as string)).toEqual({ opId: written.entry.opId, points: 25 });
    }
    expect(lastSeq(c.db)).toBe(3);
  });

  it('a receipt earns once: the same reference again (any member, any spacing) is refused and writes nothing', async () => {
    const first = await c.ok<Written>('points.earn', { memberId: id('oliver'), amountMinor: 1000, reference: 'R-1' });
    const before = snapshotAll(c.db);
    for (const attempt of [
      { memberId: id('oliver'), amountMinor: 1000, reference: 'R-1' },
      { memberId: id('amelia'), amountMinor: 5000, reference: 'R-1' },
      { memberId: id('oliver'), amountMinor: 1000, reference: '  R-1  ' },
      // Another case, or full-width characters from an East Asian keyboard: the same receipt.
      { memberId: id('oliver'), amountMinor: 1000, reference: 'r-1' },
      { memberId: id('oliver'), amountMinor: 1000, reference: 'Ｒ－１' },
    ]) {
      expect(await c.call('points.earn', attempt)).toMatchObject({
        ok: false,
        error: { code: 'reference_used', details: { opId: first.entry.opId, memberId: id('oliver') } },
      });
    }
    expect(snapshotAll(c.db)).toEqual(before);
    // Another receipt number is another purchase.
    expect((await c.call('points.earn', { memberId: id('oliver'), amountMinor: 1000, reference: 'R-2' })).ok).toBe(
      true,
    );
  });

  it('refuses an earn whose points differ from the quote shown (rules or tier changed, or a wrong figure)', async () => {
    const shown = await quote('oliver', 5000);
    expect(shown.points).toBe(50);
    let before = snapshotAll(c.db);
    expect(
      await c.call('points.earn', { memberId: id('oliver'), amountMinor: 5000, reference: 'Q1', expectedPoints: 51 }),
    ).toMatchObject({ ok: false, error: { code: 'earn_quote_changed' } });
    expect(snapshotAll(c.db)).toEqual(before);

    // HQ's rules change between the quote and the commit: double points for standard members.
    createEarnRulesStore(c.db).set({
      ...DEMO_RULES,
      version: 2,
      tierMultipliersPermille: { standard: 2000, silver: 1250, gold: 1500 },
    });
    before = snapshotAll(c.db);
    expect(
      await c.call('points.earn', {
        memberId: id('oliver'),
        amountMinor: 5000,
        reference: 'Q1',
        expectedPoints: shown.points,
      }),
    ).toMatchObject({ ok: false, error: { code: 'earn_quote_changed' } });
    expect(snapshotAll(c.db)).toEqual(before);
    const requoted = await quote('oliver', 5000);
    expect(requoted).toMatchObject({ points: 100, multiplierPermille: 2000, rulesVersion: 2 });
    const written = await c.ok<Written>('points.earn', {
      memberId: id('oliver'),
      amountMinor: 5000,
      reference: 'Q1',
      expectedPoints: requoted.points,
    });
    expect(ledgerRow(written.entry.opId)).toMatchObject({ points: 100, rules_version: 2 });

    // HQ moves the member to gold meanwhile: the silver quote no longer holds.
    const silver = await quote('amelia', 1000);
    expect(silver.points).toBe(12); // 12.5 rounded down
    c.db.prepare("UPDATE members SET tier = 'gold' WHERE id = ?").run(id('amelia'));
    before = snapshotAll(c.db);
    expect(
      await c.call('points.earn', { memberId: id('amelia'), amountMinor: 1000, reference: 'Q2', expectedPoints: 12 }),
    ).toMatchObject({ ok: false, error: { code: 'earn_quote_changed' } });
    expect(snapshotAll(c.db)).toEqual(before);
  });

  it.each([
    ['amount 0', { amountMinor: 0 }, [{ path: 'amountMinor', code: 'too_small' }]],
    ['a negative amount', { amountMinor: -500 }, [{ path: 'amountMinor', code: 'too_small' }]],
    ['a fractional amount', { amountMinor: 1234.5 }, [{ path: 'amountMinor', code: 'not_whole_number' }]],
    [
      'an amount above the maximum',
      { amountMinor: MAX_PURCHASE_MINOR + 1 },
      [{ path: 'amountMinor', code: 'too_big' }],
    ],
    ['an amount as text', { amountMinor: '1234' }, [{ path: 'amountMinor', code: 'invalid_type' }]],
    ['a 10 kB reference', { reference: 'R'.repeat(10_240) }, [{ path: 'reference', code: 'too_long' }]],
    ['a 41-character reference', { reference: 'R'.repeat(41) }, [{ path: 'reference', code: 'too_long' }]],
    ['a blank reference', { reference: '   ' }, [{ path: 'reference', code: 'required' }]],
    ['markup in the reference', { reference: '<img src=x>' }, [{ path: 'reference', code: 'invalid_characters' }]],
    ['an unknown field', { bonus: 100 }, [{ path: 'bonus', code: 'unknown_field' }]],
  ])('refuses %s with a field code and writes nothing', async (_label, change, issues) => {
    const before = snapshotAll(c.db);
    const result = await c.call('points.earn', {
      memberId: id('oliver'),
      amountMinor: 1234,
      reference: 'R-9',
      ...change,
    });
    expect(result).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
    expect(!result.ok && result.error.issues).toEqual(issues);
    expect(snapshotAll(c.db)).toEqual(before);
  });

  it('quotes refuse the same bad amounts', async () => {
    for (const [amountMinor, code] of [
      [0, 'too_small'],
      [-1, 'too_small'],
      [0.5, 'not_whole_number'],
      [MAX_PURCHASE_MINOR + 1, 'too_big'],
    ] as const) {
      const result = await c.call('points.quote', { memberId: id('oliver'), amountMinor });
      expect(result).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
      expect(!result.ok && result.error.issues).toEqual([{ path: 'amountMinor', code }]);
    }
    // The largest purchase is accepted: £100,000 at gold is 150,000 points.
    expect(await quote('olivia', MAX_PURCHASE_MINOR)).toMatchObject({ points: 150_000 });
  });

  it('refuses an unknown member, and a purchase that earns no points, writing nothing', async () => {
    const before = snapshotAll(c.db);
    const ghost = '01900000-0000-7000-8000-000000000000';
    expect(await c.call('points.quote', { memberId: ghost, amountMinor: 1234 })).toMatchObject({
      ok: false,
      error: { code: 'member_not_found' },
    });
    expect(await c.call('points.earn', { memberId: ghost, amountMinor: 1234, reference: 'R-1' })).toMatchObject({
      ok: false,
      error: { code: 'member_not_found' },
    });
    // £0.99 at standard is 0.99 points: nothing to award.
    expect(await quote('oliver', 99)).toMatchObject({ points: 0 });
    expect(await c.call('points.earn', { memberId: id('oliver'), amountMinor: 99, reference: 'R-1' })).toMatchObject({
      ok: false,
      error: { code: 'earn_zero_points' },
    });
    expect(snapshotAll(c.db)).toEqual(before);
  });

  it('applies the rounding mode of the store rules, and the quote still matches what is written', async () => {
    const cases = [
      // rounding, member, amount, points: £12.34 standard = 12.34; £0.40 silver = 0.5; £12.34 gold = 18.51
      ['up', 'oliver', 1234, 13],
      ['up', 'amelia', 40, 1],
      ['nearest', 'amelia', 40, 1],
      ['nearest', 'olivia', 1234, 19],
      ['nearest', 'oliver', 1234, 12],
      ['down', 'olivia', 1234, 18],
    ] as const;
    for (const [i, [rounding, member, amountMinor, points]] of cases.entries()) {
      createEarnRulesStore(c.db).set({ ...DEMO_RULES, version: 10 + i, rounding });
      const shown = await quote(member, amountMinor);
      expect(shown, `${rounding} ${member}`).toMatchObject({ points, rulesVersion: 10 + i });
      const written = await c.ok<Written>('points.earn', {
        memberId: id(member),
        amountMinor,
        reference: `RND-${i}`,
        expectedPoints: shown.points,
      });
      expect(ledgerRow(written.entry.opId)).toMatchObject({ points, rules_version: 10 + i });
    }
  });

  it('lists the ledger most recent first, even when entries share a timestamp', async () => {
    // The manual clock stands still: every entry gets the same `at`.
    const written: string[] = [];
    for (let i = 0; i < 8; i++) {
      const result = await c.ok<Written>('points.earn', {
        memberId: id('isla'),
        amountMinor: 100 * (i + 1),
        reference: `S${i}`,
      });
      written.push(result.entry.opId);
    }
    const view = await c.ok<MemberView>('members.get', { memberId: id('isla') });
    expect(view.ledger.map((entry) => entry.opId)).toEqual([...written].reverse());
  });
});

describe('counter: a till without earn rules', () => {
  it('refuses quotes and earns with earn_rules_missing, and has no rewards to redeem', async () => {
    const clock = manualClock();
    const c = await startCounter(clock, { demo: false });
    try {
      const member = await c.ok<MemberSummary>('members.enroll', {
        givenName: 'Test',
        familyName: 'Member',
        phone: '020 7946 0018',
        cardNumber: withCheckDigit('600410000000'),
        consents: CONSENTS,
      });
      expect(await c.ok('points.rules', {})).toEqual({ rules: null });
      expect(await c.ok('rewards.list', {})).toEqual({ rewards: [] });
      const before = snapshotAll(c.db);
      expect(await c.call('points.quote', { memberId: member.id, amountMinor: 1234 })).toMatchObject({
        ok: false,
        error: { code: 'earn_rules_missing' },
      });
      expect(await c.call('points.earn', { memberId: member.id, amountMinor: 1234, reference: 'R-1' })).toMatchObject({
        ok: false,
        error: { code: 'earn_rules_missing' },
      });
      expect(await c.call('points.redeem', { memberId: member.id, rewardId: 'coffee' })).toMatchObject({
        ok: false,
        error: { code: 'reward_not_found' },
      });
      expect(snapshotAll(c.db)).toEqual(before);
      const view = await c.ok<MemberView>('members.get', { memberId: member.id });
      expect(view.spendable).toBe(0);
      expectCounterInvariants(c.db);
    } finally {
      await c.app.dispose();
    }
  });
});

describe('counter: redeeming rewards', () => {
  let clock: ReturnType<typeof manualClock>;
  let c: Counter;
  const id = (member: DemoMember) => c.memberId(DEMO_CARDS[member]);
  const view = (member: DemoMember) => c.ok<MemberView>('members.get', { memberId: id(member) });
  const redeem = (member: DemoMember, rewardId: string) =>
    c.call<Written>('points.redeem', { memberId: id(member), rewardId });

  beforeEach(async () => {
    clock = manualClock();
    c = await startCounter(clock);
    // What a till may spend offline is HQ's rule for a paired till (a standalone one is its own authority).
    markPaired(c.db);
  });
  afterEach(async () => {
    expectCounterInvariants(c.db);
    expect(c.app.services.audit.verify().ok).toBe(true);
    expectNoPii(c.db, c.app.logLines, DEMO_PII);
    await c.app.dispose();
  });

  it('lists the demo catalogue', async () => {
    const { rewards } = await c.ok<{ rewards: { id: string; costPoints: number }[] }>('rewards.list', {});
    expect(rewards.map((r) => [r.id, r.costPoints])).toEqual([
      ['coffee', 150],
      ['voucher-5', 500],
      ['tote-bag', 800],
      ['voucher-20', 2000],
      ['hamper', 6000],
    ]);
  });

  it('a redemption adds one ledger entry, one audit entry and one outbox row, nothing else', async () => {
    const before = snapshotAll(c.db);
    const result = await redeem('oliver', 'coffee');
    expect(result).toMatchObject({
      ok: true,
      value: {
        entry: { kind: 'redeem', points: -150, rewardId: 'coffee', staffId: 'demo-carl', state: 'pending' },
        balance: { confirmed: 320, pending: -150, total: 170 },
      },
    });
    const opId = result.ok ? result.value.entry.opId : '';
    const changes = diff(before, snapshotAll(c.db));
    expect(counts(changes)).toEqual({
      ledger: [1, 0],
      audit: [1, 0],
      outbox: [1, 0],
      sync_state: [1, 0],
      requests: [1, 0],
    });
    const payload = expectOneOp(c.db, changes, { type: 'points.redeemed', opId, staffId: 'demo-carl', seqBefore: 0 });
    expect(payload).toMatchObject({ memberId: id('oliver'), kind: 'redeem', points: -150, rewardId: 'coffee' });
    expect(changes.audit?.added[0]).toMatchObject({ action: 'points.redeemed', subject_id: id('oliver') });
    expect(JSON.parse(changes.audit?.added[0]?.details as string)).toEqual({ opId, points: -150, rewardId: 'coffee' });
  });

  it('refuses an unknown or withdrawn reward, and a reward above the balance, writing nothing', async () => {
    createRewardsCatalog(c.db).replace(
      counterJson.rewards.filter((reward) => reward.id !== 'tote-bag').map((reward) => ({ ...reward })),
    );
    const before = snapshotAll(c.db);
    expect(await redeem('oliver', 'no-such-reward')).toMatchObject({ ok: false, error: { code: 'reward_not_found' } });
    expect(await redeem('anna', 'tote-bag')).toMatchObject({ ok: false, error: { code: 'reward_not_found' } });
    expect(await redeem('oliver', 'voucher-5')).toMatchObject({
      ok: false,
      error: { code: 'balance_short', details: { cost: '500', spendable: '320' } },
    });
    expect(await redeem('zoe', 'coffee')).toMatchObject({
      ok: false,
      error: { code: 'balance_short', details: { cost: '150', spendable: '0' } },
    });
    const ghost = '01900000-0000-7000-8000-000000000000';
    expect(await c.call('points.redeem', { memberId: ghost, rewardId: 'coffee' })).toMatchObject({
      ok: false,
      error: { code: 'member_not_found' },
    });
    expect(snapshotAll(c.db)).toEqual(before);
  });

  it('offline: a member with 5200 confirmed points may spend up to the 2000 cap on this till, then is refused', async () => {
    expect((await view('anna')).spendable).toBe(2000);
    const steps: [string, number, number][] = [
      // reward, balance total after, spendable after
      ['tote-bag', 4400, 1200],
      ['tote-bag', 3600, 400],
      ['coffee', 3450, 250],
      ['coffee', 3300, 100],
    ];
    for (const [reward, total, spendable] of steps) {
      const result = await redeem('anna', reward);
      expect(result.ok, reward).toBe(true);
      expect(result.ok && result.value.balance.total).toBe(total);
      expect((await view('anna')).spendable).toBe(spendable);
    }
    const before = snapshotAll(c.db);
    expect(await redeem('anna', 'coffee')).toMatchObject({
      ok: false,
      error: { code: 'balance_short', details: { cost: '150', spendable: '100' } },
    });
    expect(snapshotAll(c.db)).toEqual(before);
    // Exactly the cap in one go is allowed on a fresh member of the same kind.
    c.db.prepare('UPDATE members SET points_confirmed = 5200 WHERE id = ?').run(id('olivia'));
    expect((await view('olivia')).spendable).toBe(2000);
    expect((await redeem('olivia', 'voucher-20')).ok).toBe(true);
    expect((await view('olivia')).spendable).toBe(0);
    expect(await redeem('olivia', 'coffee')).toMatchObject({
      ok: false,
      error: { code: 'balance_short', details: { spendable: '0' } },
    });
    const view2 = await view('olivia');
    expect(view2.member.balance).toEqual({ confirmed: 5200, pending: -2000, total: 3200 });
  });

  it('offline: pending earns are not spendable until HQ confirms them', async () => {
    // Zoë has no confirmed points; £200 earns her 200 pending points, none spendable.
    const earned = await c.ok<Written>('points.earn', { memberId: id('zoe'), amountMinor: 20_000, reference: 'E-1' });
    expect(earned.balance).toEqual({ confirmed: 0, pending: 200, total: 200 });
    expect((await view('zoe')).spendable).toBe(0);
    let before = snapshotAll(c.db);
    expect(await redeem('zoe', 'coffee')).toMatchObject({
      ok: false,
      error: { code: 'balance_short', details: { cost: '150', spendable: '0' } },
    });
    expect(snapshotAll(c.db)).toEqual(before);

    // Oliver: 320 confirmed + 300 pending = 620, but only 320 may be spent here.
    await c.ok('points.earn', { memberId: id('oliver'), amountMinor: 30_000, reference: 'E-2' });
    expect((await view('oliver')).member.balance).toEqual({ confirmed: 320, pending: 300, total: 620 });
    expect((await view('oliver')).spendable).toBe(320);
    before = snapshotAll(c.db);
    expect(await redeem('oliver', 'voucher-5')).toMatchObject({
      ok: false,
      error: { code: 'balance_short', details: { cost: '500', spendable: '320' } },
    });
    expect(snapshotAll(c.db)).toEqual(before);
    expect((await redeem('oliver', 'coffee')).ok).toBe(true);
    // spendable = confirmed − this till's pending spends = 320 − 150.
    expect((await view('oliver')).spendable).toBe(170);
    expect((await redeem('oliver', 'coffee')).ok).toBe(true);
    expect((await view('oliver')).spendable).toBe(20);
    expect((await view('oliver')).member.balance).toEqual({ confirmed: 320, pending: 0, total: 320 });
  });

  it('without an HQ cap, the confirmed balance less pending spends is the limit', async () => {
    createEarnRulesStore(c.db).set({ ...DEMO_RULES, version: 2, offlineRedeemCapPoints: null });
    expect((await view('anna')).spendable).toBe(5200);
    expect(await redeem('anna', 'hamper')).toMatchObject({
      ok: false,
      error: { code: 'balance_short', details: { cost: '6000', spendable: '5200' } },
    });
    for (const reward of ['voucher-20', 'voucher-20', 'tote-bag']) expect((await redeem('anna', reward)).ok).toBe(true);
    expect((await view('anna')).spendable).toBe(400);
    expect(await redeem('anna', 'voucher-5')).toMatchObject({
      ok: false,
      error: { code: 'balance_short', details: { spendable: '400' } },
    });
  });
});

describe('counter: a standalone till (never paired with HQ) is its own authority', () => {
  it('points earned here are spendable at once, with no HQ cap, and spending them is refused only past the balance', async () => {
    const c = await startCounter(manualClock());
    try {
      const id = (member: DemoMember) => c.memberId(DEMO_CARDS[member]);
      const view = (member: DemoMember) => c.ok<MemberView>('members.get', { memberId: id(member) });
      // Zoë has 0 points; £200 earns her 200, spendable here at once (a paired till would wait for HQ).
      await c.ok('points.earn', { memberId: id('zoe'), amountMinor: 20_000, reference: 'S-1' });
      expect(await view('zoe')).toMatchObject({
        member: { balance: { confirmed: 0, pending: 200, total: 200 } },
        spendable: 200,
      });
      const coffee = await c.ok<Written>('points.redeem', { memberId: id('zoe'), rewardId: 'coffee' });
      expect(coffee.balance.total).toBe(50);
      expect(await c.call('points.redeem', { memberId: id('zoe'), rewardId: 'coffee' })).toMatchObject({
        ok: false,
        error: { code: 'balance_short', details: { cost: '150', spendable: '50' } },
      });
      // Anna: 5200; the demo rules' offline cap (2000) is HQ's bound on a paired till, not on this one.
      expect((await view('anna')).spendable).toBe(5200);
      await c.ok('points.redeem', { memberId: id('anna'), rewardId: 'voucher-20' });
      await c.ok('points.redeem', { memberId: id('anna'), rewardId: 'voucher-20' });
      expect((await view('anna')).spendable).toBe(1200);
      expect(await c.call('points.redeem', { memberId: id('anna'), rewardId: 'voucher-20' })).toMatchObject({
        ok: false,
        error: { code: 'balance_short', details: { cost: '2000', spendable: '1200' } },
      });
      expectCounterInvariants(c.db);
    } finally {
      await c.app.dispose();
    }
  });
});

describe('counter: adjustments and reversals need a manager', () => {
  let clock: ReturnType<typeof manualClock>;
  let c: Counter;
  const id = (member: DemoMember) => c.memberId(DEMO_CARDS[member]);
  const view = (member: DemoMember) => c.ok<MemberView>('members.get', { memberId: id(member) });
  const ledgerRow = (opId: string) => c.db.prepare('SELECT * FROM ledger WHERE op_id = ?').get(opId) as LedgerRow;
  const approvalRow = (approvalId: string) =>
    c.db.prepare('SELECT * FROM approvals WHERE id = ?').get(approvalId) as Record<string, unknown>;
  const adjust = (member: DemoMember, points: number, reasonCode = 'goodwill') =>
    ({ action: 'points.adjust', payload: { memberId: id(member), points }, reasonCode }) as const;
  const reverse = (opId: string, reasonCode = 'entry_error') =>
    ({ action: 'points.reverse', payload: { opId }, reasonCode }) as const;
  const grant = (subject: unknown, managerId: string = DEMO_STAFF.manager.id, pin: string = DEMO_STAFF.manager.pin) =>
    c.call<{ approvalId: string; expiresAt: string }>('approvals.grant', { subject, managerId, pin });
  async function granted(subject: unknown): Promise<string> {
    const result = await grant(subject);
    if (!result.ok) throw new Error(`grant failed: ${JSON.stringify(result.error)}`);
    return result.value.approvalId;
  }
  const earn = (member: DemoMember, amountMinor: number, reference: string) =>
    c.ok<Written>('points.earn', { memberId: id(member), amountMinor, reference });
  /** Everything but the audit log (a refused approval is audited) must stay as it was. */
  function expectOnlyRefusalAudited(before: Snapshot, refusals: number) {
    const changes = diff(before, snapshotAll(c.db));
    expect(counts(changes)).toEqual(refusals ? { audit: [refusals, 0] } : {});
    for (const row of changes.audit?.added ?? []) expect(row.action).toBe('approval.refused');
  }

  beforeEach(async () => {
    clock = manualClock();
    c = await startCounter(clock);
    // Corrections and what they leave spendable, as on a paired till (approvals seal an HQ proof).
    markPaired(c.db);
  });
  afterEach(async () => {
    expectCounterInvariants(c.db);
    expect(c.app.services.audit.verify().ok).toBe(true);
    expectNoPii(c.db, c.app.logLines, DEMO_PII);
    await c.app.dispose();
  });

  it("a manager's negative adjustment lowers the balance but does not use up the offline redemption cap", async () => {
    // Anna: 5200 confirmed, demo cap 2000. Taking 1000 away leaves 4200, and the cap still allows 2000.
    await c.ok('points.adjust', {
      memberId: id('anna'),
      points: -1000,
      approvalId: await granted(adjust('anna', -1000, 'correction')),
    });
    expect((await view('anna')).member.balance.total).toBe(4200);
    expect((await view('anna')).spendable).toBe(2000);
  });

  it('reversing an earn still pending here does not lower what may be spent; reversing a confirmed one does', async () => {
    // Oliver: 320 confirmed. A pending earn of 300 was never spendable here, so taking it back is no spend.
    const pendingEarn = await earn('oliver', 30_000, 'E-R1');
    expect((await view('oliver')).spendable).toBe(320);
    await c.ok('points.reverse', {
      opId: pendingEarn.entry.opId,
      approvalId: await granted(reverse(pendingEarn.entry.opId)),
    });
    expect((await view('oliver')).member.balance).toEqual({ confirmed: 320, pending: 0, total: 320 });
    expect((await view('oliver')).spendable).toBe(320);

    // Once HQ has confirmed an earn (and counted it in the confirmed balance), its reversal is a spend.
    const confirmedEarn = await earn('oliver', 10_000, 'E-R2');
    c.db.transaction(() => {
      c.db.prepare("UPDATE ledger SET state = 'confirmed' WHERE op_id = ?").run(confirmedEarn.entry.opId);
      c.db.prepare('UPDATE members SET points_confirmed = points_confirmed + 100 WHERE id = ?').run(id('oliver'));
    })();
    expect((await view('oliver')).spendable).toBe(420);
    await c.ok('points.reverse', {
      opId: confirmedEarn.entry.opId,
      approvalId: await granted(reverse(confirmedEarn.entry.opId)),
    });
    expect((await view('oliver')).spendable).toBe(320);
  });

  it('on the spot: a manager approves an adjustment; the entry records requester, approver, approval and reason', async () => {
    const approval = await grant(adjust('oliver', 250));
    expect(approval).toMatchObject({
      ok: true,
      value: { expiresAt: new Date(clock.now().getTime() + 120_000).toISOString() },
    });
    const approvalId = approval.ok ? approval.value.approvalId : '';
    const before = snapshotAll(c.db);
    const result = await c.call<Written>('points.adjust', { memberId: id('oliver'), points: 250, approvalId });
    expect(result).toMatchObject({
      ok: true,
      value: {
        entry: {
          kind: 'adjust',
          points: 250,
          state: 'pending',
          staffId: 'demo-carl',
          approvedBy: 'demo-mia',
          reasonCode: 'goodwill',
          reference: null,
          rewardId: null,
        },
        balance: { confirmed: 320, pending: 250, total: 570 },
      },
    });
    const opId = result.ok ? result.value.entry.opId : '';
    expect(ledgerRow(opId)).toMatchObject({
      member_id: id('oliver'),
      staff_id: 'demo-carl',
      approved_by: 'demo-mia',
      approval_id: approvalId,
      reason_code: 'goodwill',
      reverses_op_id: null,
    });
    const changes = diff(before, snapshotAll(c.db));
    expect(counts(changes)).toEqual({
      approvals: [1, 1], // approved -> used
      ledger: [1, 0],
      audit: [2, 0], // approval.used, points.adjusted
      outbox: [1, 0],
      sync_state: [1, 0],
      requests: [1, 0], // the client request, recorded with its write
    });
    expect(approvalRow(approvalId)).toMatchObject({
      status: 'used',
      used_at: clock.now().toISOString(),
      target_member_id: id('oliver'),
    });
    expect(changes.audit?.added.map((row) => row.action)).toEqual(['approval.used', 'points.adjusted']);
    expect(JSON.parse(changes.audit?.added[1]?.details as string)).toEqual({
      opId,
      points: 250,
      approvalId,
      approvedBy: 'demo-mia',
      reasonCode: 'goodwill',
    });
    const payload = expectOneOp(c.db, changes, { type: 'points.adjusted', opId, staffId: 'demo-carl', seqBefore: 0 });
    expect(payload).toMatchObject({ approvedBy: 'demo-mia', approvalId, reasonCode: 'goodwill', points: 250 });
    // Positive adjustments are pending like earns: not spendable before HQ confirms them.
    expect((await view('oliver')).spendable).toBe(320);

    // A negative adjustment is a pending spend: it lowers what may be redeemed here at once.
    const take = await granted(adjust('oliver', -100, 'correction'));
    await c.ok('points.adjust', { memberId: id('oliver'), points: -100, approvalId: take });
    expect((await view('oliver')).spendable).toBe(220);
  });

  it('an approval is refused when replayed, for another payload, member or action, by another staff member, or expired', async () => {
    const approvalId = await granted(adjust('oliver', 250));
    let before = snapshotAll(c.db);
    for (const attempt of [
      ['points.adjust', { memberId: id('oliver'), points: 251, approvalId }],
      ['points.adjust', { memberId: id('oliver'), points: -250, approvalId }],
      ['points.adjust', { memberId: id('amelia'), points: 250, approvalId }],
    ] as const) {
      expect(await c.call(attempt[0], attempt[1])).toMatchObject({ ok: false, error: { code: 'approval_invalid' } });
    }
    expectOnlyRefusalAudited(before, 3);

    // Signed in as someone else, the approval is not theirs to use.
    await c.signIn('manager');
    before = snapshotAll(c.db);
    expect(await c.call('points.adjust', { memberId: id('oliver'), points: 250, approvalId })).toMatchObject({
      ok: false,
      error: { code: 'approval_invalid' },
    });
    expectOnlyRefusalAudited(before, 1);
    await c.signIn('cashier');

    // Used once: the replay moves nothing.
    expect((await c.call('points.adjust', { memberId: id('oliver'), points: 250, approvalId })).ok).toBe(true);
    before = snapshotAll(c.db);
    expect(await c.call('points.adjust', { memberId: id('oliver'), points: 250, approvalId })).toMatchObject({
      ok: false,
      error: { code: 'approval_invalid' },
    });
    expectOnlyRefusalAudited(before, 1);

    // An approval of an adjustment does not approve a reversal, and the other way round.
    const earned = await earn('oliver', 4000, 'R-1');
    const forReverse = await granted(reverse(earned.entry.opId));
    const forAdjust = await granted(adjust('oliver', 40));
    before = snapshotAll(c.db);
    expect(await c.call('points.adjust', { memberId: id('oliver'), points: 40, approvalId: forReverse })).toMatchObject(
      { ok: false, error: { code: 'approval_invalid' } },
    );
    expect(await c.call('points.reverse', { opId: earned.entry.opId, approvalId: forAdjust })).toMatchObject({
      ok: false,
      error: { code: 'approval_invalid' },
    });
    expectOnlyRefusalAudited(before, 2);

    // Two minutes later it has expired.
    clock.advance(100);
    await c.call('session.touch', {});
    clock.advance(21);
    before = snapshotAll(c.db);
    expect(await c.call('points.adjust', { memberId: id('oliver'), points: 40, approvalId: forAdjust })).toMatchObject({
      ok: false,
      error: { code: 'approval_invalid' },
    });
    expect(await c.call('points.reverse', { opId: earned.entry.opId, approvalId: forReverse })).toMatchObject({
      ok: false,
      error: { code: 'approval_invalid' },
    });
    expectOnlyRefusalAudited(before, 2);
    // An id that was never issued.
    before = snapshotAll(c.db);
    expect(
      await c.call('points.adjust', {
        memberId: id('oliver'),
        points: 40,
        approvalId: '01900000-0000-7000-8000-000000000000',
      }),
    ).toMatchObject({ ok: false, error: { code: 'approval_invalid' } });
    expectOnlyRefusalAudited(before, 1);
    expect((await view('oliver')).member.balance).toEqual({ confirmed: 320, pending: 290, total: 610 });
  });

  it('only a manager approves: a cashier PIN or a wrong manager PIN approves nothing', async () => {
    const before = snapshotAll(c.db);
    expect(await grant(adjust('oliver', 10), DEMO_STAFF.cashier.id, DEMO_STAFF.cashier.pin)).toMatchObject({
      ok: false,
      error: { code: 'permission_denied' },
    });
    expect(await grant(adjust('oliver', 10), DEMO_STAFF.manager.id, '864219')).toMatchObject({
      ok: false,
      error: { code: 'login_failed' },
    });
    const changes = diff(before, snapshotAll(c.db));
    expect(changes.approvals).toBeUndefined();
    expect(changes.ledger).toBeUndefined();
    expect(changes.outbox).toBeUndefined();
  });

  it('from the queue: a cashier asks for a reversal, a manager approves it with their PIN and it is applied', async () => {
    const earned = await earn('olivia', 8000, 'R-77'); // gold: 120 points
    expect(earned.entry.points).toBe(120);
    const requested = await c.call<{ approvalId: string }>('approvals.request', reverse(earned.entry.opId));
    expect(requested.ok).toBe(true);
    const approvalId = requested.ok ? requested.value.approvalId : '';
    // Pending in the queue is not an approval.
    expect(await c.call('points.reverse', { opId: earned.entry.opId, approvalId })).toMatchObject({
      ok: false,
      error: { code: 'approval_invalid' },
    });
    expect(
      await c.call('approvals.decide', { approvalId, decision: 'approve', pin: DEMO_STAFF.cashier.pin }),
    ).toMatchObject({
      ok: false,
      error: { code: 'permission_denied' },
    });

    await c.signIn('manager');
    const queue = await c.ok<{ entries: QueueEntry[] }>('approvals.list', {});
    expect(queue.entries).toEqual([
      expect.objectContaining({
        approvalId,
        action: 'points.reverse',
        targetStaffId: null,
        targetMemberId: id('olivia'),
        targetName: 'Olivia Bennett',
        points: -120,
        reasonCode: 'entry_error',
        requestedBy: 'demo-carl',
        status: 'pending',
      }),
    ]);
    const before = snapshotAll(c.db);
    const decided = await c.call<QueueEntry>('approvals.decide', {
      approvalId,
      decision: 'approve',
      pin: DEMO_STAFF.manager.pin,
    });
    expect(decided).toMatchObject({ ok: true, value: { status: 'used', decidedBy: 'demo-mia' } });
    const changes = diff(before, snapshotAll(c.db));
    expect(counts(changes)).toEqual({
      approvals: [1, 1],
      ledger: [1, 0],
      audit: [3, 0], // approval.granted, approval.used, points.reversed
      outbox: [1, 0],
      sync_state: [1, 1],
      requests: [1, 0], // the client request, recorded with its write
    });
    const reversal = changes.ledger?.added[0] as unknown as LedgerRow;
    expect(reversal).toMatchObject({
      kind: 'reversal',
      points: -120,
      member_id: id('olivia'),
      staff_id: 'demo-carl',
      approved_by: 'demo-mia',
      approval_id: approvalId,
      reason_code: 'entry_error',
      reverses_op_id: earned.entry.opId,
    });
    expect(changes.audit?.added.map((row) => row.action)).toEqual([
      'approval.granted',
      'approval.used',
      'points.reversed',
    ]);
    expectOneOp(c.db, changes, { type: 'points.reversed', opId: reversal.op_id, staffId: 'demo-carl', seqBefore: 1 });
    const after = await view('olivia');
    expect(after.member.balance).toEqual({ confirmed: 1840, pending: 0, total: 1840 });
    expect(after.ledger.find((entry) => entry.opId === earned.entry.opId)?.reversedBy).toBe(reversal.op_id);
    expect(
      await c.call('approvals.decide', { approvalId, decision: 'approve', pin: DEMO_STAFF.manager.pin }),
    ).toMatchObject({ ok: false, error: { code: 'approval_invalid' } });
  });

  it('from the queue: an adjustment shows its points; denying it moves nothing; a lapsed request cannot be approved', async () => {
    const asked = await c.ok<{ approvalId: string }>('approvals.request', adjust('isla', 75, 'missed_purchase'));
    const lapsing = await c.ok<{ approvalId: string }>('approvals.request', adjust('isla', 30, 'goodwill'));
    await c.signIn('manager');
    const queue = await c.ok<{ entries: QueueEntry[] }>('approvals.list', {});
    expect(queue.entries.map((entry) => [entry.action, entry.points, entry.targetName])).toEqual([
      ['points.adjust', 75, 'Isla Fitzgerald-Hale'],
      ['points.adjust', 30, 'Isla Fitzgerald-Hale'],
    ]);
    let before = snapshotAll(c.db);
    expect(
      await c.call('approvals.decide', { approvalId: asked.approvalId, decision: 'deny', pin: DEMO_STAFF.manager.pin }),
    ).toMatchObject({ ok: true, value: { status: 'denied' } });
    let changes = diff(before, snapshotAll(c.db));
    expect(counts(changes)).toEqual({ approvals: [1, 1], audit: [1, 0], requests: [1, 0] });

    // A day later the other request has lapsed.
    clock.advance(24 * 60 * 60 + 1);
    await c.signIn('manager');
    before = snapshotAll(c.db);
    expect(
      await c.call('approvals.decide', {
        approvalId: lapsing.approvalId,
        decision: 'approve',
        pin: DEMO_STAFF.manager.pin,
      }),
    ).toMatchObject({ ok: false, error: { code: 'approval_invalid' } });
    changes = diff(before, snapshotAll(c.db));
    expect(changes.ledger).toBeUndefined();
    expect(changes.outbox).toBeUndefined();
    expect(changes.approvals).toBeUndefined();
    expect((await view('isla')).member.balance).toEqual({ confirmed: 2450, pending: 0, total: 2450 });
  });

  it('approving from the queue when the action can no longer run refuses it and leaves the request pending', async () => {
    const asked = await c.ok<{ approvalId: string }>('approvals.request', adjust('harry', -95, 'correction'));
    // Meanwhile another correction takes 50 of Harry's 95 points.
    const take = await granted(adjust('harry', -50, 'correction'));
    await c.ok('points.adjust', { memberId: id('harry'), points: -50, approvalId: take });
    await c.signIn('manager');
    const before = snapshotAll(c.db);
    expect(
      await c.call('approvals.decide', {
        approvalId: asked.approvalId,
        decision: 'approve',
        pin: DEMO_STAFF.manager.pin,
      }),
    ).toMatchObject({ ok: false, error: { code: 'balance_short' } });
    const changes = diff(before, snapshotAll(c.db));
    expect(changes.ledger).toBeUndefined();
    expect(changes.outbox).toBeUndefined();
    expect(changes.approvals).toBeUndefined();
    expect(approvalRow(asked.approvalId)).toMatchObject({ status: 'pending' });
  });

  it('an earn is reversed once: a second reversal is refused even with its own approval', async () => {
    const earned = await earn('amelia', 4000, 'R-5'); // silver: 50 points
    const first = await granted(reverse(earned.entry.opId));
    const second = await granted(reverse(earned.entry.opId));
    const done = await c.ok<Written>('points.reverse', { opId: earned.entry.opId, approvalId: first });
    expect(done.entry).toMatchObject({
      kind: 'reversal',
      points: -50,
      reversesOpId: earned.entry.opId,
      staffId: 'demo-carl',
      approvedBy: 'demo-mia',
      reasonCode: 'entry_error',
    });
    expect(done.balance).toEqual({ confirmed: 760, pending: 0, total: 760 });
    expect(ledgerRow(done.entry.opId)).toMatchObject({ approval_id: first, reverses_op_id: earned.entry.opId });

    const before = snapshotAll(c.db);
    expect(await c.call('points.reverse', { opId: earned.entry.opId, approvalId: second })).toMatchObject({
      ok: false,
      error: { code: 'entry_not_reversible' },
    });
    // Refused before any manager is asked.
    expect(await grant(reverse(earned.entry.opId))).toMatchObject({
      ok: false,
      error: { code: 'entry_not_reversible' },
    });
    expect(await c.call('approvals.request', reverse(earned.entry.opId))).toMatchObject({
      ok: false,
      error: { code: 'entry_not_reversible' },
    });
    expect(snapshotAll(c.db)).toEqual(before);
    expect(approvalRow(second)).toMatchObject({ status: 'approved' });
  });

  it('earns and redemptions can be reversed, once; not an adjustment, a reversal or an unknown entry', async () => {
    const redeemed = await c.ok<Written>('points.redeem', { memberId: id('isla'), rewardId: 'coffee' });
    const plus = await granted(adjust('isla', 20));
    const adjusted = await c.ok<Written>('points.adjust', { memberId: id('isla'), points: 20, approvalId: plus });
    const earned = await earn('isla', 1000, 'R-8');
    const undo = await granted(reverse(earned.entry.opId));
    const reversal = await c.ok<Written>('points.reverse', { opId: earned.entry.opId, approvalId: undo });
    const giveBack = await granted(reverse(redeemed.entry.opId, 'returned_goods'));
    const unredeemed = await c.ok<Written>('points.reverse', { opId: redeemed.entry.opId, approvalId: giveBack });
    const unknown = '01900000-0000-7000-8000-000000000000';

    const before = snapshotAll(c.db);
    for (const opId of [
      redeemed.entry.opId,
      adjusted.entry.opId,
      reversal.entry.opId,
      unredeemed.entry.opId,
      unknown,
    ]) {
      expect(await grant(reverse(opId)), opId).toMatchObject({ ok: false, error: { code: 'entry_not_reversible' } });
      expect(await c.call('points.reverse', { opId, approvalId: unknown }), opId).toMatchObject({
        ok: false,
        error: { code: 'entry_not_reversible' },
      });
    }
    expect(snapshotAll(c.db)).toEqual(before);
  });

  it('reversing a redemption gives its points back and cancels its offline spend; the entry records the approval', async () => {
    // Isla: 2450 confirmed, silver; the demo cap is 2000.
    const redeemed = await c.ok<Written>('points.redeem', { memberId: id('isla'), rewardId: 'voucher-20' });
    expect(await view('isla')).toMatchObject({ member: { balance: { total: 450 } }, spendable: 0 });
    const approvalId = await granted(reverse(redeemed.entry.opId, 'returned_goods'));
    const undone = await c.ok<Written>('points.reverse', { opId: redeemed.entry.opId, approvalId });
    expect(undone.entry).toMatchObject({
      kind: 'reversal',
      points: 2000,
      state: 'pending',
      staffId: 'demo-carl',
      approvedBy: 'demo-mia',
      reasonCode: 'returned_goods',
      reversesOpId: redeemed.entry.opId,
    });
    expect(undone.balance).toEqual({ confirmed: 2450, pending: 0, total: 2450 });
    expect(await view('isla')).toMatchObject({ spendable: 2000 });
    const { ledger } = await view('isla');
    expect(ledger.find((e) => e.opId === redeemed.entry.opId)?.reversedBy).toBe(undone.entry.opId);
  });

  describe('four-eyes: a manager approving their own correction', () => {
    const OLGA = { id: 'demo-olga', pin: '860247' };
    beforeEach(async () => {
      await c.signIn('manager');
    });

    it('up to 500 points (the default) is approved; above it is refused as second_approver_required, audited, nothing else written', async () => {
      const small = await granted(adjust('oliver', 500));
      await c.ok('points.adjust', { memberId: id('oliver'), points: 500, approvalId: small });
      for (const points of [501, -501]) {
        const before = snapshotAll(c.db);
        expect(await grant(adjust('olivia', points)), String(points)).toMatchObject({
          ok: false,
          error: { code: 'second_approver_required' },
        });
        expectOnlyRefusalAudited(before, 1);
        const refusal = auditRows(c.db).at(-1);
        expect(refusal).toMatchObject({ staff_id: 'demo-mia', action: 'approval.refused' });
        expect(JSON.parse(refusal?.details as string)).toEqual({
          action: 'points.adjust',
          reason: 'second_approver_required',
        });
      }
    });

    it('above the threshold, another manager approves it on the spot', async () => {
      const approvalId = await c.ok<{ approvalId: string }>('approvals.grant', {
        subject: adjust('olivia', 800),
        managerId: OLGA.id,
        pin: OLGA.pin,
      });
      const written = await c.ok<Written>('points.adjust', {
        memberId: id('olivia'),
        points: 800,
        approvalId: approvalId.approvalId,
      });
      expect(written.entry).toMatchObject({ staffId: 'demo-mia', approvedBy: 'demo-olga', points: 800 });
    });

    it('a reversal counts the points it undoes, and a queued request cannot be approved by the manager who asked', async () => {
      const big = await earn('olivia', 60_000, 'R-BIG'); // gold: £600 → 900 points
      expect(big.entry.points).toBe(900);
      expect(await grant(reverse(big.entry.opId))).toMatchObject({
        ok: false,
        error: { code: 'second_approver_required' },
      });
      const { approvalId } = await c.ok<{ approvalId: string }>('approvals.request', reverse(big.entry.opId));
      expect(
        await c.call('approvals.decide', { approvalId, decision: 'approve', pin: DEMO_STAFF.manager.pin }),
      ).toMatchObject({ ok: false, error: { code: 'second_approver_required' } });
      expect(approvalRow(approvalId)).toMatchObject({ status: 'pending' });
      // The one who asked may still withdraw it.
      expect(
        await c.call('approvals.decide', { approvalId, decision: 'deny', pin: DEMO_STAFF.manager.pin }),
      ).toMatchObject({ ok: true, value: { status: 'denied' } });
    });

    it('the threshold is the store setting HQ sends (0: every own approval needs a second manager)', async () => {
      c.db.prepare("INSERT INTO settings (key, value) VALUES ('second_approver_above_points', '0')").run();
      expect(await c.ok<{ secondApproverAbovePoints: number }>('app.getInfo', {})).toMatchObject({
        secondApproverAbovePoints: 0,
      });
      expect(await grant(adjust('oliver', 1))).toMatchObject({
        ok: false,
        error: { code: 'second_approver_required' },
      });
    });
  });

  it('refuses an adjustment or a reversal that would take the balance below zero', async () => {
    // Harry has 95 confirmed points.
    let before = snapshotAll(c.db);
    // Refused before the manager's PIN is even checked: a wrong PIN is not counted.
    expect(await grant(adjust('harry', -96), DEMO_STAFF.manager.id, '864219')).toMatchObject({
      ok: false,
      error: { code: 'balance_short', details: { balance: '95', points: '-96' } },
    });
    expect(await c.call('approvals.request', adjust('harry', -96))).toMatchObject({
      ok: false,
      error: { code: 'balance_short' },
    });
    expect(await c.call('points.adjust', { memberId: id('harry'), points: -96, approvalId: UNKNOWN })).toMatchObject({
      ok: false,
      error: { code: 'balance_short' },
    });
    expect(snapshotAll(c.db)).toEqual(before);

    // An approval given while the balance allowed it does not allow it once the balance moved.
    const all = await granted(adjust('harry', -95, 'correction'));
    const some = await granted(adjust('harry', -10, 'correction'));
    await c.ok('points.adjust', { memberId: id('harry'), points: -10, approvalId: some });
    before = snapshotAll(c.db);
    expect(await c.call('points.adjust', { memberId: id('harry'), points: -95, approvalId: all })).toMatchObject({
      ok: false,
      error: { code: 'balance_short', details: { balance: '85', points: '-95' } },
    });
    expect(snapshotAll(c.db)).toEqual(before);
    expect(approvalRow(all)).toMatchObject({ status: 'approved' });
    // Down to exactly zero is fine.
    const rest = await granted(adjust('harry', -85, 'correction'));
    const zero = await c.ok<Written>('points.adjust', { memberId: id('harry'), points: -85, approvalId: rest });
    expect(zero.balance).toEqual({ confirmed: 95, pending: -95, total: 0 });

    // An earn whose points were already taken cannot be reversed.
    const earned = await earn('harry', 10_000, 'R-H'); // 100 points
    const take = await granted(adjust('harry', -60, 'correction'));
    await c.ok('points.adjust', { memberId: id('harry'), points: -60, approvalId: take });
    before = snapshotAll(c.db);
    expect(await grant(reverse(earned.entry.opId))).toMatchObject({
      ok: false,
      error: { code: 'balance_short', details: { balance: '40', points: '-100' } },
    });
    expect(snapshotAll(c.db)).toEqual(before);
  });

  it('refuses an adjustment for a member this till does not know before any manager is asked', async () => {
    const before = snapshotAll(c.db);
    const subject = { action: 'points.adjust', payload: { memberId: UNKNOWN, points: 10 }, reasonCode: 'goodwill' };
    expect(await grant(subject)).toMatchObject({ ok: false, error: { code: 'member_not_found' } });
    expect(await c.call('approvals.request', subject)).toMatchObject({
      ok: false,
      error: { code: 'member_not_found' },
    });
    expect(await c.call('points.adjust', { memberId: UNKNOWN, points: 10, approvalId: UNKNOWN })).toMatchObject({
      ok: false,
      error: { code: 'member_not_found' },
    });
    expect(snapshotAll(c.db)).toEqual(before);
  });

  it.each([
    ['zero points', 0, 'not_zero'],
    ['a fraction', 1.5, 'not_whole_number'],
    ['more than the maximum', 100_001, 'too_big'],
    ['less than the minimum', -100_001, 'too_small'],
  ])('refuses an adjustment of %s', async (_label, points, code) => {
    const before = snapshotAll(c.db);
    const subject = { action: 'points.adjust', payload: { memberId: id('oliver'), points }, reasonCode: 'goodwill' };
    const asked = await grant(subject);
    expect(asked).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
    expect(!asked.ok && asked.error.issues).toEqual([{ path: 'subject.payload.points', code }]);
    const direct = await c.call('points.adjust', { memberId: id('oliver'), points, approvalId: UNKNOWN });
    expect(!direct.ok && direct.error.issues).toEqual([{ path: 'points', code }]);
    expect(snapshotAll(c.db)).toEqual(before);
  });

  it('a points reason code is required, and "other" needs a text', async () => {
    expect(await grant({ ...adjust('oliver', 10), reasonCode: 'forgot_pin' })).toMatchObject({
      ok: false,
      error: { code: 'validation_failed', issues: [{ path: 'subject.reasonCode', code: 'invalid_choice' }] },
    });
    expect(await grant({ ...adjust('oliver', 10), reasonCode: 'other' })).toMatchObject({
      ok: false,
      error: { code: 'validation_failed', issues: [{ path: 'subject.reasonText', code: 'required' }] },
    });
  });
});

describe('counter: the ledger and the consent history are append-only', () => {
  let c: Counter;
  beforeEach(async () => {
    c = await startCounter(manualClock());
  });
  afterEach(async () => {
    await c.app.dispose();
  });

  it('refuses rewriting or deleting ledger entries in SQL; only pending -> confirmed is allowed', async () => {
    const oliver = c.memberId(DEMO_CARDS.oliver);
    const { entry } = await c.ok<Written>('points.earn', { memberId: oliver, amountMinor: 1000, reference: 'A-1' });
    const run =
      (sql: string, ...params: unknown[]) =>
      () =>
        c.db.prepare(sql).run(...params);
    expect(run('UPDATE ledger SET points = points + 1 WHERE op_id = ?', entry.opId)).toThrow(/append-only/);
    expect(run('UPDATE ledger SET points = 10 WHERE op_id = ?', entry.opId)).toThrow(/append-only/);
    expect(run('UPDATE ledger SET member_id = ? WHERE op_id = ?', c.memberId(DEMO_CARDS.anna), entry.opId)).toThrow(
      /append-only/,
    );
    expect(run("UPDATE ledger SET reference = 'other' WHERE op_id = ?", entry.opId)).toThrow(/append-only/);
    expect(run("UPDATE ledger SET state = 'pending' WHERE op_id = ?", entry.opId)).toThrow(/pending to confirmed/);
    expect(run('DELETE FROM ledger WHERE op_id = ?', entry.opId)).toThrow(/append-only/);
    expect(run('DELETE FROM ledger')).toThrow(/append-only/);

    expect(run("UPDATE ledger SET state = 'confirmed' WHERE op_id = ?", entry.opId)).not.toThrow();
    expect(run("UPDATE ledger SET state = 'pending' WHERE op_id = ?", entry.opId)).toThrow(/pending to confirmed/);
    expect(run("UPDATE ledger SET state = 'confirmed' WHERE op_id = ?", entry.opId)).toThrow(/pending to confirmed/);
    expect(c.db.prepare('SELECT points, state FROM ledger WHERE op_id = ?').get(entry.opId)).toEqual({
      points: 10,
      state: 'confirmed',
    });
    // A second reversal of the same entry is refused by the schema too.
    const insert = c.db.prepare(
      `INSERT INTO ledger (op_id, member_id, kind, points, state, at, store_id, reverses_op_id)
       VALUES (?, ?, 'reversal', -10, 'pending', '2026-11-24T09:00:00.000Z', 'unpaired', ?)`,
    );
    insert.run('01900000-0000-7000-8000-000000000001', oliver, entry.opId);
    expect(() => insert.run('01900000-0000-7000-8000-000000000002', oliver, entry.opId)).toThrow(/UNIQUE/);
    // And a receipt reference is unique per store in the schema, not only in the service.
    expect(() =>
      c.db
        .prepare(
          `INSERT INTO ledger (op_id, member_id, kind, points, state, at, store_id, reference)
           VALUES ('01900000-0000-7000-8000-000000000003', ?, 'earn', 5, 'pending', '2026-11-24T09:00:00.000Z', 'unpaired', 'A-1')`,
        )
        .run(oliver),
    ).toThrow(/UNIQUE/);
  });

  it('refuses rewriting or deleting consent history in SQL', async () => {
    const count = () => (c.db.prepare('SELECT count(*) AS n FROM consents').get() as { n: number }).n;
    await c.ok('members.enroll', {
      givenName: 'Test',
      familyName: 'Member',
      phone: '020 7946 0018',
      cardNumber: withCheckDigit('600410000000'),
      consents: CONSENTS,
    });
    expect(count()).toBe(3);
    expect(() => c.db.prepare('UPDATE consents SET granted = 1').run()).toThrow(/append-only/);
    expect(() => c.db.prepare("UPDATE consents SET notice_version = '2020-01'").run()).toThrow(/append-only/);
    expect(() => c.db.prepare('DELETE FROM consents').run()).toThrow(/append-only/);
    expect(count()).toBe(3);
  });
});

describe('counter: the outbox sequence', () => {
  it('continues after a restart and after acknowledged rows are pruned: exactly +1, never reused', async () => {
    const clock = manualClock();
    let c = await startCounter(clock);
    try {
      const oliver = c.memberId(DEMO_CARDS.oliver);
      await c.ok('points.earn', { memberId: oliver, amountMinor: 1000, reference: 'S-1' });
      await c.ok('points.earn', { memberId: oliver, amountMinor: 1000, reference: 'S-2' });
      expect(lastSeq(c.db)).toBe(2);

      const app = await c.app.reopen();
      c = { ...c, app, db: app.services.database.db };
      const login = await app.call<{ ok: boolean }>('session.login', {
        staffId: DEMO_STAFF.cashier.id,
        pin: DEMO_STAFF.cashier.pin,
      });
      expect(login.ok).toBe(true);
      const third = await app.call<{ ok: true; value: Written }>('points.earn', {
        memberId: oliver,
        amountMinor: 1000,
        reference: 'S-3',
      });
      expect(third.ok).toBe(true);
      expectCounterInvariants(c.db);
      expect(lastSeq(c.db)).toBe(3);
      // The demo data is not seeded twice.
      expect((c.db.prepare('SELECT count(*) AS n FROM members').get() as { n: number }).n).toBe(12);

      // HQ acknowledged everything and the till pruned it: the next op still gets seq 4.
      c.db.prepare("UPDATE outbox SET state = 'acked'").run();
      c.db.prepare('DELETE FROM outbox').run();
      await app.call('points.earn', { memberId: oliver, amountMinor: 1000, reference: 'S-4' });
      expect(c.db.prepare('SELECT seq, type FROM outbox').all()).toEqual([{ seq: 4, type: 'points.earned' }]);
      expect(lastSeq(c.db)).toBe(4);
    } finally {
      await c.app.dispose();
      // The reopened app does not own the data folder; remove it here.
      rmSync(c.app.dataDir, { recursive: true, force: true });
    }
  });
});

describe('counter: a write commits whole or not at all', () => {
  let clock: ReturnType<typeof manualClock>;
  let c: Counter;
  const id = (member: DemoMember) => c.memberId(DEMO_CARDS[member]);
  /** A fault in the last step of every write: the outbox insert. */
  const breakOutbox = () =>
    c.db.exec(
      "CREATE TEMP TRIGGER broken_outbox BEFORE INSERT ON main.outbox BEGIN SELECT RAISE(ABORT, 'injected'); END",
    );
  const fixOutbox = () => c.db.exec('DROP TRIGGER temp.broken_outbox');

  beforeEach(async () => {
    clock = manualClock();
    c = await startCounter(clock);
  });
  afterEach(async () => {
    expectCounterInvariants(c.db);
    expect(c.app.services.audit.verify().ok).toBe(true);
    expectNoPii(c.db, c.app.logLines, DEMO_PII);
    await c.app.dispose();
  });

  it('when the outbox row cannot be written, no ledger or audit row is left and the approval is not spent', async () => {
    const earned = await c.ok<Written>('points.earn', { memberId: id('anna'), amountMinor: 1000, reference: 'W-0' });
    const adjustApproval = await c.ok<{ approvalId: string }>('approvals.grant', {
      subject: { action: 'points.adjust', payload: { memberId: id('anna'), points: 5 }, reasonCode: 'goodwill' },
      managerId: DEMO_STAFF.manager.id,
      pin: DEMO_STAFF.manager.pin,
    });
    const reverseApproval = await c.ok<{ approvalId: string }>('approvals.grant', {
      subject: { action: 'points.reverse', payload: { opId: earned.entry.opId }, reasonCode: 'entry_error' },
      managerId: DEMO_STAFF.manager.id,
      pin: DEMO_STAFF.manager.pin,
    });
    const writes: [string, unknown][] = [
      ['points.earn', { memberId: id('anna'), amountMinor: 1000, reference: 'W-1' }],
      ['points.redeem', { memberId: id('anna'), rewardId: 'coffee' }],
      ['points.adjust', { memberId: id('anna'), points: 5, approvalId: adjustApproval.approvalId }],
      ['points.reverse', { opId: earned.entry.opId, approvalId: reverseApproval.approvalId }],
      [
        'members.enroll',
        {
          givenName: 'Test',
          familyName: 'Member',
          phone: '020 7946 0018',
          cardNumber: withCheckDigit('600499200001'),
          consents: CONSENTS,
        },
      ],
      ['members.update', { memberId: id('anna'), familyName: 'Smirnova-Petrova' }],
      [
        'members.setConsent',
        {
          memberId: id('anna'),
          purpose: 'marketing_sms',
          granted: true,
          noticeVersion: '2026-11',
          noticeLanguage: 'ru',
        },
      ],
    ];
    breakOutbox();
    const before = snapshotAll(c.db);
    for (const [channel, payload] of writes) {
      expect(await c.call(channel, payload), channel).toMatchObject({ ok: false, error: { code: 'internal_error' } });
    }
    expect(snapshotAll(c.db)).toEqual(before);
    expect(c.app.logLines.filter((line) => line.includes('"ipc.failed"'))).toHaveLength(writes.length);
    fixOutbox();
    const seq = lastSeq(c.db);
    for (const [channel, payload] of writes) expect((await c.call(channel, payload)).ok, channel).toBe(true);
    // earn, redeem, adjust, reverse, update, consent: one op each; enrolment: member + three consents.
    expect(lastSeq(c.db)).toBe(seq + 6 + 4);
    expect(auditRows(c.db).filter((row) => row.action === 'approval.used')).toHaveLength(2);
  });
});
