import { X509Certificate } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Page } from '@playwright/test';
import { generate } from 'selfsigned';
import en from '../../src/renderer/i18n/en.json' with { type: 'json' };
import ru from '../../src/renderer/i18n/ru.json' with { type: 'json' };
import { STAFF, expect, expectNoAxeViolations, loginAs, screenshot, test } from './fixtures';

/**
 * Pairing and the sync screen on tills that are not paired, without an HQ: the first-run screen
 * offers both paths, the pairing form checks what is typed, and a stand-in TLS server (not HQ: it
 * only presents a certificate and refuses the code) shows the fingerprint step and a refused code.
 */

interface StandIn {
  url: string;
  fingerprint: string;
  close: () => Promise<void>;
}

/** An HTTPS server with a fresh self-signed certificate that refuses every pairing code as HQ would. */
async function startStandIn(): Promise<StandIn> {
  const pems = await generate([{ name: 'commonName', value: 'Stand-in, not HQ' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
  });
  const server: Server = createServer({ key: pems.private, cert: pems.cert }, (request, response) => {
    request.resume();
    request.on('end', () => {
      response.writeHead(400, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ code: 'pairing_code_invalid', message: 'The pairing code is not valid.' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}`,
    fingerprint: new X509Certificate(pems.cert).fingerprint256,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function pairingForm(page: Page) {
  return {
    url: page.getByLabel(en.pairing.hqUrl, { exact: true }),
    check: page.getByRole('button', { name: en.pairing.check, exact: true }),
    same: page.getByLabel(en.pairing.fingerprintSame, { exact: true }),
    code: page.getByLabel(en.pairing.code, { exact: true }),
    name: page.getByLabel(en.pairing.deviceName, { exact: true }),
    pair: page.getByRole('button', { name: en.pairing.submit, exact: true }),
  };
}

test('first run offers pairing with HQ first, checks the address, and shows the certificate fingerprint to compare', async ({
  page,
  freshTill,
}) => {
  const standIn = await startStandIn();
  try {
    await page.goto(freshTill.url);
    await expect(page.getByRole('heading', { name: en.bootstrap.pairTitle, exact: true })).toBeVisible();
    await expect(page.getByTestId('bootstrap-form')).toBeVisible();
    const form = pairingForm(page);
    // The primary path takes the focus: the HQ address can be typed at once.
    await expect(form.url).toBeFocused();
    await expectNoAxeViolations(page);
    await screenshot(page, '50-first-run-pair-en');

    // Not a secure address: the field says why, and keeps the focus.
    await page.keyboard.type('http://hq.example.com:8443');
    await page.keyboard.press('Enter');
    await expect(form.url).toHaveAttribute('aria-invalid', 'true');
    await expect(form.url).toHaveAccessibleDescription(new RegExp(escape(en.pairing.hqUrlInvalid)));
    await expect(form.url).toBeFocused();
    await expectNoAxeViolations(page);
    await screenshot(page, '51-first-run-http-refused-en');

    // Nothing listens there: a general message, in the form.
    await form.url.fill('https://127.0.0.1:9');
    await form.check.click();
    await expect(page.getByRole('alert').filter({ hasText: en.errors.hq_unreachable })).toBeVisible();

    // Typed without a scheme: https:// is assumed. The fingerprint shown is the server's, grouped.
    await form.url.fill(standIn.url.replace('https://', ''));
    await form.check.click();
    await expect(form.url).toHaveValue(standIn.url);
    await expect(page.getByTestId('hq-fingerprint')).toHaveText(standIn.fingerprint);
    const groups = standIn.fingerprint.split(':');
    await expect(page.getByText(groups.slice(0, 4).join(':'), { exact: true }).first()).toBeVisible();
    await expect(page.getByText(groups.slice(-4).join(':'), { exact: true }).first()).toBeVisible();
    await expect(form.name).toHaveValue(en.pairing.deviceNameDefault);

    // Pair needs the comparison confirmed and a code of the right shape.
    await form.code.fill('abc');
    await form.pair.click();
    await expect(form.same).toBeFocused();
    await expect(form.same).toHaveAttribute('aria-invalid', 'true');
    await expect(form.code).toHaveAccessibleDescription(new RegExp(escape(en.pairing.codeFormat)));
    await expectNoAxeViolations(page);
    await screenshot(page, '52-first-run-fingerprint-en');

    // Forgiving input: case, spaces and dashes do not matter, O reads as 0.
    await form.same.check();
    await form.code.fill('');
    await form.code.pressSequentially('7k3m 9qxd 2hfo');
    await expect(form.code).toHaveValue('7K3M-9QXD-2HF0');
    await form.pair.click();
    // The stand-in refuses every code, as HQ refuses a wrong one: said at the code field.
    await expect(form.code).toHaveAccessibleDescription(new RegExp(escape(en.errors.pairing_code_invalid)));
    await expect(form.code).toBeFocused();
    await expect(page.getByTestId('bootstrap-form')).toBeVisible();

    // A new address needs a new check.
    await form.url.fill('https://hq.example.com');
    await expect(page.getByTestId('hq-fingerprint')).toHaveCount(0);

    await page.getByTestId('language-ru').click();
    await expect(page.getByRole('heading', { name: ru.bootstrap.pairTitle, exact: true })).toBeVisible();
    await expectNoAxeViolations(page);
    await screenshot(page, '53-first-run-pair-ru');
  } finally {
    await standIn.close();
  }
});

test('a till HQ revoked says so on the first-run screen', async ({ page, freshTill }) => {
  // A harness till cannot be revoked without an HQ: its app info is given the date a wiped till reports.
  await page.route('**/__harness/ipc/app.getInfo', async (route) => {
    const response = await route.fetch();
    const body = (await response.json()) as { ok: boolean; value?: { revokedAt: string | null } };
    if (body.value) body.value.revokedAt = '2026-03-09T12:30:00.000Z';
    await route.fulfill({ response, json: body });
  });
  await page.goto(freshTill.url);
  const notice = page.getByRole('alert').filter({ hasText: /HQ revoked this till on .*2026/ });
  await expect(notice).toContainText('its local data has been erased. Pair it again to continue.');
  await expect(page.getByLabel(en.pairing.hqUrl, { exact: true })).toBeFocused();
  await expectNoAxeViolations(page);
  await screenshot(page, '56-first-run-revoked-en');
});

test('the sync screen of an unpaired till: explained to all, with the pairing form for managers', async ({
  page,
  harness,
}) => {
  await page.goto(harness.url);
  await loginAs(page, STAFF.mia);

  // The header says the till is not paired, and opens the sync screen.
  const indicator = page.getByRole('button', { name: new RegExp(`^${escape(en.syncIndicator.label)}`) });
  await expect(indicator).toContainText(en.syncIndicator.states.unpaired);
  await indicator.click();
  await expect(page.getByTestId('nav-sync')).toHaveAttribute('aria-selected', 'true');
  await expect(indicator).toHaveAttribute('aria-current', 'page');
  const unpaired = page.getByRole('region', { name: en.syncView.unpairedTitle });
  await expect(unpaired).toContainText(en.syncView.unpairedText);
  await expect(page.getByRole('button', { name: en.syncView.syncNow })).toHaveCount(0);

  const form = pairingForm(page);
  await form.url.fill('http://hq.example.com');
  await form.url.press('Enter');
  await expect(form.url).toHaveAttribute('aria-invalid', 'true');
  await expect(form.url).toHaveAccessibleDescription(new RegExp(escape(en.pairing.hqUrlInvalid)));
  await form.url.fill('');
  await form.check.click();
  await expect(form.url).toHaveAccessibleDescription(new RegExp(escape(en.fieldIssues.required)));
  await expectNoAxeViolations(page);
  await screenshot(page, '54-sync-unpaired-manager-en');

  await page.getByTestId('language-ru').click();
  await expect(page.getByTestId('nav-sync')).toHaveText(ru.nav.sync);
  await expect(page.getByRole('region', { name: ru.syncView.unpairedTitle })).toBeVisible();
  await expectNoAxeViolations(page);
  await screenshot(page, '55-sync-unpaired-manager-ru');
  await page.getByTestId('language-en').click();

  // A cashier sees the explanation too, but not the form.
  await page.getByTestId('lock-button').click();
  await loginAs(page, STAFF.carl);
  await page.getByTestId('nav-sync').click();
  await expect(unpaired).toContainText(en.syncView.unpairedAskManager);
  await expect(page.getByLabel(en.pairing.hqUrl, { exact: true })).toHaveCount(0);
  await expectNoAxeViolations(page);
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
