import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from '@playwright/test';
import { startDemoHq, stopDemoHq, type DemoHq } from './demo-hq';
import { expect, expectNoAxeViolations, test } from './fixtures';
import { totpCodeAt } from '../../packages/hq/src/operators/totp';
import en from '../../packages/hq/console/src/i18n/en.json' with { type: 'json' };
import ru from '../../packages/hq/console/src/i18n/ru.json' with { type: 'json' };
import demoMembers from '../../resources/demo/members.json' with { type: 'json' };

/**
 * The chain's dashboard in the console, walked by the demo chain admin at 1024x768 in English and
 * Russian: figures, charts each beside its table, a tooltip on hover, the store picker; axe-clean,
 * and no CSP violation added by the charts (Recharts sets styles through the CSSOM only).
 * Screenshots in docs/screenshots/hq-console/.
 */
const PASSWORD = 'violet kettle harbour 7 lanterns';
const SHOTS = join(fileURLToPath(new URL('../..', import.meta.url)), 'docs', 'screenshots', 'hq-console');
const VIEWPORT = { width: 1024, height: 768 };

/** The demo HQ's twelve named members, enrolled one a day up to yesterday: what they hold is owed. */
const LIABILITY = demoMembers.members.reduce((sum, member) => sum + Math.max(0, member.pointsConfirmed), 0);

const codeAfter = (secret: string, steps: number): string => totpCodeAt(secret, new Date(Date.now() + steps * 30_000));
const fill = (text: string, values: Record<string, string>) =>
  text.replace(/\{\{(\w+)\}\}/g, (_, name: string) => values[name] ?? '');

async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `console-${name}.png`) });
}

async function cspViolations(page: Page): Promise<string[]> {
  return page.evaluate(() => (window as unknown as { __csp: string[] }).__csp);
}

/** Enrols the demo admin from its link and signs them in, with CSP violations collected from the first script on. */
async function signInAdmin(browser: Browser, hq: DemoHq): Promise<Page> {
  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: VIEWPORT });
  await context.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { __csp: string[] }).__csp = seen;
    document.addEventListener('securitypolicyviolation', (event) => {
      seen.push(`${event.violatedDirective} ${event.blockedURI} ${event.sample}`);
    });
  });
  const page = await context.newPage();
  await page.goto(hq.values.DEMO_ADMIN_ENROLMENT_URL!);
  await expect(page.getByRole('heading', { name: en.enrol.title })).toBeVisible();
  const secret = (await page.getByTestId('totp-secret').innerText()).replace(/\s+/g, '');
  const email = /\(([^()]+@[^()]+)\)/.exec(await page.getByText(/^Account for /).innerText())?.[1] ?? '';
  await page.getByRole('textbox', { name: en.enrol.password, exact: true }).fill(PASSWORD);
  await page.getByRole('textbox', { name: en.enrol.repeat, exact: true }).fill(PASSWORD);
  await page.getByRole('textbox', { name: en.enrol.code, exact: true }).fill(codeAfter(secret, 0));
  await page.getByRole('button', { name: en.enrol.submit, exact: true }).click();
  await expect(page.getByRole('heading', { name: en.enrol.recoveryTitle })).toBeVisible();
  await page.goto(`${hq.url}/console/`);
  await page.getByRole('textbox', { name: en.login.email, exact: true }).fill(email);
  await page.getByRole('textbox', { name: en.login.password, exact: true }).fill(PASSWORD);
  await page.getByRole('textbox', { name: en.login.secondFactor, exact: true }).fill(codeAfter(secret, 1));
  await page.keyboard.press('Enter');
  await expect(page.getByRole('button', { name: en.shell.logout })).toBeVisible();
  return page;
}

test.use({ ignoreHTTPSErrors: true, actionTimeout: 15_000 });

test('the chain admin reads the chain dashboard at 1024x768 in English and Russian: charts beside tables, no CSP violation', async ({
  browser,
}) => {
  test.setTimeout(180_000);
  const hq = await startDemoHq({ members: 0 });
  try {
    const page = await signInAdmin(browser, hq);
    // No CSP report before the dashboard (zod runs jitless: no eval probe), and none added by the charts.
    const before = await cspViolations(page);
    expect(before).toEqual([]);

    // The nav leads there; the page's heading takes the focus.
    await page.getByRole('navigation').getByRole('link', { name: en.pages.dashboard, exact: true }).click();
    await expect(page.getByRole('heading', { level: 1, name: en.pages.dashboard })).toBeFocused();
    const dashboard = page.getByTestId('dashboard');
    await expect(dashboard).toBeVisible();
    await expect(page.getByTestId('dashboard-figure-liability').getByRole('definition')).toHaveText(
      LIABILITY.toLocaleString('en-GB'),
    );
    // Nothing earned in the period: no rate to divide by.
    await expect(page.getByTestId('dashboard-figure-rate').getByRole('definition')).toHaveText(en.dashboard.noRate);
    // Six of the named members were enrolled in the last 7 days (one a day, 1 to 6 days ago).
    const enrolments = page.getByTestId('dashboard-enrolments');
    await expect(enrolments.getByRole('img', { name: en.dashboard.panels.enrolments })).toBeVisible();
    await expect(enrolments.getByText(/^6 in the last 7 days/)).toBeVisible();
    const table = enrolments.getByRole('table', { name: en.dashboard.panels.enrolments });
    await expect(table.getByRole('row')).toHaveCount(8);
    await expect(table.getByRole('columnheader', { name: en.dashboard.figures.enrolments })).toBeVisible();
    // The demo HQ's tills: none silent yet, said in words rather than an empty table.
    await expect(page.getByTestId('dashboard-silent')).toContainText(en.dashboard.noSilent);
    await expectNoAxeViolations(page);
    await shot(page, 'dashboard-en');

    // The tooltip Recharts draws over the plot (a day under the pointer): still no violation.
    await enrolments.evaluate((node) => node.scrollIntoView({ block: 'start' }));
    await enrolments.locator('.recharts-wrapper').hover({ position: { x: 300, y: 120 } });
    await expect(enrolments.locator('.recharts-default-tooltip')).toContainText(en.dashboard.figures.enrolments);
    await shot(page, 'dashboard-charts-en');
    expect((await cspViolations(page)).slice(before.length)).toEqual([]);

    // One store: the demo store named in the picker, its figures the chain's (it is the only one).
    const picker = page.getByRole('combobox', { name: en.dashboard.store, exact: true });
    const storeName = (await picker.locator('option').nth(1).innerText()).trim();
    await picker.selectOption({ label: storeName });
    await expect(dashboard.getByRole('status')).toContainText(`${storeName}:`);
    await expect(page.getByTestId('dashboard-figure-liability').getByRole('definition')).toHaveText(
      LIABILITY.toLocaleString('en-GB'),
    );
    await page
      .getByRole('combobox', { name: en.dashboard.period, exact: true })
      .selectOption({ label: fill(en.dashboard.lastDays, { n: '30' }) });
    await expect(table.getByRole('row')).toHaveCount(31);
    await expect(enrolments.getByText(/^12 in the last 30 days/)).toBeVisible();

    // Russian: the same page, its numbers and dates in Russian.
    await page.getByRole('combobox', { name: en.shell.language }).selectOption({ label: 'Русский' });
    await expect(page.getByRole('heading', { level: 1, name: ru.pages.dashboard })).toBeVisible();
    await expect(page.getByTestId('dashboard-figure-liability').getByRole('definition')).toHaveText(
      LIABILITY.toLocaleString('ru-RU'),
    );
    await expect(
      page.getByTestId('dashboard-enrolments').getByRole('table', { name: ru.dashboard.panels.enrolments }),
    ).toBeVisible();
    await page.getByRole('main').evaluate((main) => main.scrollTo(0, 0));
    await expectNoAxeViolations(page);
    await shot(page, 'dashboard-ru');
    const points = page.getByTestId('dashboard-stores');
    await points.evaluate((node) => node.scrollIntoView({ block: 'start' }));
    await points.locator('.recharts-wrapper').hover({ position: { x: 200, y: 120 } });
    await expect(points.locator('.recharts-default-tooltip')).toContainText(ru.dashboard.liability);
    await shot(page, 'dashboard-stores-ru');
    expect((await cspViolations(page)).slice(before.length)).toEqual([]);
  } finally {
    await stopDemoHq(hq);
  }
});
