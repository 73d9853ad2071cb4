import type { Page } from '@playwright/test';
import type { LoyaltyApi } from '../../src/shared/ipc/api';
import { REFERENCE_MAX } from '../../src/shared/points/schemas';
import { STAFF, expect, expectNoAxeViolations, loginAs, screenshot, test } from './fixtures';

/** Jack Patel in resources/demo/members.json: standard tier, 150 confirmed points. */
const JACK = { card: '6004990000073', confirmed: 150 };
const TEN_KB = '7'.repeat(10 * 1024);

async function openJack(page: Page) {
  const search = page.getByTestId('search-input');
  await search.fill(JACK.card);
  await search.press('Enter');
  await expect(page.getByTestId('member-name')).toHaveText('Jack Patel');
}

/** The member's ledger as the main process has it: what the page shows must match, and stay empty. */
async function ledgerCount(page: Page, memberId: string): Promise<number> {
  return page.evaluate(async (id) => {
    const { loyalty } = window as unknown as { loyalty: LoyaltyApi };
    const result = (await loyalty.members.get({ memberId: id })) as {
      ok: boolean;
      value: { ledger: unknown[] };
    };
    return result.ok ? result.value.ledger.length : -1;
  }, memberId);
}

test('counter bad input: amounts, receipts, unaffordable and unknown rewards get a clear message and write nothing', async ({
  page,
  demoTill,
}) => {
  await page.goto(demoTill.url);
  await loginAs(page, STAFF.carl);
  await openJack(page);
  const memberId = await page.getByTestId('result-item').first().getAttribute('data-member-id');
  expect(memberId).toBeTruthy();
  const amount = page.getByTestId('earn-amount');
  const reference = page.getByTestId('earn-reference');
  const submit = page.getByTestId('earn-submit');

  // Negative, malformed, huge and missing amounts.
  await amount.fill('-5');
  await reference.fill('R-1');
  await submit.click();
  await expect(page.getByTestId('earn-amount-error')).toHaveText('This amount is too small.');
  await amount.fill('12.345');
  await submit.click();
  await expect(page.getByTestId('earn-amount-error')).toHaveText('Enter an amount such as 12.50.');
  await amount.fill('99999999');
  await submit.click();
  await expect(page.getByTestId('earn-amount-error')).toHaveText('This amount is too large.');
  await expect(amount).toHaveAttribute('aria-invalid', 'true');
  await expectNoAxeViolations(page);
  await screenshot(page, '40-earn-amount-too-large-en');

  // A purchase too small to earn a point cannot be submitted.
  await amount.fill('0.50');
  await expect(page.getByTestId('earn-quote')).toContainText('0 points');
  await expect(submit).toBeDisabled();

  // No receipt number, then a 10 kB one.
  await amount.fill('20');
  await reference.fill('');
  await submit.click();
  await expect(page.getByTestId('earn-reference-error')).toHaveText('This field is required.');
  // The field takes no more than the rule's 40 characters: a pasted 10 kB receipt is cut there.
  await reference.fill(TEN_KB);
  await expect(reference).toHaveValue('7'.repeat(REFERENCE_MAX));
  // Past the field's limit (a page whose limit was removed), the main process still refuses it.
  await reference.evaluate((input) => input.removeAttribute('maxlength'));
  await reference.fill(TEN_KB);
  await submit.click();
  await expect(page.getByTestId('earn-reference-error')).toContainText('too long');
  await screenshot(page, '41-earn-reference-ten-kilobytes-en');

  // Past the screen, straight at the main process: the same answers.
  const refusals = await page.evaluate(async (id) => {
    const { loyalty } = window as unknown as { loyalty: LoyaltyApi };
    const codes: string[] = [];
    // Each a new intent, with its own client request id, as the forms send them.
    const calls = [
      () => loyalty.points.earn({ memberId: id, amountMinor: -500, reference: 'R-2', requestId: crypto.randomUUID() }),
      () => loyalty.points.earn({ memberId: id, amountMinor: 1.5, reference: 'R-3', requestId: crypto.randomUUID() }),
      () =>
        loyalty.points.earn({ memberId: id, amountMinor: 10 ** 12, reference: 'R-4', requestId: crypto.randomUUID() }),
      () =>
        loyalty.points.earn({
          memberId: id,
          amountMinor: 1000,
          reference: 'x'.repeat(10_240),
          requestId: crypto.randomUUID(),
        }),
      () => loyalty.points.redeem({ memberId: id, rewardId: 'no-such-reward', requestId: crypto.randomUUID() }),
      () => loyalty.points.redeem({ memberId: id, rewardId: 'voucher-20', requestId: crypto.randomUUID() }),
      () => loyalty.points.redeem({ memberId: 'no-such-member', rewardId: 'coffee', requestId: crypto.randomUUID() }),
    ];
    for (const call of calls) {
      const result = (await call()) as { ok: boolean; error?: { code: string; issues?: { code: string }[] } };
      codes.push(result.ok ? 'ok' : `${result.error?.code}:${result.error?.issues?.[0]?.code ?? ''}`);
    }
    return codes;
  }, memberId!);
  expect(refusals).toEqual([
    'validation_failed:too_small',
    'validation_failed:not_whole_number',
    'validation_failed:too_big',
    'validation_failed:too_long',
    'reward_not_found:',
    'balance_short:',
    'member_not_found:',
  ]);

  // A reward dearer than the balance can be seen but not chosen, and says why.
  await page.keyboard.press('F7');
  const tote = page.locator('[data-testid="reward"][data-reward-id="tote-bag"]');
  await expect(tote.getByRole('radio')).toBeDisabled();
  // A standalone till (the demo) counts all its points; a paired one would say 'more confirmed points'.
  await expect(tote.getByTestId('reward-why')).toHaveText('Needs 650 more points');
  await page.getByTestId('redeem-submit').click();
  await expect(page.getByTestId('redeem-error')).toHaveText('Choose a reward first.');
  await expectNoAxeViolations(page);
  await screenshot(page, '42-redeem-too-dear-en');

  // An adjustment of zero, of a million, or below zero never reaches a manager.
  await page.keyboard.press('F8');
  for (const [typed, message] of [
    ['0', 'other than zero'],
    ['1000000', 'at most 100000'],
    ['-151', 'below zero'],
    [TEN_KB, 'other than zero'],
  ] as const) {
    await page.getByTestId('adjust-points').fill(typed);
    await page.getByTestId('adjust-queue').click();
    await expect(page.getByTestId('adjust-points-error')).toContainText(message);
  }
  await expect(page.getByTestId('approval-modal')).toHaveCount(0);

  // Nothing was written: no ledger entry, the balance unchanged, no request in the queue.
  expect(await ledgerCount(page, memberId!)).toBe(0);
  await expect(page.getByTestId('balance-total')).toHaveText(String(JACK.confirmed));
  await page.getByTestId('lock-button').click();
  await loginAs(page, STAFF.mia);
  await page.getByTestId('nav-approvals').click();
  await expect(page.getByTestId('queue-empty')).toBeVisible();
});
