import catalog from '../../resources/demo/hq-catalog.json';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { createStore, loadCatalog, requestErasure } from '../../packages/hq/src/admin';
import { statSync } from 'node:fs';
import { pruneChangeLog } from '../../packages/hq/src/pull/prune';
import { toInt } from '../../packages/hq/src/db/database';
import { hqTokenAccount, secretAccounts } from '../../src/main/keychain/device-secrets';
import { storePinPepperAccounts } from '../../src/main/keychain/store-pin-peppers';
import { chainStaffPinPepper, readPinPepperRing, storePinPepper } from '../../packages/hq/src/staff/pin-peppers';
import { HqRequestError, type HqClient } from '../../src/main/sync/hq-client';
import { HQ_ROUTES } from '../../src/shared/sync/protocol';
import { secretHash } from '../../packages/hq/src/secrets';
import { startTestHq, type TestHq } from '../hq/support/hq';
import { CONSENTS, pairedTill, type Till } from '../support/till';

/** A client that fails as a network would: before HQ sees the request, or after HQ answered. */
function faulty(
  inner: HqClient,
  plan: (path: string, call: number) => 'ok' | 'drop_request' | 'drop_response' | 'http_503',
): HqClient {
  let calls = 0;
  return {
    async post(path, body, schema) {
      const step = plan(path, ++calls);
      if (step === 'drop_request') throw new HqRequestError('network', 'injected: connection refused');
      if (step === 'http_503') throw new HqRequestError('http', 'injected: 503', 503, 'internal_error');
      const result = await inner.post(path, body, schema);
      if (step === 'drop_response') throw new HqRequestError('network', 'injected: connection reset after HQ answered');
      return result;
    },
  };
}

describe('sync between tills and a real HQ (PGlite, HTTPS, pinned)', () => {
  let hq: TestHq;
  let storeId: string;
  const tills: Till[] = [];
  beforeAll(async () => {
    hq = await startTestHq('pglite');
    storeId = (await createStore({ db: hq.db, now: () => hq.clock.now }, 'High Street')).storeId;
    await loadCatalog({ db: hq.db, now: () => hq.clock.now }, catalog);
  });
  afterEach(async () => {
    while (tills.length > 0) await tills.pop()?.close();
  });
  afterAll(async () => {
    await hq?.close();
  });

  async function till(name: string, store = storeId): Promise<Till> {
    const t = await pairedTill(hq, name, store);
    tills.push(t);
    return t;
  }

  function enroll(t: Till, phone: string) {
    return t.services.enroll(
      {
        givenName: 'Grace',
        familyName: 'Hopper',
        phone,
        email: undefined,
        birthDate: undefined,
        cardNumber: t.services.cardBlock.peek(),
        consents: CONSENTS,
      },
      'staff-1',
    );
  }

  const balanceOf = (t: Till, memberId: string) => t.services.memberView(memberId).member.balance;

  async function hqPoints(memberId: string): Promise<number> {
    const r = await hq.db.query<{ points: unknown }>('SELECT points FROM members WHERE id = $1', [memberId]);
    return toInt(r.rows[0]?.points);
  }

  test('pairing keeps the token and the chain secrets in the OS secret store; HQ keeps only the token hash', async () => {
    const t = await till('Till 1');
    const token = await t.keychain.keychain.get(hqTokenAccount(t.device.installId));
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const chain = await hq.db.query<{ lookup_key: string; pin_pepper: string }>(
      'SELECT lookup_key, pin_pepper FROM chain',
    );
    const accounts = secretAccounts(t.device.installId);
    expect(await t.keychain.keychain.get(accounts.lookupKey)).toBe(chain.rows[0]?.lookup_key);
    // Issue 15: the store's and the chain-staff PIN peppers; the chain pepper only while the store's
    // roster holds a v1 hash (this store's has none), so the slot keeps the till's own random one.
    const ring = await readPinPepperRing(hq.db);
    const storeOf = (till: Till) =>
      (till.db.prepare("SELECT value FROM sync_state WHERE key = 'store_id'").get() as { value: string }).value;
    const peppers = storePinPepperAccounts(t.device.installId);
    expect(await t.keychain.keychain.get(peppers.store)).toBe(storePinPepper(ring.root, storeOf(t)));
    expect(await t.keychain.keychain.get(peppers.chainStaff)).toBe(chainStaffPinPepper(ring.root));
    expect(await t.keychain.keychain.get(accounts.pinPepper)).not.toBe(chain.rows[0]?.pin_pepper);
    const devices = await hq.db.query<{ token_hash: string }>('SELECT token_hash FROM devices');
    expect(devices.rows.map((d) => d.token_hash)).toContain(secretHash(token ?? ''));
    expect(JSON.stringify(devices.rows)).not.toContain(token);
    // Nothing of the token or the secrets in the database file's plain tables either.
    const state = t.db.prepare('SELECT key, value FROM sync_state').all();
    expect(JSON.stringify(state)).not.toContain(token);
    expect(t.services.cardBlock.current()?.prefix).toBe('6004993');
  });

  test('a day at the till: enrol, earn and redeem offline, then one sync pushes them once, confirms the balance and a second till finds the member by phone with the same balance', async () => {
    const a = await till('Till A');
    const b = await till('Till B');
    const engineA = a.engine();
    await engineA.run(); // rules, rewards and roster from HQ
    expect(a.services.rules.get()?.version).toBe(1);
    const member = enroll(a, '07911 123123');
    a.services.earn({ memberId: member.id, amountMinor: 25_000, reference: 'R-1' }, 'staff-1');
    expect(balanceOf(a, member.id)).toMatchObject({ confirmed: 0, pending: 250, total: 250 });
    const run = await engineA.run();
    expect(run.pushed).toEqual({ applied: 5, rejected: 0, duplicate: 0 });
    expect(balanceOf(a, member.id)).toMatchObject({ confirmed: 250, pending: 0, total: 250 });
    expect(await hqPoints(member.id)).toBe(250);
    expect(a.services.outbox.pendingCount()).toBe(0);

    await b.engine().run();
    const found = b.services.find('+44 7911 123123').members;
    expect(found.map((m) => m.id)).toEqual([member.id]);
    expect(balanceOf(b, member.id)).toMatchObject({ confirmed: 250, pending: 0 });
    // Redeem at B, sync, and A hears of it.
    b.services.redeem({ memberId: member.id, rewardId: 'coffee' }, 'staff-2');
    await b.engine().run();
    await engineA.run();
    expect(balanceOf(a, member.id)).toMatchObject({ confirmed: 100, pending: 0, total: 100 });
    // A till's own full contacts go once HQ has them: masks and hashes stay.
    const row = a.db.prepare('SELECT phone_e164, phone_masked FROM members WHERE id = ?').get(member.id);
    expect(row).toMatchObject({ phone_e164: null });
  });

  test('lost push response: HQ committed, the till never heard; the next run hears the duplicates, confirms once and counts nothing twice', async () => {
    const a = await till('Till A');
    await a.engine().run();
    const member = enroll(a, '07911 123124');
    a.services.earn({ memberId: member.id, amountMinor: 1_000, reference: 'R-2' }, 'staff-1');
    const lossy = a.engine({ wrap: (c) => faulty(c, (path) => (path === HQ_ROUTES.push ? 'drop_response' : 'ok')) });
    await expect(lossy.run()).rejects.toThrow(/reset after HQ answered/);
    expect(await hqPoints(member.id)).toBe(10);
    expect(a.services.outbox.pendingCount()).toBe(5); // the till still thinks nothing went
    expect(balanceOf(a, member.id)).toMatchObject({ confirmed: 0, pending: 10 });
    const run = await a.engine().run();
    expect(run.pushed).toEqual({ applied: 0, rejected: 0, duplicate: 5 });
    expect(balanceOf(a, member.id)).toMatchObject({ confirmed: 10, pending: 0, total: 10 });
    const ledger = await hq.db.query<{ n: unknown }>('SELECT count(*) AS n FROM ledger WHERE member_id = $1', [
      member.id,
    ]);
    expect(toInt(ledger.rows[0]?.n)).toBe(1);
  });

  test('HQ 5xx and a dropped request: the run fails, nothing is lost, and the next run delivers everything once', async () => {
    const a = await till('Till A');
    await a.engine().run();
    const member = enroll(a, '07911 123125');
    const flaky = a.engine({
      wrap: (c) => faulty(c, (_path, call) => (call === 1 ? 'http_503' : 'drop_request')),
    });
    const first = await flaky.run().catch((e: unknown) => e);
    expect(first).toBeInstanceOf(HqRequestError);
    expect((first as HqRequestError).retryable).toBe(true);
    await expect(flaky.run()).rejects.toThrow(/connection refused/);
    expect(a.services.outbox.pendingCount()).toBe(4);
    expect((await a.engine().run()).pushed.applied).toBe(4);
    expect(await hqPoints(member.id)).toBe(0);
    expect(a.db.prepare("SELECT value FROM sync_state WHERE key = 'last_error'").get()).toBeUndefined();
  });

  test('pull with a non-empty outbox: a member changed here and not yet pushed is rebased onto HQ’s state, not overwritten', async () => {
    const a = await till('Till A');
    const b = await till('Till B');
    await a.engine().run();
    const member = enroll(a, '07911 123126');
    await a.engine().run();
    await b.engine().run();
    // B earns and syncs; A meanwhile renames the member, withdraws nothing, earns, all unpushed.
    b.services.earn({ memberId: member.id, amountMinor: 5_000, reference: 'R-B1' }, 'staff-2');
    await b.engine().run();
    // A's push goes through but, between push and pull, the cashier records more here.
    let wrote = false;
    const engine = a.engine({
      wrap: (c) => ({
        async post(path, body, schema) {
          if (path === HQ_ROUTES.pull && !wrote) {
            wrote = true;
            a.services.updateProfile({ memberId: member.id, familyName: 'Hopper-Murray' }, 'staff-1');
            a.services.earn({ memberId: member.id, amountMinor: 700, reference: 'R-A2' }, 'staff-1');
          }
          return c.post(path, body, schema);
        },
      }),
    });
    await engine.run();
    // HQ's balance (50 from B) plus A's pending 7; A's pending rename kept, and found by it.
    expect(balanceOf(a, member.id)).toMatchObject({ confirmed: 50, pending: 7, total: 57 });
    const view = a.services.memberView(member.id).member;
    expect(view.familyName).toBe('Hopper-Murray');
    expect(a.services.find('hopper-m').members.map((m) => m.id)).toContain(member.id);
    // Next run pushes them; both tills converge.
    await a.engine().run();
    await b.engine().run();
    expect(balanceOf(a, member.id)).toMatchObject({ confirmed: 57, pending: 0 });
    expect(balanceOf(b, member.id)).toMatchObject({ confirmed: 57, pending: 0 });
    expect(b.services.memberView(member.id).member.familyName).toBe('Hopper-Murray');
  });

  test('expired cursor: the till pulls a fresh snapshot and keeps its outbox, which it then pushes', async () => {
    const a = await till('Till A');
    const b = await till('Till B');
    await a.engine().run();
    const member = enroll(a, '07911 123127');
    await a.engine().run();
    await b.engine().run();
    // A goes quiet; meanwhile B earns for the member and HQ prunes its log past A's cursor.
    b.services.earn({ memberId: member.id, amountMinor: 900, reference: 'R-E0' }, 'staff-2');
    await b.engine().run();
    await pruneChangeLog(hq.db, new Date(Date.now() + 60_000));
    a.services.earn({ memberId: member.id, amountMinor: 1_200, reference: 'R-E1' }, 'staff-1');
    const mid = a.engine({
      wrap: (c) => ({
        async post(path, body, schema) {
          // Push runs first, so the op recorded before the run is at HQ before the snapshot is pulled.
          if (path === HQ_ROUTES.pull) expect(a.services.outbox.pendingCount()).toBe(0);
          return c.post(path, body, schema);
        },
      }),
    });
    const run = await mid.run();
    expect(run.pulled.snapshot).toBe(true);
    expect(run.pushed.applied).toBe(1);
    expect(balanceOf(a, member.id)).toMatchObject({ confirmed: 21, pending: 0 });
    expect(a.services.outbox.pendingCount()).toBe(0);
    // And with an op recorded after the push, the snapshot rebases it instead of losing it.
    await pruneChangeLog(hq.db, new Date(Date.now() + 60_000));
    b.services.earn({ memberId: member.id, amountMinor: 100, reference: 'R-E2' }, 'staff-2');
    await b.engine().run();
    await pruneChangeLog(hq.db, new Date(Date.now() + 60_000));
    let wrote = false;
    const again = a.engine({
      wrap: (c) => ({
        async post(path, body, schema) {
          if (path === HQ_ROUTES.pull && !wrote) {
            wrote = true;
            a.services.earn({ memberId: member.id, amountMinor: 500, reference: 'R-E3' }, 'staff-1');
          }
          return c.post(path, body, schema);
        },
      }),
    });
    expect((await again.run()).pulled.snapshot).toBe(true);
    expect(balanceOf(a, member.id)).toMatchObject({ confirmed: 22, pending: 5, total: 27 });
    expect(a.services.outbox.pendingCount()).toBe(1);
  });

  test('device clock off by a year: ops carry the till’s time, HQ orders by its own sequence, and sync and day end work', async () => {
    const a = await till('Till A');
    a.clock.now = new Date(hq.clock.now.getTime() + 365 * 24 * 3600 * 1000);
    await a.engine().run();
    const member = enroll(a, '07911 123128');
    a.services.earn({ memberId: member.id, amountMinor: 3_000, reference: 'R-Y1' }, 'staff-1');
    const report = await a.engine().dayEnd('staff-1');
    expect(report.status).toBe('reconciled');
    expect(report.pointsEarned).toBe(30);
    expect(balanceOf(a, member.id)).toMatchObject({ confirmed: 30, pending: 0 });
    a.clock.now = new Date(hq.clock.now.getTime() - 365 * 24 * 3600 * 1000);
    a.services.earn({ memberId: member.id, amountMinor: 100, reference: 'R-Y2' }, 'staff-1');
    await a.engine().run();
    expect(await hqPoints(member.id)).toBe(31);
  });

  test('erasure at HQ: the till deletes the member’s personal data at its next pull, strips it from pending ops, keeps the ledger by id, and checkpoints the WAL', async () => {
    const a = await till('Till A');
    await a.engine().run();
    const member = enroll(a, '07911 123130');
    a.services.earn({ memberId: member.id, amountMinor: 2_000, reference: 'R-X1' }, 'staff-1');
    await a.engine().run();
    await requestErasure({ db: hq.db, now: () => hq.clock.now }, member.id);
    // Between this run's push and its pull, the cashier edits the member: that op is still pending.
    let wrote = false;
    await a
      .engine({
        wrap: (c) => ({
          async post(path, body, schema) {
            if (path === HQ_ROUTES.pull && !wrote) {
              wrote = true;
              a.services.updateProfile({ memberId: member.id, familyName: 'Hopper-Erased' }, 'staff-1');
            }
            return c.post(path, body, schema);
          },
        }),
      })
      .run();
    const row = a.db
      .prepare(
        'SELECT given_name, family_name, card_number, phone_hash, phone_masked, phone_e164, erased_at FROM members WHERE id = ?',
      )
      .get(member.id) as Record<string, unknown>;
    expect(row).toMatchObject({
      given_name: '',
      family_name: '',
      phone_hash: null,
      phone_masked: null,
      phone_e164: null,
    });
    expect(row.card_number).not.toBe(member.cardNumber);
    expect(row.erased_at).not.toBeNull();
    expect(a.db.prepare('SELECT count(*) AS n FROM member_name_tokens WHERE member_id = ?').get(member.id)).toEqual({
      n: 0,
    });
    // Other tests' members share the name (one HQ for the file): this one is no longer found.
    expect(a.services.find('Hopper').members.map((m) => m.id)).not.toContain(member.id);
    expect(a.services.find('+44 7911 123130').members).toEqual([]);
    const pending = a.db.prepare("SELECT payload FROM outbox WHERE state = 'pending'").all() as { payload: string }[];
    expect(pending).toHaveLength(1);
    expect(pending[0]?.payload).not.toContain('Hopper');
    // The ledger stays, by id only.
    expect(a.db.prepare('SELECT count(*) AS n FROM ledger WHERE member_id = ?').get(member.id)).toEqual({ n: 1 });
    // No copy left in the write-ahead log.
    expect(statSync(`${a.device.path}-wal`).size).toBe(0);
    // The scrubbed op still goes to HQ, which refuses it; the outbox drains.
    await a.engine().run();
    expect(a.services.outbox.pendingCount()).toBe(0);
  });

  test('two offline stores redeem the same balance: HQ accepts both and flags the overdraft; both tills converge on HQ’s balance', async () => {
    const other = (await createStore({ db: hq.db, now: () => hq.clock.now }, 'Market Square')).storeId;
    await loadCatalog({ db: hq.db, now: () => hq.clock.now }, catalog);
    const a = await till('Till A');
    const b = await till('Till B', other);
    await a.engine().run();
    const member = enroll(a, '07911 123129');
    a.services.earn({ memberId: member.id, amountMinor: 100_000, reference: 'R-O1' }, 'staff-1');
    await a.engine().run();
    await b.engine().run();
    // Both offline now: each hands over a tote bag (800) of the 1,000 points.
    a.services.redeem({ memberId: member.id, rewardId: 'tote-bag' }, 'staff-1');
    b.services.redeem({ memberId: member.id, rewardId: 'tote-bag' }, 'staff-2');
    await a.engine().run();
    await b.engine().run();
    await a.engine().run();
    expect(await hqPoints(member.id)).toBe(-600);
    expect(balanceOf(a, member.id)).toMatchObject({ confirmed: -600, pending: 0 });
    expect(balanceOf(b, member.id)).toMatchObject({ confirmed: -600, pending: 0 });
    const flagged = await hq.db.query<{ n: unknown }>(
      'SELECT count(*) AS n FROM ledger WHERE member_id = $1 AND flagged_overdraft',
      [member.id],
    );
    expect(toInt(flagged.rows[0]?.n)).toBe(1);
  });
});
