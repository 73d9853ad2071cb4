import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import AxeBuilder from '@axe-core/playwright';
import { test as base, expect, type Page } from '@playwright/test';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const ARTIFACTS = join(ROOT, 'artifacts', 'screenshots');

export interface Harness {
  url: string;
  dataDir: string;
  process: ChildProcess;
}

/** Demo staff from resources/demo/staff.json (public demo PINs). */
export const STAFF = {
  mia: { id: 'demo-mia', name: 'Mia Manager', pin: '731946' },
  carl: { id: 'demo-carl', name: 'Carl Cashier', pin: '582047' },
  olga: { id: 'demo-olga', name: 'Ольга Орлова', pin: '860247' },
  nina: { id: 'demo-nina', name: 'Нина Новикова', pin: '419375' },
} as const;

/**
 * Starts `npm run harness` (built output) on a fresh data folder with the demo staff, and waits
 * for HARNESS_URL. Wrong-PIN delays are scaled down (×0.05) so a lockout can be walked in seconds.
 */
export async function startHarness(
  dataDir: string,
  options: { demoStaff?: boolean; demo?: boolean } = {},
): Promise<Harness> {
  const demo = options.demo ? ['--demo'] : options.demoStaff === false ? [] : ['--demo-staff'];
  const args = ['--data-dir', dataDir, '--pin-delay-scale', '0.05', ...demo];
  const child = spawn(process.execPath, [join(ROOT, 'out/main/harness.js'), ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`harness did not start: ${err}`)), 30_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /HARNESS_URL=(\S+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`harness exited with ${code}: ${err}`));
    });
  });
  return { url, dataDir, process: child };
}

export async function stopHarness(harness: Harness): Promise<void> {
  if (harness.process.exitCode !== null) return;
  await new Promise<void>((resolve) => {
    harness.process.once('exit', () => resolve());
    harness.process.kill('SIGTERM');
  });
}

/**
 * Closes a till and starts it again on the same data folder, as a restart of the app does; with
 * `whileClosed`, the folder's files are changed in between (a backup taken, or put back). The
 * secret store entries (the database key's key-encryption key, HQ's token, the peppers) are not in
 * the folder: they live in the session's keyring under the harness's service name, so they survive
 * the restart, as the OS secret store survives a restore of the disk. The new process listens on a
 * new port with a new token: open `url` again.
 */
export async function restartHarness(
  harness: Harness,
  options: { demoStaff?: boolean; demo?: boolean },
  whileClosed: () => void = () => undefined,
): Promise<Harness> {
  await stopHarness(harness);
  whileClosed();
  return startHarness(harness.dataDir, options);
}

/** The lock screen: pick the staff member, type the PIN, press OK. */
export async function loginAs(page: Page, staff: { id: string; pin: string }): Promise<void> {
  await expect(page.getByTestId('lock-screen')).toBeVisible();
  await page.locator(`[data-testid="staff-option"][data-staff-id="${staff.id}"]`).click();
  // Like a person: if the till asks to wait (after someone's wrong PINs), wait and press OK again.
  for (let attempt = 0; attempt < 3; attempt++) {
    await expect(page.getByTestId('pin-submit')).toBeEnabled({ timeout: 15_000 });
    await page.getByTestId('pin-input').fill(staff.pin);
    await page.getByTestId('pin-submit').click();
    const outcome = page
      .getByTestId('session-name')
      .or(page.getByTestId('pin-change-form'))
      .or(page.getByTestId('login-error'));
    await expect(outcome.first()).toBeVisible();
    const error = page.getByTestId('login-error');
    if (!(await error.isVisible()) || !/Too many|Слишком много/.test((await error.textContent()) ?? '')) return;
  }
}

/** Signs `staff` in on a till at `url`, types a card number into the search and opens the member. */
export async function openMemberAs(page: Page, url: string, staff: { id: string; pin: string }, card: string) {
  await page.goto(url);
  await loginAs(page, staff);
  const search = page.getByTestId('search-input');
  await search.fill(card);
  await search.press('Enter');
  return page.getByTestId('member-detail');
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

export async function expectNoAxeViolations(page: Page): Promise<void> {
  const results = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'])
    .analyze();
  const summary = results.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  expect(summary).toEqual([]);
}

/** Each test gets its own harness and data folder, so tests never depend on each other's members. */
export const test = base.extend<{ harness: Harness; freshTill: Harness; demoTill: Harness }>({
  // Playwright requires the object pattern even when a fixture uses no other fixture.
  // eslint-disable-next-line no-empty-pattern
  harness: async ({}, use) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'loyalty-e2e-'));
    const harness = await startHarness(dataDir);
    try {
      await use(harness);
    } finally {
      await stopHarness(harness);
      rmSync(dataDir, { recursive: true, force: true });
    }
  },
  /** The demo store: staff, members with confirmed points, earn rules, rewards and a card block. */
  // eslint-disable-next-line no-empty-pattern
  demoTill: async ({}, use) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'loyalty-e2e-demo-'));
    const harness = await startHarness(dataDir, { demo: true });
    try {
      await use(harness);
    } finally {
      await stopHarness(harness);
      rmSync(dataDir, { recursive: true, force: true });
    }
  },
  /** A till with no staff at all: it must start with the first-run setup. */
  // eslint-disable-next-line no-empty-pattern
  freshTill: async ({}, use) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'loyalty-e2e-fresh-'));
    const harness = await startHarness(dataDir, { demoStaff: false });
    try {
      await use(harness);
    } finally {
      await stopHarness(harness);
      rmSync(dataDir, { recursive: true, force: true });
    }
  },
});

export { expect };
