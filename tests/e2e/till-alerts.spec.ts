import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from '@playwright/test';
import en from '../../src/renderer/i18n/en.json' with { type: 'json' };
import ru from '../../src/renderer/i18n/ru.json' with { type: 'json' };
import { DEFAULT_DETECTION_POLICY, type DetectionPolicy } from '../../src/shared/detection/policy';
import { formatCardNumber } from '../../src/shared/members/card-number';
import {
  STAFF,
  expect,
  expectNoAxeViolations,
  loginAs,
  startHarness,
  stopHarness,
  test,
  type Harness,
} from './fixtures';

const DOCS_SCREENSHOTS = fileURLToPath(new URL('../../docs/screenshots/till/', import.meta.url));

/** Demo members (resources/demo/members.json) the cashier opens, none of them served. */
const CARDS = ['6004990000016', '6004990000024', '6004990000032', '6004990000040', '6004990000057'];

/** The store's policy as HQ would send it: more than 3 members opened within an hour is flagged. */
function policy(mode: 'notify' | 'enforce'): DetectionPolicy {
  return {
    ...DEFAULT_DETECTION_POLICY,
    rules: { ...DEFAULT_DETECTION_POLICY.rules, members_opened: { mode, threshold: 3, windowMinutes: 60 } },
    enforceAction: 'manager_pin',
  };
}

/** The demo till, with a policy stored as if pulled from HQ (the harness reads it at start). */
async function startSnoopTill(mode: 'notify' | 'enforce'): Promise<Harness> {
  const dataDir = mkdtempSync(join(tmpdir(), 'loyalty-e2e-alerts-'));
  process.env.LOYALTY_DETECTION_POLICY = JSON.stringify(policy(mode));
  try {
    return await startHarness(dataDir, { demo: true });
  } finally {
    delete process.env.LOYALTY_DETECTION_POLICY;
  }
}

/** Types a card into the search and opens the member it finds. */
async function openCard(page: Page, card: string): Promise<void> {
  const search = page.getByTestId('search-input');
  await search.fill(card);
  await search.press('Enter');
}

async function docsScreenshot(page: Page, name: string): Promise<void> {
  mkdirSync(DOCS_SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(DOCS_SCREENSHOTS, `${name}.png`), fullPage: true });
}

test('a cashier snoops, and the store manager sees the alert in words, in English and Russian, and acknowledges it', async ({
  page,
}) => {
  const till = await startSnoopTill('notify');
  try {
    await page.setViewportSize({ width: 1024, height: 768 });
    await page.goto(till.url);

    // Before anything happened: the manager's Alerts tab (F4) says so, and no badge shows.
    await loginAs(page, STAFF.mia);
    await page.keyboard.press('F4');
    await expect(page.getByTestId('nav-alerts')).toBeFocused();
    await expect(page.getByTestId('alerts-empty')).toContainText(en.alerts.empty);
    await expect(page.getByTestId('alerts-badge')).toHaveCount(0);
    await page.getByTestId('lock-button').click();

    // The cashier opens five members one after another and serves none of them.
    await loginAs(page, STAFF.carl);
    await expect(page.getByTestId('nav-alerts')).toHaveCount(0);
    for (const card of CARDS) {
      await openCard(page, card);
      await expect(page.getByTestId('member-card')).toHaveText(formatCardNumber(card));
    }
    await page.getByTestId('lock-button').click();

    // The store manager signs in: the badge counts one open alert and leads to it.
    await loginAs(page, STAFF.mia);
    const badge = page.getByTestId('alerts-badge');
    await expect(badge.getByTestId('alerts-badge-count')).toHaveText('1');
    await badge.click();
    await expect(page.getByTestId('nav-alerts')).toHaveAttribute('aria-selected', 'true');
    const alert = page.getByTestId('alert');
    await expect(alert).toHaveCount(1);
    await expect(alert.getByTestId('alert-rule')).toHaveText(en.alerts.rules.members_opened);
    await expect(alert.getByTestId('alert-status')).toHaveText(en.alerts.status.open);
    await expect(alert.getByTestId('alert-who')).toHaveText(STAFF.carl.name);
    await expect(alert.getByTestId('alert-trigger')).toContainText(
      'Carl Cashier opened or revealed the records of 4 different members between',
    );
    await expect(alert.getByTestId('alert-trigger')).toContainText('The store allows 3.');
    await expect(alert.getByTestId('alert-mode')).toHaveText(en.alerts.modes.notify);
    // Members as masked labels only: initials and the card's last digits, never a name.
    await expect(alert.getByTestId('alert-members')).toHaveText(/O\. B\. ••0016/);
    await expect(alert).not.toContainText('Olivia');
    await expect(alert).not.toContainText('Bennett');
    await expectNoAxeViolations(page);
    await docsScreenshot(page, 'alerts-open-en');

    await alert.getByTestId('alert-acknowledge').focus();
    await page.keyboard.press('Enter');
    await expect(alert.getByTestId('alert-status')).toHaveText(en.alerts.status.acknowledged);
    await expect(alert.getByTestId('alert-acknowledged')).toContainText(`Acknowledged by ${STAFF.mia.name}`);
    await expect(page.getByTestId('alerts-badge')).toHaveCount(0);

    // In Russian: the same alert, in words.
    await page.getByTestId('language-ru').click();
    await expect(alert.getByTestId('alert-rule')).toHaveText(ru.alerts.rules.members_opened);
    await expect(alert.getByTestId('alert-status')).toHaveText(ru.alerts.status.acknowledged);
    await expect(alert.getByTestId('alert-trigger')).toContainText(
      'Carl Cashier: открыто или раскрыто карточек разных участников — 4, с',
    );
    await expect(alert.getByTestId('alert-acknowledged')).toContainText(`Просмотрел(а) ${STAFF.mia.name}`);
    await expect(page.getByTestId('nav-alerts')).toHaveText(/Сигналы/);
    // All nine of a manager's tabs fit 1024 px without the page scrolling sideways.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(1024);
    await expectNoAxeViolations(page);
    await docsScreenshot(page, 'alerts-acknowledged-ru');
  } finally {
    await stopHarness(till);
    rmSync(till.dataDir, { recursive: true, force: true });
  }
});

test('enforced: the snooping cashier is held, and goes on only once a store manager types their PIN', async ({
  page,
}) => {
  const till = await startSnoopTill('enforce');
  try {
    await page.setViewportSize({ width: 1024, height: 768 });
    await page.goto(till.url);
    await loginAs(page, STAFF.carl);
    for (const card of CARDS.slice(0, 4)) {
      await openCard(page, card);
      await expect(page.getByTestId('member-card')).toHaveText(formatCardNumber(card));
    }
    // The fifth member: refused in the main process; the till explains and asks for a manager's PIN.
    await openCard(page, CARDS[4]!);
    const modal = page.getByTestId('hold-modal');
    await expect(modal).toBeVisible();
    await expect(modal.getByTestId('hold-why')).toContainText(
      'A detection rule flagged unusual activity by Carl Cashier',
    );
    await expect(modal.getByTestId('hold-pin')).toBeFocused();
    await expectNoAxeViolations(page);
    await docsScreenshot(page, 'alerts-hold-en');

    await modal.getByTestId('hold-pin').fill('000000');
    await page.keyboard.press('Enter');
    await expect(modal.getByTestId('hold-pin')).toHaveValue('');
    await expect(modal).toBeVisible();
    await modal.getByTestId('hold-pin').fill(STAFF.mia.pin);
    await page.keyboard.press('Enter');
    await expect(modal).toHaveCount(0);
    // Cleared: the refused search ran again and the member opened.
    await expect(page.getByTestId('member-card')).toHaveText(formatCardNumber(CARDS[4]!));
  } finally {
    await stopHarness(till);
    rmSync(till.dataDir, { recursive: true, force: true });
  }
});
