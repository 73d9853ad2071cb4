import catalog from '../../resources/demo/hq-catalog.json';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createStore, loadCatalog } from '../../packages/hq/src/admin';
import { toInt } from '../../packages/hq/src/db/database';
import { HqRequestError, type HqClient } from '../../src/main/sync/hq-client';
import { AppError } from '../../src/shared/errors';
import { HQ_ROUTES } from '../../src/shared/sync/protocol';
import { BACKENDS, startTestHq, type TestHq } from '../hq/support/hq';
import { CONSENTS, pairedTill, type Till } from '../support/till';
import { prng } from '../support/prng';

/**
 * DESIGN §5 under faults: several tills in two stores record counter writes while their links to
 * HQ drop requests, lose answers, deliver requests twice, replay stale pushes out of order, go
 * offline for a while and restart between requests. Then the network heals and every till syncs.
 * Every outbox must drain, no ledger entry may be lost or doubled, and every till must hold HQ's
 * state. SYNC_SIM_SEED replays a run exactly (the schedule, not the wall clock).
 */
const SEED = Number(process.env.SYNC_SIM_SEED ?? 424242);
const STEPS = Number(process.env.SYNC_SIM_STEPS ?? 300);

type Fault = 'ok' | 'drop_request' | 'drop_response' | 'duplicate' | 'replay_stale';

describe.each(BACKENDS)(
  'seeded sync simulation on %s: partitions, restarts, duplicated and reordered requests',
  (backend) => {
    let hq: TestHq;
    const tills: Till[] = [];
    beforeAll(async () => {
      hq = await startTestHq(backend);
      const now = () => hq.clock.now;
      const a = (await createStore({ db: hq.db, now }, 'Sim North')).storeId;
      const b = (await createStore({ db: hq.db, now }, 'Sim South')).storeId;
      await loadCatalog({ db: hq.db, now }, catalog);
      tills.push(await pairedTill(hq, 'N1', a), await pairedTill(hq, 'N2', a), await pairedTill(hq, 'S1', b));
    }, 60_000);
    afterAll(async () => {
      for (const t of tills) await t.close();
      await hq?.close();
    });

    test(`seed ${SEED}: every outbox drains, nothing is lost or doubled, every till converges with HQ`, async () => {
      const random = prng(SEED);
      const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
      const offlineUntil = new Map<Till, number>();
      /** Push bodies seen on the wire, replayed later out of order. */
      const stalePushes: { till: Till; body: unknown }[] = [];
      const log: string[] = [];
      let receipt = 0;
      let phones = 0;
      /** The faults this run injects: a sync step may fail with one of these and nothing else. */
      const injected = new WeakSet<HqRequestError>();
      const fault = (message: string): HqRequestError => {
        const error = new HqRequestError('network', message);
        injected.add(error);
        return error;
      };
      /** What a step may fail with: an injected fault, or a counter refusal the random schedule can provoke. */
      const expectedFailure = (error: unknown): string => {
        if (error instanceof HqRequestError && injected.has(error)) return 'HqRequestError';
        // A redeem on a balance that earlier redeems or the schedule left short.
        if (error instanceof AppError && error.code === 'balance_short') return error.code;
        throw error;
      };
      /** The answer to a duplicated or replayed request is lost on purpose; only HQ's typed answers are. */
      const discardHqAnswer = (error: unknown): undefined => {
        if (error instanceof HqRequestError && !injected.has(error)) return undefined;
        throw error;
      };

      const faultyClient =
        (till: Till, step: number) =>
        (inner: HqClient): HqClient => ({
          async post(path, body, schema) {
            if ((offlineUntil.get(till) ?? -1) >= step) throw fault('partitioned');
            const chosen: Fault = pick([
              'ok',
              'ok',
              'ok',
              'drop_request',
              'drop_response',
              'duplicate',
              'replay_stale',
            ]);
            if (path === HQ_ROUTES.push) stalePushes.push({ till, body });
            if (chosen === 'drop_request') throw fault('dropped');
            if (chosen === 'replay_stale' && stalePushes.length > 0) {
              const stale = pick(stalePushes.filter((p) => p.till === till));
              if (stale) await inner.post(HQ_ROUTES.push, stale.body, schema).catch(discardHqAnswer);
            }
            const result = await inner.post(path, body, schema);
            if (chosen === 'duplicate') await inner.post(path, body, schema).catch(discardHqAnswer);
            if (chosen === 'drop_response') throw fault('answer lost');
            return result;
          },
        });

      const membersOf = (till: Till) =>
        (till.db.prepare('SELECT id FROM members WHERE erased_at IS NULL').all() as { id: string }[]).map((r) => r.id);

      for (const till of tills) await till.engine().run(); // rules, rewards, first snapshot

      for (let step = 0; step < STEPS; step++) {
        const till = pick(tills);
        const roll = random();
        const known = membersOf(till);
        try {
          if (roll < 0.12 || known.length === 0) {
            phones += 1;
            till.services.enroll(
              {
                givenName: 'Sim',
                familyName: `Member${phones}`,
                phone: `07911 ${String(200000 + phones).padStart(6, '0')}`,
                email: undefined,
                birthDate: undefined,
                cardNumber: till.services.cardBlock.peek(),
                consents: CONSENTS,
              },
              'sim',
            );
            log.push(`${step} ${till.name} enroll`);
          } else if (roll < 0.45) {
            receipt += 1;
            const amount = 100 + Math.floor(random() * 50_000);
            till.services.earn({ memberId: pick(known), amountMinor: amount, reference: `SIM-${receipt}` }, 'sim');
            log.push(`${step} ${till.name} earn`);
          } else if (roll < 0.55) {
            till.services.redeem({ memberId: pick(known), rewardId: 'coffee' }, 'sim');
            log.push(`${step} ${till.name} redeem`);
          } else if (roll < 0.6) {
            till.services.updateProfile({ memberId: pick(known), familyName: `Renamed${step}` }, 'sim');
            log.push(`${step} ${till.name} rename`);
          } else if (roll < 0.68) {
            offlineUntil.set(till, step + 1 + Math.floor(random() * 15));
            log.push(`${step} ${till.name} offline`);
          } else if (roll < 0.74) {
            // A restart between requests: the database is closed cleanly and opened again on the same
            // files and secrets (a real kill mid-write is tests/integration/kill-during-write).
            await till.reopen();
            log.push(`${step} ${till.name} restart`);
          } else {
            await till
              .engine({ wrap: faultyClient(till, step), pushBatchSize: 1 + Math.floor(random() * 6), pullLimit: 50 })
              .run();
            log.push(`${step} ${till.name} sync ok`);
          }
        } catch (error) {
          log.push(`${step} ${till.name} ${expectedFailure(error)}`);
        }
      }

      // The network heals: every till syncs until nothing is left, then once more to hear the rest.
      for (let round = 0; round < 3; round++) for (const till of tills) await till.engine().run();

      const hqLedger = await hq.db.query<{ op_id: string; member_id: string; points: unknown }>(
        'SELECT op_id, member_id, points FROM ledger',
      );
      const hqOps = new Map(hqLedger.rows.map((r) => [r.op_id, toInt(r.points)]));
      expect(hqOps.size).toBe(hqLedger.rows.length); // op_id is unique: nothing doubled
      const hqMembers = await hq.db.query<{ id: string; points: unknown; family_name: string }>(
        'SELECT id, points, family_name FROM members',
      );
      // HQ's balance is the sum of its ledger.
      const sums = new Map<string, number>();
      for (const r of hqLedger.rows) sums.set(r.member_id, (sums.get(r.member_id) ?? 0) + toInt(r.points));
      for (const m of hqMembers.rows) expect(toInt(m.points), m.id).toBe(sums.get(m.id) ?? 0);

      for (const till of tills) {
        expect(till.services.outbox.pendingCount(), `${till.name} outbox`).toBe(0);
        const local = till.db
          .prepare(
            `SELECT l.op_id, l.points, l.state, o.state AS outbox FROM ledger l JOIN outbox o ON o.op_id = l.op_id`,
          )
          .all() as { op_id: string; points: number; state: string; outbox: string }[];
        for (const entry of local) {
          if (entry.outbox === 'acked') {
            // Acknowledged: at HQ exactly once, with the same points, and confirmed here.
            expect(hqOps.get(entry.op_id), entry.op_id).toBe(entry.points);
            expect(entry.state).toBe('confirmed');
          } else {
            expect(entry.outbox).toBe('rejected');
            expect(hqOps.has(entry.op_id)).toBe(false);
          }
        }
        // Converged: every member HQ has, with HQ's balance and name, nothing pending.
        const rows = new Map(
          (
            till.db.prepare('SELECT id, points_confirmed, family_name FROM members').all() as {
              id: string;
              points_confirmed: number;
              family_name: string;
            }[]
          ).map((r) => [r.id, r]),
        );
        for (const m of hqMembers.rows) {
          const row = rows.get(m.id);
          expect(row, `${till.name} has ${m.id}`).toBeDefined();
          expect(row?.points_confirmed, `${till.name} ${m.id}`).toBe(toInt(m.points));
          expect(row?.family_name).toBe(m.family_name);
          expect(till.services.memberView(m.id).member.balance.pending).toBe(0);
        }
      }
      console.log(
        `simulation: ${hqLedger.rows.length} ledger entries at HQ, ${hqMembers.rows.length} members; ${['enroll', 'earn', 'redeem', 'sync ok', 'offline', 'restart', 'HqRequestError'].map((w) => `${w} ${log.filter((l) => l.includes(w)).length}`).join(', ')}`,
      );
      // The schedule really exercised the faults it claims to.
      const joined = log.join('\n');
      for (const what of ['offline', 'restart', 'sync ok', 'earn', 'enroll', 'HqRequestError'])
        expect(joined).toContain(what);
      expect(hqLedger.rows.length).toBeGreaterThan(20);
    }, 300_000);
  },
);
