import { withCheckDigit } from '../../src/shared/members/card-number';
import { STAFF, expect, expectNoAxeViolations, loginAs, screenshot, test } from './fixtures';

const GOOD_CARD = withCheckDigit('600466600001');
const BAD_CARD = GOOD_CARD.slice(0, -1) + String((Number(GOOD_CARD.slice(-1)) + 3) % 10);
const TEN_KB = 'W'.repeat(10 * 1024);

test('bad input gets a clear message per field and stores nothing', async ({ page, harness }) => {
  await page.goto(harness.url);
  await loginAs(page, STAFF.carl);
  await page.getByTestId('nav-enroll').click();
  const form = page.getByTestId('enroll-form');
  const submit = page.getByTestId('enroll-submit');

  // Empty form.
  await submit.click();
  await expect(page.getByTestId('field-error-givenName')).toContainText('required');
  await expect(page.getByTestId('field-error-familyName')).toContainText('required');
  await expect(page.getByTestId('field-error-cardNumber')).toContainText('required');
  await expect(page.getByTestId('field-error-terms')).toContainText('must accept the program terms');
  await expect(form.getByLabel(/^Given name/)).toHaveAttribute('aria-invalid', 'true');
  await expectNoAxeViolations(page);
  await screenshot(page, '10-empty-form-en');

  // Wrong check digit, malformed e-mail, names of spaces only.
  await form.getByLabel(/^Given name/).fill('   ');
  await form.getByLabel(/^Family name/).fill('Tester');
  await form.getByLabel(/^E-mail/).fill('tester@@example');
  await form.getByLabel(/^Card number/).fill(BAD_CARD);
  await submit.click();
  await expect(page.getByTestId('field-error-givenName')).toContainText('required');
  await expect(page.getByTestId('field-error-email')).toContainText('complete e-mail address');
  await expect(page.getByTestId('field-error-cardNumber')).toContainText('not valid');
  await screenshot(page, '11-bad-card-and-email-en');

  // An impossible phone number: only the main process knows the store region, so this round-trips.
  await page.getByTestId('consent-terms').check();
  await form.getByLabel(/^Given name/).fill('Tess');
  await form.getByLabel(/^E-mail/).fill('');
  await form.getByLabel(/^Phone/).fill('+44 12');
  await form.getByLabel(/^Card number/).fill(GOOD_CARD);
  await submit.click();
  await expect(page.getByTestId('field-error-phone')).toContainText('phone number is not valid');
  await expectNoAxeViolations(page);
  await screenshot(page, '12-bad-phone-en');

  // 10 kB pasted into every text field.
  for (const label of [/^Given name/, /^Family name/, /^Phone/, /^E-mail/]) await form.getByLabel(label).fill(TEN_KB);
  await submit.click();
  await expect(page.getByTestId('field-error-givenName')).toContainText('too long');
  await expect(page.getByTestId('field-error-familyName')).toContainText('too long');
  await expect(page.getByTestId('enroll-success')).toHaveCount(0);
  await screenshot(page, '13-ten-kilobytes-en');

  // Nothing was stored: neither the card nor any of the names can be found.
  await page.getByTestId('nav-find').click();
  for (const query of [GOOD_CARD, 'Tess', 'Tester', 'WWWW']) {
    const search = page.getByTestId('search-input');
    await search.fill(query);
    await search.press('Enter');
    await expect(page.getByText(/No member found/), query).toBeVisible();
  }
});

test('a 10 kB search is refused with a message, not a crash', async ({ page, harness }) => {
  await page.goto(harness.url);
  await loginAs(page, STAFF.carl);
  const search = page.getByTestId('search-input');
  await search.fill(TEN_KB);
  await search.press('Enter');
  await expect(page.getByTestId('field-error-query')).toContainText('too long');
  await expect(page.getByTestId('search-input')).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByTestId('result-item')).toHaveCount(0);
  await screenshot(page, '14-ten-kilobyte-search-en');
});
