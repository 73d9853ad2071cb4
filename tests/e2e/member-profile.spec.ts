import { STAFF, expect, expectNoAxeViolations, openMemberAs, screenshot, test } from './fixtures';

/** Oliver Hughes in resources/demo/members.json: phone only, SMS offers on. */
const OLIVER = { card: '6004990000024' };

test('a cashier corrects a member: new name and e-mail, a birth date; search follows at once', async ({
  page,
  demoTill,
}) => {
  const member = await openMemberAs(page, demoTill.url, STAFF.carl, OLIVER.card);
  const search = page.getByTestId('search-input');
  await member.getByTestId('member-tab-profile').click();
  await member.getByTestId('edit-profile').click();
  const form = member.getByTestId('edit-form');
  await form.getByTestId('edit-givenName').fill('Olly');
  await form.getByTestId('edit-email').fill('olly.hughes@example.org');
  await form.getByTestId('edit-birthDate').fill('1985-03-09');
  await expectNoAxeViolations(page);
  await screenshot(page, '47-edit-profile-en');
  await form.getByTestId('edit-save').click();
  await expect(page.getByTestId('member-notice')).toHaveText('Details saved.');
  await expect(member.getByTestId('member-name')).toHaveText('Olly Hughes');
  await expect(member.getByTestId('profile-email')).toHaveText('o•••@e•••.org');
  // A UK store shows British dates even in English.
  await expect(member).toContainText('9 March 1985');

  // Offers by e-mail, now that there is an address: granting first shows the notice; cancel records nothing.
  const emailConsent = member.getByTestId('consent-row-marketing_email');
  await expect(emailConsent).toHaveAttribute('data-granted', 'false');
  await member.getByTestId('consent-toggle-marketing_email').click();
  const ask = member.getByTestId('consent-ask');
  await expect(ask).toContainText('Privacy notice, version 2026-11');
  await expect(ask).toContainText('Who we are');
  await member.getByTestId('consent-cancel').click();
  await expect(ask).toHaveCount(0);
  await expect(emailConsent).toHaveAttribute('data-granted', 'false');
  await member.getByTestId('consent-toggle-marketing_email').click();
  await expectNoAxeViolations(page);
  await screenshot(page, '48-grant-consent-notice-en');
  await member.getByTestId('consent-confirm').click();
  await expect(emailConsent).toHaveAttribute('data-granted', 'true');
  await expect(emailConsent).toContainText('notice 2026-11');

  // A bad e-mail is refused at its field and changes nothing.
  await member.getByTestId('edit-profile').click();
  await form.getByTestId('edit-email').fill('olly@@example');
  await form.getByTestId('edit-save').click();
  await expect(form.getByTestId('edit-email')).toHaveAttribute('aria-invalid', 'true');
  await expect(form).toContainText('complete e-mail address');

  // 07700 900123 has all its digits but is in a range kept for films and TV: the message says so and
  // does not send staff looking for an area code; a number with digits missing does.
  await form.getByTestId('edit-email').fill('');
  await form.getByTestId('edit-phone').fill('07700 900123');
  await form.getByTestId('edit-save').click();
  await expect(form.getByTestId('edit-phone')).toHaveAttribute('aria-invalid', 'true');
  await expect(form).toContainText('This phone number is not in use');
  await expect(form).not.toContainText('area code');
  await form.getByTestId('edit-phone').fill('7946 0018');
  await form.getByTestId('edit-save').click();
  await expect(form).toContainText('digits are missing. Type the whole number, including the area code.');
  await form.getByTestId('edit-phone').fill('07400 7587130');
  await form.getByTestId('edit-save').click();
  await expect(form).toContainText('This phone number has too many digits.');

  await search.fill('olly.hughes@example.org');
  await search.press('Enter');
  await expect(page.getByTestId('result-item')).toHaveCount(1);
  await expect(page.getByTestId('result-item')).toContainText('Olly Hughes');
  await search.fill('oliver');
  await search.press('Enter');
  await expect(page.getByTestId('search-empty')).toBeVisible();
});
