import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../../src/main/db/atomic-file';

describe.skipIf(process.platform === 'win32')('writeFileAtomic', () => {
  let dir: string;
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('replaces a file whole, leaves no temporary sibling, and makes it 0600 even over a 0644 file', () => {
    dir = mkdtempSync(join(tmpdir(), 'atomic-file-'));
    const path = join(dir, 'key-info.json');
    writeFileSync(path, 'old content');
    chmodSync(path, 0o644);
    writeFileAtomic(path, '{"new":true}');
    expect(readFileSync(path, 'utf8')).toBe('{"new":true}');
    expect((statSync(path).mode & 0o777).toString(8)).toBe('600');
    expect(readdirSync(dir)).toEqual(['key-info.json']);
  });

  it('creates a new file 0600', () => {
    dir = mkdtempSync(join(tmpdir(), 'atomic-file-'));
    const path = join(dir, 'fresh.json');
    writeFileAtomic(path, 'x');
    expect((statSync(path).mode & 0o777).toString(8)).toBe('600');
  });
});
