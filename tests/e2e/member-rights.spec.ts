import en from '../../src/renderer/i18n/en.json' with { type: 'json' };
import ru from '../../src/renderer/i18n/ru.json' with { type: 'json' };
import { STAFF, expect, expectNoAxeViolations, openMemberAs, screenshot, test } from './fixtures';

/** Demo members (resources/demo/members.json). */
const JACK = { card: '6004990000073', name: 'Jack Patel' };
const ANNA = { card: '6004990000081', name: 'Анна Смирнова' };

// The demo till is standalone: it is its own authority, so a manager's erasure happens at once.
// (On a paired till the same form sends the request to HQ: tests/integration/erasure-two-tills.test.ts.)
test('a manager erases a member at the counter with the member present: the box must be ticked, the PIN typed, and then the member is gone', async ({
  page,
  demoTill,
}) => {
  const member = await openMemberAs(page, demoTill.url, STAFF.mia, JACK.card);
  await member.getByTestId('member-tab-profile').click();
  const rights = member.getByTestId('member-rights');
  await expect(rights).toContainText(en.rights.eraseHintStandalone);
  await rights.getByTestId('erase-member').click();

  const modal = page.getByTestId('erase-modal');
  await expect(modal).toContainText(`The personal data of ${JACK.name}`);
  await modal.getByTestId('erase-reason').selectOption('left_program');
  await modal.getByTestId('erase-pin').fill(STAFF.mia.pin);
  await modal.getByTestId('erase-submit').click();
  // Not ticked: nothing happens but a clear message.
  await expect(modal).toContainText(en.rights.presentRequired);
  await modal.getByTestId('erase-present').check();
  await modal.getByTestId('erase-pin').fill('000000');
  await modal.getByTestId('erase-submit').click();
  await expect(modal.getByTestId('erase-pin')).toHaveValue('');
  await expect(modal).toBeVisible();
  await modal.getByTestId('erase-pin').fill(STAFF.mia.pin);
  await expectNoAxeViolations(page);
  await screenshot(page, '60-erase-member-en');
  await modal.getByTestId('erase-submit').click();

  await expect(modal).toHaveCount(0);
  await expect(page.getByTestId('find-notice')).toHaveText(en.rights.erasedHere);
  await expect(page.getByTestId('member-detail')).toHaveCount(0);
  const search = page.getByTestId('search-input');
  await search.fill(JACK.card);
  await search.press('Enter');
  await expect(page.getByTestId('result-item')).toHaveCount(0);
  await search.fill('Patel');
  await search.press('Enter');
  await expect(page.getByTestId('result-item')).toHaveCount(0);
});

test('in Russian: the rights section and the erasure form speak Russian, and a cashier is not offered erasure', async ({
  page,
  demoTill,
}) => {
  const member = await openMemberAs(page, demoTill.url, STAFF.carl, ANNA.card);
  await member.getByTestId('member-tab-profile').click();
  await expect(member.getByTestId('member-rights')).toContainText(en.rights.managerOnly);
  await expect(member.getByTestId('erase-member')).toHaveCount(0);

  await page.getByTestId('lock-button').click();
  const again = await openMemberAs(page, demoTill.url, STAFF.olga, ANNA.card);
  await page.getByTestId('language-ru').click();
  await expect(page.locator('html')).toHaveAttribute('lang', 'ru');
  await again.getByTestId('member-tab-profile').click();
  const rights = again.getByTestId('member-rights');
  await expect(rights).toContainText(ru.rights.heading);
  await rights.getByTestId('erase-member').click();
  const modal = page.getByTestId('erase-modal');
  await expect(modal).toContainText(ru.rights.eraseTitle);
  await expect(modal).toContainText(`Персональные данные участника ${ANNA.name}`);
  await modal.getByTestId('erase-present').check();
  await modal.getByTestId('erase-pin').fill(STAFF.olga.pin);
  await expectNoAxeViolations(page);
  await screenshot(page, '61-erase-member-ru');
  await modal.getByTestId('erase-submit').click();
  await expect(page.getByTestId('find-notice')).toHaveText(ru.rights.erasedHere);
});
