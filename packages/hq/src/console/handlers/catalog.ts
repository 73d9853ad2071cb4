import { loadCatalog, parseCatalog } from '../../admin/catalog';
import { toInt, type Queryable } from '../../db/database';
import { may } from '../../operators/roles';
import { ConsoleHttpError } from '../console-error';
import type { ConsoleHandler } from '../console-context';

/** Advisory lock key serializing catalogue saves, so two editors cannot both build on one version. */
const CATALOG_LOCK = 7284;

async function currentVersion(q: Queryable): Promise<number> {
  const found = await q.query<{ version: unknown }>('SELECT max(version) AS version FROM catalog_versions');
  return toInt(found.rows[0]?.version ?? 0);
}

/**
 * The catalogue in force, in load-catalog's shape, read from what HQ holds (so it is right even
 * for a catalogue loaded before versions were kept): every reward, and per store its counter
 * settings, earn rules and policy.
 */
async function catalogInForce(q: Queryable) {
  const rewards = await q.query<{
    id: string;
    name_en: string;
    name_ru: string;
    cost_points: unknown;
    active: boolean;
    sort: unknown;
  }>('SELECT id, name_en, name_ru, cost_points, active, sort FROM rewards ORDER BY sort, id');
  const stores = await q.query<{
    store_id: string;
    language: string;
    store_region: string;
    idle_lock_seconds: unknown;
    earn_rules: unknown;
    max_adjust_points: unknown;
    grace_days: unknown;
    second_approver_above_points: unknown;
  }>(
    `SELECT store_id, language, store_region, idle_lock_seconds, earn_rules, max_adjust_points, grace_days,
            second_approver_above_points FROM store_settings ORDER BY store_id`,
  );
  const rewardRows = rewards.rows.map((row) => ({
    id: row.id,
    name: { en: row.name_en, ru: row.name_ru },
    costPoints: toInt(row.cost_points),
    active: row.active,
    sort: toInt(row.sort),
  }));
  const earnRules: Record<string, unknown> = {};
  const storeSettings: Record<string, unknown> = {};
  const storePolicy: Record<string, unknown> = {};
  for (const row of stores.rows) {
    const rules = typeof row.earn_rules === 'string' ? (JSON.parse(row.earn_rules) as unknown) : row.earn_rules;
    if (rules !== null && rules !== undefined) earnRules[row.store_id] = rules;
    storeSettings[row.store_id] = {
      language: row.language,
      storeRegion: row.store_region,
      idleLockSeconds: toInt(row.idle_lock_seconds),
    };
    storePolicy[row.store_id] = {
      maxAdjustPoints: toInt(row.max_adjust_points),
      graceDays: toInt(row.grace_days),
      secondApproverAbovePoints: toInt(row.second_approver_above_points),
    };
  }
  return {
    rewards: rewardRows,
    catalog: {
      rewards: rewardRows,
      earnRules: { stores: earnRules },
      storeSettings: { stores: storeSettings },
      storePolicy: { stores: storePolicy },
    },
  };
}

export const getCatalog: ConsoleHandler<'getCatalog'> = async (ctx) => {
  const { rewards, catalog } = await catalogInForce(ctx.tx);
  const history = await ctx.tx.query<{ version: unknown; loaded_at: Date; operator_id: string | null }>(
    'SELECT version, loaded_at, operator_id FROM catalog_versions ORDER BY version DESC LIMIT 50',
  );
  return {
    version: await currentVersion(ctx.tx),
    catalog,
    rewards,
    history: history.rows.map((row) => ({
      version: toInt(row.version),
      loadedAt: new Date(row.loaded_at).toISOString(),
      operatorId: row.operator_id,
    })),
  };
};

/**
 * Loads a catalogue on top of `baseVersion` (optimistic: another save in between is a conflict,
 * never silently overwritten). A catalogue that sets store policy needs policies.edit too.
 */
export const saveCatalog: ConsoleHandler<'saveCatalog'> = async (ctx, input) => {
  const file = parseCatalog(input.catalog);
  if (file.storePolicy !== undefined && !may(ctx.actor.roles, 'policies.edit')) {
    throw new ConsoleHttpError('forbidden', 'Setting store policy needs policies.edit.', {
      issues: [{ path: 'storePolicy', code: 'forbidden' }],
    });
  }
  await ctx.tx.query('SELECT pg_advisory_xact_lock($1)', [CATALOG_LOCK]);
  const current = await currentVersion(ctx.tx);
  if (input.baseVersion !== current) {
    throw new ConsoleHttpError('conflict', `The catalogue is at version ${current}, not ${input.baseVersion}.`);
  }
  const loaded = await loadCatalog({ db: ctx.db, now: () => ctx.now }, input.catalog);
  const version = current + 1;
  await ctx.tx.query(
    'INSERT INTO catalog_versions (version, catalog, loaded_at, operator_id) VALUES ($1, $2::jsonb, $3, $4)',
    [version, JSON.stringify(input.catalog), ctx.now, ctx.actor.operatorId],
  );
  await ctx.audit({
    action: 'catalog.edit',
    subjectType: 'catalog',
    subjectId: String(version),
    details: { ...loaded },
  });
  return { version, ...loaded };
};
