import { describe, expect, it } from 'vitest';
import { defaultHqDataDir } from '../../packages/hq/src/default-data-dir';

describe("HQ's default data folder is the OS's app-data folder, never the checkout", () => {
  it.each([
    ['linux', '/home/ana', {}, '/home/ana/.local/share/loyalty-desk-hq'],
    ['linux', '/home/ana', { XDG_DATA_HOME: '/srv/data' }, '/srv/data/loyalty-desk-hq'],
    ['linux', '/home/ana', { XDG_DATA_HOME: '' }, '/home/ana/.local/share/loyalty-desk-hq'],
    ['darwin', '/Users/ana', {}, '/Users/ana/Library/Application Support/Loyalty Desk HQ'],
  ] as const)('%s, home %s, %j -> %s', (platform, home, vars, expected) => {
    expect(defaultHqDataDir({ platform, home, vars })).toBe(expected);
  });
});
