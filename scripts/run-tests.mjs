#!/usr/bin/env node
// npm test: lint, typecheck, Vitest (unit + integration against the real encrypted database and the
// real OS secret store) and Playwright end-to-end tests in Chromium. Prints one summary line last:
//   tests: N passed, N failed[, N skipped]
// On Linux it runs itself inside a private D-Bus session with a throwaway, unlocked gnome-keyring,
// so tests never read or write the developer's own keyring.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildIfNeeded } from './build-if-needed.mjs';

const ROOT = new URL('..', import.meta.url).pathname;
const REPORTS = join(ROOT, 'test-results', 'reports');

function which(command) {
  return spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' }).status === 0;
}

if (process.platform === 'linux' && process.env.LOYALTY_PRIVATE_DBUS !== '1') {
  if (!which('dbus-run-session') || !which('gnome-keyring-daemon')) {
    console.error(
      'npm test needs a private Secret Service: install dbus and gnome-keyring (Debian/Ubuntu: apt-get install dbus gnome-keyring libsecret-tools).',
    );
    console.log('tests: 0 passed, 1 failed');
    process.exit(1);
  }
  // A fresh data folder for the keyring files only, holding one throwaway, unencrypted ("plain")
  // keyring made the default. Unencrypted, because an unlocked keyring must survive the daemon: if
  // gnome-keyring-daemon ever exits mid-run, D-Bus starts a new one, which would find a password-
  // protected keyring locked and fail every test after it with "unlock prompt was dismissed" (seen
  // once in CI). Only random keys of throwaway test databases ever go in it; it is deleted here.
  const keyringHome = join(ROOT, 'test-results', 'keyring-home');
  const keyrings = join(keyringHome, '.local', 'share', 'keyrings');
  rmSync(keyringHome, { recursive: true, force: true });
  mkdirSync(keyrings, { recursive: true, mode: 0o700 });
  writeFileSync(
    join(keyrings, 'test.keyring'),
    '[keyring]\ndisplay-name=test\nctime=0\nmtime=0\nlock-on-idle=false\nlock-after=false\n',
    { mode: 0o600 },
  );
  writeFileSync(join(keyrings, 'default'), 'test', { mode: 0o600 });
  const script = 'gnome-keyring-daemon --start --components=secrets >/dev/null && exec node scripts/run-tests.mjs "$@"';
  const result = spawnSync('dbus-run-session', ['--', 'sh', '-c', script, 'run-tests', ...process.argv.slice(2)], {
    cwd: ROOT,
    stdio: 'inherit',
    env: { ...process.env, LOYALTY_PRIVATE_DBUS: '1', XDG_DATA_HOME: join(keyringHome, '.local', 'share') },
  });
  process.exit(result.status ?? 1);
}

const totals = { passed: 0, failed: 0, skipped: 0 };
// Lint and typecheck are checks, not tests: they get their own line. A failed check still fails the
// run, and counts as one failed test in the summary so the last line never reads all-green.
const checks = { passed: [], failed: [] };

function run(label, command, args, env = {}) {
  console.log(`\n=== ${label}: ${[command, ...args].join(' ')}`);
  const result = spawnSync(command, args, { cwd: ROOT, stdio: 'inherit', env: { ...process.env, ...env } });
  return result.status === 0;
}

function check(label, command, args) {
  const ok = run(label, command, args);
  checks[ok ? 'passed' : 'failed'].push(label);
  console.log(`=== ${label}: ${ok ? 'passed' : 'FAILED'}`);
}

function readJson(path) {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return null;
  }
}

rmSync(REPORTS, { recursive: true, force: true });
mkdirSync(REPORTS, { recursive: true });
const bin = (name) => join(ROOT, 'node_modules', '.bin', name);

check('eslint', bin('eslint'), ['.', '--max-warnings', '0']);
check('prettier', bin('prettier'), ['--check', '.']);
check('typecheck (node)', bin('tsc'), ['-p', 'tsconfig.node.json', '--noEmit']);
check('typecheck (web)', bin('tsc'), ['-p', 'tsconfig.web.json', '--noEmit']);
check('typecheck (e2e)', bin('tsc'), ['-p', 'tsconfig.e2e.json', '--noEmit']);
check('typecheck (renderer tests)', bin('tsc'), ['-p', 'tsconfig.renderer-tests.json', '--noEmit']);
check('typecheck (hq)', bin('tsc'), ['-p', 'packages/hq/tsconfig.json', '--noEmit']);
check('typecheck (hq console)', bin('tsc'), ['-p', 'packages/hq/console/tsconfig.json', '--noEmit']);
check('typecheck (hq console tests)', bin('tsc'), ['-p', 'tests/hq-console/tsconfig.json', '--noEmit']);

// The harness-based tests need the built app, the HQ tests the built HQ: build once, up front.
buildIfNeeded();

const vitestJson = join(REPORTS, 'vitest.json');
run('vitest', bin('vitest'), ['run'], { VITEST_JSON: vitestJson });
const vitest = readJson(vitestJson);
if (vitest) {
  totals.passed += vitest.numPassedTests;
  totals.failed += vitest.numFailedTests + (vitest.numFailedTestSuites > 0 && vitest.numFailedTests === 0 ? 1 : 0);
  totals.skipped += vitest.numPendingTests + vitest.numTodoTests;
} else {
  console.error('=== vitest produced no report: counted as one failure');
  totals.failed += 1;
}

const playwrightJson = join(REPORTS, 'playwright.json');
run('playwright', bin('playwright'), ['test'], { PLAYWRIGHT_JSON_OUTPUT_NAME: playwrightJson });
const playwright = readJson(playwrightJson);
if (playwright?.stats) {
  const { expected, unexpected, flaky, skipped } = playwright.stats;
  totals.passed += expected;
  totals.failed += unexpected + flaky; // a test that needed a retry is a failure here, not a pass
  totals.skipped += skipped;
  if ((playwright.errors ?? []).length > 0 && unexpected === 0) totals.failed += 1;
} else {
  console.error('=== playwright produced no report: counted as one failure');
  totals.failed += 1;
}

if (existsSync(join(ROOT, 'artifacts'))) console.log('\nScreenshots and reports: artifacts/ and test-results/');
console.log(
  `\nchecks: ${checks.passed.length} passed, ${checks.failed.length} failed` +
    (checks.failed.length > 0 ? ` (${checks.failed.join(', ')})` : ''),
);
totals.failed += checks.failed.length;
const skipped = totals.skipped > 0 ? `, ${totals.skipped} skipped` : '';
console.log(`\ntests: ${totals.passed} passed, ${totals.failed} failed${skipped}`);
process.exit(totals.failed > 0 ? 1 : 0);
