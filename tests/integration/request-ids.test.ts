import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { issuePairingCode } from '../../packages/hq/src/admin';
import { seedDemoHq } from '../../packages/hq/src/demo/seed-demo-hq';
import { REQUEST_RETENTION_DAYS } from '../../src/main/requests/request-log';
import { createMemberErasure } from '../../src/main/sync/engine/erase-member';
import type { IpcResult } from '../../src/shared/errors';
import { WRITE_CHANNELS, type WriteChannel } from '../../src/shared/ipc/contract';
import { startTestHq, type TestHq } from '../hq/support/hq';
import { startTestApp, type TestApp } from '../support/app';
import { manualClock } from '../support/clock';
import { DEMO_CARDS, DEMO_STAFF, counts, diff, snapshotAll, startCounter } from '../support/counter';
import { CONSENTS } from '../support/members';

/**
 * Exactly-once writes: every write channel takes a client request id. Sent twice with one id, a
 * write has one effect and gives one answer, also after the services are closed and opened again
 * (a restart); the same id with another request is refused with request_id_reused and changes nothing.
 */

type Who = keyof typeof DEMO_STAFF;
type Payload = Record<string, unknown>;

interface Till {
  app: TestApp;
  clock: ReturnType<typeof manualClock>;
}

const db = (till: Till) => till.app.services.database.db;
const call = (till: Till, channel: string, payload: unknown) => till.app.call<IpcResult<unknown>>(channel, payload);
async function ok<T = unknown>(till: Till, channel: string, payload: unknown): Promise<T> {
  const result = await call(till, channel, payload);
  if (!result.ok) throw new Error(`${channel}: ${JSON.stringify(result.error)}`);
  return result.value as T;
}
async function signIn(till: Till, who: Who | { id: string; pin: string }) {
  const staff = typeof who === 'string' ? DEMO_STAFF[who] : who;
  await ok(till, 'session.login', { staffId: staff.id, pin: staff.pin });
}
const memberId = (till: Till, card: string) =>
  (db(till).prepare('SELECT id FROM members WHERE card_number = ?').get(card) as { id: string }).id;

interface Case {
  channel: WriteChannel;
  /** Who is signed in for the write (and again after the restart). */
  who: Who | null;
  /** Work the write needs first (an approval, an earn to reverse); returns the payload. */
  payload(till: Till): Promise<Payload>;
  /** Another request under the same id. */
  other: Payload | ((payload: Payload) => Payload);
  /**
   * `other` differs from the first request only in its PINs: the log leaves PINs out of a request's
   * fingerprint (else the answer to a replay would tell whether a guessed PIN was the one typed), so
   * it is answered as the first request was.
   */
  otherDiffersOnlyInPins?: true;
  /** Rows added and removed per table by the one effect. */
  effect: Record<string, [number, number]>;
  /** The answer, written out. */
  answer(till: Till, answer: unknown): void;
  /** Sign-in after the restart when the write changed the PIN. */
  whoAfter?: { id: string; pin: string };
}

const MIA = DEMO_STAFF.manager;
const CARL = DEMO_STAFF.cashier;
const T0 = '2026-11-24T09:00:00.000Z';

/** A detection alert about Carl, as the till's rules would have written it (src/main/detection). */
function insertAlert(till: Till, id: string): string {
  db(till)
    .prepare(
      `INSERT INTO detection_alerts (id, rule, source, staff_id, mode, raised_at, window_start, window_end, count,
                                     threshold, member_ids, audit_refs)
       VALUES (?, 'members_opened', 'till', ?, 'notify', ?, ?, ?, 61, 60, '[]', '[]')`,
    )
    .run(id, CARL.id, T0, T0, T0);
  return id;
}

async function grant(till: Till, subject: Payload): Promise<string> {
  const granted = await ok<{ approvalId: string }>(till, 'approvals.grant', {
    subject,
    managerId: MIA.id,
    pin: MIA.pin,
  });
  return granted.approvalId;
}

const CASES: Case[] = [
  {
    channel: 'points.earn',
    who: 'cashier',
    payload: async (t) => ({ memberId: memberId(t, DEMO_CARDS.harry), amountMinor: 1250, reference: 'R-ONCE-1' }),
    other: { memberId: 'x', amountMinor: 1300, reference: 'R-ONCE-1' },
    effect: { ledger: [1, 0], audit: [1, 0], outbox: [1, 0], sync_state: [1, 0], requests: [1, 0] },
    answer: (t, a) =>
      expect(a).toMatchObject({
        entry: { kind: 'earn', points: 12, reference: 'R-ONCE-1', amountMinor: 1250, staffId: CARL.id },
        balance: { confirmed: 95, pending: 12, total: 107 },
      }),
  },
  {
    channel: 'points.redeem',
    who: 'cashier',
    payload: async (t) => ({ memberId: memberId(t, DEMO_CARDS.olivia), rewardId: 'coffee' }),
    other: { memberId: 'x', rewardId: 'coffee' },
    effect: { ledger: [1, 0], audit: [1, 0], outbox: [1, 0], sync_state: [1, 0], requests: [1, 0] },
    answer: (t, a) =>
      expect(a).toMatchObject({
        entry: { kind: 'redeem', points: -150, rewardId: 'coffee', staffId: CARL.id },
        balance: { confirmed: 1840, pending: -150, total: 1690 },
      }),
  },
  {
    channel: 'points.adjust',
    who: 'cashier',
    payload: async (t) => {
      const payload = { memberId: memberId(t, DEMO_CARDS.zoe), points: 40 };
      const approvalId = await grant(t, { action: 'points.adjust', payload, reasonCode: 'goodwill' });
      return { ...payload, approvalId };
    },
    other: { memberId: 'x', points: 41, approvalId: '01900000-0000-7000-8000-000000000000' },
    effect: {
      ledger: [1, 0],
      audit: [2, 0],
      outbox: [1, 0],
      sync_state: [1, 0],
      approvals: [1, 1],
      requests: [1, 0],
    },
    answer: (t, a) =>
      expect(a).toMatchObject({
        entry: { kind: 'adjust', points: 40, reasonCode: 'goodwill', approvedBy: MIA.id },
        balance: { confirmed: 0, pending: 40, total: 40 },
      }),
  },
  {
    channel: 'points.reverse',
    who: 'cashier',
    payload: async (t) => {
      const earned = await ok<{ entry: { opId: string } }>(t, 'points.earn', {
        memberId: memberId(t, DEMO_CARDS.oliver),
        amountMinor: 2000,
        reference: 'R-ONCE-REV',
      });
      const payload = { opId: earned.entry.opId };
      const approvalId = await grant(t, { action: 'points.reverse', payload, reasonCode: 'returned_goods' });
      return { ...payload, approvalId };
    },
    other: { opId: '01900000-0000-7000-8000-000000000000', approvalId: '01900000-0000-7000-8000-000000000000' },
    effect: {
      ledger: [1, 0],
      audit: [2, 0],
      outbox: [1, 0],
      sync_state: [1, 1],
      approvals: [1, 1],
      requests: [1, 0],
    },
    answer: (_t, a) =>
      expect(a).toMatchObject({
        entry: { kind: 'reversal', points: -20, reasonCode: 'returned_goods', approvedBy: MIA.id },
        balance: { confirmed: 320, pending: 0, total: 320 },
      }),
  },
  {
    channel: 'members.enroll',
    who: 'cashier',
    payload: async (t) => {
      const { cardNumber } = await ok<{ cardNumber: string }>(t, 'members.nextCardNumber', {});
      return { givenName: 'Ada', familyName: 'Lovelace', email: 'ada@example.org', cardNumber, consents: CONSENTS };
    },
    other: (payload) => ({ ...payload, familyName: 'Byron' }),
    effect: {
      members: [1, 0],
      member_name_tokens: [2, 0],
      consents: [3, 0],
      card_block: [1, 1],
      audit: [4, 0],
      outbox: [4, 0],
      sync_state: [1, 0],
      requests: [1, 0],
    },
    answer: (_t, a) =>
      expect(a).toMatchObject({
        givenName: 'Ada',
        familyName: 'Lovelace',
        emailMasked: 'a•••@e•••.org',
        phoneMasked: null,
        tier: 'standard',
        balance: { confirmed: 0, pending: 0, total: 0 },
        enrolledAt: T0,
      }),
  },
  {
    channel: 'members.update',
    who: 'cashier',
    payload: async (t) => ({ memberId: memberId(t, DEMO_CARDS.harry), givenName: 'Harold' }),
    other: { memberId: 'x', givenName: 'Hal' },
    effect: {
      members: [1, 1],
      member_name_tokens: [1, 1],
      audit: [1, 0],
      outbox: [1, 0],
      sync_state: [1, 0],
      requests: [1, 0],
    },
    answer: (_t, a) => expect(a).toMatchObject({ givenName: 'Harold', cardNumber: DEMO_CARDS.harry }),
  },
  {
    channel: 'members.setConsent',
    who: 'cashier',
    payload: async (t) => ({
      memberId: memberId(t, DEMO_CARDS.oliver),
      purpose: 'marketing_sms',
      granted: true,
      noticeVersion: CONSENTS.noticeVersion,
      noticeLanguage: 'en',
    }),
    other: { memberId: 'x', purpose: 'marketing_sms', granted: false, noticeVersion: 'x', noticeLanguage: 'en' },
    effect: { members: [1, 1], consents: [1, 0], audit: [1, 0], outbox: [1, 0], sync_state: [1, 0], requests: [1, 0] },
    answer: (_t, a) =>
      expect(a).toMatchObject({
        member: { cardNumber: DEMO_CARDS.oliver },
        consents: { marketingSms: { granted: true } },
      }),
  },
  {
    // A standalone till erases at once: one member row rewritten, its name-search tokens gone.
    channel: 'members.requestErasure',
    who: 'manager',
    payload: async (t) => ({
      memberId: memberId(t, DEMO_CARDS.amelia),
      reasonCode: 'member_request',
      memberPresent: true,
      pin: MIA.pin,
    }),
    other: { memberId: 'x', reasonCode: 'left_program', memberPresent: true, pin: MIA.pin },
    effect: { members: [1, 1], member_name_tokens: [0, 2], audit: [1, 0], requests: [1, 0] },
    answer: (t, a) => expect(a).toMatchObject({ status: 'erased', at: expect.any(String) }),
  },
  {
    channel: 'staff.add',
    who: 'manager',
    payload: async () => ({ displayName: 'Nora New', role: 'cashier', temporaryPin: '864213' }),
    other: { displayName: 'Nora Other', role: 'cashier', temporaryPin: '864213' },
    effect: { staff: [1, 0], audit: [1, 0], requests: [1, 0] },
    answer: (_t, a) =>
      expect(a).toMatchObject({ displayName: 'Nora New', role: 'cashier', pinLocked: false, mustChangePin: true }),
  },
  {
    channel: 'staff.resetPin',
    who: 'manager',
    payload: async (t) => {
      const payload = { staffId: CARL.id, temporaryPin: '864213' };
      const approvalId = await grant(t, { action: 'staff.resetPin', payload, reasonCode: 'forgot_pin' });
      return { ...payload, approvalId };
    },
    other: { staffId: CARL.id, temporaryPin: '864214', approvalId: '01900000-0000-7000-8000-000000000000' },
    effect: { staff: [1, 1], approvals: [1, 1], audit: [2, 0], requests: [1, 0] },
    answer: (_t, a) =>
      expect(a).toEqual({
        staffId: CARL.id,
        displayName: 'Carl Cashier',
        role: 'cashier',
        pinLocked: false,
        mustChangePin: true,
      }),
  },
  {
    channel: 'staff.unlock',
    who: 'manager',
    payload: async (t) => {
      const payload = { staffId: CARL.id };
      const approvalId = await grant(t, { action: 'staff.unlock', payload, reasonCode: 'locked_out' });
      return { ...payload, approvalId };
    },
    other: { staffId: MIA.id, approvalId: '01900000-0000-7000-8000-000000000000' },
    effect: { approvals: [1, 1], audit: [2, 0], requests: [1, 0] },
    answer: (_t, a) =>
      expect(a).toEqual({
        staffId: CARL.id,
        displayName: 'Carl Cashier',
        role: 'cashier',
        pinLocked: false,
        mustChangePin: false,
      }),
  },
  {
    channel: 'staff.changeOwnPin',
    who: 'cashier',
    payload: async () => ({ currentPin: CARL.pin, newPin: '864213' }),
    other: { currentPin: '000000', newPin: '864214' },
    otherDiffersOnlyInPins: true,
    effect: { staff: [1, 1], audit: [1, 0], requests: [1, 0] },
    answer: (_t, a) =>
      expect(a).toEqual({
        session: {
          staffId: CARL.id,
          displayName: 'Carl Cashier',
          role: 'cashier',
          mustChangePin: false,
          idleLockSeconds: 120,
        },
      }),
    whoAfter: { id: CARL.id, pin: '864213' },
  },
  {
    channel: 'approvals.grant',
    who: 'cashier',
    payload: async (t) => ({
      subject: {
        action: 'points.adjust',
        payload: { memberId: memberId(t, DEMO_CARDS.zoe), points: 10 },
        reasonCode: 'goodwill',
      },
      managerId: MIA.id,
      pin: MIA.pin,
    }),
    other: {
      subject: { action: 'points.adjust', payload: { memberId: 'x', points: 11 }, reasonCode: 'goodwill' },
      managerId: MIA.id,
      pin: MIA.pin,
    },
    effect: { approvals: [1, 0], audit: [1, 0], requests: [1, 0] },
    answer: (_t, a) => expect(a).toMatchObject({ expiresAt: '2026-11-24T09:02:00.000Z' }),
  },
  {
    channel: 'approvals.request',
    who: 'cashier',
    payload: async (t) => ({
      action: 'points.adjust',
      payload: { memberId: memberId(t, DEMO_CARDS.zoe), points: 10 },
      reasonCode: 'goodwill',
    }),
    other: { action: 'points.adjust', payload: { memberId: 'x', points: 12 }, reasonCode: 'goodwill' },
    effect: { approvals: [1, 0], audit: [1, 0], requests: [1, 0] },
    answer: (_t, a) => expect(Object.keys(a as object)).toEqual(['approvalId']),
  },
  {
    channel: 'approvals.decide',
    who: 'manager',
    payload: async (t) => {
      await signIn(t, 'cashier');
      const { approvalId } = await ok<{ approvalId: string }>(t, 'approvals.request', {
        action: 'points.adjust',
        payload: { memberId: memberId(t, DEMO_CARDS.zoe), points: 30 },
        reasonCode: 'goodwill',
      });
      await signIn(t, 'manager');
      return { approvalId, decision: 'approve', pin: MIA.pin };
    },
    other: { approvalId: '01900000-0000-7000-8000-000000000000', decision: 'deny', pin: MIA.pin },
    effect: {
      approvals: [1, 1],
      ledger: [1, 0],
      audit: [3, 0],
      outbox: [1, 0],
      sync_state: [1, 0],
      requests: [1, 0],
    },
    answer: (_t, a) =>
      expect(a).toMatchObject({
        action: 'points.adjust',
        points: 30,
        targetName: 'Zoë Ångström',
        status: 'used',
        decidedBy: MIA.id,
        requestedBy: CARL.id,
      }),
  },
  {
    channel: 'alerts.acknowledge',
    who: 'manager',
    payload: async (t) => ({ alertId: insertAlert(t, 'alert-ack') }),
    other: { alertId: 'alert-other' },
    effect: { detection_alerts: [1, 1], audit: [1, 0], requests: [1, 0] },
    answer: (_t, a) =>
      expect(a).toMatchObject({
        alertId: 'alert-ack',
        rule: 'members_opened',
        staffId: CARL.id,
        acknowledgedAt: T0,
        acknowledgedBy: MIA.id,
        hold: null,
      }),
  },
  {
    channel: 'detection.clearHold',
    who: 'cashier',
    payload: async (t) => {
      const alertId = insertAlert(t, 'alert-hold');
      db(t)
        .prepare("INSERT INTO staff_holds (staff_id, kind, alert_id, since) VALUES (?, 'manager_pin', ?, ?)")
        .run(CARL.id, alertId, T0);
      return { staffId: CARL.id, managerId: MIA.id, pin: MIA.pin };
    },
    other: { staffId: 'someone-else', managerId: MIA.id, pin: MIA.pin },
    effect: { staff_holds: [0, 1], audit: [1, 0], requests: [1, 0] },
    answer: (_t, a) => expect(a).toEqual({ staffId: CARL.id, cleared: true }),
  },
  {
    channel: 'settings.setStoreRegion',
    who: 'manager',
    payload: async () => ({ region: 'DE' }),
    other: { region: 'FR' },
    effect: { settings: [1, 0], audit: [1, 0], requests: [1, 0] },
    answer: (_t, a) => expect(a).toMatchObject({ storeRegion: 'DE', language: 'en', idleLockSeconds: 120 }),
  },
  {
    channel: 'settings.setIdleLock',
    who: 'manager',
    payload: async () => ({ seconds: 300 }),
    other: { seconds: 600 },
    effect: { settings: [1, 0], audit: [1, 0], requests: [1, 0] },
    answer: (_t, a) => expect(a).toMatchObject({ storeRegion: 'GB', language: 'en', idleLockSeconds: 300 }),
  },
  {
    channel: 'app.setLanguage',
    who: 'manager',
    payload: async () => ({ language: 'ru' }),
    other: { language: 'en' },
    effect: { settings: [1, 0], audit: [1, 0], requests: [1, 0] },
    answer: (_t, a) => expect(a).toMatchObject({ storeRegion: 'GB', language: 'ru', idleLockSeconds: 120 }),
  },
];

/** The same request id twice, then after a restart, then with another request. */
async function exactlyOnce(till: Till, c: Case, restart: () => Promise<void>) {
  if (c.who) await signIn(till, c.who);
  const payload = await c.payload(till);
  const requestId = randomUUID();
  const before = snapshotAll(db(till));
  const first = await call(till, c.channel, { requestId, ...payload });
  expect(first.ok, JSON.stringify(first)).toBe(true);
  // Pairing rebuilds the services; any call waits for that, so the snapshot reads the new ones.
  await call(till, 'app.getInfo', {});
  const answer = (first as { value: unknown }).value;
  c.answer(till, answer);
  const once = snapshotAll(db(till));
  expect(counts(diff(before, once))).toEqual(c.effect);

  // A double Enter or a retry after a lost answer: the same answer, nothing new.
  expect(await call(till, c.channel, { requestId, ...payload })).toEqual({ ok: true, value: answer });
  expect(snapshotAll(db(till))).toEqual(once);

  await restart();
  if (c.whoAfter) await signIn(till, c.whoAfter);
  else if (c.who) await signIn(till, c.who);
  const afterRestart = snapshotAll(db(till));
  expect(await call(till, c.channel, { requestId, ...payload })).toEqual({ ok: true, value: answer });
  expect(snapshotAll(db(till))).toEqual(afterRestart);

  // The same id for another request: refused, and the first request stands untouched.
  const other = typeof c.other === 'function' ? c.other(payload) : c.other;
  const reused = await call(till, c.channel, { requestId, ...other });
  if (c.otherDiffersOnlyInPins) {
    expect(reused).toEqual({ ok: true, value: answer });
    expect(snapshotAll(db(till))).toEqual(afterRestart);
    return;
  }
  expect(reused).toEqual({
    ok: false,
    error: {
      code: 'request_id_reused',
      message: 'This request id was already used for another request; the first one stands and nothing was changed.',
    },
  });
  expect(snapshotAll(db(till))).toEqual(afterRestart);
}

describe('every write channel lands once per client request id, across restarts', () => {
  let till: Till;
  beforeEach(async () => {
    const clock = manualClock();
    const counter = await startCounter(clock);
    till = { app: counter.app, clock };
  });
  afterEach(async () => {
    await till.app.dispose();
  });
  const restart = async () => {
    till.app = await till.app.reopen();
  };

  it('covers every write channel of the contract (bootstrap and pairing below)', () => {
    expect([...CASES.map((c) => c.channel), 'staff.bootstrap', 'sync.pair'].sort()).toEqual([...WRITE_CHANNELS].sort());
  });

  it.each(CASES)('$channel', async (c) => {
    await exactlyOnce(till, c, restart);
  });

  it('a double Enter on redeem (both calls in flight at once) spends once and answers both alike', async () => {
    await signIn(till, 'cashier');
    const requestId = randomUUID();
    const payload = { requestId, memberId: memberId(till, DEMO_CARDS.olivia), rewardId: 'coffee' };
    const before = snapshotAll(db(till));
    const [a, b] = await Promise.all([call(till, 'points.redeem', payload), call(till, 'points.redeem', payload)]);
    expect(a).toEqual(b);
    expect(counts(diff(before, snapshotAll(db(till))))).toEqual({
      ledger: [1, 0],
      audit: [1, 0],
      outbox: [1, 0],
      sync_state: [1, 0],
      requests: [1, 0],
    });
  });

  it('a double Enter on a PIN-checked write (both argon2 checks in flight) grants one approval', async () => {
    await signIn(till, 'cashier');
    const payload = {
      requestId: randomUUID(),
      subject: {
        action: 'points.adjust',
        payload: { memberId: memberId(till, DEMO_CARDS.zoe), points: 10 },
        reasonCode: 'goodwill',
      },
      managerId: MIA.id,
      pin: MIA.pin,
    };
    const before = snapshotAll(db(till));
    const [a, b] = await Promise.all([call(till, 'approvals.grant', payload), call(till, 'approvals.grant', payload)]);
    expect(a.ok).toBe(true);
    expect(a).toEqual(b);
    expect(counts(diff(before, snapshotAll(db(till))))).toEqual({ approvals: [1, 0], audit: [1, 0], requests: [1, 0] });
  });

  it('the log is no PIN oracle: a replay with guessed PINs gets the first answer, whichever PIN is guessed', async () => {
    await signIn(till, 'cashier');
    const request = {
      requestId: randomUUID(),
      subject: {
        action: 'points.adjust',
        payload: { memberId: memberId(till, DEMO_CARDS.zoe), points: 10 },
        reasonCode: 'goodwill',
      },
      managerId: MIA.id,
    };
    const first = await call(till, 'approvals.grant', { ...request, pin: MIA.pin });
    expect(first.ok).toBe(true);
    const after = snapshotAll(db(till));
    // Were PINs part of the fingerprint, the right guess would be answered and every wrong one
    // refused as request_id_reused: a way to test PINs with no failure counted.
    for (const guess of ['000000', '123457', MIA.pin]) {
      expect(await call(till, 'approvals.grant', { ...request, pin: guess })).toEqual(first);
    }
    expect(snapshotAll(db(till))).toEqual(after);
  });

  it('a refused write records nothing: its retry runs again and may succeed', async () => {
    await signIn(till, 'cashier');
    const requestId = randomUUID();
    const payload = { requestId, memberId: memberId(till, DEMO_CARDS.zoe), rewardId: 'coffee' };
    const before = snapshotAll(db(till));
    const refused = await call(till, 'points.redeem', payload);
    expect(!refused.ok && refused.error.code).toBe('balance_short');
    expect(snapshotAll(db(till))).toEqual(before);
  });

  it('refuses a write without a request id, or with one that is not a UUID, and changes nothing', async () => {
    await signIn(till, 'cashier');
    const before = snapshotAll(db(till));
    const request = { memberId: memberId(till, DEMO_CARDS.olivia), rewardId: 'coffee' };
    const missing = await till.app.services.router.handle('points.redeem', request, {
      senderUrl: 'app://loyalty/index.html',
      isTopFrame: true,
    });
    expect(missing).toEqual({
      ok: false,
      error: {
        code: 'validation_failed',
        message: 'The request is invalid.',
        issues: [{ path: 'requestId', code: 'required' }],
      },
    });
    const malformed = await call(till, 'points.redeem', { requestId: 'again-1', ...request });
    expect(malformed).toEqual({
      ok: false,
      error: {
        code: 'validation_failed',
        message: 'The request is invalid.',
        issues: [{ path: 'requestId', code: 'invalid' }],
      },
    });
    expect(snapshotAll(db(till))).toEqual(before);
  });

  it('the same id from another staff member is another request: refused', async () => {
    await signIn(till, 'cashier');
    const payload = { requestId: randomUUID(), memberId: memberId(till, DEMO_CARDS.olivia), rewardId: 'coffee' };
    await ok(till, 'points.redeem', payload);
    await signIn(till, 'manager');
    const before = snapshotAll(db(till));
    const other = await call(till, 'points.redeem', payload);
    expect(!other.ok && other.error.code).toBe('request_id_reused');
    expect(snapshotAll(db(till))).toEqual(before);
  });

  it(`keeps answers ${REQUEST_RETENTION_DAYS} days: a later write prunes older ones`, async () => {
    await signIn(till, 'cashier');
    const first = { requestId: randomUUID(), memberId: memberId(till, DEMO_CARDS.olivia), rewardId: 'coffee' };
    await ok(till, 'points.redeem', first);
    till.clock.advance(REQUEST_RETENTION_DAYS * 86_400 - 1);
    await signIn(till, 'cashier');
    await ok(till, 'points.earn', { memberId: first.memberId, amountMinor: 1000, reference: 'R-PRUNE-1' });
    const ids = () => (db(till).prepare('SELECT request_id FROM requests').all() as { request_id: string }[]).length;
    expect(ids()).toBe(2);
    till.clock.advance(2);
    await signIn(till, 'cashier');
    await ok(till, 'points.earn', { memberId: first.memberId, amountMinor: 1000, reference: 'R-PRUNE-2' });
    expect(ids()).toBe(2);
    expect(db(till).prepare('SELECT 1 FROM requests WHERE request_id = ?').get(first.requestId)).toBeUndefined();
  });
});

describe('an erased member leaves no answer behind', () => {
  it('answers naming the member lose it, and a late retry is refused instead of enrolling again', async () => {
    const clock = manualClock();
    const counter = await startCounter(clock);
    const till: Till = { app: counter.app, clock };
    try {
      const { cardNumber } = await ok<{ cardNumber: string }>(till, 'members.nextCardNumber', {});
      const enroll = {
        requestId: randomUUID(),
        givenName: 'Ada',
        familyName: 'Lovelace',
        email: 'ada@example.org',
        cardNumber,
        consents: CONSENTS,
      };
      const member = await ok<{ id: string }>(till, 'members.enroll', enroll);
      const update = { requestId: randomUUID(), memberId: member.id, givenName: 'Augusta' };
      await ok(till, 'members.update', update);
      const answers = () =>
        db(till).prepare('SELECT request_id, answer, member_id FROM requests ORDER BY request_id').all();
      expect(answers()).toHaveLength(2);
      expect(JSON.stringify(answers())).toContain('Lovelace');

      const erase = createMemberErasure(db(till));
      db(till).transaction(() => erase(member.id, clock.now().toISOString()))();
      expect(answers()).toEqual(
        [enroll.requestId, update.requestId].sort().map((id) => ({ request_id: id, answer: 'null', member_id: null })),
      );
      const before = snapshotAll(db(till));
      const retry = await call(till, 'members.enroll', enroll);
      expect(retry).toEqual({
        ok: false,
        error: { code: 'member_not_found', message: 'The member this request was about has been erased.' },
      });
      expect(snapshotAll(db(till))).toEqual(before);
    } finally {
      await till.app.dispose();
    }
  });
});

describe('first-run writes land once too', () => {
  let till: Till | null = null;
  afterEach(async () => {
    await till?.app.dispose();
    till = null;
  });

  it('staff.bootstrap', async () => {
    const clock = manualClock();
    till = { app: await startTestApp(undefined, { now: clock.now, signedIn: null }), clock };
    const t = till;
    await exactlyOnce(
      t,
      {
        channel: 'staff.bootstrap',
        who: null,
        payload: async () => ({ displayName: 'First Manager', pin: '739164' }),
        other: { displayName: 'Second Manager', pin: '739164' },
        effect: { staff: [1, 0], audit: [1, 0], requests: [1, 0] },
        answer: (_t, a) =>
          expect(a).toMatchObject({
            session: { displayName: 'First Manager', role: 'manager', mustChangePin: false, idleLockSeconds: 120 },
          }),
      },
      async () => {
        t.app = await t.app.reopen();
      },
    );
  });
});

describe('pairing lands once (a real HQ over pinned HTTPS)', () => {
  let hq: TestHq;
  let storeId: string;
  let till: Till | null = null;
  beforeAll(async () => {
    hq = await startTestHq('pglite');
    storeId = (await seedDemoHq({ db: hq.db, now: () => hq.clock.now, keys: hq.keys }, { syntheticMembers: 0 }))
      .storeId;
  }, 180_000);
  afterEach(async () => {
    await till?.app.dispose();
    till = null;
  });
  afterAll(async () => {
    await hq?.close();
  });

  it('sync.pair', async () => {
    const clock = manualClock();
    till = { app: await startTestApp(undefined, { now: clock.now, signedIn: null }), clock };
    const t = till;
    const { pairingCode } = await issuePairingCode({ db: hq.db, now: () => hq.clock.now }, storeId);
    const { pairingCode: another } = await issuePairingCode({ db: hq.db, now: () => hq.clock.now }, storeId);
    const request = { hqUrl: hq.url, certSha256: hq.tls.fingerprint256, deviceName: 'Till once' };
    await exactlyOnce(
      t,
      {
        channel: 'sync.pair',
        who: null,
        payload: async () => ({ ...request, pairingCode }),
        other: { ...request, pairingCode: another },
        // sync_state: the pairing's rows, plus the digest of the PIN peppers it settled (pulled-pin-peppers.ts).
        // audit: device.paired, and database.rekeyed (pairing gives the till a database key of its own).
        effect: { audit: [2, 0], card_block: [1, 0], sync_state: [8, 2], requests: [1, 0] },
        answer: (_t, a) => expect(a).toEqual({ storeName: 'Demo High Street' }),
      },
      async () => {
        t.app = await t.app.reopen();
      },
    );
  });
});
