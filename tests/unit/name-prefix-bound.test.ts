import { describe, expect, it } from 'vitest';
import { prefixUpperBound } from '../../src/main/members/find';

/** Name search reads the range [prefix, bound) of the folded-name index, compared as UTF-8 bytes. */
describe('name prefix range bound', () => {
  it.each([
    ['ann', 'ano'],
    ['я', 'ѐ'],
    ['a\u{203FF}', 'a\u{20400}'],
    ['a\uD7FF', 'a\uE000'],
    ['a\u{10FFFF}', 'b'],
  ])('%j -> %j', (prefix, bound) => {
    expect(prefixUpperBound(prefix)).toBe(bound);
    // Every string that starts with the prefix sorts below the bound in UTF-8 byte order.
    const probe = Buffer.from(`${prefix}\u{10FFFF}zzz`, 'utf8');
    expect(Buffer.compare(probe, Buffer.from(bound, 'utf8'))).toBe(-1);
  });
});
