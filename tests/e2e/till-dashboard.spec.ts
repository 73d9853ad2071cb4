import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from '@playwright/test';
import en from '../../src/renderer/i18n/en.json' with { type: 'json' };
import ru from '../../src/renderer/i18n/ru.json' with { type: 'json' };
import { STAFF, expect, expectNoAxeViolations, loginAs, test } from './fixtures';

const CATALOGS = { en, ru } as const;
const SHOTS = join(fileURLToPath(new URL('../..', import.meta.url)), 'docs', 'screenshots', 'till');
const OLIVIA = '6004990000016';

/** Every CSP violation the page reports, from the first script on: the charts must add none. */
async function collectCspViolations(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { __csp: string[] }).__csp = seen;
    document.addEventListener('securitypolicyviolation', (event) => {
      seen.push(`${event.violatedDirective} ${event.blockedURI} ${event.sample}`);
    });
  });
}

async function cspViolations(page: Page): Promise<string[]> {
  return page.evaluate(() => (window as unknown as { __csp: string[] }).__csp);
}

/**
 * Scrolls the till's view (its panel scrolls inside the window, under the header and tabs) so that
 * `testId` is at the top; scrollIntoView would scroll the whole frame away from the header.
 */
async function scrollViewTo(page: Page, testId: string): Promise<void> {
  await page.getByTestId(testId).evaluate((node) => {
    for (let box = node.parentElement; box; box = box.parentElement) {
      const overflow = getComputedStyle(box).overflowY;
      if ((overflow === 'auto' || overflow === 'scroll') && box.scrollHeight > box.clientHeight) {
        box.scrollTop += node.getBoundingClientRect().top - box.getBoundingClientRect().top - 8;
        return;
      }
    }
  });
}

async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  // The view scrolls inside the till's frame: what the manager sees is the window.
  await page.screenshot({ path: join(SHOTS, `${name}.png`) });
}

for (const language of ['en', 'ru'] as const) {
  const t = CATALOGS[language];

  test(`a store manager reads the till's dashboard at 1024x768 (${language}): charts, tables, no CSP violation`, async ({
    page,
    demoTill,
  }) => {
    test.setTimeout(120_000);
    await collectCspViolations(page);
    await page.setViewportSize({ width: 1024, height: 768 });
    await page.goto(demoTill.url);
    await loginAs(page, STAFF.mia);
    if (language === 'ru') {
      await page.getByTestId('language-ru').click();
      await expect(page.locator('html')).toHaveAttribute('lang', 'ru');
    }

    // A little of today at the counter: an earn and a redemption for Olivia (gold: 42.50 → 63 points).
    const search = page.getByTestId('search-input');
    await search.fill(OLIVIA);
    await search.press('Enter');
    await expect(page.getByTestId('member-detail')).toBeVisible();
    await page.keyboard.press('F6');
    await page.keyboard.type(language === 'ru' ? '42,50' : '42.50');
    await page.getByTestId('earn-reference').fill('R-DASH-1');
    await page.getByTestId('earn-submit').click();
    await expect(page.getByTestId('member-notice')).toContainText(t.earn.done);
    await page.keyboard.press('F7');
    const coffee = page.locator('[data-testid="reward"][data-reward-id="coffee"]').getByRole('radio');
    await coffee.check();
    await coffee.press('Enter');
    await expect(page.getByTestId('redeem-confirm-submit')).toBeFocused();
    await page.keyboard.press('Enter');
    await expect(page.getByTestId('member-notice')).toContainText(language === 'ru' ? 'Кофе в подарок' : 'Free coffee');

    // No CSP report before the dashboard (zod runs jitless: no eval probe), and none added by the charts.
    const before = await cspViolations(page);
    expect(before).toEqual([]);
    // F9 opens the dashboard from anywhere; its tab is selected and has the focus.
    await page.keyboard.press('F9');
    const tab = page.getByTestId('nav-dashboard');
    await expect(tab).toHaveAttribute('aria-selected', 'true');
    await expect(tab).toBeFocused();
    await expect(page.getByRole('heading', { level: 1, name: t.dashboard.heading })).toBeVisible();
    const points = page.getByTestId('dashboard-points');
    await expect(points.getByRole('img', { name: t.dashboard.panels.points })).toBeVisible();
    await expect(points.locator('.recharts-bar-rectangle').first()).toBeVisible();
    await expect(points).toContainText(
      t.dashboard.pointsSummary.replace('{{issued}}', '63').replace('{{redeemed}}', '150').replace('{{days}}', '7'),
    );
    await expect(page.getByTestId('dashboard-sync-health')).toHaveText(t.dashboard.sync.states.unpaired);
    // The dashboard's tab fits on the screen (with the other manager tabs the row may wrap at 1024).
    const box = await tab.boundingBox();
    expect((box?.x ?? 9999) + (box?.width ?? 0)).toBeLessThanOrEqual(1024);
    await expectNoAxeViolations(page);
    await shot(page, `till-dashboard-1024x768-${language}`);
    await scrollViewTo(page, 'dashboard-points');
    await shot(page, `till-dashboard-charts-1024x768-${language}`);

    // Hovering a bar shows Recharts' tooltip (its styles set through the CSSOM): still no violation.
    await points.locator('.recharts-bar-rectangle').first().hover();
    await expect(points.locator('.recharts-tooltip-wrapper')).toBeVisible();
    await expect(points.locator('.recharts-default-tooltip')).toContainText(
      language === 'ru' ? 'Начислено баллов' : 'Points issued',
    );
    expect((await cspViolations(page)).slice(before.length)).toEqual([]);

    // The same figures as a table: today's row says 63 issued and 150 redeemed.
    await page.getByTestId('dashboard-points-as-table').click();
    await expect(page.getByTestId('dashboard-points-as-table')).toHaveAttribute('aria-pressed', 'true');
    const table = points.getByRole('table', { name: t.dashboard.panels.points });
    await expect(table.getByRole('columnheader', { name: t.dashboard.figures.pointsIssued })).toBeVisible();
    const today = table.getByRole('row').last();
    await expect(today.getByRole('cell')).toHaveText(['63', '150']);
    await expect(points.getByRole('img')).toHaveCount(0);
    await page.getByTestId('dashboard-staff-as-table').click();
    const staff = page.getByTestId('dashboard-staff').getByRole('table', { name: t.dashboard.panels.staff });
    const mia = staff.getByRole('row', { name: new RegExp(STAFF.mia.name) });
    // Mia earned once and redeemed once.
    await expect(mia.getByRole('cell').nth(3)).toHaveText('1');
    await expect(mia.getByRole('cell').nth(4)).toHaveText('1');
    await expectNoAxeViolations(page);
    await scrollViewTo(page, 'dashboard-points');
    await shot(page, `till-dashboard-tables-1024x768-${language}`);

    // Another period reads again; the table stays a table.
    await page.getByTestId('dashboard-period').selectOption('30');
    await expect(table.getByRole('row')).toHaveCount(31);
    expect((await cspViolations(page)).slice(before.length)).toEqual([]);
  });
}

test('a cashier has no dashboard: no tab, and F9 does nothing', async ({ page, demoTill }) => {
  await page.goto(demoTill.url);
  await loginAs(page, STAFF.carl);
  await expect(page.getByTestId('nav-find')).toBeVisible();
  await expect(page.getByTestId('nav-dashboard')).toHaveCount(0);
  await page.keyboard.press('F9');
  await expect(page.getByTestId('nav-find')).toHaveAttribute('aria-selected', 'true');
});
