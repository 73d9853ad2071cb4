import { STAFF, expect, expectNoAxeViolations, openMemberAs, screenshot, test } from './fixtures';

/** Isla in resources/demo/members.json: silver tier, 2,450 confirmed points. */
const ISLA = { card: '6004990000065', name: 'Isla Fitzgerald-Hale', confirmed: 2450 };

test('a redemption handed back is reversed with a manager’s PIN, and the points come back', async ({
  page,
  demoTill,
}) => {
  const member = await openMemberAs(page, demoTill.url, STAFF.carl, ISLA.card);
  await expect(member.getByTestId('balance-total')).toHaveText('2,450');

  // F7, arrow to the reward, Enter to choose, Enter to confirm: no mouse.
  await page.keyboard.press('F7');
  const voucher = page.locator('[data-testid="reward"][data-reward-id="voucher-5"]').getByRole('radio');
  await voucher.check();
  await voucher.press('Enter');
  await expect(page.getByTestId('redeem-confirm')).toContainText('Redeem £5 voucher for 500 points?');
  await expect(page.getByTestId('redeem-balance-after')).toHaveText('Points after: 1,950');
  await page.keyboard.press('Enter');
  await expect(member.getByTestId('balance-total')).toHaveText('1,950');

  // The voucher comes back: the cashier asks, the manager types their PIN at the till.
  await member.getByTestId('member-tab-history').click();
  const redeemRow = member.locator('[data-testid="ledger-row"][data-kind="redeem"]');
  await redeemRow.getByTestId('ledger-reverse').click();
  const modal = page.getByTestId('approval-modal');
  await expect(modal.getByTestId('approval-what')).toHaveText(`Reverse a redemption for ${ISLA.name} (+500 points)`);
  await modal.getByTestId('approval-manager').selectOption(STAFF.mia.id);
  await modal.getByTestId('approval-pin').fill(STAFF.mia.pin);
  await expectNoAxeViolations(page);
  await screenshot(page, '47-reverse-redemption-approval-en');
  await modal.getByTestId('approval-submit').click();
  await expect(modal).toHaveCount(0);
  await expect(page.getByTestId('member-notice')).toContainText('The redemption was reversed: 500 points are back.');
  await expect(member.getByTestId('balance-total')).toHaveText('2,450');
  const rows = member.getByTestId('ledger-row');
  await expect(rows.nth(0)).toHaveAttribute('data-kind', 'reversal');
  // Reversed once: neither the redemption nor its reversal offers another.
  await expect(member.getByTestId('ledger-reverse')).toHaveCount(0);
});

test('four-eyes: above 500 points the manager who asks is not offered as approver; another manager approves', async ({
  page,
  demoTill,
}) => {
  const member = await openMemberAs(page, demoTill.url, STAFF.mia, ISLA.card);
  await expect(member.getByTestId('balance-total')).toHaveText('2,450');

  await page.keyboard.press('F8');
  // As a person does: type once the points field has the focus (F8 moves it there after the tab shows).
  await expect(page.getByTestId('adjust-points')).toBeFocused();
  await page.keyboard.type('600');
  await expect(page.getByTestId('adjust-points')).toHaveValue('600');
  await page.getByTestId('adjust-reason').selectOption('goodwill');
  await page.getByTestId('adjust-approve-now').click();
  const modal = page.getByTestId('approval-modal');
  const managers = modal.getByTestId('approval-manager').locator('option');
  await expect(managers).toHaveText([STAFF.olga.name]);
  await expect(modal).toContainText('More than 500 points: another manager must approve, not the one who asked.');
  await modal.getByTestId('approval-pin').fill(STAFF.olga.pin);
  await expectNoAxeViolations(page);
  await screenshot(page, '48-four-eyes-approval-en');
  await modal.getByTestId('approval-submit').click();
  await expect(modal).toHaveCount(0);
  await expect(member.getByTestId('balance-total')).toHaveText('3,050');

  // Up to 500 the manager may approve their own: they are offered first.
  await page.keyboard.press('F8');
  await page.keyboard.type('50');
  await page.getByTestId('adjust-reason').selectOption('goodwill');
  await page.getByTestId('adjust-approve-now').click();
  await expect(modal.getByTestId('approval-manager')).toHaveValue(STAFF.mia.id);
  await modal.getByTestId('approval-pin').fill(STAFF.mia.pin);
  await modal.getByTestId('approval-submit').click();
  await expect(modal).toHaveCount(0);
  await expect(member.getByTestId('balance-total')).toHaveText('3,100');
});
