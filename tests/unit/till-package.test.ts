// The till ships only the till: what electron-builder would pack (electron-builder.yml's `files` over
// the built out/ folder, plus the root package.json's production dependency closure) holds no HQ,
// bench, harness or test code and none of their dependencies.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import { buildIfNeeded } from '../../scripts/build-if-needed.mjs';
import {
  CODE_MARKERS,
  matchesFilePatterns,
  productionDependencies,
  tillAppFiles,
  tillPackageContents,
  tillPackageProblems,
} from '../../scripts/till-package-contents.mjs';
import { makeTempDir } from '../support/temp-dir';

const ROOT = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');

describe('the till package (real checkout)', () => {
  // All three builds: the till's out/ is what is checked; the HQ and bench builds prove the markers.
  beforeAll(() => buildIfNeeded({ quiet: true }), 180_000);

  test('holds the built till and no HQ, bench, harness or test code or dependency', () => {
    const contents = tillPackageContents(ROOT);
    expect(tillPackageProblems(ROOT, contents)).toEqual([]);
    expect(contents.files).toEqual(
      expect.arrayContaining([
        'package.json',
        'out/main/index.js',
        'out/main/sync-worker.js',
        'out/preload/index.cjs',
        'out/renderer/index.html',
      ]),
    );
    expect(contents.files).not.toContain('out/main/harness.js');
    expect(contents.files).not.toContain('out/renderer/harness/bridge.js');
    expect(contents.files.filter((file) => !file.startsWith('out/') && file !== 'package.json')).toEqual([]);
  });

  test("carries the till's runtime packages and none of the HQ's", () => {
    const names = new Set(productionDependencies(ROOT).map((dep) => dep.name));
    for (const name of ['better-sqlite3-multiple-ciphers', '@napi-rs/keyring', '@node-rs/argon2', 'react', 'zod']) {
      expect(names, name).toContain(name);
    }
    for (const name of ['@loyalty-desk/hq', 'fastify', 'pg', '@electric-sql/pglite', 'selfsigned', 'vitest']) {
      expect(names, name).not.toContain(name);
    }
  });

  test('each code marker is found in the built code it stands for', () => {
    const built = {
      'HQ code': readFileSync(join(ROOT, 'packages/hq/dist/hq.js'), 'utf8'),
      'bench code': readFileSync(join(ROOT, 'bench/dist/hq-bench.js'), 'utf8'),
      'harness code': readFileSync(join(ROOT, 'out/main/harness.js'), 'utf8'),
      'test code': readFileSync(join(ROOT, 'bench/dist/snapshot-bench.js'), 'utf8'),
    };
    for (const { kind, marker } of CODE_MARKERS) {
      expect(marker.test(built[kind as keyof typeof built]), `${kind} ${marker}`).toBe(true);
    }
    // Had electron-vite still built the HQ next to the till, the lister would have caught it.
    const withHq = ['package.json', 'out/**/*', 'packages/hq/dist/**'];
    const problems = tillPackageProblems(ROOT, { files: tillAppFiles(ROOT, withHq), dependencies: [] });
    expect(problems).toEqual(
      expect.arrayContaining([
        'packages/hq/dist/hq.js: path of HQ code',
        'packages/hq/dist/hq.js: holds HQ code',
        'packages/hq/dist/hq.js: imports fastify',
      ]),
    );
  });
});

describe('the lister (fixtures)', () => {
  let removeTemp: (() => void) | undefined;
  afterEach(() => removeTemp?.());

  function fixture(files: Record<string, string>): string {
    const temp = makeTempDir('loyalty-till-package-');
    removeTemp = temp.remove;
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(temp.path, path)), { recursive: true });
      writeFileSync(join(temp.path, path), text);
    }
    return temp.path;
  }
  const pkg = (value: object): string => JSON.stringify(value);
  const BUILDER_YML = [
    'appId: test',
    'files:',
    '  - package.json',
    '  - out/**/*',
    "  - '!out/main/harness.js'",
    "  - '!**/*.map'",
    'asar: true',
    '',
  ].join('\n');

  test('reports a forbidden dependency however deep it comes in, and a missing one', () => {
    const root = fixture({
      'electron-builder.yml': BUILDER_YML,
      'package.json': pkg({
        name: 'till',
        dependencies: { 'left-pad': '1.0.0', gone: '1.0.0' },
        optionalDependencies: { 'not-installed': '1.0.0' },
        devDependencies: { vitest: '4.0.0' },
      }),
      'node_modules/left-pad/package.json': pkg({
        name: 'left-pad',
        version: '1.0.0',
        dependencies: { helper: '2.0.0' },
      }),
      // Nested under left-pad: found by Node's lookup from left-pad's own folder first.
      'node_modules/left-pad/node_modules/helper/package.json': pkg({
        name: 'helper',
        version: '2.0.0',
        optionalDependencies: { fastify: '5.0.0' },
      }),
      'node_modules/fastify/package.json': pkg({ name: 'fastify', version: '5.0.0' }),
      // A devDependency of the root is installed but never carried.
      'node_modules/vitest/package.json': pkg({ name: 'vitest', version: '4.0.0' }),
      'out/main/index.js': 'export {};\n',
    });
    const contents = tillPackageContents(root);
    expect(contents.dependencies.map((dep) => `${dep.name} ${dep.version} ${dep.via}`)).toEqual([
      'fastify 5.0.0 left-pad > helper > fastify',
      'gone null gone',
      'helper 2.0.0 left-pad > helper',
      'left-pad 1.0.0 left-pad',
    ]);
    expect(tillPackageProblems(root, contents)).toEqual([
      "dependency fastify@5.0.0 (left-pad > helper > fastify) is not the till's",
      'dependency gone (gone) is not installed',
    ]);
  });

  test('reports HQ, bench, harness and test files by path and by content; excluded files are not packed', () => {
    const root = fixture({
      'electron-builder.yml': BUILDER_YML,
      'package.json': pkg({ name: 'till' }),
      'out/main/index.js': 'import { app } from "electron";\n',
      'out/main/harness.js': '// src/harness/server/main.ts\n',
      'out/main/index.js.map': '{}',
      'out/main/hq.js': 'export {};\n',
      'out/main/chunks/shared-abc.js': '// packages/hq/src/server.ts\nimport Fastify from "fastify";\n',
      'out/main/chunks/pool-def.js': 'const pg = require("pg");\n',
      'out/main/bench.js': '// bench/counter-bench.ts\n',
      'out/main/chunks/support-1.js': '// tests/support/postgres.ts\n',
      'out/renderer/tests/fixture.js': 'export {};\n',
      'tests/unit/x.test.ts': 'import "vitest";\n',
    });
    const contents = tillPackageContents(root);
    expect(contents.files).toEqual([
      'out/main/bench.js',
      'out/main/chunks/pool-def.js',
      'out/main/chunks/shared-abc.js',
      'out/main/chunks/support-1.js',
      'out/main/hq.js',
      'out/main/index.js',
      'out/renderer/tests/fixture.js',
      'package.json',
    ]);
    expect(tillPackageProblems(root, contents)).toEqual([
      'out/main/bench.js: path of bench code',
      'out/main/bench.js: holds bench code',
      'out/main/chunks/pool-def.js: imports pg',
      'out/main/chunks/shared-abc.js: holds HQ code',
      'out/main/chunks/shared-abc.js: imports fastify',
      'out/main/chunks/support-1.js: holds test code',
      'out/main/hq.js: path of HQ code',
      'out/renderer/tests/fixture.js: path of test code',
    ]);
  });

  test("applies electron-builder's pattern order: a later pattern overrides an earlier one", () => {
    const patterns = ['out/**/*', '!out/main/harness.js', '!**/*.map', 'out/keep.map'];
    expect(matchesFilePatterns('out/main/index.js', patterns)).toBe(true);
    expect(matchesFilePatterns('out/main/harness.js', patterns)).toBe(false);
    expect(matchesFilePatterns('out/main/index.js.map', patterns)).toBe(false);
    expect(matchesFilePatterns('out/keep.map', patterns)).toBe(true);
    expect(matchesFilePatterns('out/.hidden', patterns)).toBe(true);
    expect(matchesFilePatterns('src/main/index.ts', patterns)).toBe(false);
    expect(matchesFilePatterns('out/renderer/a.js', ['out/*/{a,b}.js'])).toBe(true);
    expect(matchesFilePatterns('out/renderer/x/a.js', ['out/*/{a,b}.js'])).toBe(false);
  });
});
