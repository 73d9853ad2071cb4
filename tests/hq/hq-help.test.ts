import { readdirSync } from 'node:fs';
import { expect, test } from 'vitest';
import { makeTempDir } from '../support/temp-dir';
import { runHq } from './support/hq-process';

test('npm run hq -- --help prints the usage and every admin command, opens nothing and exits 0', async () => {
  const dir = makeTempDir('loyalty-hq-help-');
  try {
    const run = await runHq(dir.path, ['--help']);
    expect(run.code).toBe(0);
    expect(run.out[0]).toBe(
      'usage: npm run hq -- [--data-dir DIR] [--port N] [--host H] [--cert FILE --key FILE] [--demo [--demo-members N]]',
    );
    expect(run.out).toContain('  create-store NAME');
    expect(run.out).toContain('  load-catalog FILE.json');
    expect(run.out).toHaveLength(13);
    expect(run.err).toEqual([]);
    // No database, certificate or lock file was made in the data folder.
    expect(readdirSync(dir.path)).toEqual([]);
  } finally {
    dir.remove();
  }
});
