import { describe, expect, it } from 'vitest';
import { contract } from '../../src/shared/ipc/contract';
import { toFieldIssues } from '../../src/shared/ipc/validation';

/**
 * Issue paths echo keys the caller chose: 195 kB of unknown keys once gave a 335 kB answer
 * (issue 10, defect 7). The issues returned are bounded in count and in path length.
 */
describe('field issues are bounded', () => {
  it('a payload with thousands of long unknown keys gives at most 20 issues of at most 100 characters', () => {
    const payload: Record<string, unknown> = { query: 'ada' };
    for (let i = 0; i < 5_000; i++) payload[`${'k'.repeat(30)}${i}`] = 1;
    payload['x'.repeat(10_000)] = 1;
    expect(JSON.stringify(payload).length).toBeGreaterThan(195_000);
    const parsed = contract['members.find'].request.safeParse(payload);
    expect(parsed.success).toBe(false);
    const issues = toFieldIssues(parsed.error!);
    expect(issues).toHaveLength(20);
    expect(issues[0]).toEqual({ path: `${'k'.repeat(30)}0`, code: 'unknown_field' });
    for (const issue of issues) expect(issue.path.length).toBeLessThanOrEqual(100);
    expect(JSON.stringify(issues).length).toBeLessThan(3_000);
  });

  it('a long key is cut to 100 characters', () => {
    const parsed = contract['members.find'].request.safeParse({ query: 'ada', ['y'.repeat(500)]: 1 });
    expect(toFieldIssues(parsed.error!)).toEqual([{ path: 'y'.repeat(100), code: 'unknown_field' }]);
  });

  it('a few ordinary issues come back whole', () => {
    const parsed = contract['members.find'].request.safeParse({ query: 7, extra: true });
    expect(toFieldIssues(parsed.error!)).toEqual([
      { path: 'query', code: 'required' },
      { path: 'extra', code: 'unknown_field' },
    ]);
  });
});
