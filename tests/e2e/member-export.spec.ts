import { readFile } from 'node:fs/promises';
import type { Download, Locator, Page } from '@playwright/test';
import en from '../../src/renderer/i18n/en.json' with { type: 'json' };
import ru from '../../src/renderer/i18n/ru.json' with { type: 'json' };
import { startDemoHq, stopDemoHq } from './demo-hq';
import { STAFF, expect, expectNoAxeViolations, loginAs, screenshot, test } from './fixtures';

/** A demo member (resources/demo/members.json) whose full contacts only HQ holds once the till is paired. */
const OLIVIA = { card: '6004990000016', name: 'Olivia Bennett', email: 'olivia.bennett@example.com' };

/** Pairs the fresh till with the demo HQ from the first-run screen, as a new user does (sync-paired.spec.ts). */
async function pair(page: Page, hq: { url: string; fingerprint: string; pairingCode: string }): Promise<void> {
  await page.getByLabel(en.pairing.hqUrl, { exact: true }).fill(hq.url);
  await page.getByRole('button', { name: en.pairing.check, exact: true }).click();
  await expect(page.getByTestId('hq-fingerprint')).toContainText(hq.fingerprint);
  await page.getByLabel(en.pairing.fingerprintSame, { exact: true }).check();
  await page.getByLabel(en.pairing.code, { exact: true }).fill(hq.pairingCode);
  await page.getByRole('button', { name: en.pairing.submit, exact: true }).click();
  await expect(page.getByTestId('lock-screen')).toBeVisible({ timeout: 30_000 });
}

/** Searches the card until the member has arrived from HQ and opens them. */
async function openMember(page: Page, card: string): Promise<Locator> {
  const detail = page.getByTestId('member-detail');
  await expect(async () => {
    const search = page.getByTestId('search-input');
    await search.fill(card);
    await search.press('Enter');
    await expect(detail).toBeVisible({ timeout: 2_000 });
  }).toPass({ timeout: 30_000 });
  return detail;
}

async function downloaded(page: Page, button: Locator): Promise<{ download: Download; text: string }> {
  const [download] = await Promise.all([page.waitForEvent('download'), button.click()]);
  const path = await download.path();
  return { download, text: await readFile(path, 'utf8') };
}

interface ExportedJson {
  exportId: string;
  language: string;
  purpose: string;
  complete: boolean;
  missing: string[];
  producedBy: { kind: string };
  member: { givenName: string; familyName: string; email: string | null; cardNumber: string };
}

/**
 * On a till paired with the demo HQ (`npm run hq -- --demo`), a manager hands a member their data:
 * the purpose and the language of the copy, the manager's PIN again; HQ makes the export, the till
 * shows what it holds and saves the JSON data file and the HTML page for the member. Then the
 * contacts the till keeps only partly hidden come from HQ with the PIN. In English, then in Russian.
 */
test('a manager exports a member’s data from HQ and saves it, in English and in Russian', async ({
  page,
  freshTill,
}) => {
  test.setTimeout(180_000);
  const demo = await startDemoHq({ members: 50 });
  try {
    await page.goto(freshTill.url);
    await pair(page, {
      url: demo.url,
      fingerprint: demo.values.HQ_CERT_SHA256!,
      pairingCode: demo.values.PAIRING_CODE!,
    });
    await loginAs(page, STAFF.mia);
    let member = await openMember(page, OLIVIA.card);
    await member.getByTestId('member-tab-profile').click();

    // English: the export dialog, then HQ's complete copy.
    const rights = member.getByTestId('member-rights');
    await expect(rights).toContainText(en.rights.exportHint);
    await rights.getByTestId('export-member').click();
    const modal = page.getByTestId('export-modal');
    await expect(modal).toContainText(en.rights.exportWhat.replace('{{name}}', OLIVIA.name));
    await modal.getByTestId('export-purpose').selectOption('portability_request');
    await expect(modal.getByTestId('export-language')).toHaveValue('en');
    await modal.getByTestId('export-pin').fill(STAFF.mia.pin);
    await expectNoAxeViolations(page);
    await screenshot(page, '64-export-dialog-en');
    await modal.getByTestId('export-submit').click();
    await expect(modal).toHaveCount(0);

    const summary = page.getByTestId('export-summary');
    await expect(summary).toBeVisible({ timeout: 30_000 });
    await expect(summary).toHaveAttribute('data-source', 'hq');
    await expect(summary.getByTestId('export-origin')).toHaveText(en.rights.exportFromHq);
    await expect(summary).toContainText(en.rights.exportPurposes.portability_request);
    await expect(summary.getByTestId('export-missing')).toHaveCount(0);
    await expect(summary.getByRole('heading', { name: en.rights.exportReadyTitle })).toBeFocused();
    await expectNoAxeViolations(page);
    await screenshot(page, '65-export-summary-en');

    const reference = (await summary.getByTestId('export-reference').textContent()) ?? '';
    const json = await downloaded(page, summary.getByTestId('export-save-json'));
    expect(json.download.suggestedFilename()).toBe(`loyalty-data-${reference.slice(0, 8)}.json`);
    const exported = JSON.parse(json.text) as ExportedJson;
    expect(exported).toMatchObject({
      exportId: reference,
      purpose: 'portability_request',
      language: 'en',
      complete: true,
      missing: [],
      producedBy: { kind: 'hq' },
      member: { givenName: 'Olivia', familyName: 'Bennett', email: OLIVIA.email, cardNumber: OLIVIA.card },
    });
    const html = await downloaded(page, summary.getByTestId('export-save-html'));
    expect(html.download.suggestedFilename()).toBe(`loyalty-data-${reference.slice(0, 8)}.html`);
    expect(html.text).toContain('<html lang="en">');
    expect(html.text).toContain(OLIVIA.email);
    await summary.getByTestId('export-close').click();
    await expect(summary).toHaveCount(0);

    // The contacts this till holds partly hidden come from HQ, with the manager's PIN.
    await expect(member.getByTestId('profile-email')).not.toHaveText(OLIVIA.email);
    await expect(member).toContainText(en.profile.revealAtHq);
    await member.getByTestId('reveal-reason').selectOption('identity_check');
    await member.getByTestId('reveal-contacts').click();
    const reveal = page.getByTestId('reveal-modal');
    await reveal.getByTestId('reveal-pin').fill(STAFF.mia.pin);
    await expectNoAxeViolations(page);
    await screenshot(page, '66-reveal-from-hq-en');
    await reveal.getByTestId('reveal-submit').click();
    await expect(member.getByTestId('profile-email')).toHaveText(OLIVIA.email, { timeout: 30_000 });
    await expect(member.getByTestId('contacts-revealed')).toHaveText(en.profile.revealedNote);

    // Russian: the page and, by default, the copy.
    await page.getByTestId('language-ru').click();
    await expect(page.locator('html')).toHaveAttribute('lang', 'ru');
    member = page.getByTestId('member-detail');
    const rightsRu = member.getByTestId('member-rights');
    await expect(rightsRu).toContainText(ru.rights.exportHint);
    await rightsRu.getByTestId('export-member').click();
    const modalRu = page.getByTestId('export-modal');
    await expect(modalRu).toContainText(ru.rights.exportTitle);
    await expect(modalRu.getByTestId('export-language')).toHaveValue('ru');
    await modalRu.getByTestId('export-pin').fill(STAFF.mia.pin);
    await expectNoAxeViolations(page);
    await screenshot(page, '67-export-dialog-ru');
    await modalRu.getByTestId('export-submit').click();

    const summaryRu = page.getByTestId('export-summary');
    await expect(summaryRu.getByTestId('export-origin')).toHaveText(ru.rights.exportFromHq, { timeout: 30_000 });
    await expect(summaryRu).toContainText(ru.rights.exportPurposes.access_request);
    await expectNoAxeViolations(page);
    await screenshot(page, '68-export-summary-ru');
    const jsonRu = await downloaded(page, summaryRu.getByTestId('export-save-json'));
    const exportedRu = JSON.parse(jsonRu.text) as ExportedJson;
    expect(exportedRu).toMatchObject({
      purpose: 'access_request',
      language: 'ru',
      complete: true,
      member: { givenName: 'Olivia', familyName: 'Bennett' },
    });
    expect(exportedRu.exportId).not.toBe(exported.exportId);
  } finally {
    await stopDemoHq(demo);
  }
});
