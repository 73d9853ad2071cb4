import { createHash, X509Certificate } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, expect, test, type Browser, type Page } from '@playwright/test';
import { loadOrCreateTls } from '../../packages/hq/src/tls';
import { totpCodeAt } from '../../packages/hq/src/operators/totp';
import en from '../../packages/hq/console/src/i18n/en.json' with { type: 'json' };
import config from '../../playwright.config';
import { startDemoHq, stopDemoHq, type DemoHq } from './demo-hq';
import { expectNoAxeViolations, screenshot } from './fixtures';

/**
 * Passkeys in the HQ console, in Chromium with its virtual authenticator (CDP WebAuthn domain): the
 * demo admin enrols, signs in with a TOTP code, adds a passkey on the Security page, signs out and
 * signs in again with password + passkey. WebAuthn needs a host name (RP ID 'localhost') and a page
 * without certificate errors, so HQ's self-signed certificate is made first and Chromium is told to
 * trust its public key (--ignore-certificate-errors-spki-list), and HQ is started with
 * --public-url https://localhost:PORT.
 */
const PASSWORD = 'violet kettle harbour 7 lanterns';

interface PasskeyHq extends DemoHq {
  /** Base64 SHA-256 of HQ's certificate's public key, for --ignore-certificate-errors-spki-list. */
  spki: string;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function startPasskeyHq(): Promise<PasskeyHq> {
  const dataDir = mkdtempSync(join(tmpdir(), 'loyalty-e2e-passkey-'));
  // The certificate HQ will use, made here first (HQ keeps the one it finds in its data folder).
  const tls = await loadOrCreateTls({ dataDir });
  const cert = new X509Certificate(tls.cert);
  expect(cert.subjectAltName).toContain('DNS:localhost');
  const spki = createHash('sha256')
    .update(cert.publicKey.export({ type: 'spki', format: 'der' }))
    .digest('base64');
  const port = await freePort();
  const url = `https://localhost:${port}`;
  const hq = await startDemoHq({ members: 5, dataDir, args: ['--port', String(port), '--public-url', url] });
  expect(hq.values.HQ_CERT_SHA256).toBe(tls.fingerprint256);
  expect(hq.values.HQ_CONSOLE).toBe(`${url}/console/`);
  return { ...hq, url, spki };
}

const shot = (page: Page, name: string) => screenshot(page, `console-passkey-${name}`);

const codeAfter = (secret: string, steps: number): string => totpCodeAt(secret, new Date(Date.now() + steps * 30_000));

async function fillLogin(page: Page, hq: PasskeyHq, email: string): Promise<void> {
  await page.goto(`${hq.url}/console/`);
  await expect(page.getByRole('heading', { name: en.login.title })).toBeVisible();
  await page.getByRole('textbox', { name: en.login.email, exact: true }).fill(email);
  await page.getByRole('textbox', { name: en.login.password, exact: true }).fill(PASSWORD);
}

test('an operator adds a passkey on the Security page and signs in with password + passkey', async () => {
  test.setTimeout(180_000);
  const hq = await startPasskeyHq();
  let browser: Browser | undefined;
  try {
    const launch = config.use?.launchOptions ?? {};
    browser = await chromium.launch({
      ...launch,
      args: [...(launch.args ?? []), `--ignore-certificate-errors-spki-list=${hq.spki}`],
    });
    const context = await browser.newContext({ viewport: { width: 1024, height: 768 }, locale: 'en-GB' });
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: {
        protocol: 'ctap2',
        transport: 'internal',
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
      },
    });

    // --- Enrol the demo admin (password, TOTP from the secret the page shows). ---
    expect(hq.values.DEMO_ADMIN_ENROLMENT_URL!.startsWith(`${hq.url}/console/#/enrol/`)).toBe(true);
    await page.goto(hq.values.DEMO_ADMIN_ENROLMENT_URL!);
    await expect(page.getByRole('heading', { name: en.enrol.title })).toBeVisible();
    const secret = (await page.getByTestId('totp-secret').innerText()).replace(/\s+/g, '');
    const email = /\(([^()]+@[^()]+)\)/.exec(await page.getByText(/^Account for /).innerText())?.[1] ?? '';
    await page.getByRole('textbox', { name: en.enrol.password, exact: true }).fill(PASSWORD);
    await page.getByRole('textbox', { name: en.enrol.repeat, exact: true }).fill(PASSWORD);
    await page.getByRole('textbox', { name: en.enrol.code, exact: true }).fill(codeAfter(secret, 0));
    await page.getByRole('button', { name: en.enrol.submit, exact: true }).click();
    await expect(page.getByRole('heading', { name: en.enrol.recoveryTitle })).toBeVisible();

    // --- Sign in with the TOTP code; the login page offers a passkey (opened by a host name). ---
    await fillLogin(page, hq, email);
    await expect(page.getByRole('button', { name: en.login.passkey, exact: true })).toBeVisible();
    await expect(page.getByText(en.login.passkeyNeedsHostName)).toHaveCount(0);
    await page.getByRole('textbox', { name: en.login.secondFactor, exact: true }).fill(codeAfter(secret, 1));
    await page.getByRole('button', { name: en.login.submit, exact: true }).click();
    await expect(page.getByRole('button', { name: en.shell.logout })).toBeVisible();

    // --- Security page: no passkey yet; add one with the virtual authenticator. ---
    await page.getByRole('link', { name: en.pages.security, exact: true }).click();
    await expect(page.getByRole('heading', { level: 1, name: en.pages.security })).toBeVisible();
    await expect(page.getByText(en.security.empty)).toBeVisible();
    await page.getByRole('textbox', { name: en.security.label, exact: true }).fill('Virtual key');
    await page.getByRole('button', { name: en.security.add, exact: true }).click();
    await expect(page.getByRole('status').getByText(en.security.added)).toBeVisible();
    await expect(page.getByRole('rowheader', { name: 'Virtual key' })).toBeVisible();
    const stored = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    expect(stored.credentials).toHaveLength(1);
    expect(stored.credentials[0]).toMatchObject({ isResidentCredential: true, rpId: 'localhost', signCount: 1 });
    await expectNoAxeViolations(page);
    await shot(page, 'security-en');

    // --- Sign out, then sign in with password + passkey (no code typed). ---
    await page.getByRole('button', { name: en.shell.logout }).click();
    await expect(page.getByRole('heading', { name: en.login.title })).toBeVisible();
    await fillLogin(page, hq, email);
    await expectNoAxeViolations(page);
    await shot(page, 'login-en');
    await page.getByRole('button', { name: en.login.passkey, exact: true }).click();
    await expect(page.getByRole('button', { name: en.shell.logout })).toBeVisible();
    const used = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    expect(used.credentials[0]?.signCount).toBe(2);

    // The passkey now shows when it was last used.
    await page.goto(`${hq.url}/console/#/security`);
    const row = page.getByRole('row', { name: /Virtual key/ });
    await expect(row.getByRole('cell')).toHaveCount(3);
    await expect(row.getByRole('cell').nth(1)).not.toHaveText('—');
    await expect(row.locator('time')).toHaveCount(2);
    await expectNoAxeViolations(page);
    await shot(page, 'signed-in-with-passkey-en');

    // --- A wrong password with the right passkey: the one refusal, no session. ---
    await page.getByRole('button', { name: en.shell.logout }).click();
    await fillLogin(page, hq, email);
    await page.getByRole('textbox', { name: en.login.password, exact: true }).fill('not the password at all');
    await page.getByRole('button', { name: en.login.passkey, exact: true }).click();
    await expect(page.getByRole('alert').getByText(en.login.failed)).toBeVisible();
    await expect(page.getByRole('button', { name: en.shell.logout })).toHaveCount(0);
    await context.close();
  } finally {
    await browser?.close();
    await stopDemoHq(hq);
  }
});
