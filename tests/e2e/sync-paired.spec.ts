import en from '../../src/renderer/i18n/en.json' with { type: 'json' };
import { startDemoHq, stopDemoHq } from './demo-hq';
import { STAFF, expect, expectNoAxeViolations, loginAs, screenshot, test } from './fixtures';

/**
 * A new user pairs a fresh till with a real HQ (the embedded demo HQ `npm run hq -- --demo`
 * starts, over HTTPS with its self-signed certificate), from the first-run screen, comparing the
 * fingerprint; the roster arrives; a manager signs in, looks at the sync screen, syncs and sends the
 * day end, and sees HQ's reconciled report.
 */
test('a fresh till pairs with HQ from the first-run screen, gets its staff, syncs and reconciles its day', async ({
  page,
  freshTill,
}) => {
  test.setTimeout(120_000);
  const demo = await startDemoHq({ members: 300 });
  const hq = { url: demo.url, fingerprint: demo.values.HQ_CERT_SHA256!, pairingCode: demo.values.PAIRING_CODE! };
  try {
    await page.goto(freshTill.url);
    const url = page.getByLabel(en.pairing.hqUrl, { exact: true });
    await expect(url).toBeFocused();
    await url.fill(hq.url);
    await page.getByRole('button', { name: en.pairing.check, exact: true }).click();
    // The fingerprint shown is HQ's: the one `npm run hq` printed.
    await expect(page.getByTestId('hq-fingerprint')).toContainText(hq.fingerprint);
    await expectNoAxeViolations(page);
    await page.getByLabel(en.pairing.fingerprintSame, { exact: true }).check();
    // Typed the forgiving way: lower case, without dashes.
    await page.getByLabel(en.pairing.code, { exact: true }).fill(hq.pairingCode.replaceAll('-', '').toLowerCase());
    await screenshot(page, '60-pair-with-real-hq-en');
    await page.getByRole('button', { name: en.pairing.submit, exact: true }).click();

    // Paired: the roster comes from HQ, then the lock screen.
    await expect(page.getByTestId('lock-screen')).toBeVisible({ timeout: 30_000 });
    await loginAs(page, STAFF.mia);
    await screenshot(page, '61-paired-signed-in-en');

    // The roster is HQ's: no local "add staff" on a paired till, and it says where that happens.
    await page.getByRole('tab', { name: en.nav.staff }).click();
    await expect(page.getByText(en.staff.managedAtHq)).toBeVisible();
    await expectNoAxeViolations(page);
    await screenshot(page, '63-paired-staff-managed-at-hq-en');

    await page.getByTestId('nav-sync').click();
    await expect(page.getByRole('heading', { name: en.syncView.connection })).toBeVisible();
    await expect(page.getByText('Demo High Street').first()).toBeVisible();
    await page.getByRole('button', { name: en.syncView.syncNow }).click();
    await expect(page.getByText(en.syncView.states.online).first()).toBeVisible({ timeout: 30_000 });
    await expect(page.getByText(en.syncView.pendingEmpty)).toBeVisible();
    await expectNoAxeViolations(page);

    await page.getByRole('button', { name: en.syncView.dayEnd, exact: true }).click();
    await page.getByRole('button', { name: en.syncView.dayEndConfirm }).click();
    await expect(page.getByRole('heading', { name: en.dayEnd.resultTitle })).toBeVisible({ timeout: 30_000 });
    await expect(page.getByText(en.dayEnd.statuses.reconciled).first()).toBeVisible();
    await expectNoAxeViolations(page);
    await screenshot(page, '62-day-end-reconciled-en');
  } finally {
    await stopDemoHq(demo);
  }
});
