import { randomBytes } from 'node:crypto';
import { request as httpsRequest } from 'node:https';
import type { Browser, Page } from '@playwright/test';
import { startDemoHq, stopDemoHq, type DemoHq } from './demo-hq';
import { expect, expectNoAxeViolations, screenshot, test } from './fixtures';
import { AUDIT_GENESIS_HASH, auditChainLink } from '../../src/node-shared/audit-chain-link';
import { canonicalJson } from '../../src/shared/canonical-json';
import type { AuditUploadEntry } from '../../src/shared/sync/protocol';
import { totpCodeAt } from '../../packages/hq/src/operators/totp';
import en from '../../packages/hq/console/src/i18n/en.json' with { type: 'json' };
import ru from '../../packages/hq/console/src/i18n/ru.json' with { type: 'json' };

/**
 * The console's Alerts page (issue 14) in Chromium: the chain admin finds no alert and sets the demo
 * store's members_opened rule to 40 an hour (a refused threshold shown beside its field first); two
 * tills of the store upload their audit chains, in which Carl Cashier opens 25 members on each within
 * the hour; HQ raises one alert across the tills, which the admin reads in plain words with members
 * masked; a store operator resolves it with a reason code, then reads the page in Russian. axe on each state, screenshots at 1280x800 and
 * 1024x768 (artifacts/screenshots/console-alerts-*).
 */
const PASSWORD = 'violet kettle harbour 7 lanterns';
const codeAfter = (secret: string, steps: number): string => totpCodeAt(secret, new Date(Date.now() + steps * 30_000));
const fill = (text: string, values: Record<string, string>) =>
  text.replace(/\{\{(\w+)\}\}/g, (_, name: string) => values[name] ?? '');

type Viewport = { width: number; height: number };
interface Operator {
  email: string;
  secret: string;
  step: number;
}

/** POST to the demo HQ, checking its certificate is the one it printed (as a till pins it). */
function post(hq: DemoHq, path: string, body: unknown, token?: string): Promise<{ status: number; body: unknown }> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      new URL(path, hq.url),
      {
        method: 'POST',
        rejectUnauthorized: false,
        headers: {
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(payload)),
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
      },
      (res) => {
        const socket = res.socket as import('node:tls').TLSSocket;
        if (socket.getPeerCertificate().fingerprint256 !== hq.values.HQ_CERT_SHA256) {
          reject(new Error('not the demo HQ certificate'));
          return;
        }
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString()) }),
        );
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** A till's audit chain of member opens by `staffId`, a minute apart from `from`, as a till chains it. */
function opensChain(staffId: string, memberIds: readonly string[], from: number): AuditUploadEntry[] {
  const key = randomBytes(32);
  const entries: AuditUploadEntry[] = [];
  let prevHash = AUDIT_GENESIS_HASH;
  memberIds.forEach((memberId, i) => {
    const fields = {
      seq: i + 1,
      at: new Date(from + i * 120_000).toISOString(),
      staffId,
      action: 'member.viewed',
      subjectType: 'member',
      subjectId: memberId,
    };
    const hash = auditChainLink(key, prevHash, { ...fields, actorId: staffId, detailsJson: canonicalJson({}) });
    entries.push({ ...fields, details: {}, prevHash, hash });
    prevHash = hash;
  });
  return entries;
}

async function enrol(browser: Browser, link: string): Promise<Operator> {
  const context = await browser.newContext({ ignoreHTTPSErrors: true });
  const page = await context.newPage();
  await page.goto(link);
  await expect(page.getByRole('heading', { name: en.enrol.title })).toBeVisible();
  const secret = (await page.getByTestId('totp-secret').innerText()).replace(/\s+/g, '');
  const email = /\(([^()]+@[^()]+)\)/.exec(await page.getByText(/^Account for /).innerText())?.[1] ?? '';
  await page.getByRole('textbox', { name: en.enrol.password, exact: true }).fill(PASSWORD);
  await page.getByRole('textbox', { name: en.enrol.repeat, exact: true }).fill(PASSWORD);
  await page.getByRole('textbox', { name: en.enrol.code, exact: true }).fill(codeAfter(secret, 0));
  await page.getByRole('button', { name: en.enrol.submit, exact: true }).click();
  await expect(page.getByRole('heading', { name: en.enrol.recoveryTitle })).toBeVisible();
  await context.close();
  return { email, secret, step: 0 };
}

async function signIn(browser: Browser, hq: DemoHq, operator: Operator, viewport: Viewport): Promise<Page> {
  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport });
  const page = await context.newPage();
  await page.goto(`${hq.url}/console/`);
  await page.getByRole('textbox', { name: en.login.email, exact: true }).fill(operator.email);
  await page.getByRole('textbox', { name: en.login.password, exact: true }).fill(PASSWORD);
  operator.step += 1;
  await page
    .getByRole('textbox', { name: en.login.secondFactor, exact: true })
    .fill(codeAfter(operator.secret, operator.step));
  await page.keyboard.press('Enter');
  await expect(page.getByRole('button', { name: en.shell.logout })).toBeVisible();
  return page;
}

test.use({ ignoreHTTPSErrors: true, actionTimeout: 15_000 });

test('an alert HQ raised across two tills is read, the policy set, and the alert resolved, in English and Russian', async ({
  browser,
}) => {
  test.setTimeout(240_000);
  const hq = await startDemoHq({ members: 50, args: ['--port', '0', '--demo-tills', '2'] });
  try {
    // --- The chain admin adds a store operator, then opens Alerts. ---
    const admin = await signIn(browser, hq, await enrol(browser, hq.values.DEMO_ADMIN_ENROLMENT_URL!), {
      width: 1280,
      height: 800,
    });
    await admin.goto(`${hq.url}/console/#/operators`);
    await admin.getByRole('textbox', { name: en.operators.email, exact: true }).fill('sofia@chain.example');
    await admin.getByRole('textbox', { name: en.operators.name, exact: true }).fill('Sofia Stores');
    await admin.getByRole('checkbox', { name: en.roles.store_operations, exact: true }).check();
    await admin.getByRole('button', { name: en.operators.addButton, exact: true }).click();
    const link = (await admin.getByTestId('shown-once-secret').innerText()).trim();
    await admin.getByRole('button', { name: en.common.done, exact: true }).click();

    await admin.getByRole('link', { name: en.pages.alerts, exact: true }).click();
    await expect(admin.getByRole('heading', { level: 1, name: en.pages.alerts })).toBeFocused();
    await expect(admin.getByText(en.alerts.empty)).toBeVisible();
    // --- The store's detection policy: a refused threshold beside its field, then saved. ---
    const opened = admin.getByRole('group', { name: en.alerts.rules.members_opened, exact: true });
    await opened.getByRole('textbox', { name: en.alerts.fields.threshold, exact: true }).fill('-1');
    await admin.getByRole('button', { name: en.alerts.savePolicy, exact: true }).click();
    await expect(opened.getByText(en.alerts.fieldErrors.too_small)).toBeVisible();
    await expect(opened.getByRole('textbox', { name: en.alerts.fields.threshold, exact: true })).toHaveAttribute(
      'aria-invalid',
      'true',
    );
    await opened.getByRole('textbox', { name: en.alerts.fields.threshold, exact: true }).fill('40');
    await admin.getByRole('button', { name: en.alerts.savePolicy, exact: true }).click();
    await expect(admin.getByText(fill(en.alerts.policySaved, { version: '1' }))).toBeVisible();
    await expect(admin.getByText(/^Version 1 · /)).toBeVisible();
    await expectNoAxeViolations(admin);

    // --- Two tills of the demo store; Carl opens 25 members on each within the hour. ---
    const tokens: string[] = [];
    for (const [code, name] of [
      [hq.values.PAIRING_CODE!, 'Front till'],
      [hq.values.PAIRING_CODE_2!, 'Back till'],
    ] as const) {
      const paired = await post(hq, '/v1/pair', { pairingCode: code, deviceName: name });
      expect(paired.status).toBe(200);
      tokens.push((paired.body as { deviceToken: string }).deviceToken);
    }
    const members = Array.from({ length: 50 }, (_, i) => `hq-${String(i + 1).padStart(9, '0')}`);
    const start = Date.now() - 55 * 60_000;
    const a = await post(hq, '/v1/audit', { entries: opensChain('demo-carl', members.slice(0, 25), start) }, tokens[0]);
    const b = await post(
      hq,
      '/v1/audit',
      { entries: opensChain('demo-carl', members.slice(25), start + 60_000) },
      tokens[1],
    );
    expect([a.body, b.body]).toMatchObject([
      { status: 'accepted', stored: 25 },
      { status: 'accepted', stored: 25 },
    ]);

    // HQ raised it at the second upload: the page reads the list again.
    await admin.reload();
    const row = admin.getByTestId('alert-row').filter({ hasText: en.alerts.rules.members_opened });
    await expect(row).toContainText('Carl Cashier opened 50 different members (threshold 40).');
    await expect(row).toContainText("raised by HQ across the store's tills");
    // Members masked: initials and the card's last digits, never a name or a contact.
    await expect(row.getByRole('listitem').first()).toHaveText(/^[A-ZА-Я]\. [A-ZА-Я]\. ••\d{4}$/);
    await expect(row).not.toContainText('@');
    // The chain admin reads but does not resolve.
    await expect(row.getByRole('button', { name: en.alerts.resolve })).toHaveCount(0);
    await expectNoAxeViolations(admin);
    await screenshot(admin, 'console-alerts-en');

    // --- The store operator resolves it at 1024x768, by keyboard in the dialog. ---
    const sofia = await signIn(browser, hq, await enrol(browser, link), { width: 1024, height: 768 });
    await sofia.goto(`${hq.url}/console/#/alerts`);
    const open = sofia.getByTestId('alert-row').filter({ hasText: en.alerts.rules.members_opened });
    await open.getByRole('button', { name: en.alerts.resolve, exact: true }).click();
    const dialog = sofia.getByRole('dialog', { name: en.alerts.resolveTitle });
    await expect(dialog).toBeVisible();
    await dialog.getByRole('button', { name: en.alerts.actions.acknowledge, exact: true }).click();
    await expect(dialog.getByText(en.alerts.reasonMissing)).toBeVisible();
    await dialog.getByRole('combobox', { name: en.alerts.reasonLabel }).selectOption('staff_spoken_to');
    await expectNoAxeViolations(sofia);
    await screenshot(sofia, 'console-alerts-resolve-1024');
    await dialog.getByRole('button', { name: en.alerts.actions.acknowledge, exact: true }).click();
    await expect(sofia.getByText(fill(en.alerts.resolved, { status: en.alerts.statuses.acknowledged }))).toBeVisible();
    // The list shows open alerts by default: this one has left it.
    await expect(sofia.getByTestId('alert-row').filter({ hasText: en.alerts.rules.members_opened })).toHaveCount(0);
    await sofia.getByRole('combobox', { name: en.alerts.filters.status }).selectOption('acknowledged');
    await sofia.getByRole('button', { name: en.alerts.filters.apply, exact: true }).click();
    await expect(sofia.getByTestId('alert-row')).toContainText(en.alerts.reasons.staff_spoken_to);

    // --- In Russian. ---
    await sofia.getByRole('combobox', { name: en.shell.language }).selectOption('ru');
    await expect(sofia.getByRole('heading', { level: 1, name: ru.pages.alerts })).toBeVisible();
    await expect(sofia.getByTestId('alert-row')).toContainText(
      'Carl Cashier: открыто разных участников — 50 (порог 40).',
    );
    await expect(sofia.getByTestId('alert-row')).toContainText(ru.alerts.statuses.acknowledged);
    // The last message is said again in Russian.
    await expect(sofia.getByText(fill(ru.alerts.resolved, { status: ru.alerts.statuses.acknowledged }))).toBeVisible();
    await expectNoAxeViolations(sofia);
    await screenshot(sofia, 'console-alerts-ru-1024');
  } finally {
    await stopDemoHq(hq);
  }
});
