import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { toFieldIssues } from '../../src/shared/ipc/validation';

// One zod-issue mapping for the till and HQ (src/shared/ipc/validation.ts): the till and HQ's HTTP
// answers get translatable codes; HQ's admin commands get the bound an operator has to fix.
const Schema = z
  .strictObject({
    cost: z.number().int().min(1).max(100),
    rounding: z.enum(['floor', 'nearest']),
    id: z.string().regex(/^[a-z]+$/),
    name: z.string(),
    items: z.array(z.string()),
  })
  .superRefine((value, ctx) => {
    if (value.items.length > 1) ctx.addIssue({ code: 'custom', path: ['items', 1], message: 'duplicate' });
  });

const bad = { cost: 0, rounding: 'banker', id: 'A;', name: 7, items: ['a', 'a'], extra: 1 };

describe('zod issues as field issues', () => {
  it('the stable style gives translatable codes only (the till, HQ over HTTP)', () => {
    const parsed = Schema.safeParse(bad);
    expect(toFieldIssues(parsed.error!)).toEqual([
      { path: 'cost', code: 'invalid' },
      { path: 'rounding', code: 'invalid' },
      { path: 'id', code: 'invalid' },
      { path: 'name', code: 'invalid_type' },
      { path: 'extra', code: 'unknown_field' },
    ]);
  });

  it('the detailed style names the bound that was broken (HQ admin commands)', () => {
    const parsed = Schema.safeParse({ ...bad, cost: 101 });
    expect(toFieldIssues(parsed.error!, 'detailed')).toEqual([
      { path: 'cost', code: 'too_big (maximum 100)' },
      { path: 'rounding', code: 'invalid_value (one of "floor", "nearest")' },
      { path: 'id', code: 'invalid_format (regex)' },
      { path: 'name', code: 'invalid_type (expected string)' },
      { path: 'extra', code: 'unknown_field' },
    ]);
    expect(toFieldIssues(Schema.safeParse({ ...bad, cost: 0 }).error!, 'detailed')[0]).toEqual({
      path: 'cost',
      code: 'too_small (minimum 1)',
    });
  });

  it("the detailed style passes a schema's own custom code; the stable style keeps only known ones", () => {
    const parsed = Schema.safeParse({ cost: 5, rounding: 'floor', id: 'abc', name: 'n', items: ['a', 'a'] });
    expect(toFieldIssues(parsed.error!, 'detailed')).toEqual([{ path: 'items.1', code: 'duplicate' }]);
    expect(toFieldIssues(parsed.error!)).toEqual([{ path: 'items.1', code: 'invalid' }]);
  });

  it('both styles stop at 20 issues', () => {
    const Many = z.strictObject({});
    const many = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`k${i}`, i]));
    expect(toFieldIssues(Many.safeParse(many).error!, 'detailed')).toHaveLength(20);
    expect(toFieldIssues(Many.safeParse(many).error!)).toHaveLength(20);
  });
});
