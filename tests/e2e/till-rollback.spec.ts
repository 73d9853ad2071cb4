import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Locator, Page } from '@playwright/test';
import tillEn from '../../src/renderer/i18n/en.json' with { type: 'json' };
import tillRu from '../../src/renderer/i18n/ru.json' with { type: 'json' };
import { startDemoHq, stopDemoHq, type DemoHq } from './demo-hq';
import {
  STAFF,
  expect,
  expectNoAxeViolations,
  loginAs,
  restartHarness,
  screenshot,
  startHarness,
  stopHarness,
  test,
  type Harness,
} from './fixtures';
import { totpCodeAt } from '../../packages/hq/src/operators/totp';
import en from '../../packages/hq/console/src/i18n/en.json' with { type: 'json' };
import ru from '../../packages/hq/console/src/i18n/ru.json' with { type: 'json' };

/**
 * A till restored from an old copy of its files, walked in Chromium (issue 15 item 4). Store
 * operations pairs a fresh till from the console; the manager sells and syncs; the till's data
 * folder is copied while the till is closed; more sales, synced; the copy is put back and the till
 * started again. HQ refuses it at its next contact: the counter shows the banner and keeps serving
 * (a lookup, a sale that stays queued), the Sync screen says what happened and what to do, in
 * English and Russian. In the console, store operations sees the refused till on the Tills page and
 * the chain admin on the dashboard; the operator first clears it as "not a restore" (the store says
 * nobody restored anything), the till is refused again at its next sync because it is still behind;
 * then the operator does what the page advises, revokes it (a second operator approves), and the
 * till hears it at its next sync, erases itself and says so. axe on every state; screenshots at
 * 1024x768 to artifacts/screenshots/till-rollback-*.png.
 */
const PASSWORD = 'violet kettle harbour 7 lanterns';
const VIEWPORT = { width: 1024, height: 768 };
const OLIVIA = { card: '6004990000016', name: 'Olivia Bennett' };
const TILL_NAME = tillEn.pairing.deviceNameDefault;

const shot = (page: Page, name: string) => screenshot(page, `till-rollback-${name}`);
const codeAfter = (secret: string, steps: number): string => totpCodeAt(secret, new Date(Date.now() + steps * 30_000));
const fill = (text: string, values: Record<string, string | number>) =>
  text.replace(/\{\{(\w+)\}\}/g, (_, name: string) => String(values[name] ?? ''));

interface Operator {
  email: string;
  secret: string;
  step: number;
}

async function enrol(browser: Browser, link: string): Promise<Operator> {
  const context = await browser.newContext({ ignoreHTTPSErrors: true });
  const page = await context.newPage();
  await page.goto(link);
  const secret = (await page.getByTestId('totp-secret').innerText()).replace(/\s+/g, '');
  const email = /\(([^()]+@[^()]+)\)/.exec(await page.getByText(/^Account for /).innerText())?.[1] ?? '';
  await page.getByRole('textbox', { name: en.enrol.password, exact: true }).fill(PASSWORD);
  await page.getByRole('textbox', { name: en.enrol.repeat, exact: true }).fill(PASSWORD);
  await page.getByRole('textbox', { name: en.enrol.code, exact: true }).fill(codeAfter(secret, 0));
  await page.getByRole('button', { name: en.enrol.submit, exact: true }).click();
  await expect(page.getByRole('heading', { name: en.enrol.recoveryTitle })).toBeVisible();
  await context.close();
  return { email, secret, step: 0 };
}

async function signIn(browser: Browser, hq: DemoHq, operator: Operator): Promise<Page> {
  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: VIEWPORT });
  const page = await context.newPage();
  await page.goto(`${hq.url}/console/`);
  await expect(page.getByRole('textbox', { name: en.login.email, exact: true })).toBeFocused();
  await page.keyboard.type(operator.email);
  await page.keyboard.press('Tab');
  await page.keyboard.type(PASSWORD);
  await page.keyboard.press('Tab');
  operator.step += 1;
  await page.keyboard.type(codeAfter(operator.secret, operator.step));
  await page.keyboard.press('Enter');
  await expect(page.getByRole('button', { name: en.shell.logout })).toBeVisible();
  return page;
}

/** The chain admin adds a store operator; returns the enrolment link. */
async function addStoreOperator(admin: Page, hq: DemoHq, email: string, name: string): Promise<string> {
  await admin.goto(`${hq.url}/console/#/operators`);
  await admin.getByRole('textbox', { name: en.operators.email, exact: true }).fill(email);
  await admin.getByRole('textbox', { name: en.operators.name, exact: true }).fill(name);
  await admin.getByRole('checkbox', { name: en.roles.store_operations, exact: true }).check();
  await admin.getByRole('button', { name: en.operators.addButton, exact: true }).click();
  const link = (await admin.getByTestId('shown-once-secret').innerText()).trim();
  await admin.getByRole('button', { name: en.common.done, exact: true }).click();
  return link;
}

/** A sale at the counter: the member's card typed in, an earn of `amount` on receipt `reference`. */
async function sell(page: Page, reference: string, amount: string, done: string): Promise<void> {
  await page.getByTestId('nav-find').click();
  const search = page.getByTestId('search-input');
  await search.fill(OLIVIA.card);
  await search.press('Enter');
  await expect(page.getByTestId('member-detail').getByTestId('member-name')).toHaveText(OLIVIA.name);
  await page.getByTestId('earn-amount').fill(amount);
  await page.getByTestId('earn-reference').fill(reference);
  await page.getByTestId('earn-submit').click();
  await expect(page.getByTestId('member-notice')).toContainText(done);
}

/** The manager's Sync now on the Sync screen, until HQ answered and nothing waits. */
/** The element's box lies inside the window: nothing to scroll sideways to reach it. */
async function expectWithinViewport(page: Page, locator: Locator): Promise<void> {
  const box = await locator.boundingBox();
  const width = page.viewportSize()?.width ?? 0;
  expect(box, 'the element is on the page').not.toBeNull();
  expect(box!.x + box!.width, 'its right edge is inside the window').toBeLessThanOrEqual(width);
}

async function syncNow(page: Page): Promise<void> {
  await page.getByTestId('nav-sync').click();
  await page.getByRole('button', { name: tillEn.syncView.syncNow }).click();
  await expect(page.getByText(tillEn.syncView.states.online).first()).toBeVisible({ timeout: 30_000 });
  await expect(page.getByText(tillEn.syncView.pendingEmpty)).toBeVisible();
}

/** Every file of a data folder replaced by another's (the database, its WAL and the key-info file). */
function copyFolder(from: string, to: string): void {
  for (const name of readdirSync(to)) rmSync(join(to, name), { recursive: true, force: true });
  cpSync(from, to, { recursive: true });
}

test.use({ ignoreHTTPSErrors: true, actionTimeout: 15_000, viewport: VIEWPORT });

test('a till put back from an old copy is refused at its next sync: the counter keeps serving and says what to do; the console clears it, sees it refused again, and revokes it', async ({
  browser,
  page,
}) => {
  test.setTimeout(180_000);
  const hq = await startDemoHq({ members: 20 });
  const dataDir = mkdtempSync(join(tmpdir(), 'loyalty-e2e-rollback-'));
  const backup = mkdtempSync(join(tmpdir(), 'loyalty-e2e-rollback-copy-'));
  let till: Harness | null = null;
  try {
    // --- The chain admin adds two store operators: Olga does the work, Sam approves a revocation. ---
    const admin = await signIn(browser, hq, await enrol(browser, hq.values.DEMO_ADMIN_ENROLMENT_URL!));
    const olgaLink = await addStoreOperator(admin, hq, 'olga.ops@chain.example', 'Olga Operations');
    const samLink = await addStoreOperator(admin, hq, 'sam.ops@chain.example', 'Sam Second');
    const ops = await signIn(browser, hq, await enrol(browser, olgaLink));
    const second = await signIn(browser, hq, await enrol(browser, samLink));

    // --- Olga issues a pairing code; at the store the manager pairs a fresh till with it. ---
    await ops.goto(`${hq.url}/console/#/devices`);
    await ops.getByRole('combobox', { name: en.common.store, exact: true }).selectOption({ label: 'Demo High Street' });
    await ops.getByRole('button', { name: en.devices.issuePairingCode, exact: true }).click();
    const pairingCode = (await ops.getByTestId('shown-once-secret').innerText()).trim();
    const fingerprint = (await ops.getByTestId('hq-fingerprint').innerText()).trim();
    await ops.getByRole('button', { name: en.common.done, exact: true }).click();

    till = await startHarness(dataDir, { demoStaff: false });
    await page.goto(till.url);
    await page.getByLabel(tillEn.pairing.hqUrl, { exact: true }).fill(hq.url);
    await page.getByRole('button', { name: tillEn.pairing.check, exact: true }).click();
    await expect(page.getByTestId('hq-fingerprint')).toContainText(fingerprint);
    await page.getByLabel(tillEn.pairing.fingerprintSame, { exact: true }).check();
    await page.getByLabel(tillEn.pairing.code, { exact: true }).fill(pairingCode);
    await page.getByRole('button', { name: tillEn.pairing.submit, exact: true }).click();
    await expect(page.getByTestId('lock-screen')).toBeVisible({ timeout: 30_000 });

    // --- The morning: a sale, synced. HQ holds operations 1 and 2: Mia's PIN hash re-made under the
    // store's pepper at her first sign-in (a staff.pin_changed op, the PIN sealed for HQ), and the sale.
    await loginAs(page, STAFF.mia);
    await sell(page, 'R-1', '10.00', tillEn.earn.done);
    await syncNow(page);

    // --- Closing time: the till's data folder is copied while the till is closed. ---
    till = await restartHarness(till, { demoStaff: false }, () => copyFolder(dataDir, backup));

    // --- The afternoon: three more sales, synced: HQ holds operations 1 to 5. ---
    await page.goto(till.url);
    await loginAs(page, STAFF.mia);
    await sell(page, 'R-2', '12.00', tillEn.earn.done);
    await sell(page, 'R-3', '8.00', tillEn.earn.done);
    await sell(page, 'R-5', '3.00', tillEn.earn.done);
    await syncNow(page);

    // --- The next day the morning's copy is put back (a disk restored from a backup). ---
    till = await restartHarness(till, { demoStaff: false }, () => copyFolder(backup, dataDir));
    await page.goto(till.url);
    await loginAs(page, STAFF.carl);

    // HQ refused the till's first contact (its outbox ends at 2, HQ holds 5): the cashier sees it
    // above the counter, and still serves. Two operations wait: Carl's first sign-in re-made his PIN
    // hash (as Mia's did) and the sale.
    const banner = page.getByTestId('rolled-back-banner');
    await expect(banner).toHaveText(`${tillEn.rolledBack.banner}${tillEn.rolledBack.open}`, { timeout: 20_000 });
    await expect(banner).toHaveAttribute('role', 'alert');
    await sell(page, 'R-4', '5.00', tillEn.earn.done);
    await expect(banner).toBeVisible();
    // The header says sync stopped, not "offline": the network is fine, HQ refused.
    const indicator = page.getByRole('button', {
      name: new RegExp(`^(${escape(tillEn.syncIndicator.label)}|${escape(tillRu.syncIndicator.label)})`),
    });
    await expect(indicator).toContainText(tillEn.rolledBack.indicator);
    await expect(indicator).toContainText(fill(tillEn.syncIndicator.waiting, { n: 2 }));
    await expectNoAxeViolations(page);
    await shot(page, 'counter-banner-en');

    // "What to do" opens the Sync screen: what happened, HQ's figures, whom to call; the sale waits.
    await banner.getByRole('button', { name: tillEn.rolledBack.open, exact: true }).click();
    await expect(page.getByTestId('nav-sync')).toHaveAttribute('aria-selected', 'true');
    const card = page.getByTestId('sync-rolled-back');
    // Here the whole card replaces the one-line banner, and the link is "stopped", not "offline".
    await expect(banner).toHaveCount(0);
    const connection = page.getByRole('region', { name: tillEn.syncView.connection, exact: true });
    await expect(connection).toContainText(tillEn.rolledBack.state);
    await expect(connection).not.toContainText(tillEn.syncView.states.offline);
    await expect(connection).not.toContainText('device_rolled_back');
    await expect(card).toContainText(tillEn.rolledBack.title);
    const what = new RegExp(
      escape(fill(tillEn.rolledBack.what, { lastSeq: 5, auditSeq: '@@' })).replace('@@', '(\\d+)'),
    );
    await expect(card).toContainText(what);
    const auditSeq = Number(what.exec(await card.innerText())?.[1]);
    expect(auditSeq).toBeGreaterThan(0);
    await expect(card).toContainText(tillEn.rolledBack.todo);
    await expect(card).toContainText(tillEn.rolledBack.detectedAt.split('{{')[0]!);
    const waiting = page.getByRole('region', { name: tillEn.syncView.pending, exact: true });
    await expect(waiting).not.toContainText(tillEn.syncView.pendingEmpty);
    await expect(waiting).toContainText(`${tillEn.syncView.pendingTotal}2`);
    const byKind = waiting.getByRole('list', { name: tillEn.syncView.pendingByType });
    await expect(byKind.getByRole('listitem')).toHaveText([
      `${tillEn.sync.opTypes.points.earned}1`,
      `${tillEn.sync.opTypes.staff.pin_changed}1`,
    ]);
    await expect(waiting).toContainText(tillEn.rolledBack.pendingHint);
    await expectNoAxeViolations(page);
    await shot(page, 'sync-card-en');

    // The same in Russian (the cashier switches this till's screen only).
    await page.getByTestId('language-ru').click();
    await expect(page.locator('html')).toHaveAttribute('lang', 'ru');
    await expect(card).toContainText(tillRu.rolledBack.title);
    await expect(card).toContainText(fill(tillRu.rolledBack.what, { lastSeq: 5, auditSeq }));
    await expect(card).toContainText(tillRu.rolledBack.todo);
    await expect(page.getByRole('region', { name: tillRu.syncView.connection, exact: true })).toContainText(
      tillRu.rolledBack.state,
    );
    await expect(page.getByRole('region', { name: tillRu.syncView.pending, exact: true })).toContainText(
      tillRu.rolledBack.pendingHint,
    );
    await expectNoAxeViolations(page);
    await shot(page, 'sync-card-ru');
    await page.getByTestId('nav-find').click();
    await expect(banner).toHaveText(`${tillRu.rolledBack.banner}${tillRu.rolledBack.open}`);
    await expect(indicator).toContainText(tillRu.rolledBack.indicator);
    await expectNoAxeViolations(page);
    await shot(page, 'counter-banner-ru');
    await page.getByTestId('language-en').click();
    await expect(page.locator('html')).toHaveAttribute('lang', 'en');

    // --- In the console: the refused till on the Tills page, with HQ's figures and what to do. ---
    await ops.reload();
    const notice = ops.getByTestId('rolled-back-tills');
    await expect(notice).toContainText(fill(en.tillRollback.summary, { count: 1 }));
    await expect(notice).toContainText(en.tillRollback.todo);
    const row = ops.getByRole('row').filter({ has: ops.getByRole('rowheader', { name: TILL_NAME }) });
    await expect(row).toContainText(en.tillRollback.badge);
    // Why and the way out on a row of their own under the till's, so the table fits 1024 pixels.
    const detail = ops.getByTestId('rolled-back-detail');
    await expect(detail).toContainText(en.tillRollback.reasons.seq_behind);
    await expect(detail).toContainText(fill(en.tillRollback.figures, { lastSeq: 5, auditSeq }));
    await expectWithinViewport(ops, row.getByRole('button', { name: fill(en.devices.revokeOf, { name: TILL_NAME }) }));
    await expectNoAxeViolations(ops);
    await shot(ops, 'console-refused-en');

    // The chain admin sees it on the dashboard.
    await admin.goto(`${hq.url}/console/#/dashboard`);
    await expect(admin.getByTestId('dashboard-figure-rolledBack').getByRole('term')).toHaveText(
      en.tillRollback.dashboardFigure,
    );
    await expect(admin.getByTestId('dashboard-figure-rolledBack').getByRole('definition')).toHaveText('1');
    await expectNoAxeViolations(admin);
    await shot(admin, 'console-dashboard-en');

    // In Russian.
    await ops.getByRole('combobox', { name: en.shell.language }).selectOption({ label: 'Русский' });
    await expect(notice).toContainText(ru.tillRollback.todo);
    await expect(row).toContainText(ru.tillRollback.badge);
    await expect(detail).toContainText(ru.tillRollback.reasons.seq_behind);
    await expect(detail).toContainText(fill(ru.tillRollback.figures, { lastSeq: 5, auditSeq }));
    await expectWithinViewport(ops, row.getByRole('button', { name: fill(ru.devices.revokeOf, { name: TILL_NAME }) }));
    await expectNoAxeViolations(ops);
    await shot(ops, 'console-refused-ru');
    await ops.getByRole('combobox', { name: ru.shell.language }).selectOption({ label: 'English' });

    // --- The store says nobody restored anything: Olga clears the refusal as "not a restore". ---
    // No reason is chosen for her: the button waits for one.
    const clear = detail.getByRole('button', { name: fill(en.tillRollback.clearOf, { name: TILL_NAME }), exact: true });
    await expect(clear).toBeDisabled();
    await detail.getByRole('combobox', { name: en.tillRollback.reasonLabel }).selectOption({
      label: en.tillRollback.clearReasons.false_alarm,
    });
    await clear.click();
    await expect(ops.getByText(fill(en.tillRollback.cleared, { name: TILL_NAME }))).toBeVisible();
    await expect(row).toContainText(en.devices.active);
    await expect(notice).toHaveCount(0);

    // The manager's Sync now: the till is still behind HQ, so it is refused and flagged again.
    await page.getByTestId('lock-button').click();
    await loginAs(page, STAFF.mia);
    await page.getByTestId('nav-sync').click();
    await page.getByRole('button', { name: tillEn.syncView.syncNow }).click();
    await expect(page.getByRole('alert').filter({ hasText: tillEn.rolledBack.syncRefused })).toBeVisible({
      timeout: 30_000,
    });
    await expect(page.getByText(tillEn.syncView.syncDoneSome.split('.')[0]!)).toHaveCount(0);
    await expect(connection).toContainText(tillEn.rolledBack.state);
    await expect(card).toContainText(fill(tillEn.rolledBack.what, { lastSeq: 5, auditSeq }));
    await expect(waiting).toContainText(`${tillEn.syncView.pendingTotal}2`);
    await expectNoAxeViolations(page);
    await shot(page, 'sync-refused-again-en');
    // Day end too: said as the refusal, not as "HQ could not be reached".
    await page.getByRole('button', { name: tillEn.syncView.dayEnd, exact: true }).click();
    await page.getByRole('button', { name: tillEn.syncView.dayEndConfirm }).click();
    await expect(page.getByRole('alert').filter({ hasText: tillEn.errors.device_rolled_back })).toBeVisible({
      timeout: 30_000,
    });
    await expect(page.getByText(tillEn.errors.hq_unreachable)).toHaveCount(0);
    await ops.reload();
    await expect(row).toContainText(en.tillRollback.badge);
    await expect(notice).toContainText(fill(en.tillRollback.summary, { count: 1 }));

    // --- So Olga does what the page advises: revoke (Sam approves), and the store pairs anew. ---
    await row.getByRole('button', { name: fill(en.devices.revokeOf, { name: TILL_NAME }), exact: true }).click();
    const dialog = ops.getByRole('dialog');
    await expect(dialog).toContainText(fill(en.devices.revokeText, { name: TILL_NAME, store: 'Demo High Street' }));
    await dialog.getByRole('button', { name: en.devices.revoke, exact: true }).click();
    const asked = ops.getByRole('alert').filter({ hasText: /\(id [^)]+\)/ });
    await expect(asked).toBeVisible();
    const approvalId = /\(id ([^)]+)\)/.exec(await asked.innerText())?.[1] ?? '';
    await second.goto(`${hq.url}/console/#/approvals`);
    await second.reload();
    await second.getByRole('button', { name: fill(en.approvals.approveOf, { id: approvalId }), exact: true }).click();
    await expect(second.getByText(fill(en.approvals.approved, { id: approvalId }))).toBeVisible();
    await row.getByRole('button', { name: fill(en.devices.revokeOf, { name: TILL_NAME }), exact: true }).click();
    await expect(ops.getByText(fill(en.devices.revoked, { name: TILL_NAME }))).toBeVisible();
    await expect(row).toContainText(en.devices.revokedAt);
    await expect(notice).toHaveCount(0);
    await expectNoAxeViolations(ops);
    await shot(ops, 'console-revoked-en');

    // The till hears it at its next sync: it erases its data and says it was revoked.
    await page.getByRole('button', { name: tillEn.syncView.syncNow }).click();
    const revoked = page.getByRole('alert').filter({ hasText: /HQ revoked this till on / });
    await expect(revoked).toContainText('its local data has been erased. Pair it again to continue.', {
      timeout: 30_000,
    });
    await expect(page.getByLabel(tillEn.pairing.hqUrl, { exact: true })).toBeVisible();
    await expectNoAxeViolations(page);
    await shot(page, 'till-revoked-en');
  } finally {
    if (till) await stopHarness(till);
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(backup, { recursive: true, force: true });
    await stopDemoHq(hq);
  }
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
