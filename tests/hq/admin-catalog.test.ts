import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import counter from '../../resources/demo/counter.json';
import hqCatalog from '../../resources/demo/hq-catalog.json';
import { createStore, loadCatalog, loadCatalogFile, type CatalogFile } from '../../packages/hq/src/admin';
import { EarnRules } from '../../src/shared/points/rules';
import { makeTempDir } from '../support/temp-dir';
import { cliConnection, runCli } from './support/admin-cli';
import { firstAdmin, operatorWith } from './support/console';
import { BACKENDS, skipBackend, startTestHq, type TestHq } from './support/hq';

const DEMO = join(import.meta.dirname, '../../resources/demo/hq-catalog.json');
const RULES = EarnRules.parse(counter.earnRules);

/** A fresh copy of the demo catalog to change. */
const demo = (): CatalogFile => structuredClone(hqCatalog) as CatalogFile;

interface RewardRow {
  id: string;
  name_en: string;
  name_ru: string;
  cost_points: number;
  active: boolean;
  sort: number;
}

describe('the demo HQ catalog', () => {
  test('holds the rewards and earn rules of counter.json', () => {
    expect(hqCatalog.rewards).toEqual(counter.rewards);
    expect(hqCatalog.earnRules.default).toEqual(counter.earnRules);
  });
});

describe.each(BACKENDS)('HQ load-catalog on %s', (backend) => {
  describe.skipIf(skipBackend(backend))(backend, () => {
    let hq: TestHq;
    let storeA: string;
    let storeB: string;
    const dir = makeTempDir('loyalty-hq-catalog-');
    /**
     * The API token load-catalog acts with: catalog.edit (store operations) and, for a file with a
     * storePolicy section, policies.edit (chain admin).
     */
    let catalogToken: string;
    beforeAll(async () => {
      hq = await startTestHq(backend, { console: true });
      storeA = (await createStore(deps(), 'Catalog Street A')).storeId;
      storeB = (await createStore(deps(), 'Catalog Street B')).storeId;
      const admin = (await firstAdmin(hq)).client;
      const editor = (await operatorWith(hq, admin, ['chain_admin', 'store_operations'])).client;
      const made = await editor.call('createApiToken', {
        roles: ['chain_admin', 'store_operations'],
        expiresInDays: 30,
      });
      if (made.status !== 200) throw new Error(`createApiToken refused: ${made.text}`);
      catalogToken = (made.body as { token: string }).token;
    }, 120_000);
    afterAll(async () => {
      await hq?.close();
      dir.remove();
    });

    function deps() {
      return { db: hq.db, now: () => hq.clock.now };
    }

    const cli = (...argv: string[]) => runCli(cliConnection(hq, catalogToken), ...argv);

    const tick = () => {
      hq.clock.now = new Date(hq.clock.now.getTime() + 60_000);
    };

    async function rewards(): Promise<RewardRow[]> {
      return (
        await hq.db.query<RewardRow>('SELECT id, name_en, name_ru, cost_points, active, sort FROM rewards ORDER BY id')
      ).rows;
    }

    async function settings(storeId: string) {
      const found = await hq.db.query<{
        language: string;
        store_region: string;
        idle_lock_seconds: number;
        earn_rules: unknown;
      }>('SELECT language, store_region, idle_lock_seconds, earn_rules FROM store_settings WHERE store_id = $1', [
        storeId,
      ]);
      return found.rows[0]!;
    }

    /** The change-log entries written at the current clock. */
    async function loggedNow() {
      const found = await hq.db.query<{ entity: string; entity_id: string; store_id: string | null }>(
        'SELECT entity, entity_id, store_id FROM change_log WHERE changed_at = $1 ORDER BY entity, entity_id',
        [hq.clock.now],
      );
      return found.rows;
    }

    function file(name: string, content: unknown): string {
      const path = join(dir.path, name);
      writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
      return path;
    }

    /** Expects the catalog to be refused with these issues and every table to stay as it was. */
    async function refused(catalog: unknown, issues: { path: string; code: string | RegExp }[]) {
      const before = await hq.snapshot();
      const error = await loadCatalog(deps(), catalog).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toMatchObject({ code: 'invalid_catalog' });
      const got = (error as { issues: { path: string; code: string }[] }).issues;
      for (const issue of issues) {
        expect(got, JSON.stringify(got)).toContainEqual({
          path: issue.path,
          code: typeof issue.code === 'string' ? issue.code : expect.stringMatching(issue.code),
        });
      }
      expect(await hq.snapshot()).toBe(before);
    }

    test('the demo catalog: every reward and every store, each logged for pull once', async () => {
      tick();
      const loaded = await loadCatalogFile(deps(), DEMO);
      expect(loaded).toEqual({ rewardsAdded: 5, rewardsChanged: 0, rewardsDeactivated: 0, storesChanged: 2 });
      expect(await rewards()).toEqual(
        counter.rewards
          .map((r, index) => ({
            id: r.id,
            name_en: r.name.en,
            name_ru: r.name.ru,
            cost_points: r.costPoints,
            active: true,
            sort: index,
          }))
          .sort((a, b) => a.id.localeCompare(b.id)),
      );
      for (const storeId of [storeA, storeB]) {
        expect(await settings(storeId)).toEqual({
          language: 'en',
          store_region: 'GB',
          idle_lock_seconds: 120,
          earn_rules: RULES,
        });
      }
      expect(await loggedNow()).toEqual(
        [
          ...counter.rewards.map((r) => ({ entity: 'reward', entity_id: r.id, store_id: null })),
          { entity: 'store_settings', entity_id: storeA, store_id: storeA },
          { entity: 'store_settings', entity_id: storeB, store_id: storeB },
        ].sort((a, b) => (a.entity + a.entity_id).localeCompare(b.entity + b.entity_id)),
      );
    });

    test('loading the same catalog again changes nothing and logs nothing', async () => {
      tick();
      const before = await hq.snapshot();
      expect(await loadCatalogFile(deps(), DEMO)).toEqual({
        rewardsAdded: 0,
        rewardsChanged: 0,
        rewardsDeactivated: 0,
        storesChanged: 0,
      });
      expect(await hq.snapshot()).toBe(before);
    });

    test('a reward missing from the file is deactivated, never deleted; only changed rows are written and logged', async () => {
      tick();
      const catalog = demo();
      catalog.rewards = catalog.rewards.filter((r) => r.id !== 'hamper');
      catalog.rewards[0]!.costPoints = 175;
      expect(await loadCatalog(deps(), catalog)).toEqual({
        rewardsAdded: 0,
        rewardsChanged: 1,
        rewardsDeactivated: 1,
        storesChanged: 0,
      });
      const rows = await rewards();
      expect(rows.find((r) => r.id === 'hamper')).toMatchObject({ active: false, cost_points: 6000 });
      expect(rows.find((r) => r.id === 'coffee')).toMatchObject({ active: true, cost_points: 175 });
      expect(await loggedNow()).toEqual([
        { entity: 'reward', entity_id: 'coffee', store_id: null },
        { entity: 'reward', entity_id: 'hamper', store_id: null },
      ]);

      // Back in the file (inactive on purpose this time, then active): written once each.
      tick();
      const back = demo();
      back.rewards.find((r) => r.id === 'hamper')!.active = false;
      expect((await loadCatalog(deps(), back)).rewardsChanged).toBe(1); // coffee's price only
      tick();
      expect((await loadCatalogFile(deps(), DEMO)).rewardsChanged).toBe(1); // hamper active again
      expect(await loggedNow()).toEqual([{ entity: 'reward', entity_id: 'hamper', store_id: null }]);
    });

    test("a store's own rules and settings win over the default; a changed rule set needs a newer version", async () => {
      tick();
      const catalog = demo();
      const storeRules = { ...RULES, version: 2, pointsPerUnit: 2 };
      catalog.earnRules = { default: RULES, stores: { [storeA]: storeRules } };
      catalog.storeSettings = {
        default: { language: 'en', storeRegion: 'GB', idleLockSeconds: 120 },
        stores: { [storeA]: { language: 'ru', storeRegion: 'RU', idleLockSeconds: 300 } },
      };
      expect((await loadCatalog(deps(), catalog)).storesChanged).toBe(1);
      expect(await settings(storeA)).toEqual({
        language: 'ru',
        store_region: 'RU',
        idle_lock_seconds: 300,
        earn_rules: storeRules,
      });
      expect((await settings(storeB)).earn_rules).toEqual(RULES);
      expect(await loggedNow()).toEqual([{ entity: 'store_settings', entity_id: storeA, store_id: storeA }]);

      // Other rules under the same version: refused, and the reward change in the same file is not made either.
      tick();
      const sameVersion = demo();
      sameVersion.rewards[0]!.costPoints = 999;
      sameVersion.earnRules = { default: { ...RULES, pointsPerUnit: 3 } };
      await refused(sameVersion, [{ path: 'earnRules.default.version', code: /^not_newer/ }]);
      const lower = demo();
      lower.earnRules = { stores: { [storeA]: { ...storeRules, pointsPerUnit: 5, version: 1 } } };
      await refused(lower, [{ path: `earnRules.stores.${storeA}.version`, code: /^not_newer/ }]);
      // Back to the default rules is a change too: the default needs a version above the store's.
      await refused(demo(), [{ path: 'earnRules.default.version', code: /^not_newer \(store .* has version 2\)$/ }]);
    });

    test('a store HQ does not hold is refused, after the rewards were written: the transaction rolls them back', async () => {
      tick();
      const catalog = demo();
      catalog.rewards.push({ id: 'umbrella', name: { en: 'Umbrella', ru: 'Зонт' }, costPoints: 900 });
      catalog.earnRules = { stores: { 'no-such-store': RULES } };
      catalog.storeSettings = {
        stores: { 'no-store-either': { language: 'en', storeRegion: 'GB', idleLockSeconds: 60 } },
      };
      await refused(catalog, [
        { path: 'earnRules.stores.no-such-store', code: 'store_not_found' },
        { path: 'storeSettings.stores.no-store-either', code: 'store_not_found' },
      ]);
      expect((await rewards()).map((r) => r.id)).not.toContain('umbrella');
    });

    test('every schema problem is refused with its field path, and changes nothing', async () => {
      const reward = (changes: Record<string, unknown>) => {
        const catalog = demo() as unknown as { rewards: Record<string, unknown>[] };
        Object.assign(catalog.rewards[0]!, changes);
        return catalog;
      };
      const rules = (changes: Record<string, unknown>) => ({
        ...demo(),
        earnRules: { default: { ...RULES, ...changes } },
      });
      const store = (changes: Record<string, unknown>) => ({
        ...demo(),
        storeSettings: { default: { language: 'en', storeRegion: 'GB', idleLockSeconds: 120, ...changes } },
      });
      await refused({ ...demo(), reward: [] }, [{ path: 'reward', code: 'unknown_field' }]);
      await refused({ earnRules: {} }, [{ path: 'rewards', code: /^invalid_type/ }]);
      await refused(null, [{ path: '', code: /^invalid_type/ }]);
      await refused(reward({ costPoints: 0 }), [{ path: 'rewards.0.costPoints', code: 'too_small (minimum 1)' }]);
      await refused(reward({ costPoints: '150' }), [{ path: 'rewards.0.costPoints', code: /^invalid_type/ }]);
      await refused(reward({ costPoints: 1.5 }), [{ path: 'rewards.0.costPoints', code: /^invalid_type/ }]);
      await refused(reward({ price: 150 }), [{ path: 'rewards.0.price', code: 'unknown_field' }]);
      await refused(reward({ name: { en: 'Coffee' } }), [{ path: 'rewards.0.name.ru', code: /^invalid_type/ }]);
      await refused(reward({ name: { en: '  ', ru: 'Кофе' } }), [{ path: 'rewards.0.name.en', code: /^too_small/ }]);
      await refused(reward({ id: 'voucher-5' }), [{ path: 'rewards.1.id', code: 'duplicate' }]);
      await refused(reward({ id: 'coffee; DROP TABLE rewards' }), [{ path: 'rewards.0.id', code: /^invalid_format/ }]);
      await refused(reward({ active: 'yes' }), [{ path: 'rewards.0.active', code: /^invalid_type/ }]);
      await refused(reward({ sort: 1e9 }), [{ path: 'rewards.0.sort', code: /^too_big/ }]);
      await refused(rules({ minorPerUnit: 7 }), [{ path: 'earnRules.default.minorPerUnit', code: /./ }]);
      await refused(rules({ rounding: 'banker' }), [{ path: 'earnRules.default.rounding', code: /^invalid_value/ }]);
      await refused(rules({ bonus: 1 }), [{ path: 'earnRules.default.bonus', code: 'unknown_field' }]);
      await refused({ ...demo(), earnRules: { default: RULES, shops: {} } }, [
        { path: 'earnRules.shops', code: 'unknown_field' },
      ]);
      await refused(store({ language: 'de' }), [{ path: 'storeSettings.default.language', code: /^invalid_value/ }]);
      await refused(store({ storeRegion: 'XX' }), [
        { path: 'storeSettings.default.storeRegion', code: 'unknown_region' },
      ]);
      await refused(store({ storeRegion: 'gb' }), [
        { path: 'storeSettings.default.storeRegion', code: /^invalid_format/ },
      ]);
      await refused(store({ idleLockSeconds: 10 }), [
        { path: 'storeSettings.default.idleLockSeconds', code: 'too_small (minimum 30)' },
      ]);
    });

    test('every rule set a store is given is kept with when it was issued and superseded; a version names one rule set for good', async () => {
      const storeC = (await createStore(deps(), 'Catalog Street C')).storeId;
      const history = async () =>
        (
          await hq.db.query<{ version: number; rules: unknown; issued_at: Date; superseded_at: Date | null }>(
            'SELECT version, rules, issued_at, superseded_at FROM earn_rule_versions WHERE store_id = $1 ORDER BY version',
            [storeC],
          )
        ).rows.map((r) => ({
          version: r.version,
          rules: r.rules,
          issuedAt: r.issued_at.toISOString(),
          supersededAt: r.superseded_at?.toISOString() ?? null,
        }));
      tick();
      const first = hq.clock.now.toISOString();
      await loadCatalog(deps(), { ...demo(), earnRules: { stores: { [storeC]: { ...RULES, version: 5 } } } });
      tick();
      const second = hq.clock.now.toISOString();
      const v6 = { ...RULES, version: 6, pointsPerUnit: 4 };
      await loadCatalog(deps(), { ...demo(), earnRules: { stores: { [storeC]: v6 } } });
      // The same rules again change nothing.
      tick();
      await loadCatalog(deps(), { ...demo(), earnRules: { stores: { [storeC]: v6 } } });
      expect(await history()).toEqual([
        { version: 5, rules: { ...RULES, version: 5 }, issuedAt: first, supersededAt: second },
        { version: 6, rules: v6, issuedAt: second, supersededAt: null },
      ]);
      // Even with the store's current rules gone, a version it was given is never reused for other rules.
      await hq.db.query('UPDATE store_settings SET earn_rules = NULL WHERE store_id = $1', [storeC]);
      const before = await history();
      await refused({ ...demo(), earnRules: { stores: { [storeC]: { ...RULES, version: 6, pointsPerUnit: 9 } } } }, [
        { path: `earnRules.stores.${storeC}.version`, code: `not_newer (store ${storeC} was given version 6)` },
      ]);
      expect(await history()).toEqual(before);
    });

    test('store policy (adjustment limit, grace window) is set per store; only a changed limit is logged for pull', async () => {
      const policy = async (storeId: string) =>
        (
          await hq.db.query<{ max_adjust_points: number; grace_days: number }>(
            'SELECT max_adjust_points, grace_days FROM store_settings WHERE store_id = $1',
            [storeId],
          )
        ).rows[0];
      const storeD = (await createStore(deps(), 'Catalog Street D')).storeId;
      expect(await policy(storeD)).toEqual({ max_adjust_points: 10_000, grace_days: 7 });
      tick();
      const loaded = await loadCatalog(deps(), {
        ...demo(),
        earnRules: undefined,
        storeSettings: undefined,
        storePolicy: { default: { graceDays: 3 }, stores: { [storeD]: { maxAdjustPoints: 25_000 } } },
      });
      expect(await policy(storeD)).toEqual({ max_adjust_points: 25_000, grace_days: 7 });
      expect(await policy(storeA)).toEqual({ max_adjust_points: 10_000, grace_days: 3 });
      // Stores A, B and C take the default, D its own.
      expect(loaded.storesChanged).toBe(4);
      // Tills pull the limit, to refuse a larger adjustment before a manager approves it; the grace
      // window stays at HQ.
      expect((await loggedNow()).filter((row) => row.entity === 'store_settings')).toEqual([
        { entity: 'store_settings', entity_id: storeD, store_id: storeD },
      ]);
      const withPolicy = (value: unknown) => ({ ...demo(), earnRules: undefined, storePolicy: value });
      await refused(withPolicy({ default: { maxAdjustPoints: 0 } }), [
        { path: 'storePolicy.default.maxAdjustPoints', code: 'too_small (minimum 1)' },
      ]);
      await refused(withPolicy({ default: { maxAdjustPoints: 100_001 } }), [
        { path: 'storePolicy.default.maxAdjustPoints', code: 'too_big (maximum 100000)' },
      ]);
      await refused(withPolicy({ default: { graceDays: 91 } }), [
        { path: 'storePolicy.default.graceDays', code: 'too_big (maximum 90)' },
      ]);
      await refused(withPolicy({ default: { graceDays: 1.5 } }), [
        { path: 'storePolicy.default.graceDays', code: /^invalid_type/ },
      ]);
      await refused(withPolicy({ default: { maxAdjust: 5 } }), [
        { path: 'storePolicy.default.maxAdjust', code: 'unknown_field' },
      ]);
      await refused(withPolicy({ stores: { 'no-such-store': { graceDays: 1 } } }), [
        { path: 'storePolicy.stores.no-such-store', code: 'store_not_found' },
      ]);
      expect(await policy(storeD)).toEqual({ max_adjust_points: 25_000, grace_days: 7 });
    });

    test('a withdrawn reward keeps the time it was withdrawn (for the grace window); offered again, it has none', async () => {
      const withdrawnAt = async (id: string) =>
        (
          await hq.db.query<{ deactivated_at: Date | null }>('SELECT deactivated_at FROM rewards WHERE id = $1', [id])
        ).rows[0]?.deactivated_at?.toISOString() ?? null;
      tick();
      await loadCatalog(deps(), { ...demo(), earnRules: undefined });
      expect(await withdrawnAt('tote-bag')).toBeNull();
      tick();
      const at = hq.clock.now.toISOString();
      const without = { ...demo(), earnRules: undefined };
      without.rewards = without.rewards.filter((r) => r.id !== 'tote-bag');
      await loadCatalog(deps(), without);
      expect(await withdrawnAt('tote-bag')).toBe(at);
      // Still withdrawn, now listed as inactive: the first withdrawal time stays.
      tick();
      const listedInactive = { ...demo(), earnRules: undefined };
      listedInactive.rewards = listedInactive.rewards.map((r) =>
        r.id === 'tote-bag' ? { ...r, active: false, sort: 50 } : r,
      );
      await loadCatalog(deps(), listedInactive);
      expect(await withdrawnAt('tote-bag')).toBe(at);
      tick();
      await loadCatalog(deps(), { ...demo(), earnRules: undefined });
      expect(await withdrawnAt('tote-bag')).toBeNull();
    });

    test('CLI: load-catalog prints what changed; a bad file prints the wrong field, exits 2 and changes nothing', async () => {
      tick();
      // Rewards only: without earnRules and storeSettings sections the stores are left as they are.
      const catalog: CatalogFile = { rewards: demo().rewards };
      catalog.rewards.push({ id: 'scarf', name: { en: 'Scarf', ru: 'Шарф' }, costPoints: 1200, sort: 99 });
      const ok = await cli('load-catalog', file('more.json', catalog));
      expect(ok).toMatchObject({ code: 0, err: [] });
      // The tests above loaded through HQ's library, which keeps no catalogue versions: this is the first.
      expect(ok.out).toEqual([
        'CATALOG_FILE=more.json',
        'CATALOG_VERSION=1',
        'REWARDS_ADDED=1',
        'REWARDS_CHANGED=0',
        'REWARDS_DEACTIVATED=0',
        'STORES_CHANGED=0',
      ]);
      expect((await rewards()).find((r) => r.id === 'scarf')).toMatchObject({ sort: 99, active: true });

      const before = await hq.snapshot();
      const bad = demo();
      (bad.rewards[2] as { costPoints: unknown }).costPoints = -5;
      const run = await cli('load-catalog', file('bad.json', bad));
      expect(run.code).toBe(2);
      expect(run.out).toEqual([]);
      expect(run.err).toEqual([
        'error: invalid_catalog: The catalog does not match the schema.',
        '  at rewards.2.costPoints: too_small (minimum 1)',
      ]);
      for (const [name, content, message] of [
        ['broken.json', '{"rewards": [', 'error: invalid_catalog: The catalog file is not valid JSON.'],
        ['missing.json', null, 'error: invalid_catalog: Cannot read the catalog file (ENOENT).'],
      ] as const) {
        const path = content === null ? join(dir.path, name) : file(name, content);
        const refusedRun = await cli('load-catalog', path);
        expect(refusedRun).toMatchObject({ code: 2, out: [], err: [message] });
      }
      expect(await cli('load-catalog')).toEqual({
        code: 2,
        out: [],
        err: ['error: invalid_argument: Usage: load-catalog FILE.json'],
        values: {},
      });
      expect(await hq.snapshot()).toBe(before);
    });
  });
});
