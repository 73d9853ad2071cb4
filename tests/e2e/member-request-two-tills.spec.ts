import { readFile } from 'node:fs/promises';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Locator, Page } from '@playwright/test';
import en from '../../src/renderer/i18n/en.json' with { type: 'json' };
import ru from '../../src/renderer/i18n/ru.json' with { type: 'json' };
import { startDemoHq, stopDemoHq } from './demo-hq';
import { STAFF, expect, expectNoAxeViolations, loginAs, screenshot, startHarness, stopHarness, test } from './fixtures';

/** Demo members (resources/demo/members.json) that HQ holds and both tills pull. */
const JACK = { card: '6004990000073', given: 'Jack', family: 'Patel' };
const ANNA = { card: '6004990000081', given: 'Анна', family: 'Смирнова' };

async function pair(page: Page, hq: { url: string; fingerprint: string }, code: string): Promise<void> {
  await page.getByLabel(en.pairing.hqUrl, { exact: true }).fill(hq.url);
  await page.getByRole('button', { name: en.pairing.check, exact: true }).click();
  await expect(page.getByTestId('hq-fingerprint')).toContainText(hq.fingerprint);
  await page.getByLabel(en.pairing.fingerprintSame, { exact: true }).check();
  await page.getByLabel(en.pairing.code, { exact: true }).fill(code);
  await page.getByRole('button', { name: en.pairing.submit, exact: true }).click();
  await expect(page.getByTestId('lock-screen')).toBeVisible({ timeout: 30_000 });
}

async function search(page: Page, text: string): Promise<Locator> {
  await page.getByTestId('nav-find').click();
  const box = page.getByTestId('search-input');
  // Emptied first: Enter on the same text would open the result already shown, not search again.
  await box.fill('');
  await box.fill(text);
  await box.press('Enter');
  return page.getByTestId('result-item');
}

/** Searches until the member has arrived from HQ, and opens them on the profile tab. */
async function openMember(page: Page, card: string): Promise<Locator> {
  const detail = page.getByTestId('member-detail');
  await expect(async () => {
    await search(page, card);
    await expect(detail).toBeVisible({ timeout: 2_000 });
  }).toPass({ timeout: 30_000 });
  await detail.getByTestId('member-tab-profile').click();
  return detail;
}

async function syncNow(page: Page, texts: typeof en): Promise<void> {
  await page.getByTestId('nav-sync').click();
  await page.getByRole('button', { name: texts.syncView.syncNow }).click();
  await expect(page.getByText(texts.syncView.pendingEmpty)).toBeVisible({ timeout: 30_000 });
}

/**
 * A member's request at the counter, end to end, on two tills paired with a real HQ (the demo HQ,
 * `npm run hq -- --demo --demo-tills 2`): both tills hold the member; at till A the store manager
 * hands the member a copy of their data (made by HQ, complete), then asks, with the member there,
 * that they be forgotten. HQ carries it out once its hold has passed (the demo chain's hold is 0
 * days), and after their next sync neither till finds the member by card or name. Once in English
 * with one member, once in Russian with another. The byte-level proof is
 * tests/integration/erasure-two-tills.test.ts.
 */
test('a member asks at the counter for their data and to be forgotten: both tills forget them, in English and in Russian', async ({
  page,
  freshTill,
}) => {
  test.setTimeout(300_000);
  const demo = await startDemoHq({ members: 50, args: ['--port', '0', '--demo-tills', '2'] });
  const dirB = mkdtempSync(join(tmpdir(), 'loyalty-e2e-till-b-'));
  const tillB = await startHarness(dirB, { demoStaff: false });
  const pageB = await page.context().newPage();
  try {
    const hq = { url: demo.url, fingerprint: demo.values.HQ_CERT_SHA256! };
    await page.goto(freshTill.url);
    await pair(page, hq, demo.values.PAIRING_CODE!);
    await pageB.goto(tillB.url);
    await pair(pageB, hq, demo.values.PAIRING_CODE_2!);
    await loginAs(page, STAFF.mia);
    await loginAs(pageB, STAFF.olga);

    for (const [texts, member, language] of [
      [en, JACK, 'en'],
      [ru, ANNA, 'ru'],
    ] as const) {
      if (language === 'ru') {
        for (const p of [page, pageB]) {
          await p.getByTestId('language-ru').click();
          await expect(p.locator('html')).toHaveAttribute('lang', 'ru');
        }
      }
      // Both tills hold the member.
      await openMember(pageB, member.card);
      const atA = await openMember(page, member.card);

      // The copy of their data, made by HQ, handed over as a file.
      const rights = atA.getByTestId('member-rights');
      await rights.getByTestId('export-member').click();
      const exportModal = page.getByTestId('export-modal');
      await exportModal.getByTestId('export-purpose').selectOption('access_request');
      await exportModal.getByTestId('export-pin').fill(STAFF.mia.pin);
      await exportModal.getByTestId('export-submit').click();
      const summary = page.getByTestId('export-summary');
      await expect(summary).toHaveAttribute('data-source', 'hq', { timeout: 30_000 });
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        summary.getByTestId('export-save-json').click(),
      ]);
      const exported = JSON.parse(await readFile(await download.path(), 'utf8')) as {
        complete: boolean;
        language: string;
        member: { givenName: string; familyName: string; cardNumber: string };
      };
      expect(exported).toMatchObject({
        complete: true,
        language,
        member: { givenName: member.given, familyName: member.family, cardNumber: member.card },
      });
      await summary.getByTestId('export-close').click();

      // Then: forget me. The manager ticks that the member is there and types the PIN again.
      await rights.getByTestId('erase-member').click();
      const eraseModal = page.getByTestId('erase-modal');
      await expect(eraseModal).toContainText(texts.rights.eraseTitle);
      await eraseModal.getByTestId('erase-reason').selectOption('member_request');
      await eraseModal.getByTestId('erase-present').check();
      await eraseModal.getByTestId('erase-pin').fill(STAFF.mia.pin);
      await expectNoAxeViolations(page);
      await screenshot(page, `69-erasure-request-paired-${language}`);
      await eraseModal.getByTestId('erase-submit').click();
      await expect(page.getByTestId('member-notice')).toHaveText(texts.rights.requested);
      await expect(atA.getByTestId('erasure-requested')).toBeVisible();
      await screenshot(page, `70-erasure-requested-${language}`);

      // Both tills sync: HQ has erased the member (hold 0 days) and neither finds them any more.
      await syncNow(page, texts);
      await syncNow(pageB, texts);
      for (const p of [page, pageB]) {
        await expect(await search(p, member.card)).toHaveCount(0);
        await expect(await search(p, member.family)).toHaveCount(0);
        await expect(p.getByTestId('search-empty')).toBeVisible();
      }
      await expectNoAxeViolations(pageB);
      await screenshot(pageB, `71-member-forgotten-till-b-${language}`);
    }
  } finally {
    await pageB.close();
    await stopHarness(tillB);
    rmSync(dirB, { recursive: true, force: true });
    await stopDemoHq(demo);
  }
});
