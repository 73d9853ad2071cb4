import type { Browser, Page } from '@playwright/test';
import tillEn from '../../src/renderer/i18n/en.json' with { type: 'json' };
import { startDemoHq, stopDemoHq, type DemoHq } from './demo-hq';
import { STAFF, expect, expectNoAxeViolations, loginAs, screenshot, test } from './fixtures';
import { totpCodeAt } from '../../packages/hq/src/operators/totp';
import en from '../../packages/hq/console/src/i18n/en.json' with { type: 'json' };
import ru from '../../packages/hq/console/src/i18n/ru.json' with { type: 'json' };

/**
 * The HQ console walked in Chromium by each role (issue 12): a chain admin enrols from the demo
 * HQ's link (password, TOTP computed here from the secret the page shows), adds a store operator,
 * a privacy officer and an auditor, who each enrol, sign in with a TOTP code, do their job and are
 * refused what their role may not do. Each page is checked with axe and photographed at 1024x768
 * in English and Russian (artifacts/screenshots/console-*.png).
 */
const PASSWORD = 'violet kettle harbour 7 lanterns';

const shot = (page: Page, name: string) => screenshot(page, `console-${name}`);

/**
 * A code for the next TOTP step: the step enrolment or the last login spent cannot be used again,
 * and HQ accepts one step ahead.
 */
const codeAfter = (secret: string, steps: number): string => totpCodeAt(secret, new Date(Date.now() + steps * 30_000));

interface Operator {
  email: string;
  secret: string;
  /** TOTP steps ahead of now already used (enrolment spends the current one). */
  step: number;
}

/** Opens an enrolment link in a fresh page and completes it; returns the e-mail and TOTP secret. */
async function enrol(browser: Browser, link: string, name: string): Promise<Operator> {
  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1024, height: 768 } });
  const page = await context.newPage();
  await page.goto(link);
  await expect(page.getByRole('heading', { name: en.enrol.title })).toBeVisible();
  // The token left the address bar at once: it is not kept in history.
  expect(page.url()).not.toContain(link.split('#/enrol/')[1]!);
  const secret = (await page.getByTestId('totp-secret').innerText()).replace(/\s+/g, '');
  const email = /\(([^()]+@[^()]+)\)/.exec(await page.getByText(/^Account for /).innerText())?.[1] ?? '';
  await page.getByRole('textbox', { name: en.enrol.password, exact: true }).fill(PASSWORD);
  await page.getByRole('textbox', { name: en.enrol.repeat, exact: true }).fill(PASSWORD);
  await page.getByRole('textbox', { name: en.enrol.code, exact: true }).fill(codeAfter(secret, 0));
  if (name === 'admin') {
    await expectNoAxeViolations(page);
    await shot(page, 'enrol-en');
  }
  await page.getByRole('button', { name: en.enrol.submit, exact: true }).click();
  await expect(page.getByRole('heading', { name: en.enrol.recoveryTitle })).toBeVisible();
  await expect(page.getByTestId('recovery-codes').getByRole('listitem')).toHaveCount(10);
  if (name === 'admin') await shot(page, 'recovery-codes-en');
  await context.close();
  return { email, secret, step: 0 };
}

async function signIn(browser: Browser, hq: DemoHq, operator: Operator): Promise<Page> {
  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1024, height: 768 } });
  const page = await context.newPage();
  await page.goto(`${hq.url}/console/`);
  await expect(page.getByRole('heading', { name: en.login.title })).toBeVisible();
  // By keyboard alone, as at a desk: the e-mail field has the focus, Tab moves on, Enter signs in.
  const email = page.getByRole('textbox', { name: en.login.email, exact: true });
  await expect(email).toBeFocused();
  await page.keyboard.type(operator.email);
  await page.keyboard.press('Tab');
  await expect(page.getByRole('textbox', { name: en.login.password, exact: true })).toBeFocused();
  await page.keyboard.type(PASSWORD);
  await page.keyboard.press('Tab');
  await expect(page.getByRole('textbox', { name: en.login.secondFactor, exact: true })).toBeFocused();
  operator.step += 1;
  await page.keyboard.type(codeAfter(operator.secret, operator.step));
  await page.keyboard.press('Enter');
  await expect(page.getByRole('button', { name: en.shell.logout })).toBeVisible();
  return page;
}

test.use({ ignoreHTTPSErrors: true, actionTimeout: 15_000 });

test('each HQ role signs in with a TOTP code, does its job in the console and is refused the rest', async ({
  browser,
}) => {
  test.setTimeout(240_000);
  const hq = await startDemoHq({ members: 50 });
  try {
    // --- The chain admin: enrol from the demo link, sign in, look at the stores, add operators. ---
    const adminOp = await enrol(browser, hq.values.DEMO_ADMIN_ENROLMENT_URL!, 'admin');
    const admin = await signIn(browser, hq, adminOp);
    await admin.goto(`${hq.url}/console/#/stores`);
    await expect(admin.getByText('Demo High Street', { exact: true })).toBeVisible();
    await expectNoAxeViolations(admin);
    await shot(admin, 'stores-en');

    const links: Record<string, string> = {};
    for (const [role, label] of [
      ['store_operations', en.roles.store_operations],
      ['privacy_officer', en.roles.privacy_officer],
      ['auditor', en.roles.auditor],
    ] as const) {
      await admin.goto(`${hq.url}/console/#/operators`);
      await admin
        .getByRole('textbox', { name: en.operators.email, exact: true })
        .fill(`${role.replace('_', '-')}@chain.example`);
      await admin.getByRole('textbox', { name: en.operators.name, exact: true }).fill(`Test ${label}`);
      await admin.getByRole('checkbox', { name: label, exact: true }).check();
      await admin.getByRole('button', { name: en.operators.addButton, exact: true }).click();
      const link = admin.getByTestId('shown-once-secret');
      await expect(link).toContainText('/console/#/enrol/');
      links[role] = (await link.innerText()).trim();
      if (role === 'store_operations') {
        await expectNoAxeViolations(admin);
        await shot(admin, 'operators-en');
      }
      await admin.getByRole('button', { name: en.common.done, exact: true }).click();
    }

    // --- Store operations: pair a till (code shown once with the fingerprint), add staff. ---
    const opsOp = await enrol(browser, links.store_operations!, 'ops');
    const ops = await signIn(browser, hq, opsOp);
    await ops.goto(`${hq.url}/console/#/devices`);
    await ops.getByRole('combobox', { name: en.common.store, exact: true }).selectOption({ label: 'Demo High Street' });
    await ops.getByRole('button', { name: en.devices.issuePairingCode, exact: true }).click();
    await expect(ops.getByTestId('shown-once-secret')).toHaveText(/^[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}$/);
    await expect(ops.getByTestId('hq-fingerprint')).toHaveText(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    await expectNoAxeViolations(ops);
    await shot(ops, 'devices-pairing-en');
    await ops.getByRole('button', { name: en.common.done, exact: true }).click();
    await ops.goto(`${hq.url}/console/#/staff`);
    await ops.getByRole('textbox', { name: en.staff.name, exact: true }).fill('Petra Newcomer');
    await ops.getByRole('button', { name: en.staff.addButton, exact: true }).click();
    await expect(ops.getByTestId('shown-once-secret')).toHaveText(/^\d{6}$/);
    await shot(ops, 'staff-pin-en');
    await ops.getByRole('button', { name: en.common.done, exact: true }).click();
    await expect(ops.getByRole('cell', { name: 'Petra Newcomer' })).toBeVisible();
    // Refused: operators are the chain admin's; the server says so even when the page is typed in.
    await ops.goto(`${hq.url}/console/#/operators`);
    await expect(ops.getByText(en.errors.forbidden)).toBeVisible();

    // --- Privacy officer: find a member by card (masked), reveal with a reason (recorded). ---
    const privacyOp = await enrol(browser, links.privacy_officer!, 'privacy');
    const privacy = await signIn(browser, hq, privacyOp);
    await privacy.goto(`${hq.url}/console/#/members`);
    await privacy.getByRole('textbox', { name: en.members.value, exact: true }).fill('6004990000016');
    await privacy.getByRole('button', { name: en.members.searchButton, exact: true }).click();
    await expect(privacy.getByRole('cell', { name: '•••• 0016' })).toBeVisible();
    await expectNoAxeViolations(privacy);
    await shot(privacy, 'members-masked-en');
    await privacy.getByRole('button', { name: en.members.reveal, exact: true }).first().click();
    await privacy.getByRole('combobox', { name: en.members.reason, exact: true }).selectOption('member_support');
    await privacy.getByRole('button', { name: en.members.revealButton, exact: true }).click();
    await expect(privacy.getByText(/This reveal was recorded in the audit trail/)).toBeVisible();
    await shot(privacy, 'members-revealed-en');
    await privacy.goto(`${hq.url}/console/#/stores`);
    await expect(privacy.getByText(en.errors.forbidden)).toBeVisible();

    // --- Auditor: the audit trail (the reveal is in it), verify the chain; members refused. ---
    const auditorOp = await enrol(browser, links.auditor!, 'auditor');
    const auditor = await signIn(browser, hq, auditorOp);
    await auditor.goto(`${hq.url}/console/#/audit`);
    // The trail reads in words (issue 14): the reveal by its name, not its code.
    await expect(auditor.getByRole('cell', { name: new RegExp(en.operations.member.reveal) }).first()).toBeVisible();
    await auditor.getByRole('button', { name: en.audit.verify, exact: true }).click();
    await expect(auditor.getByText(/The chain is intact/)).toBeVisible();
    await expectNoAxeViolations(auditor);
    await shot(auditor, 'audit-en');
    await auditor.goto(`${hq.url}/console/#/members`);
    await expect(auditor.getByText(en.errors.forbidden)).toBeVisible();

    // --- The same console in Russian, at 1024x768. ---
    await admin.goto(`${hq.url}/console/#/operators`);
    await admin.getByRole('combobox', { name: en.shell.language }).selectOption({ label: 'Русский' });
    await expect(admin.getByRole('heading', { level: 1, name: ru.operators.listTitle })).toBeVisible();
    await expectNoAxeViolations(admin);
    await shot(admin, 'operators-ru');
    await admin.goto(`${hq.url}/console/#/stores`);
    await expect(admin.getByRole('button', { name: ru.shell.logout })).toBeVisible();
    await expectNoAxeViolations(admin);
    await shot(admin, 'stores-ru');
  } finally {
    await stopDemoHq(hq);
  }
});

test('a store operator pairs a fresh till with a code from the console; the till syncs and its day end shows in the console', async ({
  browser,
  page,
  freshTill,
}) => {
  test.setTimeout(240_000);
  const hq = await startDemoHq({ members: 50 });
  try {
    const adminOp = await enrol(browser, hq.values.DEMO_ADMIN_ENROLMENT_URL!, 'admin-2');
    const admin = await signIn(browser, hq, adminOp);
    await admin.goto(`${hq.url}/console/#/operators`);
    await admin.getByRole('textbox', { name: en.operators.email, exact: true }).fill('ops@chain.example');
    await admin.getByRole('textbox', { name: en.operators.name, exact: true }).fill('Olga Operations');
    await admin.getByRole('checkbox', { name: en.roles.store_operations, exact: true }).check();
    await admin.getByRole('checkbox', { name: en.roles.auditor, exact: true }).check();
    await admin.getByRole('button', { name: en.operators.addButton, exact: true }).click();
    const link = (await admin.getByTestId('shown-once-secret').innerText()).trim();
    const ops = await signIn(browser, hq, await enrol(browser, link, 'ops-2'));

    await ops.goto(`${hq.url}/console/#/devices`);
    await expect(ops.getByText(en.devices.empty)).toBeVisible();
    await ops.getByRole('combobox', { name: en.common.store, exact: true }).selectOption({ label: 'Demo High Street' });
    await ops.getByRole('button', { name: en.devices.issuePairingCode, exact: true }).click();
    const pairingCode = (await ops.getByTestId('shown-once-secret').innerText()).trim();
    const fingerprint = (await ops.getByTestId('hq-fingerprint').innerText()).trim();
    await ops.getByRole('button', { name: en.common.done, exact: true }).click();

    // At the till: HQ's address, the fingerprint the console showed, the code.
    await page.goto(freshTill.url);
    await page.getByLabel(tillEn.pairing.hqUrl, { exact: true }).fill(hq.url);
    await page.getByRole('button', { name: tillEn.pairing.check, exact: true }).click();
    await expect(page.getByTestId('hq-fingerprint')).toContainText(fingerprint);
    await page.getByLabel(tillEn.pairing.fingerprintSame, { exact: true }).check();
    await page.getByLabel(tillEn.pairing.code, { exact: true }).fill(pairingCode);
    await page.getByRole('button', { name: tillEn.pairing.submit, exact: true }).click();
    await expect(page.getByTestId('lock-screen')).toBeVisible({ timeout: 30_000 });
    await loginAs(page, STAFF.mia);
    await page.getByTestId('nav-sync').click();
    await page.getByRole('button', { name: tillEn.syncView.syncNow }).click();
    await expect(page.getByText(tillEn.syncView.states.online).first()).toBeVisible({ timeout: 30_000 });
    await page.getByRole('button', { name: tillEn.syncView.dayEnd, exact: true }).click();
    await page.getByRole('button', { name: tillEn.syncView.dayEndConfirm }).click();
    await expect(page.getByText(tillEn.dayEnd.statuses.reconciled).first()).toBeVisible({ timeout: 30_000 });

    // In the console: the till with its last contact and version, its day end, its audit head.
    await ops.reload();
    await expect(ops.getByRole('cell', { name: '0.1.0', exact: true })).toBeVisible();
    await expectNoAxeViolations(ops);
    await shot(ops, 'devices-en');

    // Issue 15: the operator suspects the till's database key was read and asks it to re-encrypt.
    const prefix = (text: string) =>
      new RegExp(`^${text.split('{{name}}')[0]!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`);
    await ops.getByRole('button', { name: prefix(en.tillRekey.requestOf) }).click();
    const dialog = ops.getByRole('dialog');
    // The dialog's text in full (its parts around the till's and the store's names).
    for (const part of en.tillRekey.text.split(/\{\{\w+\}\}/).filter((p) => p.trim() !== '')) {
      await expect(dialog).toContainText(part.trim());
    }
    await expectNoAxeViolations(ops);
    await shot(ops, 'devices-rekey-dialog-en');
    await dialog.getByRole('button', { name: en.tillRekey.request, exact: true }).click();
    await expect(ops.getByTestId('till-rekey-state')).toContainText(en.tillRekey.pending);
    // The till hears it at its next sync (here the manager's Sync now), re-encrypts, and says so.
    await page.getByRole('button', { name: tillEn.syncView.syncNow }).click();
    await expect(page.getByText(tillEn.syncView.states.online).first()).toBeVisible({ timeout: 30_000 });
    await expect(async () => {
      await ops.reload();
      await expect(ops.getByTestId('till-rekey-state')).toContainText(en.tillRekey.done, { timeout: 1_000 });
    }).toPass({ timeout: 30_000 });
    await ops.getByRole('combobox', { name: en.shell.language }).selectOption({ label: 'Русский' });
    await expect(ops.getByTestId('till-rekey-state')).toContainText(ru.tillRekey.done);
    await expect(ops.getByRole('button', { name: prefix(ru.tillRekey.requestOf) })).toBeVisible();
    await expectNoAxeViolations(ops);
    await shot(ops, 'devices-rekeyed-ru');
    await ops.getByRole('combobox', { name: ru.shell.language }).selectOption({ label: 'English' });
    await ops.goto(`${hq.url}/console/#/reports`);
    await expect(ops.getByRole('cell', { name: 'Demo High Street' }).first()).toBeVisible();
    await expect(ops.getByRole('cell', { name: en.reports.statuses.reconciled }).first()).toBeVisible();
    await expectNoAxeViolations(ops);
    await shot(ops, 'reports-en');
    await ops.goto(`${hq.url}/console/#/audit`);
    await expect(ops.getByRole('heading', { name: en.audit.tillHeads })).toBeVisible();
    await expect(ops.getByRole('cell', { name: 'Demo High Street' }).first()).toBeVisible();
    await shot(ops, 'audit-till-heads-en');
    for (const [route, name] of [
      ['catalog', 'catalog-en'],
      ['reviews', 'reviews-en'],
      ['staff', 'staff-en'],
      ['tokens', 'tokens-en'],
      ['approvals', 'approvals-en'],
    ] as const) {
      await ops.goto(`${hq.url}/console/#/${route}`);
      await expect(ops.getByRole('heading', { level: 1 })).toBeVisible();
      await expect(ops.getByText(en.common.loading)).toHaveCount(0);
      await expectNoAxeViolations(ops);
      await shot(ops, name);
    }
  } finally {
    await stopDemoHq(hq);
  }
});
