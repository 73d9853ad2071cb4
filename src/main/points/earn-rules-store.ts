import type { Database } from 'better-sqlite3-multiple-ciphers';
import { EarnRules } from '../../shared/points/rules';

export interface EarnRulesStore {
  /** The store's rules, or null when none were provided yet (no HQ sync and no demo data). */
  get(): EarnRules | null;
  /** Replaces the rules (HQ sync, demo seeding). Call inside a transaction when it goes with other writes. */
  set(rules: EarnRules): void;
}

export function createEarnRulesStore(db: Database): EarnRulesStore {
  const read = db.prepare<[], { rules: string }>('SELECT rules FROM earn_rules WHERE id = 1');
  const write = db.prepare<[string]>(
    'INSERT INTO earn_rules (id, rules) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET rules = excluded.rules',
  );
  let cached: { json: string; rules: EarnRules } | null = null;
  return {
    get() {
      const row = read.get();
      if (!row) return null;
      if (cached?.json !== row.rules) cached = { json: row.rules, rules: EarnRules.parse(JSON.parse(row.rules)) };
      return cached.rules;
    },
    set(rules) {
      write.run(JSON.stringify(EarnRules.parse(rules)));
    },
  };
}
