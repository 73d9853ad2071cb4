import type { Page } from '@playwright/test';
import en from '../../src/renderer/i18n/en.json' with { type: 'json' };
import ru from '../../src/renderer/i18n/ru.json' with { type: 'json' };
import { formatCardNumber, withCheckDigit } from '../../src/shared/members/card-number';
import { STAFF, expect, expectNoAxeViolations, loginAs, screenshot, test } from './fixtures';

/** Olivia Bennett in resources/demo/members.json: gold tier, 1,840 confirmed points. */
const OLIVIA = { card: '6004990000016', confirmed: 1840 };
const CATALOGS = { en, ru } as const;
/** The first number of the demo till's card block (resources/demo/counter.json), as shown. */
const FIRST_BLOCK_CARD = formatCardNumber(withCheckDigit('600499200001'));

/** Barcode scanners "type" the digits in a burst and press Enter. */
async function scan(page: Page, digits: string) {
  const search = page.getByTestId('search-input');
  await search.fill('');
  await search.pressSequentially(digits, { delay: 5 });
  await search.press('Enter');
}

async function signIn(page: Page, staff: { id: string; pin: string }, language: 'en' | 'ru') {
  await loginAs(page, staff);
  if (language === 'ru') {
    await page.getByTestId('language-ru').click();
    await expect(page.locator('html')).toHaveAttribute('lang', 'ru');
  }
}

const number = (n: number, language: 'en' | 'ru') => n.toLocaleString(language);

for (const language of ['en', 'ru'] as const) {
  const t = CATALOGS[language];

  test(`the cashier's day (${language}): scan, earn, redeem, enroll with consent, find by phone, adjustment approved, consent withdrawn`, async ({
    page,
    demoTill,
  }) => {
    test.setTimeout(120_000);
    await page.goto(demoTill.url);
    await signIn(page, STAFF.carl, language);

    // A card is scanned: the member opens at once, with tier and balance.
    await scan(page, OLIVIA.card);
    const member = page.getByTestId('member-detail');
    await expect(member.getByTestId('member-name')).toHaveText('Olivia Bennett');
    await expect(member.getByTestId('member-tier')).toHaveText(t.tiers.gold);
    await expect(member.getByTestId('balance-total')).toHaveText(number(OLIVIA.confirmed, language));
    await expect(page.getByTestId('search-input')).toBeFocused();
    await expectNoAxeViolations(page);
    await screenshot(page, `30-member-scanned-${language}`);

    // Earn: F6 jumps to the amount; the points are shown before anything is written.
    await page.keyboard.press('F6');
    await expect(page.getByTestId('earn-amount')).toBeFocused();
    await page.keyboard.type(language === 'ru' ? '42,50' : '42.50');
    // Gold earns ×1.5 and the demo rules round down: 42.50 × 1 × 1.5 = 63.75 -> 63.
    await expect(page.getByTestId('earn-quote')).toContainText('63');
    await page.getByTestId('earn-reference').fill('R-1001');
    await expectNoAxeViolations(page);
    await screenshot(page, `31-earn-quote-${language}`);
    await page.getByTestId('earn-submit').click();
    await expect(page.getByTestId('member-notice')).toContainText(t.earn.done);
    await expect(member.getByTestId('balance-total')).toHaveText(number(OLIVIA.confirmed + 63, language));
    await expect(member.getByTestId('balance-pending')).toHaveText('63');
    // The same receipt again is refused: points are never paid twice.
    await page.getByTestId('earn-amount').fill('10');
    await page.getByTestId('earn-reference').fill('R-1001');
    await page.getByTestId('earn-submit').click();
    await expect(page.getByTestId('earn-reference-error')).toHaveText(t.errors.reference_used);

    // Redeem: the demo till is standalone (never paired), so it is its own authority: the 63 points just
    // earned count at once (1,840 + 63 = 1,903); what is too dear says why.
    await page.keyboard.press('F7');
    const voucher = page.locator('[data-testid="reward"][data-reward-id="voucher-20"]');
    await expect(voucher.getByRole('radio')).toBeDisabled();
    await expect(voucher.getByTestId('reward-why')).toContainText('97');
    // Choosing a reward (Enter) asks to confirm it (Enter again); Esc goes back to the list.
    const coffee = page.locator('[data-testid="reward"][data-reward-id="coffee"]').getByRole('radio');
    await coffee.check();
    await coffee.press('Enter');
    const confirm = page.getByTestId('redeem-confirm');
    await expect(page.getByTestId('redeem-confirm-submit')).toBeFocused();
    await expect(page.getByTestId('redeem-balance-after')).toContainText(number(OLIVIA.confirmed + 63 - 150, language));
    await page.keyboard.press('Escape');
    await expect(confirm).toHaveCount(0);
    await expect(coffee).toBeFocused();
    await expect(member.getByTestId('balance-total')).toHaveText(number(OLIVIA.confirmed + 63, language));
    await coffee.press('Enter');
    await expect(page.getByTestId('redeem-confirm-submit')).toBeFocused();
    await expectNoAxeViolations(page);
    await screenshot(page, `32-redeem-${language}`);
    await page.keyboard.press('Enter');
    await expect(page.getByTestId('member-notice')).toContainText(language === 'ru' ? 'Кофе в подарок' : 'Free coffee');
    await expect(member.getByTestId('balance-total')).toHaveText(number(OLIVIA.confirmed + 63 - 150, language));
    await expect(member.getByTestId('balance-spendable')).toHaveText(number(OLIVIA.confirmed + 63 - 150, language));

    await member.getByTestId('member-tab-history').click();
    const rows = member.getByTestId('ledger-row');
    await expect(rows).toHaveCount(2);
    await expect(rows.nth(0)).toHaveAttribute('data-kind', 'redeem');
    await expect(rows.nth(1)).toHaveAttribute('data-kind', 'earn');
    await expect(rows.nth(1)).toContainText(t.ledger.states.pending);
    await expectNoAxeViolations(page);
    await screenshot(page, `33-history-${language}`);

    // Enroll with consent: birth date with its purpose, the privacy notice, terms required,
    // marketing by e-mail ticked, SMS left off; the card number comes from this till's block.
    await page.keyboard.press('F3');
    const form = page.getByTestId('enroll-form');
    await form.getByLabel(t.fields.givenName, { exact: true }).fill(language === 'ru' ? 'Вера' : 'Grace');
    await form.getByLabel(t.fields.familyName, { exact: true }).fill(language === 'ru' ? 'Сидорова' : 'Hopper');
    await form.getByLabel(t.fields.phone, { exact: true }).fill('020 7946 0999');
    await form.getByLabel(t.fields.email, { exact: true }).fill('grace.h@example.org');
    await form.getByLabel(t.fields.birthDate, { exact: true }).fill('1990-05-17');
    await expect(page.getByText(t.enroll.birthDateHint)).toBeVisible();
    await page.getByTestId('enroll-next-card').click();
    await expect(form.getByLabel(t.fields.cardNumber, { exact: true })).toHaveValue(FIRST_BLOCK_CARD);
    await expect(page.getByTestId('privacy-notice')).toHaveAttribute('data-notice-version', '2026-11');
    await expect(page.getByTestId('privacy-notice')).toContainText(language === 'ru' ? 'Кто мы' : 'Who we are');
    await expect(page.getByTestId('consent-marketingEmail')).not.toBeChecked();
    await expect(page.getByTestId('consent-marketingSms')).not.toBeChecked();
    await page.getByTestId('consent-terms').check();
    await page.getByTestId('consent-marketingEmail').check();
    await expectNoAxeViolations(page);
    await screenshot(page, `34-enroll-consent-${language}`);
    await page.getByTestId('enroll-submit').click();
    const success = page.getByTestId('enroll-success');
    await expect(success).toContainText(FIRST_BLOCK_CARD);
    await expect(success.getByRole('img')).toHaveAttribute('aria-label', new RegExp(FIRST_BLOCK_CARD));
    await expectNoAxeViolations(page);
    await screenshot(page, `35-enrolled-card-${language}`);

    // Find the new member by phone, typed differently from how it was enrolled.
    await page.keyboard.press('F2');
    const search = page.getByTestId('search-input');
    await search.fill('+44 20 7946 0999');
    await search.press('Enter');
    await expect(member.getByTestId('member-card')).toHaveText(FIRST_BLOCK_CARD);
    await expect(member.getByTestId('balance-total')).toHaveText('0');

    // Ask for an adjustment: a cashier cannot add points alone, so it goes to the manager queue.
    await page.keyboard.press('F8');
    await expect(page.getByTestId('adjust-points')).toBeFocused();
    await page.keyboard.type('+50');
    await page.getByTestId('adjust-reason').selectOption('missed_purchase');
    await page.getByTestId('adjust-queue').click();
    await expect(page.getByTestId('member-notice')).toHaveText(t.adjust.queued);
    await expect(member.getByTestId('balance-total')).toHaveText('0');

    // Withdraw the marketing consent in one click.
    await member.getByTestId('member-tab-profile').click();
    const emailConsent = member.getByTestId('consent-row-marketing_email');
    await expect(emailConsent).toHaveAttribute('data-granted', 'true');
    await member.getByTestId('consent-toggle-marketing_email').click();
    await expect(emailConsent).toHaveAttribute('data-granted', 'false');
    await expect(page.getByTestId('member-notice')).toContainText(t.consent.purposes.marketing_email);
    // Cashiers see contacts masked and have no way to reveal them.
    await expect(member.getByTestId('profile-phone')).not.toContainText('7946 0999');
    await expect(member.getByTestId('reveal-contacts')).toHaveCount(0);
    await expectNoAxeViolations(page);
    await screenshot(page, `36-consent-withdrawn-${language}`);

    // The manager approves the adjustment from the queue with their own PIN.
    await page.getByTestId('lock-button').click();
    await loginAs(page, STAFF.mia);
    await page.getByTestId('nav-approvals').click();
    const row = page.getByTestId('queue-row');
    await expect(row).toHaveCount(1);
    await expect(row).toContainText('+50');
    await expectNoAxeViolations(page);
    await screenshot(page, `37-adjustment-queued-${language}`);
    await row.getByTestId('queue-approve').click();
    await page.getByTestId('decide-pin').fill(STAFF.mia.pin);
    await page.getByTestId('decide-submit').click();
    await expect(page.getByTestId('queue-row')).toHaveCount(0);

    // The points moved once, recorded as pending until HQ confirms them.
    await page.getByTestId('nav-find').click();
    await page.getByTestId('search-input').fill('grace.h@example.org');
    await page.getByTestId('search-input').press('Enter');
    await expect(member.getByTestId('balance-total')).toHaveText('50');
    await expect(member.getByTestId('balance-pending')).toHaveText('50');
    await member.getByTestId('member-tab-history').click();
    await expect(member.getByTestId('ledger-row')).toHaveCount(1);
    await expect(member.getByTestId('ledger-row')).toHaveAttribute('data-kind', 'adjust');
    await expect(member.getByTestId('ledger-row')).toContainText(t.approval.reasons.missed_purchase);

    // A manager may reveal the contacts with a reason; it is audited.
    await member.getByTestId('member-tab-profile').click();
    await member.getByTestId('reveal-reason').selectOption('identity_check');
    await member.getByTestId('reveal-contacts').click();
    // In the national format of the store's country, as staff would dial it.
    await expect(member.getByTestId('profile-phone')).toHaveText('020 7946 0999');
    await expect(member.getByTestId('contacts-revealed')).toBeVisible();
    await expectNoAxeViolations(page);
    await screenshot(page, `38-contacts-revealed-${language}`);
    await page.getByTestId('nav-audit').click();
    await page.getByTestId('audit-filter-action').selectOption('member.contacts_revealed');
    await expect(page.getByTestId('audit-row')).toHaveCount(1);
  });
}
