import type { Database } from 'better-sqlite3-multiple-ciphers';
import type { Reward } from '../../shared/points/schemas';

interface RewardRow {
  id: string;
  name_en: string;
  name_ru: string;
  cost_points: number;
}

export interface RewardsCatalog {
  list(): Reward[];
  /** An active reward, or null (unknown, or withdrawn by HQ). */
  find(id: string): Reward | null;
  /** Replaces the catalogue (HQ sync, demo seeding): rewards not in `rewards` are withdrawn. */
  replace(rewards: readonly Reward[]): void;
}

const toReward = (row: RewardRow): Reward => ({
  id: row.id,
  name: { en: row.name_en, ru: row.name_ru },
  costPoints: row.cost_points,
});

export function createRewardsCatalog(db: Database): RewardsCatalog {
  const all = db.prepare<[], RewardRow>(
    'SELECT id, name_en, name_ru, cost_points FROM rewards WHERE active = 1 ORDER BY sort, cost_points, id',
  );
  const one = db.prepare<[string], RewardRow>(
    'SELECT id, name_en, name_ru, cost_points FROM rewards WHERE id = ? AND active = 1',
  );
  const withdrawAll = db.prepare('UPDATE rewards SET active = 0');
  const upsert = db.prepare(
    `INSERT INTO rewards (id, name_en, name_ru, cost_points, active, sort) VALUES (@id, @en, @ru, @cost, 1, @sort)
     ON CONFLICT (id) DO UPDATE SET name_en = excluded.name_en, name_ru = excluded.name_ru,
       cost_points = excluded.cost_points, active = 1, sort = excluded.sort`,
  );
  return {
    list: () => all.all().map(toReward),
    find: (id) => {
      const row = one.get(id);
      return row ? toReward(row) : null;
    },
    replace: db.transaction((rewards: readonly Reward[]) => {
      // Withdrawn, not deleted: ledger entries keep pointing at the reward they redeemed.
      withdrawAll.run();
      rewards.forEach((reward, sort) =>
        upsert.run({ id: reward.id, en: reward.name.en, ru: reward.name.ru, cost: reward.costPoints, sort }),
      );
    }),
  };
}
