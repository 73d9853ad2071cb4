import type { Page } from '@playwright/test';
import { withCheckDigit } from '../../src/shared/members/card-number';
import { STAFF, expect, expectNoAxeViolations, loginAs, screenshot, test } from './fixtures';

const CARD = withCheckDigit('600455500001');

async function enroll(
  page: Page,
  member: { given: string; family: string; phone?: string; email?: string; card: string },
) {
  await page.getByTestId('nav-enroll').click();
  const form = page.getByTestId('enroll-form');
  await form.getByLabel(/^Given name/).fill(member.given);
  await form.getByLabel(/^Family name/).fill(member.family);
  if (member.phone) await form.getByLabel(/^Phone/).fill(member.phone);
  if (member.email) await form.getByLabel(/^E-mail/).fill(member.email);
  await form.getByLabel(/^Card number/).fill(member.card);
  await page.getByTestId('consent-terms').check();
  await page.getByTestId('enroll-submit').click();
}

/** Barcode scanners "type" the digits in a burst and press Enter. */
async function scan(page: Page, digits: string) {
  const search = page.getByTestId('search-input');
  await search.fill('');
  await search.pressSequentially(digits, { delay: 5 });
  await search.press('Enter');
}

test('a new user enrolls a member, then finds them by card, phone, e-mail and name', async ({ page, harness }) => {
  await page.goto(harness.url);
  await loginAs(page, STAFF.carl);
  await expect(page.getByTestId('search-input')).toBeFocused();
  await expect(page.getByRole('heading', { name: 'Find member' })).toBeVisible();
  await expectNoAxeViolations(page);
  await screenshot(page, '01-find-empty-en');

  await enroll(page, {
    given: 'Margaret',
    family: 'Hamilton',
    phone: '020 7946 0001',
    email: 'Margaret.H@example.org',
    card: CARD,
  });
  const success = page.getByTestId('enroll-success');
  await expect(success).toContainText('Margaret Hamilton');
  await expect(success).toContainText('6004 5550 0001');
  await expectNoAxeViolations(page);
  await screenshot(page, '02-enrolled-en');

  await page.getByTestId('nav-find').click();
  await scan(page, CARD);
  const results = page.getByTestId('result-item');
  await expect(results).toHaveCount(1);
  await expect(results.first()).toContainText('Margaret Hamilton');
  // Contacts are masked in results: the full number and address never reach the screen.
  await expect(page.getByTestId('search-results')).not.toContainText('7946 0001');
  await expect(page.getByTestId('search-results')).not.toContainText('margaret.h@example.org');
  await expectNoAxeViolations(page);
  await screenshot(page, '03-found-by-card-en');

  for (const query of ['+44 20 7946 0001', 'MARGARET.H@EXAMPLE.ORG', 'hamil', 'marg ham']) {
    const search = page.getByTestId('search-input');
    await search.fill(query);
    await search.press('Enter');
    await expect(page.getByTestId('result-item'), query).toHaveCount(1);
    await expect(page.getByTestId('result-item').first()).toContainText('Margaret Hamilton');
  }

  // Keyboard only: arrow to the result, Enter opens it.
  await page.getByTestId('search-input').focus();
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Enter');
  const detail = page.getByTestId('member-detail');
  await expect(detail).toBeVisible();
  await expect(detail).toContainText('6004 5550 0001');
  await expectNoAxeViolations(page);
  await screenshot(page, '04-member-detail-en');
});

test('the empty state offers to enroll, prefilled from what was typed', async ({ page, harness }) => {
  await page.goto(harness.url);
  await loginAs(page, STAFF.carl);
  const search = page.getByTestId('search-input');
  await search.fill('Nobody');
  await search.press('Enter');
  await expect(page.getByText(/No member found/)).toBeVisible();
  await expectNoAxeViolations(page);
  await screenshot(page, '05-no-match-en');
  await page.getByRole('button', { name: 'Enroll a new member' }).click();
  await expect(page.getByTestId('enroll-form')).toBeVisible();
});

test('a duplicate phone and a card already in use are refused with clear messages', async ({ page, harness }) => {
  await page.goto(harness.url);
  await loginAs(page, STAFF.carl);
  await enroll(page, { given: 'Ada', family: 'Lovelace', phone: '020 7946 0002', card: CARD });
  await expect(page.getByTestId('enroll-success')).toBeVisible();
  await enroll(page, {
    given: 'Other',
    family: 'Person',
    phone: '+442079460002',
    card: withCheckDigit('600455500002'),
  });
  await expect(page.getByTestId('form-error')).toContainText('phone number is already enrolled');
  await enroll(page, { given: 'Other', family: 'Person', email: 'other@example.org', card: CARD });
  await expect(page.getByTestId('form-error')).toContainText('already belongs to another member');
  await screenshot(page, '06-duplicate-en');
});
