import ru from '../../src/renderer/i18n/ru.json' with { type: 'json' };
import { withCheckDigit } from '../../src/shared/members/card-number';
import { STAFF, expect, expectNoAxeViolations, loginAs, screenshot, test } from './fixtures';

test('switching to Russian translates the whole counter, is remembered, and works end to end', async ({
  page,
  harness,
}) => {
  await page.goto(harness.url);
  await loginAs(page, STAFF.carl);
  await page.getByTestId('language-ru').click();
  await expect(page.locator('html')).toHaveAttribute('lang', 'ru');
  await expect(page.getByTestId('nav-find')).toHaveText(/Поиск/);
  await expectNoAxeViolations(page);
  await screenshot(page, '20-find-empty-ru');

  await page.getByTestId('nav-enroll').click();
  await page.getByTestId('enroll-submit').click();
  await expect(page.getByTestId('field-error-givenName')).toHaveText(ru.fieldIssues.required);
  expect(ru.fieldIssues.required).toMatch(/[а-я]/);
  await expectNoAxeViolations(page);
  await screenshot(page, '21-enroll-errors-ru');

  const form = page.getByTestId('enroll-form');
  const card = withCheckDigit('600477700001');
  await form.getByLabel(ru.fields.givenName, { exact: true }).fill('Алёна');
  await form.getByLabel(ru.fields.familyName, { exact: true }).fill('Иванова');
  await form.getByLabel(ru.fields.phone, { exact: true }).fill('+7 912 345-67-89');
  await form.getByLabel(ru.fields.cardNumber, { exact: true }).fill(card);
  await page.getByTestId('consent-terms').check();
  await page.getByTestId('enroll-submit').click();
  await expect(page.getByTestId('enroll-success')).toContainText('Алёна Иванова');
  await screenshot(page, '22-enrolled-ru');

  // The choice is stored by the main process: a reload comes back in Russian.
  await page.reload();
  await expect(page.locator('html')).toHaveAttribute('lang', 'ru');
  const search = page.getByTestId('search-input');
  await search.fill('алена');
  await search.press('Enter');
  await expect(page.getByTestId('result-item')).toHaveCount(1);
  await expect(page.getByTestId('result-item').first()).toContainText('Алёна Иванова');
  await expectNoAxeViolations(page);
  await screenshot(page, '23-found-ru');

  await page.getByTestId('language-en').click();
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  await expect(page.getByTestId('nav-find')).toHaveText(/Find member/);
});
