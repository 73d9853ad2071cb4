import { expect, expectNoAxeViolations, loginAs, screenshot, test } from './fixtures';

test('a new till: create the first manager, add a cashier, who must choose their own PIN', async ({
  page,
  freshTill,
}) => {
  await page.goto(freshTill.url);
  const setup = page.getByTestId('bootstrap-form');
  await expect(setup).toBeVisible();
  await expectNoAxeViolations(page);
  await screenshot(page, '41-first-run-setup-en');

  await setup.getByLabel('Your name', { exact: true }).fill('Sam Store');
  await setup.getByLabel('PIN', { exact: true }).fill('123456');
  await setup.getByLabel('Repeat PIN', { exact: true }).fill('123456');
  await page.getByTestId('bootstrap-submit').click();
  await expect(page.getByTestId('bootstrap-error')).toBeVisible();
  await setup.getByLabel('PIN', { exact: true }).fill('739164');
  await setup.getByLabel('Repeat PIN', { exact: true }).fill('739164');
  await page.getByTestId('bootstrap-submit').click();
  await expect(page.getByTestId('session-name')).toContainText('Sam Store');

  await page.getByTestId('nav-staff').click();
  const add = page.getByTestId('staff-add-form');
  await add.getByLabel('Name', { exact: true }).fill('Tom Till');
  await add.getByLabel('Temporary PIN', { exact: true }).fill('582047');
  await page.getByTestId('staff-add-submit').click();
  await expect(page.getByTestId('staff-notice')).toContainText('Tom Till');
  const tom = page.locator('[data-testid="staff-row"]', { hasText: 'Tom Till' });
  await expect(tom).toContainText('Temporary PIN');
  await screenshot(page, '42-staff-added-en');

  const tomId = await tom.getAttribute('data-staff-id');
  await page.getByTestId('lock-button').click();
  await loginAs(page, { id: tomId!, pin: '582047' });
  await expect(page.getByTestId('pin-change-form')).toBeVisible();
});
