import type { ConsoleIssue } from '../api/console-client';
import type { ConsoleOutput } from '../../../src/console/contract';

/**
 * The catalogue editor: rewards as table rows (text while typed), everything else of the catalogue
 * (earn rules, store settings and policy, description) as JSON text. Saving joins them again.
 */
export interface RewardDraft {
  id: string;
  nameEn: string;
  nameRu: string;
  costPoints: string;
  active: boolean;
  sort: string;
}

export interface CatalogDraft {
  baseVersion: number;
  rewards: RewardDraft[];
  restJson: string;
}

type CatalogAnswer = ConsoleOutput<'getCatalog'>;

export function draftFromCatalog(answer: CatalogAnswer): CatalogDraft {
  const rest: Record<string, unknown> = { ...answer.catalog };
  delete rest['rewards'];
  return {
    baseVersion: answer.version,
    rewards: answer.rewards.map((reward) => ({
      id: reward.id,
      nameEn: reward.name.en,
      nameRu: reward.name.ru,
      costPoints: String(reward.costPoints),
      active: reward.active,
      sort: String(reward.sort),
    })),
    restJson: JSON.stringify(rest, null, 2),
  };
}

export type CatalogEdit =
  | { type: 'load'; answer: CatalogAnswer }
  | { type: 'edit'; index: number; field: Exclude<keyof RewardDraft, 'active'>; value: string }
  | { type: 'setActive'; index: number; active: boolean }
  | { type: 'add' }
  | { type: 'remove'; index: number }
  | { type: 'setJson'; text: string };

export function catalogReducer(draft: CatalogDraft | null, edit: CatalogEdit): CatalogDraft | null {
  if (edit.type === 'load') return draftFromCatalog(edit.answer);
  if (!draft) return draft;
  switch (edit.type) {
    case 'edit':
      return {
        ...draft,
        rewards: draft.rewards.map((r, i) => (i === edit.index ? { ...r, [edit.field]: edit.value } : r)),
      };
    case 'setActive':
      return { ...draft, rewards: draft.rewards.map((r, i) => (i === edit.index ? { ...r, active: edit.active } : r)) };
    case 'add': {
      const sort = draft.rewards.reduce((max, r) => Math.max(max, Number(r.sort) || 0), 0) + 10;
      const row: RewardDraft = { id: '', nameEn: '', nameRu: '', costPoints: '', active: true, sort: String(sort) };
      return { ...draft, rewards: [...draft.rewards, row] };
    }
    case 'remove':
      return { ...draft, rewards: draft.rewards.filter((_, i) => i !== edit.index) };
    case 'setJson':
      return { ...draft, restJson: edit.text };
  }
}

const INTEGER = /^-?\d+$/;

/**
 * The catalogue to send, or the issues that stop it (paths as HQ names them, e.g.
 * rewards.2.costPoints, or "json" when the JSON text does not parse to an object).
 */
export function catalogFromDraft(
  draft: CatalogDraft,
): { ok: true; catalog: Record<string, unknown> } | { ok: false; issues: ConsoleIssue[] } {
  const issues: ConsoleIssue[] = [];
  let rest: unknown;
  try {
    rest = JSON.parse(draft.restJson);
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    issues.push({ path: 'json', code: 'invalid_format' });
  }
  if (rest !== undefined && (typeof rest !== 'object' || rest === null || Array.isArray(rest))) {
    issues.push({ path: 'json', code: 'invalid_type' });
  }
  if (rest && typeof rest === 'object' && 'rewards' in rest) issues.push({ path: 'json', code: 'unrecognized_keys' });
  const rewards = draft.rewards.map((row, index) => {
    if (!INTEGER.test(row.costPoints.trim()))
      issues.push({ path: `rewards.${index}.costPoints`, code: 'invalid_type' });
    if (!INTEGER.test(row.sort.trim())) issues.push({ path: `rewards.${index}.sort`, code: 'invalid_type' });
    if (row.id.trim() === '') issues.push({ path: `rewards.${index}.id`, code: 'required' });
    return {
      id: row.id.trim(),
      name: { en: row.nameEn, ru: row.nameRu },
      costPoints: Number(row.costPoints.trim()),
      active: row.active,
      sort: Number(row.sort.trim()),
    };
  });
  if (issues.length > 0) return { ok: false, issues };
  return { ok: true, catalog: { ...(rest as Record<string, unknown>), rewards } };
}
