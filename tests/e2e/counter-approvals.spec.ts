import { STAFF, expect, expectNoAxeViolations, loginAs, openMemberAs, screenshot, test } from './fixtures';

/** Amelia Clarke in resources/demo/members.json: silver tier, 760 confirmed points. */
const AMELIA = { card: '6004990000032', confirmed: 760 };

test('a manager at the till approves an earn reversal and an adjustment on the spot, with their own PIN', async ({
  page,
  demoTill,
}) => {
  const member = await openMemberAs(page, demoTill.url, STAFF.carl, AMELIA.card);
  await expect(member.getByTestId('member-name')).toHaveText('Amelia Clarke');

  // Silver earns ×1.25: £20.00 -> 25 points.
  await page.keyboard.press('F6');
  await page.keyboard.type('20');
  await expect(page.getByTestId('earn-quote')).toContainText('25 points');
  await page.getByTestId('earn-reference').fill('R-2001');
  await page.getByTestId('earn-submit').click();
  await expect(member.getByTestId('balance-total')).toHaveText('785');

  // The goods come back: reversing the earn needs a manager, who types their PIN here.
  await member.getByTestId('member-tab-history').click();
  await member.getByTestId('ledger-reverse').click();
  const modal = page.getByTestId('approval-modal');
  await expect(modal.getByTestId('approval-what')).toHaveText('Reverse an earn for Amelia Clarke (−25 points)');
  await expect(modal.getByTestId('approval-reason')).toHaveValue('returned_goods');
  // The reason comes filled in and the first manager chosen: the dialog waits for the manager's PIN.
  await expect(modal.getByTestId('approval-pin')).toBeFocused();
  await modal.getByTestId('approval-manager').selectOption(STAFF.mia.id);
  // A wrong PIN moves nothing.
  await modal.getByTestId('approval-pin').fill('000000');
  await modal.getByTestId('approval-submit').click();
  await expect(modal.getByTestId('approval-error')).toBeVisible();
  await expect(member.getByTestId('balance-total')).toHaveText('785');
  await modal.getByTestId('approval-pin').fill(STAFF.mia.pin);
  await expectNoAxeViolations(page);
  await screenshot(page, '45-reverse-approval-en');
  await modal.getByTestId('approval-submit').click();
  await expect(modal).toHaveCount(0);
  await expect(member.getByTestId('balance-total')).toHaveText(String(AMELIA.confirmed));
  const rows = member.getByTestId('ledger-row');
  await expect(rows).toHaveCount(2);
  await expect(rows.nth(0)).toHaveAttribute('data-kind', 'reversal');
  // An earn is reversed once: the button is gone.
  await expect(member.getByTestId('ledger-reverse')).toHaveCount(0);

  // A goodwill adjustment, approved on the spot.
  await page.keyboard.press('F8');
  await page.keyboard.type('-60');
  await page.getByTestId('adjust-reason').selectOption('goodwill');
  await page.getByTestId('adjust-approve-now').click();
  await expect(modal.getByTestId('approval-what')).toContainText('−60');
  await expect(modal.getByTestId('approval-reason')).toHaveValue('goodwill');
  await modal.getByTestId('approval-manager').selectOption(STAFF.mia.id);
  await modal.getByTestId('approval-pin').fill(STAFF.mia.pin);
  await modal.getByTestId('approval-submit').click();
  await expect(modal).toHaveCount(0);
  await expect(page.getByTestId('member-notice')).toContainText('−60');
  await expect(member.getByTestId('balance-total')).toHaveText(String(AMELIA.confirmed - 60));
  await screenshot(page, '46-adjusted-en');

  // The approvals history says what each on-the-spot approval moved, amount included.
  await page.getByTestId('lock-button').click();
  await loginAs(page, STAFF.mia);
  await page.getByTestId('nav-approvals').click();
  await page.getByTestId('queue-history').check();
  const decided = page.getByTestId('queue-row');
  await expect(decided).toHaveCount(2);
  await expect(decided.nth(0).getByRole('rowheader')).toHaveText('Adjust the points of Amelia Clarke by −60');
  await expect(decided.nth(1).getByRole('rowheader')).toHaveText('Reverse an earn for Amelia Clarke (−25 points)');
  await expectNoAxeViolations(page);
});
