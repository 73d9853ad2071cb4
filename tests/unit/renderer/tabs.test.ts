import { describe, expect, it } from 'vitest';
import { tabForKey } from '../../../src/renderer/common/tabs';

describe('tab keys', () => {
  const tabs = ['earn', 'redeem', 'adjust'] as const;
  it('moves to the neighbour, wrapping round, and to the ends', () => {
    expect(tabForKey('ArrowRight', tabs, 'earn')).toBe('redeem');
    expect(tabForKey('ArrowRight', tabs, 'adjust')).toBe('earn');
    expect(tabForKey('ArrowLeft', tabs, 'earn')).toBe('adjust');
    expect(tabForKey('Home', tabs, 'adjust')).toBe('earn');
    expect(tabForKey('End', tabs, 'earn')).toBe('adjust');
  });
  it('ignores every other key', () => {
    expect(tabForKey('ArrowDown', tabs, 'earn')).toBeUndefined();
    expect(tabForKey('a', tabs, 'earn')).toBeUndefined();
  });
});
