import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Locator, Page } from '@playwright/test';
import en from '../../src/renderer/i18n/en.json' with { type: 'json' };
import ru from '../../src/renderer/i18n/ru.json' with { type: 'json' };
import { STAFF, expect, expectNoAxeViolations, loginAs, test } from './fixtures';

const CATALOGS = { en, ru } as const;
const SHOTS = join(fileURLToPath(new URL('../..', import.meta.url)), 'test-results', 'screenshots');

/** What staff see on the screen they have, not the whole scrolled page. */
async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`) });
}

/**
 * The element is on the screen in full: inside the window and inside every scrolling box around
 * it (not scrolled out of view above or below), and nothing drawn over it.
 */
async function expectOnScreen(page: Page, element: Locator, what: string): Promise<void> {
  await expect(element, what).toBeVisible();
  const seen = await element.evaluate((node) => {
    const rect = node.getBoundingClientRect();
    let top = 0;
    let left = 0;
    let bottom = window.innerHeight;
    let right = window.innerWidth;
    for (let box = node.parentElement; box; box = box.parentElement) {
      const style = getComputedStyle(box);
      if (style.overflowX === 'visible' && style.overflowY === 'visible') continue;
      const clip = box.getBoundingClientRect();
      top = Math.max(top, clip.top);
      left = Math.max(left, clip.left);
      bottom = Math.min(bottom, clip.bottom);
      right = Math.min(right, clip.right);
    }
    // Whatever sticks over the element (the member's header) must not be what is drawn at its middle.
    const hit = document.elementFromPoint(rect.left + rect.width / 2, rect.top + rect.height / 2);
    return {
      element: { top: rect.top, left: rect.left, bottom: rect.bottom, right: rect.right },
      view: { top, left, bottom, right },
      covered: hit === null || !(node === hit || node.contains(hit)),
    };
  });
  const { element: box, view } = seen;
  expect(box.top, `${what}: top`).toBeGreaterThanOrEqual(view.top - 1);
  expect(box.left, `${what}: left`).toBeGreaterThanOrEqual(view.left - 1);
  expect(box.bottom, `${what}: bottom`).toBeLessThanOrEqual(view.bottom + 1);
  expect(box.right, `${what}: right`).toBeLessThanOrEqual(view.right + 1);
  expect(seen.covered, `${what}: covered`).toBe(false);
}

/** The member's name, card and balance: what staff must see while they work on the member. */
async function expectMemberHeaderOnScreen(page: Page, step: string): Promise<void> {
  const member = page.getByTestId('member-detail');
  await expectOnScreen(page, member.getByTestId('member-name'), `${step}: name`);
  await expectOnScreen(page, member.getByTestId('member-card'), `${step}: card`);
  await expectOnScreen(page, member.getByTestId('balance-total'), `${step}: balance`);
}

/** Tabs on one row: the same top edge, and none cut off at the right of the screen. */
async function expectTabsOnOneRow(page: Page, tabs: Locator, count: number, what: string): Promise<void> {
  const boxes = await tabs.evaluateAll((nodes) =>
    nodes.map((node) => {
      const rect = node.getBoundingClientRect();
      return { top: Math.round(rect.top), right: rect.right };
    }),
  );
  expect(boxes.length, what).toBe(count);
  const tops = boxes.map((box) => box.top);
  expect(new Set(tops).size, `${what}: tab tops ${tops.join(', ')}`).toBe(1);
  const width = page.viewportSize()?.width ?? 0;
  for (const box of boxes) expect(box.right, `${what}: a tab runs off the screen`).toBeLessThanOrEqual(width);
}

async function memberTabsOnOneRow(page: Page): Promise<void> {
  const member = page.getByTestId('member-detail');
  await expectTabsOnOneRow(page, member.getByRole('tab'), 5, 'member tabs');
  // Each tab inside the member's screen, not cut at its right edge.
  const panel = await member.boundingBox();
  for (const tab of await member.getByRole('tab').all()) {
    const box = await tab.boundingBox();
    expect((box?.x ?? 0) + (box?.width ?? 0), 'a member tab runs past the member screen').toBeLessThanOrEqual(
      (panel?.x ?? 0) + (panel?.width ?? 0),
    );
  }
}

for (const viewport of [
  { width: 1024, height: 768 },
  { width: 1366, height: 768 },
] as const) {
  for (const language of ['en', 'ru'] as const) {
    const t = CATALOGS[language];
    const size = `${viewport.width}x${viewport.height}`;

    test(`${size} ${language}: the member's name, card and balance stay on screen while staff enroll, earn and reveal contacts`, async ({
      page,
      demoTill,
    }) => {
      test.setTimeout(120_000);
      await page.setViewportSize(viewport);
      await page.goto(demoTill.url);
      await loginAs(page, STAFF.mia);
      if (language === 'ru') {
        await page.getByTestId('language-ru').click();
        await expect(page.locator('html')).toHaveAttribute('lang', 'ru');
      }
      // The store's region is on screen (phone numbers are read as that country's).
      await expect(page.getByTestId('store-region')).toHaveText(
        language === 'ru' ? 'Регион: Великобритания' : 'Region: United Kingdom',
      );
      await expectTabsOnOneRow(page, page.getByRole('tablist', { name: t.nav.label }).getByRole('tab'), 8, 'sections');
      const header = await page.locator('header').boundingBox();
      expect(header?.height ?? 999, 'the header is one row').toBeLessThanOrEqual(80);

      // Enroll: the confirmation is on screen in full.
      await page.keyboard.press('F3');
      const form = page.getByTestId('enroll-form');
      await form.getByLabel(t.fields.givenName, { exact: true }).fill(language === 'ru' ? 'Вера' : 'Grace');
      await form.getByLabel(t.fields.familyName, { exact: true }).fill(language === 'ru' ? 'Сидорова' : 'Hopper');
      await form.getByLabel(t.fields.phone, { exact: true }).fill('07400 758713');
      await page.getByTestId('enroll-next-card').click();
      await page.getByTestId('consent-terms').check();
      await page.getByTestId('enroll-submit').click();
      const success = page.getByTestId('enroll-success');
      await expect(success).toBeVisible();
      await expectOnScreen(page, success, 'member enrolled');
      await expectNoAxeViolations(page);
      await shot(page, `till-enrolled-${size}-${language}`);
      const name = language === 'ru' ? 'Вера Сидорова' : 'Grace Hopper';

      // Find the member by phone: the open result says what its mark means.
      await page.keyboard.press('F2');
      const search = page.getByTestId('search-input');
      await search.fill('07400 758713');
      await search.press('Enter');
      const member = page.getByTestId('member-detail');
      await expect(member.getByTestId('member-name')).toHaveText(name);
      const mark = page.getByTestId('result-open-mark');
      await expect(mark).toHaveText(`✓ ${t.find.open}`);
      await expect(mark).toHaveAttribute('title', t.find.openHint);
      await expect(page.getByRole('option', { name: new RegExp(`${name} ${t.find.open}`) })).toBeVisible();
      await memberTabsOnOneRow(page);

      // Earn (F6): the quote gives the base rate and the tier multiplier; the member stays in view.
      await page.keyboard.press('F6');
      await expect(page.getByTestId('earn-amount')).toBeFocused();
      await page.keyboard.type('42');
      await page.getByTestId('earn-reference').fill('R-2001');
      await expect(page.getByTestId('earn-quote')).toHaveText(
        language === 'ru'
          ? 'За 42,00\u00a0£ — баллов: 42 (1 б. за 1\u00a0£ × 1, Стандарт)'
          : '£42.00 earns 42 points: 1 pt per £1 × 1 (Standard)',
      );
      await expectMemberHeaderOnScreen(page, 'earn');
      await expectOnScreen(page, page.getByTestId('earn-submit'), 'earn: submit');
      await memberTabsOnOneRow(page);
      await expectNoAxeViolations(page);
      await shot(page, `till-earn-${size}-${language}`);
      await page.getByTestId('earn-submit').click();
      await expect(page.getByTestId('member-notice')).toContainText(t.earn.done);
      await expectOnScreen(page, page.getByTestId('member-notice'), 'earn: done');
      await expectMemberHeaderOnScreen(page, 'earned');

      // History: the earn with its sign, in the one date format.
      await member.getByTestId('member-tab-history').click();
      await expect(member.getByTestId('ledger-row')).toHaveCount(1);
      await expect(member.getByTestId('ledger-row')).toContainText('+42');
      await expectMemberHeaderOnScreen(page, 'history');
      await shot(page, `till-history-${size}-${language}`);

      // Reveal the contacts: the phone in the national format, and still the member's name above it.
      await member.getByTestId('member-tab-profile').click();
      await member.getByTestId('reveal-contacts').click();
      await expect(member.getByTestId('contacts-revealed')).toBeVisible();
      await expect(member.getByTestId('profile-phone')).toHaveText('07400 758713');
      await expectOnScreen(page, member.getByTestId('profile-phone'), 'contacts: phone');
      await expectMemberHeaderOnScreen(page, 'contacts');
      await memberTabsOnOneRow(page);
      await expectNoAxeViolations(page);
      await shot(page, `till-contacts-${size}-${language}`);

      // The manager's screens share the header and tabs: one row each there too.
      for (const view of ['audit', 'sync', 'staff'] as const) {
        await page.getByTestId(`nav-${view}`).click();
        await expectTabsOnOneRow(page, page.getByRole('tablist', { name: t.nav.label }).getByRole('tab'), 8, view);
        expect(
          (await page.locator('header').boundingBox())?.height ?? 999,
          `${view}: one-row header`,
        ).toBeLessThanOrEqual(80);
        await shot(page, `till-${view}-${size}-${language}`);
      }
    });
  }
}
