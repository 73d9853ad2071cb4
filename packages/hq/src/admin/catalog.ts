import { readFile } from 'node:fs/promises';
import { isSupportedCountry } from 'libphonenumber-js/max';
import { z } from 'zod';
import type { FieldIssue } from '../../../../src/shared/errors';
import { LANGUAGES } from '../../../../src/shared/i18n/languages';
import { IDLE_LOCK_MAX_SECONDS, IDLE_LOCK_MIN_SECONDS } from '../../../../src/shared/ipc/contract';
import { EarnRules } from '../../../../src/shared/points/rules';
import { rewardId } from '../../../../src/shared/points/schemas';
import { logChange } from '../change-log';
import type { Queryable } from '../db/database';
import { HqAdminError } from '../errors';
import { STORE_POLICY_BOUNDS } from '../push/store-policy';
import { clock, type AdminDeps } from './deps';
import { canonicalJson } from '../../../../src/shared/canonical-json';
import { toFieldIssues } from '../../../../src/shared/ipc/validation';

const rewardName = z.string().trim().min(1).max(80);

/** One reward. Missing `active` means true; missing `sort` means its position in the file. */
export const CatalogReward = z.strictObject({
  id: rewardId.regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/),
  name: z.strictObject({ en: rewardName, ru: rewardName }),
  costPoints: z.number().int().min(1).max(10_000_000),
  active: z.boolean().optional(),
  sort: z.number().int().min(-1_000_000).max(1_000_000).optional(),
});

/** The counter settings HQ sets per store, with the bounds a till's own settings screen has. */
export const CatalogStoreSettings = z.strictObject({
  language: z.enum(LANGUAGES),
  // The region phone numbers typed without a country code are read in.
  storeRegion: z
    .string()
    .regex(/^[A-Z]{2}$/)
    .refine((region) => isSupportedCountry(region), { message: 'unknown_region' }),
  idleLockSeconds: z.number().int().min(IDLE_LOCK_MIN_SECONDS).max(IDLE_LOCK_MAX_SECONDS),
});

/**
 * HQ-only limits on what a store's tills may claim (push/store-policy.ts); a missing field keeps
 * the store's current value (defaults: 10,000 points per adjustment, a 7-day grace window).
 */
export const CatalogStorePolicy = z.strictObject({
  maxAdjustPoints: z
    .number()
    .int()
    .min(STORE_POLICY_BOUNDS.maxAdjustPoints.min)
    .max(STORE_POLICY_BOUNDS.maxAdjustPoints.max)
    .optional(),
  graceDays: z.number().int().min(STORE_POLICY_BOUNDS.graceDays.min).max(STORE_POLICY_BOUNDS.graceDays.max).optional(),
  secondApproverAbovePoints: z
    .number()
    .int()
    .min(STORE_POLICY_BOUNDS.secondApproverAbovePoints.min)
    .max(STORE_POLICY_BOUNDS.secondApproverAbovePoints.max)
    .optional(),
});

/** `default` applies to every store the file does not name under `stores`. */
function perStore<S extends z.ZodType>(schema: S) {
  return z.strictObject({
    default: schema.optional(),
    stores: z.record(z.string().min(1).max(64), schema).optional(),
  });
}

/**
 * The catalog file of `load-catalog`: the whole reward list (a reward HQ holds that is not in the
 * file is deactivated, never deleted), earn rules, and optionally counter settings. Strict at every
 * level: an unknown or misspelt field is an error, not ignored.
 */
export const CatalogFile = z
  .strictObject({
    description: z.string().max(1000).optional(),
    rewards: z.array(CatalogReward).max(1000),
    earnRules: perStore(EarnRules).optional(),
    storeSettings: perStore(CatalogStoreSettings).optional(),
    storePolicy: perStore(CatalogStorePolicy).optional(),
  })
  .superRefine((file, ctx) => {
    const seen = new Set<string>();
    file.rewards.forEach((reward, index) => {
      if (seen.has(reward.id)) ctx.addIssue({ code: 'custom', path: ['rewards', index, 'id'], message: 'duplicate' });
      seen.add(reward.id);
    });
  });
export type CatalogFile = z.input<typeof CatalogFile>;

export interface CatalogLoaded {
  rewardsAdded: number;
  rewardsChanged: number;
  rewardsDeactivated: number;
  storesChanged: number;
}

/** Validates a parsed catalog; every problem is one issue with its field path. */
export function parseCatalog(input: unknown): z.output<typeof CatalogFile> {
  const parsed = CatalogFile.safeParse(input);
  if (!parsed.success) {
    throw new HqAdminError(
      'invalid_catalog',
      'The catalog does not match the schema.',
      toFieldIssues(parsed.error, 'detailed'),
    );
  }
  return parsed.data;
}

/** Reads a catalog file as JSON (validated by loadCatalog). */
export async function readCatalogJson(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : 'unreadable';
    throw new HqAdminError('invalid_catalog', `Cannot read the catalog file (${code}).`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new HqAdminError('invalid_catalog', 'The catalog file is not valid JSON.');
  }
}

interface RewardRow {
  id: string;
  name_en: string;
  name_ru: string;
  cost_points: number;
  active: boolean;
  sort: number;
}

async function loadRewards(
  tx: Queryable,
  rewards: z.output<typeof CatalogFile>['rewards'],
  now: Date,
  result: CatalogLoaded,
): Promise<void> {
  const existing = await tx.query<RewardRow>(
    'SELECT id, name_en, name_ru, cost_points, active, sort FROM rewards ORDER BY id FOR UPDATE',
  );
  const held = new Map(existing.rows.map((row) => [row.id, row]));
  for (const [index, reward] of rewards.entries()) {
    const next: RewardRow = {
      id: reward.id,
      name_en: reward.name.en,
      name_ru: reward.name.ru,
      cost_points: reward.costPoints,
      active: reward.active ?? true,
      sort: reward.sort ?? index,
    };
    const old = held.get(reward.id);
    held.delete(reward.id);
    if (old && canonicalJson(old) === canonicalJson(next)) continue;
    // When it stopped being offered: HQ still honours an offline till's redemption of it for the
    // grace window (push/verify-claims.ts). Kept when it stays withdrawn, cleared when offered again.
    const deactivatedAt = next.active ? null : old && !old.active ? undefined : now;
    await tx.query(
      `INSERT INTO rewards (id, name_en, name_ru, cost_points, active, sort, updated_at, deactivated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (id) DO UPDATE SET name_en = EXCLUDED.name_en, name_ru = EXCLUDED.name_ru,
         cost_points = EXCLUDED.cost_points, active = EXCLUDED.active, sort = EXCLUDED.sort,
         updated_at = EXCLUDED.updated_at,
         deactivated_at = CASE WHEN $9 THEN rewards.deactivated_at ELSE EXCLUDED.deactivated_at END`,
      [
        next.id,
        next.name_en,
        next.name_ru,
        next.cost_points,
        next.active,
        next.sort,
        now,
        deactivatedAt ?? null,
        deactivatedAt === undefined,
      ],
    );
    await logChange(tx, 'reward', next.id, null, now);
    if (old) result.rewardsChanged += 1;
    else result.rewardsAdded += 1;
  }
  // Not in the file: no longer offered. Kept, because ledger entries name it.
  for (const old of held.values()) {
    if (!old.active) continue;
    await tx.query('UPDATE rewards SET active = false, updated_at = $2, deactivated_at = $2 WHERE id = $1', [
      old.id,
      now,
    ]);
    await logChange(tx, 'reward', old.id, null, now);
    result.rewardsDeactivated += 1;
  }
}

interface StoreSettingsRow {
  store_id: string;
  language: string;
  store_region: string;
  idle_lock_seconds: number;
  earn_rules: unknown;
  max_adjust_points: number;
  grace_days: number;
  second_approver_above_points: number;
  /** The newest earn rules version HQ ever gave this store (null: never any). */
  newest_version: number | null;
}

/**
 * Keeps the history of rule sets a store was given (migration 5): the current one superseded now,
 * the new one issued now. Push judges an offline till's earn by the version it names through it.
 */
async function issueEarnRules(tx: Queryable, storeId: string, rules: EarnRules, now: Date): Promise<void> {
  await tx.query('UPDATE earn_rule_versions SET superseded_at = $2 WHERE store_id = $1 AND superseded_at IS NULL', [
    storeId,
    now,
  ]);
  await tx.query(
    'INSERT INTO earn_rule_versions (store_id, version, rules, issued_at) VALUES ($1, $2, $3::jsonb, $4)',
    [storeId, rules.version, JSON.stringify(rules), now],
  );
}

async function loadStoreSettings(
  tx: Queryable,
  file: z.output<typeof CatalogFile>,
  now: Date,
  result: CatalogLoaded,
): Promise<void> {
  const rows = await tx.query<StoreSettingsRow>(
    `SELECT store_id, language, store_region, idle_lock_seconds, earn_rules, max_adjust_points, grace_days,
            second_approver_above_points, (SELECT max(version) FROM earn_rule_versions v WHERE v.store_id = s.store_id) AS newest_version
       FROM store_settings s ORDER BY store_id FOR UPDATE`,
  );
  const held = new Map(rows.rows.map((row) => [row.store_id, row]));
  const issues: FieldIssue[] = [];
  for (const section of ['earnRules', 'storeSettings', 'storePolicy'] as const) {
    for (const storeId of Object.keys(file[section]?.stores ?? {})) {
      if (!held.has(storeId)) issues.push({ path: `${section}.stores.${storeId}`, code: 'store_not_found' });
    }
  }
  for (const row of held.values()) {
    const specificRules = file.earnRules?.stores?.[row.store_id];
    const rules = specificRules ?? file.earnRules?.default;
    const settings = file.storeSettings?.stores?.[row.store_id] ?? file.storeSettings?.default;
    const policy = file.storePolicy?.stores?.[row.store_id] ?? file.storePolicy?.default;
    const next = {
      language: settings?.language ?? row.language,
      store_region: settings?.storeRegion ?? row.store_region,
      idle_lock_seconds: settings?.idleLockSeconds ?? row.idle_lock_seconds,
      earn_rules: rules ?? row.earn_rules,
    };
    const old = {
      language: row.language,
      store_region: row.store_region,
      idle_lock_seconds: row.idle_lock_seconds,
      earn_rules: row.earn_rules,
    };
    const nextPolicy = {
      max_adjust_points: policy?.maxAdjustPoints ?? row.max_adjust_points,
      grace_days: policy?.graceDays ?? row.grace_days,
      second_approver_above_points: policy?.secondApproverAbovePoints ?? row.second_approver_above_points,
    };
    // Tills learn the adjustment limit and the four-eyes threshold (not the grace window) so they
    // refuse before a manager approves; HQ enforces both whatever a till does.
    const tillPolicyChanged =
      nextPolicy.max_adjust_points !== row.max_adjust_points ||
      nextPolicy.second_approver_above_points !== row.second_approver_above_points;
    const policyChanged = tillPolicyChanged || nextPolicy.grace_days !== row.grace_days;
    if (policyChanged) {
      await tx.query(
        `UPDATE store_settings SET max_adjust_points = $2, grace_days = $3, second_approver_above_points = $4
          WHERE store_id = $1`,
        [row.store_id, nextPolicy.max_adjust_points, nextPolicy.grace_days, nextPolicy.second_approver_above_points],
      );
    }
    if (canonicalJson(next) === canonicalJson(old)) {
      if (policyChanged) result.storesChanged += 1;
      if (tillPolicyChanged) {
        await logChange(tx, 'store_settings', row.store_id, row.store_id, now);
      }
      continue;
    }
    // An earn records the rules version it used: a changed rule set must carry a newer version, or
    // HQ could no longer tell which rules made a figure.
    const oldRules = EarnRules.safeParse(row.earn_rules);
    if (
      rules !== undefined &&
      oldRules.success &&
      canonicalJson(rules) !== canonicalJson(oldRules.data) &&
      rules.version <= oldRules.data.version
    ) {
      const path = specificRules ? `earnRules.stores.${row.store_id}.version` : 'earnRules.default.version';
      issues.push({ path, code: `not_newer (store ${row.store_id} has version ${oldRules.data.version})` });
      continue;
    }
    const rulesChanged = rules !== undefined && canonicalJson(rules) !== canonicalJson(row.earn_rules);
    // A version number names one rule set for good: push judges earns by the version they name.
    if (rulesChanged && row.newest_version !== null && rules.version <= row.newest_version) {
      const path = specificRules ? `earnRules.stores.${row.store_id}.version` : 'earnRules.default.version';
      issues.push({ path, code: `not_newer (store ${row.store_id} was given version ${row.newest_version})` });
      continue;
    }
    if (rulesChanged) await issueEarnRules(tx, row.store_id, rules, now);
    await tx.query(
      `UPDATE store_settings SET language = $2, store_region = $3, idle_lock_seconds = $4, earn_rules = $5::jsonb,
         updated_at = $6 WHERE store_id = $1`,
      [
        row.store_id,
        next.language,
        next.store_region,
        next.idle_lock_seconds,
        next.earn_rules === null ? null : JSON.stringify(next.earn_rules),
        now,
      ],
    );
    await logChange(tx, 'store_settings', row.store_id, row.store_id, now);
    result.storesChanged += 1;
  }
  // Thrown after the writes above on purpose: the transaction rolls them back with the rewards.
  if (issues.length > 0)
    throw new HqAdminError('invalid_catalog', 'The catalog does not fit the stores HQ holds.', issues);
}

/**
 * Loads a validated catalog in one transaction: rewards upserted (those not in the file
 * deactivated), earn rules and counter settings set per store. Only what changed is written and
 * logged for pull; loading the same file twice changes nothing. Any problem rolls all of it back.
 */
export async function loadCatalog(deps: AdminDeps, catalog: unknown): Promise<CatalogLoaded> {
  const file = parseCatalog(catalog);
  const now = clock(deps);
  return deps.db.transaction(async (tx) => {
    const result: CatalogLoaded = { rewardsAdded: 0, rewardsChanged: 0, rewardsDeactivated: 0, storesChanged: 0 };
    await loadRewards(tx, file.rewards, now, result);
    await loadStoreSettings(tx, file, now, result);
    return result;
  });
}

/** `load-catalog FILE.json`: reads, validates and loads. */
export async function loadCatalogFile(deps: AdminDeps, path: string): Promise<CatalogLoaded> {
  return loadCatalog(deps, await readCatalogJson(path));
}
