import { describe, expect, it } from 'vitest';
import { baselineFindings, MIN_BASELINE_DAYS, type StaffDay } from '../../src/shared/detection/baseline';
import type { BaselineSetting } from '../../src/shared/detection/policy';

const setting: BaselineSetting = { mode: 'notify', days: 14, sigmas: 3, minEvents: 20 };
const NOW = '2026-01-20T18:00:00.000Z';

/** Rows for one staff member on 2026-01-DD. */
const days = (staffId: string, counts: Record<number, number>): StaffDay[] =>
  Object.entries(counts).map(([dd, count]) => ({ staffId, day: `2026-01-${dd.padStart(2, '0')}`, count }));

describe('baselineFindings', () => {
  // Ten worked days in the 14 before 20 January: mean 31, population sd √3.8 ≈ 1.95, below √31 ≈ 5.57,
  // so the spread is 5.57 and the bound 31 + 3 × 5.57 = 47.70 → more than 47 fires.
  const history = days('s1', { 6: 30, 7: 32, 8: 28, 9: 35, 12: 30, 13: 31, 14: 29, 15: 33, 16: 30, 19: 32 });

  it('fires when today is above mean + sigmas × spread of the days worked', () => {
    const today = { staffId: 's1', day: '2026-01-20', count: 48, memberIds: ['m1', 'm2', 'm1'] };
    expect(baselineFindings(setting, [...history, today], '2026-01-20', NOW)).toEqual([
      {
        rule: 'baseline_deviation',
        staffId: 's1',
        at: NOW,
        windowStart: NOW,
        windowEnd: NOW,
        count: 48,
        threshold: 47,
        memberIds: ['m1', 'm2'],
        auditRefs: [],
      },
    ]);
    const usual = { staffId: 's1', day: '2026-01-20', count: 47 };
    expect(baselineFindings(setting, [...history, usual], '2026-01-20', NOW)).toEqual([]);
  });

  it('ignores days outside the previous `days` days, later days, and other staff', () => {
    const old = days('s1', { 1: 500, 5: 500 }); // 5 January is 15 days before: outside 14
    const later = days('s1', { 21: 900 });
    const other = days('s2', { 19: 1000 });
    const today = { staffId: 's1', day: '2026-01-20', count: 48 };
    const findings = baselineFindings(setting, [...old, ...history, ...later, ...other, today], '2026-01-20', NOW);
    expect(findings.map((f) => [f.staffId, f.count, f.threshold])).toEqual([['s1', 48, 47]]);
  });

  it('a flat history is not flagged for one more customer (spread at least 1 and √mean)', () => {
    const flat = days('s1', { 10: 4, 11: 4, 12: 4, 13: 4, 14: 4, 15: 4 }); // mean 4, sd 0, √4 = 2 → bound 10
    const at = (count: number) =>
      baselineFindings(setting, [...flat, { staffId: 's1', day: '2026-01-20', count }], '2026-01-20', NOW);
    expect(at(10)).toEqual([]);
    expect(at(11).map((f) => f.threshold)).toEqual([10]);
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

  it('off never fires; enforce fires like notify', () => {
    const today = { staffId: 's1', day: '2026-01-20', count: 100 };
    expect(baselineFindings({ ...setting, mode: 'off' }, [...history, today], '2026-01-20', NOW)).toEqual([]);
    expect(baselineFindings({ ...setting, mode: 'enforce' }, [...history, today], '2026-01-20', NOW)).toHaveLength(1);
  });
});
