import { readFileSync } from 'node:fs';
import type { Browser, Download, Page } from '@playwright/test';
import { totpCodeAt } from '../../packages/hq/src/operators/totp';
import en from '../../packages/hq/console/src/i18n/en.json' with { type: 'json' };
import ru from '../../packages/hq/console/src/i18n/ru.json' with { type: 'json' };
import { startDemoHq, stopDemoHq, type DemoHq } from './demo-hq';
import { STAFF, expect, expectNoAxeViolations, loginAs, screenshot, test } from './fixtures';

const OLIVIA = { card: '6004990000016' };
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

/** Today in this computer's time zone (the harness's and the browser's), as a Russian page asks for it. */
function todayRu(): string {
  const now = new Date();
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(now.getDate())}.${pad(now.getMonth() + 1)}.${now.getFullYear()}`;
}

async function scan(page: Page, card: string) {
  const search = page.getByTestId('search-input');
  await search.fill(card);
  await search.press('Enter');
  await expect(page.getByTestId('member-detail')).toBeVisible();
}

test('a manager reads the audit log in Russian, filters by staff and by dates typed as ДД.ММ.ГГГГ, and exports it for an auditor', async ({
  page,
  demoTill,
}) => {
  test.setTimeout(120_000);
  await page.setViewportSize({ width: 1024, height: 768 });
  await page.goto(demoTill.url);

  // Carl's shift: a member opened.
  await loginAs(page, STAFF.carl);
  await scan(page, OLIVIA.card);
  await page.getByTestId('lock-button').click();

  await loginAs(page, STAFF.mia);
  await page.getByTestId('language-ru').click();
  await expect(page.locator('html')).toHaveAttribute('lang', 'ru');
  await page.getByTestId('nav-audit').click();
  const table = page.getByTestId('audit-table');
  await expect(table).toBeVisible();

  // Sentences in Russian: no key=value, no id in full.
  await expect(page.getByTestId('audit-sentence').first()).toBeVisible();
  const text = (await table.innerText()).replace(/\s+/g, ' ');
  expect(text).not.toContain('=');
  expect(text).not.toMatch(UUID);
  expect(text).toContain('Carl Cashier: вход');

  // By staff: only Carl's entries.
  await page.getByTestId('audit-filter-staff').selectOption(STAFF.carl.id);
  await expect(page.getByTestId('audit-row').first()).toBeVisible();
  for (const actor of await page.locator('[data-testid="audit-row"] td:nth-child(3)').allInnerTexts()) {
    expect(actor).toBe('Carl Cashier');
  }
  const carlRows = await page.getByTestId('audit-row').count();

  // The date hint follows the page language, and a date the way the browser would draw it is refused.
  await expect(page.getByText('ДД.ММ.ГГГГ, например 31.12.2026').first()).toBeVisible();
  const from = page.getByTestId('audit-filter-from');
  await expect(from).toHaveAttribute('placeholder', 'ДД.ММ.ГГГГ');
  // 31 December as an American browser would write it: month 31 does not exist.
  await from.fill('12/31/2026');
  await from.press('Enter');
  await expect(from).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByText('Введите дату в виде ДД.ММ.ГГГГ', { exact: false }).first()).toBeVisible();

  // Today, typed in Russian, from and to: Carl's entries are all today's.
  await from.fill(todayRu());
  const to = page.getByTestId('audit-filter-to');
  await to.fill(todayRu());
  await to.press('Enter');
  await expect(from).not.toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByTestId('audit-row')).toHaveCount(carlRows);
  await expectNoAxeViolations(page);
  await screenshot(page, '70-audit-log-ru-filtered');
  await table.scrollIntoViewIfNeeded();
  await screenshot(page, '71-audit-log-ru-sentences');

  // A day in the past holds nothing.
  await to.fill('01.01.2020');
  await from.fill('01.01.2020');
  await from.press('Enter');
  await expect(page.getByTestId('audit-empty')).toBeVisible();
  await from.fill(todayRu());
  await to.fill(todayRu());
  await to.press('Enter');
  await expect(page.getByTestId('audit-row')).toHaveCount(carlRows);

  // The export: a Russian CSV and the chained entries as JSON lines.
  const downloads: Download[] = [];
  page.on('download', (download) => downloads.push(download));
  await page.getByTestId('audit-export').click();
  await expect(page.getByTestId('audit-export-outcome')).toContainText(`Выгружено записей: ${carlRows}`);
  await expect.poll(() => downloads.length).toBe(2);
  const csvDownload = downloads.find((download) => download.suggestedFilename().endsWith('.csv'));
  const jsonlDownload = downloads.find((download) => download.suggestedFilename().endsWith('.jsonl'));
  const csv = readFileSync((await csvDownload!.path())!, 'utf8');
  expect(csv.split('\r\n')[0]).toBe('\uFEFF"№","Время (UTC)","Сотрудник","Что произошло","Подробности"');
  expect(csv.split('\r\n').filter(Boolean)).toHaveLength(carlRows + 1);
  expect(csv).toContain('"Carl Cashier: вход"');
  expect(csv).not.toMatch(UUID);
  const jsonl = readFileSync((await jsonlDownload!.path())!, 'utf8')
    .trim()
    .split('\n');
  expect(JSON.parse(jsonl[0]!)).toMatchObject({ kind: 'loyalty-desk/till-audit-export', chainStart: { seq: 0 } });
  expect(jsonl).toHaveLength(carlRows + 1);
  expect(JSON.parse(jsonl[1]!)).toHaveProperty('hash');

  // The export itself is in the log, as Mia's.
  await page.getByTestId('audit-filter-staff').selectOption(STAFF.mia.id);
  await expect(page.getByTestId('audit-sentence').first()).toContainText(
    'Mia Manager: выгружено записей аудита для аудитора',
  );
  await expectNoAxeViolations(page);
  await screenshot(page, '72-audit-log-ru-exported');
});

const PASSWORD = 'violet kettle harbour 7 lanterns';
const codeAfter = (secret: string, steps: number): string => totpCodeAt(secret, new Date(Date.now() + steps * 30_000));

/** Enrols from a one-time link and signs in (TOTP computed here from the secret the page shows). */
async function enrolAndSignIn(browser: Browser, hq: DemoHq, link: string): Promise<Page> {
  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1024, height: 768 } });
  const page = await context.newPage();
  await page.goto(link);
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

test("an auditor reads HQ's audit trails in Russian, in words, and filters by a date typed as ДД.ММ.ГГГГ", async ({
  browser,
}) => {
  test.setTimeout(180_000);
  const hq = await startDemoHq({ members: 5 });
  try {
    const admin = await enrolAndSignIn(browser, hq, hq.values.DEMO_ADMIN_ENROLMENT_URL!);
    await admin.goto(`${hq.url}/console/#/operators`);
    await admin.getByRole('textbox', { name: en.operators.email, exact: true }).fill('auditor@chain.example');
    await admin.getByRole('textbox', { name: en.operators.name, exact: true }).fill('Test Auditor');
    await admin.getByRole('checkbox', { name: en.roles.auditor, exact: true }).check();
    await admin.getByRole('button', { name: en.operators.addButton, exact: true }).click();
    const link = (await admin.getByTestId('shown-once-secret').innerText()).trim();
    const auditor = await enrolAndSignIn(browser, hq, link);

    await auditor.goto(`${hq.url}/console/#/audit`);
    await auditor.getByRole('combobox', { name: en.shell.language }).selectOption({ label: 'Русский' });
    const trail = auditor.getByTestId('operator-audit-table');
    await expect(trail).toBeVisible();
    // The admin's sign-in and the auditor's enrolment, in Russian words: no codes, no key=value, no id.
    await expect(trail).toContainText(ru.audit.operatorActions.operator.login);
    const text = (await trail.innerText()).replace(/\s+/g, ' ');
    expect(text).not.toContain('=');
    expect(text).not.toMatch(UUID);
    expect(text).not.toContain('operator.login');
    // Detail labels are words too, not the entry's keys (camelCase).
    expect(text).not.toMatch(/\b[a-z]+[A-Z][A-Za-z]*:/);

    // A date typed the browser's way is refused; today typed in Russian keeps today's entries.
    const from = auditor.getByTestId('audit-from');
    await expect(from).toHaveAttribute('placeholder', 'ДД.ММ.ГГГГ');
    await from.fill('12/31/2026');
    await auditor.getByTestId('audit-apply').click();
    await expect(from).toHaveAttribute('aria-invalid', 'true');
    await from.fill(todayRu());
    await auditor.getByTestId('audit-to').fill(todayRu());
    await auditor.getByTestId('audit-apply').click();
    await expect(from).not.toHaveAttribute('aria-invalid', 'true');
    await expect(trail).toContainText(ru.audit.operatorActions.operator.login);
    await auditor
      .getByRole('combobox', { name: ru.audit.actionGroup })
      .selectOption({ label: ru.audit.prefixes.operator });
    await auditor.getByTestId('audit-apply').click();
    await expect(trail).not.toContainText(ru.operations.operators.manage);
    await expectNoAxeViolations(auditor);
    await screenshot(auditor, 'console-audit-trail-ru');

    // The tills' tab: its filters in Russian, by keyboard from the tab list.
    await auditor.getByTestId('audit-tab-operators').focus();
    await auditor.keyboard.press('ArrowRight');
    await expect(auditor.getByTestId('audit-tab-tills')).toHaveAttribute('aria-selected', 'true');
    await expect(auditor.getByRole('heading', { name: ru.audit.tabTills, level: 2 })).toBeVisible();
    await expect(auditor.getByRole('combobox', { name: ru.audit.store })).toBeVisible();
    await expectNoAxeViolations(auditor);
    await screenshot(auditor, 'console-audit-tills-ru');
  } finally {
    await stopDemoHq(hq);
  }
});
