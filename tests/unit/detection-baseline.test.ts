import { describe, expect, it } from 'vitest';
import { baselineFindings, MIN_BASELINE_DAYS, type StaffDay } from '../../src/shared/detection/baseline';
import {
  BaselineSetting,
  DEFAULT_DETECTION_POLICY,
  DetectionPolicy,
  RULE_MODES,
} from '../../src/shared/detection/policy';

const setting: BaselineSetting = { mode: 'notify', days: 14, sigmas: 3, minEvents: 20 };
const NOW = '2026-01-20T18:00:00.000Z';

/** Rows for one staff member on 2026-01-DD. */
const days = (staffId: string, counts: Record<number, number>): StaffDay[] =>
  Object.entries(counts).map(([dd, count]) => ({ staffId, day: `2026-01-${dd.padStart(2, '0')}`, count }));

describe('baselineFindings', () => {
  // Ten worked days in the 14 before 20 January: mean 31, population sd √3.8 ≈ 1.95, below √31 ≈ 5.57,
  // so mean + 3 × 5.57 = 47.70; but a day is flagged only above 3 × the mean: more than 93 fires.
  const history = days('s1', { 6: 30, 7: 32, 8: 28, 9: 35, 12: 30, 13: 31, 14: 29, 15: 33, 16: 30, 19: 32 });

  it('fires when today is above mean + sigmas × spread and 3 × the mean of the days worked', () => {
    const today = { staffId: 's1', day: '2026-01-20', count: 94, memberIds: ['m1', 'm2', 'm1'] };
    expect(baselineFindings(setting, [...history, today], '2026-01-20', NOW)).toEqual([
      {
        rule: 'baseline_deviation',
        staffId: 's1',
        at: NOW,
        windowStart: NOW,
        windowEnd: NOW,
        count: 94,
        threshold: 93,
        memberIds: ['m1', 'm2'],
        auditRefs: [],
      },
    ]);
    const busy = { staffId: 's1', day: '2026-01-20', count: 93 }; // twice the sigma bound, but a rota does that
    expect(baselineFindings(setting, [...history, busy], '2026-01-20', NOW)).toEqual([]);
  });

  it('a history that swings widely is judged by its spread: mean 35, sd 25 → more than 110', () => {
    const swinging = days('s1', { 10: 10, 11: 60, 12: 10, 13: 60, 14: 10, 15: 60 });
    const at = (count: number) =>
      baselineFindings(setting, [...swinging, { staffId: 's1', day: '2026-01-20', count }], '2026-01-20', NOW);
    expect(at(110)).toEqual([]);
    expect(at(111).map((f) => f.threshold)).toEqual([110]);
  });

  it('ignores days outside the previous `days` days, later days, and other staff', () => {
    const old = days('s1', { 1: 500, 5: 500 }); // 5 January is 15 days before: outside 14
    const later = days('s1', { 21: 900 });
    const other = days('s2', { 19: 1000 });
    const today = { staffId: 's1', day: '2026-01-20', count: 94 };
    const findings = baselineFindings(setting, [...old, ...history, ...later, ...other, today], '2026-01-20', NOW);
    expect(findings.map((f) => [f.staffId, f.count, f.threshold])).toEqual([['s1', 94, 93]]);
  });

  it('a small flat history: the spread is at least √mean and 1, the bound at least 3 × the mean', () => {
    const flat = days('s1', { 10: 4, 11: 4, 12: 4, 13: 4, 14: 4, 15: 4 }); // mean 4, sd 0, √4 = 2 → 10; 3 × 4 = 12
    const at = (count: number) =>
      baselineFindings(setting, [...flat, { staffId: 's1', day: '2026-01-20', count }], '2026-01-20', NOW);
    expect(at(12)).toEqual([]);
    expect(at(13).map((f) => f.threshold)).toEqual([12]);
    const wide = { ...setting, sigmas: 5 }; // 4 + 5 × 2 = 14 beats 12
    expect(
      baselineFindings(wide, [...flat, { staffId: 's1', day: '2026-01-20', count: 14 }], '2026-01-20', NOW),
    ).toEqual([]);
  });

  it(`no baseline with fewer than ${MIN_BASELINE_DAYS} days or fewer than minEvents events`, () => {
    const today = { staffId: 's1', day: '2026-01-20', count: 500 };
    const fourDays = days('s1', { 15: 30, 16: 30, 17: 30, 18: 30 });
    expect(baselineFindings(setting, [...fourDays, today], '2026-01-20', NOW)).toEqual([]);
    const fewEvents = days('s1', { 14: 3, 15: 4, 16: 4, 17: 4, 18: 4 }); // 19 < 20
    expect(baselineFindings(setting, [...fewEvents, today], '2026-01-20', NOW)).toEqual([]);
    const enough = days('s1', { 14: 4, 15: 4, 16: 4, 17: 4, 18: 4 }); // 20
    expect(baselineFindings(setting, [...enough, today], '2026-01-20', NOW)).toHaveLength(1);
    expect(baselineFindings(setting, [today], '2026-01-20', NOW)).toEqual([]);
  });

  it('off never fires; notify does', () => {
    const today = { staffId: 's1', day: '2026-01-20', count: 100 };
    expect(baselineFindings({ ...setting, mode: 'off' }, [...history, today], '2026-01-20', NOW)).toEqual([]);
    expect(baselineFindings(setting, [...history, today], '2026-01-20', NOW)).toHaveLength(1);
  });

  it('has no enforce mode: HQ holds nobody, so a policy asking the baseline to enforce is refused', () => {
    expect(BaselineSetting.safeParse(setting).success).toBe(true);
    const parsed = BaselineSetting.safeParse({ ...setting, mode: 'enforce' });
    expect(parsed.error?.issues.map((issue) => [issue.path.join('.'), issue.message])).toEqual([
      ['mode', 'invalid_choice'],
    ]);
    const policy = { ...DEFAULT_DETECTION_POLICY, baseline: { ...setting, mode: 'enforce' } };
    expect(DetectionPolicy.safeParse(policy).success).toBe(false);
    // The till rules keep all three modes.
    expect(RULE_MODES).toEqual(['off', 'notify', 'enforce']);
  });
});
