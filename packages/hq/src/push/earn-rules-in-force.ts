import { EarnRules } from '../../../../src/shared/points/rules';
import type { Queryable } from '../db/database';
import { graceStart, type StorePolicy } from './store-policy';

/**
 * The earn rules HQ judges an earn by (DESIGN §4 "HQ trusts no till"). A till offline when new
 * rules were issued still computes with the version it holds, so the version it names is honoured
 * if HQ issued it to this store and it was superseded no longer ago than the store's grace window.
 * Anything else — a version never issued to this store, one superseded too long ago, none named —
 * is judged by the store's current rules: naming a version buys a till nothing HQ did not give it.
 * null: HQ has never given this store rules (no honest till earns there).
 */
export async function earnRulesInForce(
  q: Queryable,
  storeId: string,
  claimedVersion: number | null,
  receivedAt: Date,
  policy: StorePolicy,
): Promise<EarnRules | null> {
  // A version outside the column's range was never issued; asked as such it would be a SQL error.
  const version = claimedVersion !== null && Math.abs(claimedVersion) <= 2_147_483_647 ? claimedVersion : null;
  const found = await q.query<{ version: number; rules: unknown; superseded_at: Date | null }>(
    `SELECT version, rules, superseded_at FROM earn_rule_versions
      WHERE store_id = $1 AND (superseded_at IS NULL OR version = $2)`,
    [storeId, version],
  );
  const claimed = found.rows.find((row) => version !== null && row.version === version);
  const honoured =
    claimed !== undefined &&
    (claimed.superseded_at === null || claimed.superseded_at.getTime() >= graceStart(policy, receivedAt).getTime());
  const chosen = honoured ? claimed : found.rows.find((row) => row.superseded_at === null);
  // Stored by load-catalog after the same schema check: a row that fails it is a corrupt database.
  return chosen === undefined ? null : EarnRules.parse(chosen.rules);
}
