import { readFileSync } from 'node:fs';
import type { Browser, Download, Locator, Page } from '@playwright/test';
import { startDemoHq, stopDemoHq, type DemoHq } from './demo-hq';
import { expect, expectNoAxeViolations, screenshot, test } from './fixtures';
import { totpCodeAt } from '../../packages/hq/src/operators/totp';
import en from '../../packages/hq/console/src/i18n/en.json' with { type: 'json' };
import ru from '../../packages/hq/console/src/i18n/ru.json' with { type: 'json' };

/**
 * The console's privacy pages walked in Chromium by two privacy officers (issue 13): the policy
 * changed (a second officer's save first: the conflict is explained and the typed change kept),
 * an analytics audience approved by the second officer and downloaded once as CSV, a member's data
 * export downloaded as JSON, a legal hold put on from Members and seen on the Privacy page with the
 * erasure it holds back; then in Russian: a rule changed, the hold lifted, an export in Russian.
 * axe on each state, screenshots at 1280x800 and 1024x768 (artifacts/screenshots/console-privacy-*).
 */
const PASSWORD = 'violet kettle harbour 7 lanterns';

/** A synthetic demo member (demo/seed-demo-hq.ts): id hq-000000007, card 6006 0000 0007 + Luhn. */
const MEMBER_ID = 'hq-000000007';
const MEMBER_CARD = '6006000000076';
/** Another, exported in Russian. */
const OTHER_CARD = '6006000000126';
const OTHER_ID = 'hq-000000012';
/** The demo HQ's members: the 12 named ones and the 50 synthetic the walk asks for. */
const DEMO_MEMBERS = 62;

const shot = (page: Page, name: string) => screenshot(page, `console-${name}`);

/** The console's main area scrolls, not the page: its lower part is photographed scrolled down. */
async function shotLower(page: Page, name: string): Promise<void> {
  await page.getByRole('main').evaluate((main) => main.scrollTo(0, main.scrollHeight));
  await shot(page, name);
  await page.getByRole('main').evaluate((main) => main.scrollTo(0, 0));
}
const fill = (text: string, values: Record<string, string>) =>
  text.replace(/\{\{(\w+)\}\}/g, (_, name: string) => values[name] ?? '');

/** A code for a TOTP step after those already used (enrolment spends the current one). */
const codeAfter = (secret: string, steps: number): string => totpCodeAt(secret, new Date(Date.now() + steps * 30_000));

interface Operator {
  email: string;
  secret: string;
  step: number;
}

type Viewport = { width: number; height: number };

async function enrol(browser: Browser, link: string): Promise<Operator> {
  const context = await browser.newContext({ ignoreHTTPSErrors: true });
  const page = await context.newPage();
  await page.goto(link);
  await expect(page.getByRole('heading', { name: en.enrol.title })).toBeVisible();
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

/** Signs in by keyboard alone, as at a desk: the e-mail field has the focus, Tab, Enter. */
async function signIn(browser: Browser, hq: DemoHq, operator: Operator, viewport: Viewport): Promise<Page> {
  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport });
  const page = await context.newPage();
  await page.goto(`${hq.url}/console/`);
  await expect(page.getByRole('textbox', { name: en.login.email, exact: true })).toBeFocused();
  await page.keyboard.type(operator.email);
  await page.keyboard.press('Tab');
  await page.keyboard.type(PASSWORD);
  await page.keyboard.press('Tab');
  await expect(page.getByRole('textbox', { name: en.login.secondFactor, exact: true })).toBeFocused();
  operator.step += 1;
  await page.keyboard.type(codeAfter(operator.secret, operator.step));
  await page.keyboard.press('Enter');
  await expect(page.getByRole('button', { name: en.shell.logout })).toBeVisible();
  return page;
}

async function downloaded(page: Page, link: Locator): Promise<{ download: Download; text: string }> {
  const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
  const path = await download.path();
  return { download, text: readFileSync(path, 'utf8') };
}

/** The approval id HQ answered (shown in the approval_required notice). */
async function approvalIdOn(page: Page): Promise<string> {
  const notice = page.getByRole('alert').filter({ hasText: /\(id [^)]+\)/ });
  await expect(notice).toBeVisible();
  return /\(id ([^)]+)\)/.exec(await notice.innerText())?.[1] ?? '';
}

async function approve(approver: Page, hq: DemoHq, approvalId: string): Promise<void> {
  await approver.goto(`${hq.url}/console/#/approvals`);
  // Already on the page (a hash change alone loads nothing): read the list afresh.
  await approver.reload();
  await approver.getByRole('button', { name: fill(en.approvals.approveOf, { id: approvalId }), exact: true }).click();
  await expect(approver.getByText(fill(en.approvals.approved, { id: approvalId }))).toBeVisible();
}

async function findMember(page: Page, hq: DemoHq, card: string, texts: typeof en): Promise<Locator> {
  await page.goto(`${hq.url}/console/#/members`);
  await page.getByRole('textbox', { name: texts.members.value, exact: true }).fill(card);
  await page.getByRole('button', { name: texts.members.searchButton, exact: true }).click();
  const row = page.getByRole('row').filter({ hasText: `•••• ${card.slice(-4)}` });
  await expect(row).toBeVisible();
  return row;
}

test.use({ ignoreHTTPSErrors: true, actionTimeout: 15_000 });

test('privacy officers keep the policy, approve and hand out an audience, export a member and hold one, in English and Russian', async ({
  browser,
}) => {
  test.setTimeout(300_000);
  const hq = await startDemoHq({ members: 50 });
  try {
    // --- The chain admin adds two privacy officers; each enrols and signs in. ---
    const admin = await signIn(browser, hq, await enrol(browser, hq.values.DEMO_ADMIN_ENROLMENT_URL!), {
      width: 1280,
      height: 800,
    });
    const links: string[] = [];
    for (const [name, role] of [
      ['Petra Privacy', en.roles.privacy_officer],
      ['Boris Second', en.roles.privacy_officer],
      ['Alma Auditor', en.roles.auditor],
    ] as const) {
      await admin.goto(`${hq.url}/console/#/operators`);
      await admin
        .getByRole('textbox', { name: en.operators.email, exact: true })
        .fill(`${name.split(' ')[0]!.toLowerCase()}@chain.example`);
      await admin.getByRole('textbox', { name: en.operators.name, exact: true }).fill(name);
      await admin.getByRole('checkbox', { name: role, exact: true }).check();
      await admin.getByRole('button', { name: en.operators.addButton, exact: true }).click();
      const link = admin.getByTestId('shown-once-secret');
      await expect(link).toContainText('/console/#/enrol/');
      links.push((await link.innerText()).trim());
      await admin.getByRole('button', { name: en.common.done, exact: true }).click();
    }
    const petra = await signIn(browser, hq, await enrol(browser, links[0]!), { width: 1280, height: 800 });
    const boris = await signIn(browser, hq, await enrol(browser, links[1]!), { width: 1024, height: 768 });

    // --- Petra opens Privacy from the navigation: the defaults in words. ---
    await petra.getByRole('link', { name: en.pages.privacy, exact: true }).click();
    await expect(petra.getByRole('heading', { level: 1, name: en.pages.privacy })).toBeFocused();
    const petraRules = petra.getByTestId('policy-rules');
    await expect(petraRules).toContainText("Erasure does not wait after the member's last purchase.");
    await expect(petraRules).toContainText('Inactive members are never anonymised.');
    await expect(petraRules).toContainText('Operator audit entries are kept for 6 years.');
    await expect(petraRules).toContainText("A member's data export stays downloadable at HQ for 30 days.");
    await expect(petraRules).toContainText('Double opt-in links stay valid for 72 hours.');
    await expect(petra.getByText('Version 1 · never changed: these are the defaults')).toBeVisible();
    await expect(petra.getByRole('img', { name: /^Bar chart of what will expire in the next 30 days/ })).toBeVisible();
    await expect(petra.getByText(en.privacy.erasuresEmpty)).toBeVisible();
    await expect(petra.getByText(en.privacy.holdsEmpty)).toBeVisible();
    await expect(petra.getByText(en.privacy.disclosuresEmpty)).toBeVisible();
    await petra.getByRole('button', { name: en.privacy.editPolicy, exact: true }).click();
    const petraHold = petra.getByRole('textbox', { name: en.privacy.fields.erasureHoldDays });
    await petraHold.fill('1');

    // --- Boris saves a change first; Petra's save is refused as a conflict, explained, and kept. ---
    await boris.goto(`${hq.url}/console/#/privacy`);
    await boris.getByRole('button', { name: en.privacy.editPolicy, exact: true }).click();
    await boris.getByRole('textbox', { name: en.privacy.fields.exportRetentionDays }).fill('20');
    await boris.getByRole('button', { name: en.privacy.savePolicy, exact: true }).click();
    await expect(boris.getByText('The privacy policy was saved (version 2).')).toBeVisible();
    await expect(boris.getByTestId('policy-rules')).toContainText(
      "A member's data export stays downloadable at HQ for 20 days.",
    );

    await petra.getByRole('button', { name: en.privacy.savePolicy, exact: true }).click();
    await expect(petra.getByRole('alert').filter({ hasText: en.privacy.policyConflict })).toBeVisible();
    await expect(petraRules).toContainText("A member's data export stays downloadable at HQ for 20 days.");
    await expect(petra.getByRole('textbox', { name: en.privacy.fields.exportRetentionDays })).toHaveValue('20');
    await expect(petraHold).toHaveValue('1');
    await expectNoAxeViolations(petra);
    await shot(petra, 'privacy-conflict-en');
    // A value out of bounds is refused beside its field, before anything is sent.
    await petra.getByRole('textbox', { name: en.privacy.fields.confirmationTtlHours }).fill('721');
    await petra.getByRole('button', { name: en.privacy.savePolicy, exact: true }).click();
    await expect(petra.getByText('Enter a whole number from 1 to 720.')).toBeVisible();
    await petra.getByRole('textbox', { name: en.privacy.fields.confirmationTtlHours }).fill('72');
    await petra.getByRole('button', { name: en.privacy.savePolicy, exact: true }).click();
    await expect(petra.getByText('The privacy policy was saved (version 3).')).toBeVisible();
    await expect(petra.getByRole('button', { name: en.privacy.editPolicy, exact: true })).toBeFocused();
    await expect(petraRules).toContainText(
      "Erasure waits 1 day after the member's last purchase (a purchase may still be disputed).",
    );
    await expect(petraRules).toContainText("A member's data export stays downloadable at HQ for 20 days.");
    await expect(petra.getByText(/^Version 3 · last changed/)).toBeVisible();

    // --- An analytics audience: Petra asks, Boris approves, Petra downloads the CSV once. ---
    await petra.getByRole('combobox', { name: en.privacy.purpose, exact: true }).selectOption('analytics');
    // Analytics allows no identifying field: none is offered.
    await expect(petra.getByRole('checkbox', { name: en.privacy.audienceFields.email })).toHaveCount(0);
    await petra.getByRole('textbox', { name: en.privacy.recipient, exact: false }).fill('insights-lab');
    await petra.getByRole('checkbox', { name: en.privacy.audienceFields.tier, exact: true }).check();
    await petra.getByRole('checkbox', { name: en.privacy.audienceFields.points, exact: true }).check();
    await petra.getByRole('button', { name: en.privacy.audienceButton, exact: true }).click();
    const audienceApproval = await approvalIdOn(petra);
    await expect(petra.getByRole('button', { name: en.common.runAgain, exact: true })).toBeVisible();
    await approve(boris, hq, audienceApproval);
    await petra.getByRole('button', { name: en.common.runAgain, exact: true }).click();
    await expect(
      petra.getByText(`The list for insights-lab has ${DEMO_MEMBERS} members and was recorded in the disclosure log.`),
    ).toBeVisible();
    await expect(petra.getByText(en.privacy.audienceShownOnce)).toBeVisible();
    await expect(petra.getByRole('link', { name: en.privacy.downloadCsv, exact: true })).toBeFocused();
    await expectNoAxeViolations(petra);
    await shot(petra, 'privacy-audience-en');
    const csv = await downloaded(petra, petra.getByRole('link', { name: en.privacy.downloadCsv, exact: true }));
    expect(csv.download.suggestedFilename()).toMatch(/^audience-analytics-[0-9a-f]{8}\.csv$/);
    const lines = csv.text.split('\r\n');
    expect(lines[0]).toBe('memberRef,tier,points');
    expect(lines.at(-1)).toBe('');
    expect(lines.length - 2).toBe(DEMO_MEMBERS);
    expect(lines[1]).toMatch(/^[A-Za-z0-9_-]{22},(standard|silver|gold),\d+$/);
    const disclosure = petra.getByTestId('disclosures').getByRole('row').filter({ hasText: 'insights-lab' });
    await expect(disclosure).toContainText('Analytics (no identity)');
    await expect(disclosure).toContainText('Tier, Points');
    await expect(disclosure).toContainText(String(DEMO_MEMBERS));

    // --- Members: Petra exports a member's data (JSON, once) and puts them on legal hold. ---
    const row = await findMember(petra, hq, MEMBER_CARD, en);
    await row.getByRole('button', { name: en.members.exportData, exact: true }).click();
    const exportDialog = petra.getByRole('dialog');
    await exportDialog
      .getByRole('combobox', { name: en.members.exportPurpose, exact: true })
      .selectOption('portability_request');
    await expect(exportDialog.getByRole('combobox', { name: en.members.exportLanguage, exact: true })).toHaveValue(
      'en',
    );
    await exportDialog.getByRole('button', { name: en.members.exportButton, exact: true }).click();
    await expect(exportDialog.getByText(en.members.exportShownOnce)).toBeVisible();
    await expect(exportDialog.getByRole('link', { name: en.members.downloadJson, exact: true })).toBeFocused();
    await expectNoAxeViolations(petra);
    await shot(petra, 'members-export-en');
    const json = await downloaded(
      petra,
      exportDialog.getByRole('link', { name: en.members.downloadJson, exact: true }),
    );
    expect(json.download.suggestedFilename()).toMatch(/^loyalty-data-[0-9a-f]{8}\.json$/);
    const document = JSON.parse(json.text) as {
      schema: string;
      purpose: string;
      language: string;
      member: { memberId: string };
    };
    expect(document.schema).toBe('https://loyalty-desk.example/schemas/member-export/v1');
    expect(document.member.memberId).toBe(MEMBER_ID);
    expect(document.purpose).toBe('portability_request');
    expect(document.language).toBe('en');
    // The page handed to the member: the same export, readable, in its language.
    const page = await downloaded(
      petra,
      exportDialog.getByRole('link', { name: en.members.downloadHtml, exact: true }),
    );
    expect(page.download.suggestedFilename()).toBe(json.download.suggestedFilename().replace(/\.json$/, '.html'));
    expect(page.text).toContain('<html lang="en">');
    expect(page.text).not.toContain('<script');
    await exportDialog.getByRole('button', { name: en.common.done, exact: true }).click();
    await expect(row.getByRole('button', { name: en.members.exportData, exact: true })).toBeFocused();

    await row.getByRole('button', { name: en.members.legalHold, exact: true }).click();
    const holdDialog = petra.getByRole('dialog');
    // No reason, no hold.
    await holdDialog.getByRole('button', { name: en.members.holdButton, exact: true }).click();
    await expect(holdDialog.getByText(en.members.reasonRequired)).toBeVisible();
    await holdDialog.getByRole('combobox', { name: en.members.holdReason, exact: true }).selectOption('litigation');
    await holdDialog.getByRole('button', { name: en.members.holdButton, exact: true }).click();
    await expect(petra.getByRole('status').filter({ hasText: /is on legal hold \(Litigation\)\.$/ })).toBeVisible();

    // The erasure asks for its reason, waits for Boris, and then waits for the hold.
    await row.getByRole('button', { name: en.members.erase, exact: true }).click();
    const eraseDialog = petra.getByRole('dialog');
    await eraseDialog
      .getByRole('combobox', { name: en.members.eraseReason, exact: true })
      .selectOption('consent_withdrawn');
    await expectNoAxeViolations(petra);
    await shot(petra, 'members-erase-reason-en');
    await eraseDialog.getByRole('button', { name: en.members.erase, exact: true }).click();
    const erasureApproval = await approvalIdOn(petra);
    await approve(boris, hq, erasureApproval);
    await row.getByRole('button', { name: en.common.runAgain, exact: true }).click();
    await expect(
      petra.getByText(
        /^Erasure requested for .+, but the member is on legal hold: it waits until the hold is lifted\.$/,
      ),
    ).toBeVisible();

    // --- Back on Privacy: the hold, the erasure it holds back, the audience in the log. ---
    await petra.getByRole('link', { name: en.pages.privacy, exact: true }).click();
    const holds = petra.getByTestId('legal-holds');
    await expect(holds.getByRole('row').filter({ hasText: MEMBER_ID })).toContainText('Litigation');
    await expect(petra.getByText('Members on legal hold, of whom nothing expires: 1.')).toBeVisible();
    const erasure = petra.getByRole('row').filter({ hasText: MEMBER_ID }).filter({ hasText: 'In the console' });
    await expect(erasure).toContainText('Consent withdrawn');
    await expect(erasure).toContainText('On hold: Litigation');
    await expectNoAxeViolations(petra);
    await shot(petra, 'privacy-en');
    await shotLower(petra, 'privacy-lower-en');

    // Boris, at 1024x768, sees the same page.
    await boris.goto(`${hq.url}/console/#/privacy`);
    await expect(boris.getByTestId('legal-holds').getByRole('row').filter({ hasText: MEMBER_ID })).toBeVisible();
    await expectNoAxeViolations(boris);
    await shot(boris, 'privacy-1024-en');
    await shotLower(boris, 'privacy-lower-1024-en');

    // The auditor reads the page (privacy.read) and is offered none of its changes.
    const alma = await signIn(browser, hq, await enrol(browser, links[2]!), { width: 1280, height: 800 });
    await alma.getByRole('link', { name: en.pages.privacy, exact: true }).click();
    await expect(alma.getByTestId('policy-rules')).toContainText(
      "Erasure waits 1 day after the member's last purchase (a purchase may still be disputed).",
    );
    await expect(alma.getByTestId('legal-holds').getByRole('row').filter({ hasText: MEMBER_ID })).toBeVisible();
    await expect(alma.getByTestId('disclosures').getByRole('row').filter({ hasText: 'insights-lab' })).toBeVisible();
    await expect(alma.getByRole('button', { name: en.privacy.editPolicy })).toHaveCount(0);
    await expect(alma.getByRole('button', { name: fill(en.privacy.liftOf, { member: MEMBER_ID }) })).toHaveCount(0);
    await expect(alma.getByRole('heading', { name: en.privacy.audienceTitle })).toHaveCount(0);
    await expectNoAxeViolations(alma);

    // --- In Russian: a rule changed, the hold lifted, a member exported in Russian. ---
    await petra.getByRole('combobox', { name: en.shell.language }).selectOption({ label: 'Русский' });
    await expect(petra.getByRole('heading', { level: 1, name: ru.pages.privacy })).toBeVisible();
    await expect(petraRules).toContainText(
      'Удаление ждёт 1 день после последней покупки участника (покупку ещё могут оспорить).',
    );
    await expect(petraRules).toContainText('Выгрузка данных участника доступна для скачивания в HQ 20 дней.');
    await petra.getByRole('button', { name: ru.privacy.editPolicy, exact: true }).click();
    await petra.getByRole('textbox', { name: ru.privacy.fields.confirmationTtlHours }).fill('48');
    await petra.getByRole('checkbox', { name: ru.privacy.inactiveNeverOption, exact: true }).uncheck();
    await petra.getByRole('textbox', { name: ru.privacy.fields.inactiveMemberMonths }).fill('24');
    await petra.getByRole('button', { name: ru.privacy.savePolicy, exact: true }).click();
    await expect(petra.getByText('Политика конфиденциальности сохранена (версия 4).')).toBeVisible();
    await expect(petraRules).toContainText('Ссылки двойного подтверждения действуют 48 часов.');
    await expect(petraRules).toContainText('Неактивные участники обезличиваются через 24 месяца без активности.');
    await expect(
      petra.getByRole('row').filter({ hasText: 'insights-lab' }).filter({ hasText: 'Аналитика (без личности)' }),
    ).toBeVisible();
    await expectNoAxeViolations(petra);
    await shot(petra, 'privacy-ru');
    await shotLower(petra, 'privacy-lower-ru');

    await petra.getByRole('button', { name: fill(ru.privacy.liftOf, { member: MEMBER_ID }), exact: true }).click();
    await petra.getByRole('dialog').getByRole('button', { name: ru.privacy.lift, exact: true }).click();
    await expect(petra.getByText(fill(ru.privacy.lifted, { member: MEMBER_ID }))).toBeVisible();
    await expect(petra.getByText(ru.privacy.holdsEmpty)).toBeVisible();
    await expect(petra.getByRole('heading', { name: ru.privacy.holdsTitle })).toBeFocused();
    await expect(petra.getByRole('row').filter({ hasText: MEMBER_ID }).filter({ hasText: 'В консоли' })).toContainText(
      'Согласие отозвано',
    );

    const other = await findMember(petra, hq, OTHER_CARD, ru);
    await other.getByRole('button', { name: ru.members.exportData, exact: true }).click();
    const ruDialog = petra.getByRole('dialog');
    await expect(ruDialog.getByRole('combobox', { name: ru.members.exportLanguage, exact: true })).toHaveValue('ru');
    await ruDialog.getByRole('button', { name: ru.members.exportButton, exact: true }).click();
    await expect(ruDialog.getByText(ru.members.exportShownOnce)).toBeVisible();
    await expectNoAxeViolations(petra);
    await shot(petra, 'members-export-ru');
    const ruJson = await downloaded(petra, ruDialog.getByRole('link', { name: ru.members.downloadJson, exact: true }));
    const ruDocument = JSON.parse(ruJson.text) as { schema: string; language: string; member: { memberId: string } };
    expect(ruDocument.schema).toBe('https://loyalty-desk.example/schemas/member-export/v1');
    expect(ruDocument.member.memberId).toBe(OTHER_ID);
    expect(ruDocument.language).toBe('ru');
    const ruPage = await downloaded(petra, ruDialog.getByRole('link', { name: ru.members.downloadHtml, exact: true }));
    expect(ruPage.text).toContain('<html lang="ru">');
  } finally {
    await stopDemoHq(hq);
  }
});
