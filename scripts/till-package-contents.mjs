#!/usr/bin/env node
// What a till package (electron-builder) would contain, and what must never be in it.
//
//   node scripts/till-package-contents.mjs      prints the files and dependencies; exit 1 on a problem
//
// Files: electron-builder.yml's `files` patterns applied to the checkout, in order, last match wins
// (electron-builder's rule; `**` crosses folders, `*` does not, dotfiles match). Dependencies: the
// production closure of the root package.json's "dependencies" and "optionalDependencies", walked
// through node_modules/<name>/package.json the way electron-builder's npm collector does (it keeps only
// the names a package.json declares, so the HQ workspace, which the root does not declare, stays out).
// Checked by tests/unit/till-package.test.ts; the built out/ folder must exist (scripts/build-if-needed.mjs).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';

/** Packages only the HQ, the benches, the tests or the build use: never in a till. */
export const FORBIDDEN_DEPENDENCIES = [
  '@loyalty-desk/hq',
  'fastify',
  '@fastify/*',
  'pg',
  'pg-*',
  '@electric-sql/pglite',
  'selfsigned',
  'vitest',
  '@vitest/*',
  '@playwright/test',
  'playwright',
  'playwright-core',
  '@axe-core/playwright',
  'fast-check',
  'electron',
  'electron-vite',
  'vite',
  '@vitejs/*',
  'typescript',
  'eslint',
  'prettier',
  '@types/*',
];

/** Paths of code that is not the till: the HQ, the benches, the test harness and the tests. */
export const FORBIDDEN_PATHS = [
  { kind: 'HQ code', pattern: /(^|\/)(packages|hq)\/|(^|\/)hq(-[a-z-]+)?\.[cm]?js$/ },
  { kind: 'bench code', pattern: /(^|\/)bench(\/|\.[cm]?js$)|(^|\/)[a-z-]+-bench\.[cm]?js$/ },
  { kind: 'harness code', pattern: /(^|\/)harness(\/|\.[cm]?js$)/ },
  { kind: 'test code', pattern: /(^|\/)(tests?|__tests__|e2e)\/|\.(test|spec)\.[cm]?[jt]sx?$/ },
];

/**
 * Marks left in built code. The bundler (rolldown, unminified) heads each module with a `// <path>`
 * comment; the string literals still catch that code if a build ever drops the comments.
 */
export const CODE_MARKERS = [
  { kind: 'HQ code', marker: /^\/\/ packages\/hq\//m },
  { kind: 'HQ code', marker: /hq-admin\.json|\/v1\/admin\/command|pgdata\.lock/ },
  { kind: 'bench code', marker: /^\/\/ bench\//m },
  { kind: 'bench code', marker: /targets \(DESIGN §8\)/ },
  { kind: 'harness code', marker: /^\/\/ src\/harness\//m },
  { kind: 'harness code', marker: /usage: npm run harness|pin-delay-scale/ },
  { kind: 'test code', marker: /^\/\/ tests\//m },
];

const TEXT_FILE = /\.(c|m)?js$|\.html$/;

/** The `files:` list of electron-builder.yml (a plain YAML block list: all this file uses). */
export function builderFilePatterns(root) {
  const lines = readFileSync(join(root, 'electron-builder.yml'), 'utf8').split('\n');
  const start = lines.findIndex((line) => /^files:\s*$/.test(line));
  if (start < 0) throw new Error('electron-builder.yml has no `files:` list');
  const patterns = [];
  for (const line of lines.slice(start + 1)) {
    if (/^\s*(#.*)?$/.test(line)) continue;
    const item = /^\s+-\s+(.+?)\s*$/.exec(line);
    if (!item) break;
    patterns.push(item[1].replace(/^(['"])(.*)\1$/, '$2'));
  }
  if (patterns.length === 0) throw new Error('electron-builder.yml: `files:` is empty');
  return patterns;
}

function globToRegExp(glob) {
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const char = glob[i];
    if (char === '*' && glob[i + 1] === '*') {
      // `**/` is any number of folders (none included); a trailing `**` is anything below.
      if (glob[i + 2] === '/') {
        source += '(?:.*/)?';
        i += 2;
      } else {
        source += '.*';
        i += 1;
      }
    } else if (char === '*') source += '[^/]*';
    else if (char === '?') source += '[^/]';
    else if (char === '{') {
      const end = glob.indexOf('}', i);
      source += `(?:${glob
        .slice(i + 1, end)
        .split(',')
        .map((part) => part.replace(/[.+^$()|[\]\\]/g, '\\$&'))
        .join('|')})`;
      i = end;
    } else source += char.replace(/[.+^$()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

/** electron-builder's rule: patterns in order, a later match (or `!` exclusion) overrides an earlier one. */
export function matchesFilePatterns(path, patterns) {
  let included = false;
  for (const pattern of patterns) {
    const negated = pattern.startsWith('!');
    if (included !== negated) continue;
    if (globToRegExp(negated ? pattern.slice(1) : pattern).test(path)) included = !negated;
  }
  return included;
}

/** Folders electron-builder never takes from the app folder itself (node_modules comes from the collector). */
const NEVER_WALKED = new Set(['node_modules', '.git']);

function walk(root, dir, out) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (NEVER_WALKED.has(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) walk(root, path, out);
    else if (entry.isFile()) out.push(relative(root, path).split(sep).join('/'));
  }
  return out;
}

/** The app files (not node_modules) the patterns pick, sorted. */
export function tillAppFiles(root, patterns = builderFilePatterns(root)) {
  return walk(root, root, [])
    .filter((path) => matchesFilePatterns(path, patterns))
    .sort();
}

function readPackage(dir) {
  return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
}

/** Node's lookup: node_modules/<name> in `fromDir`, then in each folder above it up to `root`. */
function resolvePackageDir(name, fromDir, root) {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dir === root || dirname(dir) === dir) return null;
  }
}

/**
 * Every package a till would carry: the root's dependencies and optionalDependencies and, recursively,
 * theirs. Each entry says through which chain it came (`a > b > c`). A missing optional dependency is
 * skipped; a missing required one is reported as `missing: true`.
 */
export function productionDependencies(root) {
  const found = new Map();
  const queue = [{ dir: root, chain: [] }];
  while (queue.length > 0) {
    const { dir, chain } = queue.shift();
    const pkg = readPackage(dir);
    const wanted = [
      ...Object.keys(pkg.dependencies ?? {}).map((name) => ({ name, optional: false })),
      ...Object.keys(pkg.optionalDependencies ?? {}).map((name) => ({ name, optional: true })),
    ];
    for (const { name, optional } of wanted) {
      const depDir = resolvePackageDir(name, dir, root);
      const via = [...chain, name];
      if (depDir === null) {
        if (!optional && !found.has(`${name}@missing`)) {
          found.set(`${name}@missing`, { name, version: null, dir: null, via: via.join(' > '), missing: true });
        }
        continue;
      }
      const version = readPackage(depDir).version ?? '0.0.0';
      const key = `${name}@${version}@${depDir}`;
      if (found.has(key)) continue;
      found.set(key, { name, version, dir: relative(root, depDir).split(sep).join('/'), via: via.join(' > ') });
      queue.push({ dir: depDir, chain: via });
    }
  }
  return [...found.values()].sort((a, b) => a.name.localeCompare(b.name) || a.via.localeCompare(b.via));
}

/** The till package: its app files and the packages it carries. */
export function tillPackageContents(root) {
  return { files: tillAppFiles(root), dependencies: productionDependencies(root) };
}

function matchesName(name, pattern) {
  return pattern.endsWith('*') ? name.startsWith(pattern.slice(0, -1)) : name === pattern;
}

const IMPORT_OF = (names) =>
  new RegExp(
    `(?:\\bfrom\\s*|\\bimport\\s*\\(?\\s*|\\brequire\\s*\\(\\s*)["'](${names
      .map((name) => name.replace(/[.+^$()|[\]\\/]/g, '\\$&').replace('*', '[^"\'/]+'))
      .join('|')})(?:["']|/)`,
    'g',
  );

/** Each problem as one line: forbidden dependencies, and files that are (or hold) HQ, bench, harness or test code. */
export function tillPackageProblems(root, { files, dependencies }) {
  const problems = [];
  for (const dep of dependencies) {
    if (dep.missing) problems.push(`dependency ${dep.name} (${dep.via}) is not installed`);
    else if (FORBIDDEN_DEPENDENCIES.some((pattern) => matchesName(dep.name, pattern))) {
      problems.push(`dependency ${dep.name}@${dep.version} (${dep.via}) is not the till's`);
    }
  }
  // The Electron runtime provides `electron` to the till's code; every other forbidden name must not be imported.
  const forbiddenImport = IMPORT_OF(FORBIDDEN_DEPENDENCIES.filter((name) => name !== 'electron'));
  for (const file of files) {
    for (const { kind, pattern } of FORBIDDEN_PATHS) {
      if (pattern.test(file)) problems.push(`${file}: path of ${kind}`);
    }
    if (!TEXT_FILE.test(file)) continue;
    const text = readFileSync(join(root, file), 'utf8');
    const kinds = new Set(CODE_MARKERS.filter(({ marker }) => marker.test(text)).map(({ kind }) => kind));
    for (const kind of kinds) problems.push(`${file}: holds ${kind}`);
    const imported = new Set([...text.matchAll(forbiddenImport)].map((match) => match[1]));
    for (const name of [...imported].sort()) problems.push(`${file}: imports ${name}`);
  }
  return problems;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const root = new URL('..', import.meta.url).pathname.replace(/\/$/, '');
  if (!existsSync(join(root, 'out')) || !statSync(join(root, 'out')).isDirectory()) {
    process.stderr.write('out/ is missing: build first (node scripts/build-if-needed.mjs)\n');
    process.exit(2);
  }
  const contents = tillPackageContents(root);
  for (const file of contents.files) process.stdout.write(`file ${file}\n`);
  for (const dep of contents.dependencies) process.stdout.write(`dependency ${dep.name}@${dep.version} (${dep.via})\n`);
  const problems = tillPackageProblems(root, contents);
  for (const problem of problems) process.stderr.write(`problem: ${problem}\n`);
  process.exit(problems.length === 0 ? 0 : 1);
}
