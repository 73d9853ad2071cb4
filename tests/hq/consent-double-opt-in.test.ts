// Double opt-in for marketing e-mail (issue 13; GDPR Art. 7(1), CASL): a till pushes a grant, HQ starts
// a confirmation, the reference mail relay takes it through the real HTTPS console API with a
// mail_relay API token and sends it with nodemailer to a real SMTP server on 127.0.0.1, and the
// member confirms with the token from the received e-mail through the public endpoint.
import { createHash, randomUUID } from 'node:crypto';
import nodemailer from 'nodemailer';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { consoleApiClient } from '../../packages/hq/src/admin/api-client';
import { CONSOLE_API_PREFIX } from '../../packages/hq/src/console/contract';
import { runMailRelayOnce } from '../../packages/hq/src/mail/mail-relay';
import { MARKETING_EMAIL_CONFIRMED_SQL } from '../../packages/hq/src/privacy/consent-confirmation';
import type { PairResponse } from '../../src/shared/sync/protocol';
import { cliConnection, runCli } from './support/admin-cli';
import { consoleRequest, firstAdmin, operatorWith, type ConsoleClient, type RawResponse } from './support/console';
import { BACKENDS, skipBackend, startTestHq, type TestHq } from './support/hq';
import { consentOp, enrollOp, newMemberId, type WireOp } from './support/ops';

const FROM = '"Loyalty programme" <loyalty@chain.example>';
const SUBJECT_EN = 'Please confirm: marketing e-mails from our loyalty programme';
const SUBJECT_RU = 'Подтвердите подписку на рекламные письма программы лояльности';
/** The SMTP server refuses this recipient at RCPT TO (550), as a real one refuses an unknown mailbox. */
const REFUSED_ADDRESS = 'no-such-mailbox@refusing.example';

// --- a minimal reader of what nodemailer sends: headers, encoded words, the two text parts -------

function qpBytes(text: string): Buffer {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '=') {
      bytes.push(Number.parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(text.charCodeAt(i));
  }
  return Buffer.from(bytes);
}

/** RFC 2047 encoded words (B or Q), adjacent ones joined before decoding. */
function decodeWords(value: string): string {
  return value.replace(/(?:=\?[^?]+\?[BbQq]\?[^?]*\?=\s*)+/g, (run) =>
    Buffer.concat(
      [...run.matchAll(/=\?[^?]+\?([BbQq])\?([^?]*)\?=/g)].map(([, encoding = '', text = '']) =>
        encoding.toUpperCase() === 'B' ? Buffer.from(text, 'base64') : qpBytes(text.replace(/_/g, ' ')),
      ),
    ).toString('utf8'),
  );
}

function readHeaders(head: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of head.replace(/\n[ \t]+/g, ' ').split('\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  return headers;
}

function decodeBody(body: string, encoding: string | undefined): string {
  if (encoding?.toLowerCase() === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (encoding?.toLowerCase() === 'quoted-printable') return qpBytes(body.replace(/=\n/g, '')).toString('utf8');
  return body;
}

interface Mail {
  envelopeTo: string[];
  headers: Record<string, string>;
  subject: string;
  text: string;
  html: string;
}

function parseMail(raw: string, envelopeTo: string[]): Mail {
  const normal = raw.replace(/\r\n/g, '\n');
  const split = normal.indexOf('\n\n');
  const headers = readHeaders(normal.slice(0, split));
  const body = normal.slice(split + 2);
  const boundary = /boundary="?([^";]+)"?/.exec(headers['content-type'] ?? '')?.[1];
  const parts: Record<string, string> = {};
  if (boundary === undefined) throw new Error('expected a multipart message (text and HTML)');
  for (const part of body.split(`--${boundary}`).slice(1)) {
    if (part.startsWith('--')) break;
    const at = part.indexOf('\n\n');
    const partHeaders = readHeaders(part.slice(0, at).replace(/^\n/, ''));
    const type = (partHeaders['content-type'] ?? '').split(';')[0] ?? '';
    parts[type] = decodeBody(part.slice(at + 2).replace(/\n$/, ''), partHeaders['content-transfer-encoding']);
  }
  return {
    envelopeTo,
    headers,
    subject: decodeWords(headers.subject ?? ''),
    text: parts['text/plain'] ?? '',
    html: parts['text/html'] ?? '',
  };
}

/** A real SMTP server on 127.0.0.1 (no TLS, no AUTH) that keeps every message it accepts. */
async function startSmtp(): Promise<{ port: number; mails: Mail[]; close(): Promise<void> }> {
  const mails: Mail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onRcptTo(address, _session, callback) {
      if (address.address === REFUSED_ADDRESS) {
        callback(Object.assign(new Error('No such mailbox'), { responseCode: 550 }));
        return;
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        mails.push(
          parseMail(
            Buffer.concat(chunks).toString('utf8'),
            session.envelope.rcptTo.map((to) => to.address),
          ),
        );
        callback();
      });
    },
  });
  const port = await new Promise<number>((resolve) => {
    const listening = server.listen(0, '127.0.0.1', () => {
      const address = listening.address();
      resolve(typeof address === 'object' && address !== null ? address.port : 0);
    });
  });
  return { port, mails, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

const LINK = /https:\/\/127\.0\.0\.1:\d+\/console\/#\/confirm\/([A-Za-z0-9_-]{32}\.[A-Za-z0-9_-]{43})/;

function linkIn(mail: Mail): string {
  const token = LINK.exec(mail.text)?.[1];
  if (token === undefined) throw new Error(`no confirmation link in the mail to ${mail.envelopeTo.join(',')}`);
  return token;
}

const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');
const iso = (value: unknown): string | null =>
  value === null || value === undefined ? null : new Date(value as string).toISOString();

describe.each(BACKENDS)('double opt-in for marketing e-mail on %s', (backend) => {
  describe.skipIf(skipBackend(backend))(backend, () => {
    let hq: TestHq;
    let smtp: Awaited<ReturnType<typeof startSmtp>>;
    let device: PairResponse;
    let seq = 0;
    let relayToken: string;
    let relayOperatorId: string;
    let privacy: ConsoleClient;
    let privacyToken: string;
    const logLines: string[] = [];
    const tokens: string[] = [];

    const people = {
      /** English, confirms, later withdraws. */
      anna: { id: newMemberId(), email: 'anna.confirms@example.com', language: 'en' as const },
      /** Russian, never confirms: a tampered link, then an expired one. */
      boris: { id: newMemberId(), email: 'boris.waits@example.com', language: 'ru' as const },
      /** Grants without an e-mail address: nothing to send. */
      clara: { id: newMemberId(), email: null, language: 'en' as const },
      /** An address but no grant: never mailed. */
      dmitri: { id: newMemberId(), email: 'dmitri.no-grant@example.com', language: 'en' as const },
      /** Grants twice before confirming: the second link replaces the first. */
      elena: { id: newMemberId(), email: 'elena.twice@example.com', language: 'en' as const },
      /** Grants, then withdraws before confirming. */
      fyodor: { id: newMemberId(), email: 'fyodor.withdraws@example.com', language: 'en' as const },
      /** An address the SMTP server refuses. */
      rita: { id: newMemberId(), email: REFUSED_ADDRESS, language: 'en' as const },
    };
    type Person = (typeof people)[keyof typeof people];

    const grant = (person: Person, granted = true): WireOp => {
      const op = consentOp(++seq, person.id, granted);
      return { ...op, payload: { ...op.payload, noticeLanguage: person.language } } as WireOp;
    };

    beforeAll(async () => {
      smtp = await startSmtp();
      hq = await startTestHq(backend, { console: true, logLines });
      const admin = (await firstAdmin(hq)).client;
      const relay = await operatorWith(hq, admin, ['mail_relay']);
      relayOperatorId = relay.enrolled.operatorId;
      const made = await relay.client.call('createApiToken', { roles: ['mail_relay'], expiresInDays: 30 });
      if (made.status !== 200) throw new Error(`createApiToken refused: ${made.text}`);
      relayToken = (made.body as { token: string }).token;
      privacy = (await operatorWith(hq, admin, ['privacy_officer'])).client;
      const privacyMade = await privacy.call('createApiToken', { roles: ['privacy_officer'], expiresInDays: 30 });
      if (privacyMade.status !== 200) throw new Error(`createApiToken refused: ${privacyMade.text}`);
      privacyToken = (privacyMade.body as { token: string }).token;
      device = await hq.pairedDevice();
      const enrolments = Object.values(people).map((person) => {
        const op = enrollOp(++seq, person.id);
        Object.assign(op.payload, { email: person.email });
        return op;
      });
      const pushed = await hq.push(device, [
        ...enrolments,
        grant(people.anna),
        grant(people.boris),
        grant(people.clara),
        grant(people.elena),
        grant(people.fyodor),
        grant(people.rita),
      ]);
      expect(pushed.outcomes.map((outcome) => outcome.outcome)).toEqual(Array(13).fill('applied'));
    }, 180_000);
    afterAll(async () => {
      await hq?.close();
      await smtp?.close();
    });

    const relayApi = () => consoleApiClient({ url: hq.url, certSha256: hq.tls.fingerprint256 }, relayToken);
    const transport = () =>
      nodemailer.createTransport({ host: '127.0.0.1', port: smtp.port, secure: false, ignoreTLS: true });

    const confirm = (token: unknown, headers: Record<string, string> = { origin: hq.url }): Promise<RawResponse> =>
      consoleRequest(hq, 'POST', `${CONSOLE_API_PREFIX}/consent/confirm`, { body: { token }, headers });

    async function confirmations(person: Person) {
      return (
        await hq.db.query<{
          id: string;
          consent_op_id: string;
          language: string;
          token_hash: string | null;
          created_at: Date;
          expires_at: Date;
          dispatched_at: Date | null;
          confirmed_at: Date | null;
          superseded_at: Date | null;
        }>('SELECT * FROM consent_confirmations WHERE member_id = $1 ORDER BY created_at, id', [person.id])
      ).rows;
    }

    const confirmedAt = async (person: Person): Promise<string | null> =>
      iso(
        (
          await hq.db.query<{ at: Date | null }>(
            'SELECT marketing_email_confirmed_at AS at FROM members WHERE id = $1',
            [person.id],
          )
        ).rows[0]?.at,
      );

    const mayBeMailed = async (): Promise<string[]> =>
      (
        await hq.db.query<{ id: string }>(`SELECT id FROM members WHERE ${MARKETING_EMAIL_CONFIRMED_SQL} ORDER BY id`)
      ).rows.map((row) => row.id);

    /**
     * Every HQ table but the operator audit (a refusal is recorded there, by design), and without when
     * a session or an API token was last used (a refused request was still made by someone signed in).
     */
    async function stateWithoutAudit(): Promise<string> {
      const tables = JSON.parse(await hq.snapshot()) as Record<string, Record<string, unknown>[]>;
      delete tables.operator_audit;
      const strip = (table: string, columns: string[]) => {
        tables[table] = (tables[table] ?? []).map((row) =>
          Object.fromEntries(Object.entries(row).filter(([key]) => !columns.includes(key))),
        );
      };
      strip('operator_sessions', ['last_seen_at', 'idle_expires_at']);
      strip('operator_api_tokens', ['last_used_at']);
      return JSON.stringify(tables);
    }

    const mailTo = (person: Person) => smtp.mails.filter((mail) => mail.envelopeTo.includes(person.email ?? '-'));

    test('a grant starts one confirmation per member, expiring after the policy’s 72 hours, with no token stored yet', async () => {
      for (const person of [people.anna, people.boris, people.clara, people.elena, people.fyodor, people.rita]) {
        const rows = await confirmations(person);
        expect(rows).toHaveLength(1);
        expect(rows[0]).toMatchObject({ language: person.language, token_hash: null, dispatched_at: null });
        expect(iso(rows[0]?.expires_at)).toBe(
          new Date(
            Math.floor(new Date(iso(rows[0]?.created_at) ?? '').getTime() / 1000) * 1000 + 72 * 3600_000,
          ).toISOString(),
        );
      }
      expect(await confirmations(people.dmitri)).toEqual([]);
      // Granted, not confirmed: nobody may be sent marketing e-mail yet.
      expect(await mayBeMailed()).toEqual([]);
    });

    test('listing needs mail.dispatch: a privacy officer is refused (403), by session and by API token', async () => {
      const before = await stateWithoutAudit();
      const bySession = await privacy.call('listPendingConfirmations', {});
      expect(bySession.status).toBe(403);
      expect(bySession.body).toMatchObject({ code: 'forbidden' });
      const byCli = await runCli(
        cliConnection(hq, privacyToken),
        'mail-relay',
        '--once',
        '--smtp',
        `smtp://127.0.0.1:${smtp.port}`,
        '--from',
        FROM,
      );
      expect(byCli.code).toBe(2);
      expect(byCli.err).toEqual(['error: forbidden: Your role does not allow mail.dispatch.']);
      expect(await stateWithoutAudit()).toBe(before);
      expect(smtp.mails).toEqual([]);
    });

    test('the relay sends each waiting grant once, in the member’s language, and marks only what the SMTP server accepted', async () => {
      const run = await runMailRelayOnce({
        api: relayApi(),
        transport: transport(),
        from: FROM,
        now: () => hq.clock.now,
      });
      expect(run).toEqual({ listed: 5, sent: 4, refused: 1, marked: 4 });
      expect(smtp.mails.map((mail) => mail.envelopeTo).sort()).toEqual([
        ['anna.confirms@example.com'],
        ['boris.waits@example.com'],
        ['elena.twice@example.com'],
        ['fyodor.withdraws@example.com'],
      ]);
      const anna = mailTo(people.anna)[0];
      const boris = mailTo(people.boris)[0];
      if (!anna || !boris) throw new Error('missing mail');
      expect(anna.subject).toBe(SUBJECT_EN);
      expect(boris.subject).toBe(SUBJECT_RU);
      expect(anna.headers.from).toBe('Loyalty programme <loyalty@chain.example>');
      expect(anna.headers['auto-submitted']).toBe('auto-generated');
      expect(anna.text).toContain('At one of our stores you agreed to receive marketing e-mails');
      expect(boris.text).toContain('В одном из наших магазинов вы согласились получать рекламные письма');
      for (const mail of smtp.mails) {
        const token = linkIn(mail);
        tokens.push(token);
        expect(mail.text).toContain(`${hq.url}/console/#/confirm/${token}`);
        expect(mail.html).toContain(`href="${hq.url}/console/#/confirm/${token}"`);
        // No tracking: no image, no other link than HQ's page.
        expect(mail.html).not.toMatch(/<img/i);
        expect([...mail.html.matchAll(/href="([^"]*)"/g)].map((m) => m[1])).toEqual([
          `${hq.url}/console/#/confirm/${token}`,
        ]);
      }
      // HQ keeps the hash of each link it handed out, and when it was sent; the refused one waits.
      for (const person of [people.anna, people.boris, people.elena, people.fyodor]) {
        const [row] = await confirmations(person);
        expect(row?.token_hash).toBe(sha256(linkIn(mailTo(person)[0] as Mail)));
        expect(iso(row?.dispatched_at)).toBe(hq.clock.now.toISOString());
      }
      const [rita] = await confirmations(people.rita);
      expect(rita?.dispatched_at).toBeNull();
      expect(rita?.token_hash).toMatch(/^[0-9a-f]{64}$/);
      // The listing and the marking are audited as counts.
      const audited = await hq.db.query<{ operator_id: string; action: string; details: unknown }>(
        `SELECT operator_id, action, details FROM operator_audit WHERE action = 'mail.dispatch' ORDER BY seq`,
      );
      expect(
        audited.rows.map((row) => [
          row.operator_id,
          typeof row.details === 'string' ? (JSON.parse(row.details) as unknown) : row.details,
        ]),
      ).toEqual([
        // The privacy officer's two refused tries (session, API token), then the relay's run.
        [privacy.operatorId, { outcome: 'refused', via: 'session' }],
        [privacy.operatorId, { outcome: 'refused', via: 'api_token' }],
        [relayOperatorId, { step: 'listed', listed: 5, limit: 100 }],
        [relayOperatorId, { step: 'dispatched', requested: 4, marked: 4 }],
      ]);
    });

    test('the member confirms with the token from the e-mail: once, with the grant record as the proof', async () => {
      const token = linkIn(mailTo(people.anna)[0] as Mail);
      const confirmed = await confirm(token);
      expect(confirmed.status, confirmed.text).toBe(200);
      expect(confirmed.body).toEqual({ confirmed: true, purpose: 'marketing_email' });
      const at = hq.clock.now.toISOString();
      expect(await confirmedAt(people.anna)).toBe(at);
      expect(await mayBeMailed()).toEqual([people.anna.id]);
      const proof = await hq.db.query<Record<string, unknown>>(
        `SELECT k.purpose, k.granted, k.channel, k.store_id, k.device_id, k.staff_id, k.notice_version,
                k.notice_language, c.confirmed_at
           FROM consent_confirmations c JOIN consents k ON k.op_id = c.consent_op_id WHERE c.member_id = $1`,
        [people.anna.id],
      );
      expect(proof.rows.map((row) => ({ ...row, confirmed_at: iso(row.confirmed_at) }))).toEqual([
        {
          purpose: 'marketing_email',
          granted: true,
          channel: 'counter',
          store_id: device.storeId,
          device_id: device.deviceId,
          staff_id: 'staff-1',
          notice_version: '2026-01',
          notice_language: 'en',
          confirmed_at: at,
        },
      ]);
      const audited = await hq.db.query<{ operator_id: string | null; subject_id: string; details: unknown }>(
        `SELECT operator_id, subject_id, details FROM operator_audit WHERE action = 'consent.confirmed'`,
      );
      const [row] = await confirmations(people.anna);
      expect(
        audited.rows.map((entry) => [
          entry.operator_id,
          entry.subject_id,
          typeof entry.details === 'string' ? (JSON.parse(entry.details) as unknown) : entry.details,
        ]),
      ).toEqual([[null, people.anna.id, { confirmation: row?.id, purpose: 'marketing_email' }]]);

      // The same link again: used.
      const before = await stateWithoutAudit();
      const again = await confirm(token);
      expect(again.status).toBe(400);
      expect(again.body).toEqual({
        code: 'confirmation_invalid',
        message: 'This link cannot confirm anything: it is not valid, or no longer.',
      });
      expect(await stateWithoutAudit()).toBe(before);
      expect(await confirmedAt(people.anna)).toBe(at);
    });

    test('a link with one character changed is refused with the same answer, and changes nothing', async () => {
      const token = linkIn(mailTo(people.boris)[0] as Mail);
      const index = 40;
      const tampered = `${token.slice(0, index)}${token[index] === 'x' ? 'y' : 'x'}${token.slice(index + 1)}`;
      const before = await stateWithoutAudit();
      const refused = await confirm(tampered);
      expect(refused.status).toBe(400);
      expect(refused.body).toEqual({
        code: 'confirmation_invalid',
        message: 'This link cannot confirm anything: it is not valid, or no longer.',
      });
      expect(await stateWithoutAudit()).toBe(before);
      expect(await confirmedAt(people.boris)).toBeNull();
      // Unknown and malformed links get the very same answer.
      for (const other of [`${'A'.repeat(32)}.${'B'.repeat(43)}`, 'not-a-token']) {
        const answer = await confirm(other);
        expect(answer.status).toBe(400);
        expect(answer.body).toEqual(refused.body);
      }
      const refusals = await hq.db.query<{ operator_id: string | null; details: unknown; subject_id: string | null }>(
        `SELECT operator_id, details, subject_id FROM operator_audit WHERE action = 'consent.confirmation_refused'`,
      );
      expect(
        refusals.rows.map((row) => [
          row.operator_id,
          row.subject_id,
          typeof row.details === 'string' ? (JSON.parse(row.details) as unknown) : row.details,
        ]),
      ).toEqual([
        [null, null, {}],
        [null, null, {}],
        [null, null, {}],
        [null, null, {}],
      ]);
    });

    test('the public endpoint takes no other origin and no malformed body, and changes nothing then', async () => {
      const token = linkIn(mailTo(people.boris)[0] as Mail);
      const before = await hq.snapshot();
      const crossOrigin = await confirm(token, { origin: 'https://evil.example' });
      expect(crossOrigin.status).toBe(403);
      expect(crossOrigin.body).toMatchObject({ code: 'csrf_failed' });
      const crossSite = await confirm(token, { origin: hq.url, 'sec-fetch-site': 'cross-site' });
      expect(crossSite.status).toBe(403);
      expect(crossSite.body).toMatchObject({ code: 'csrf_failed' });
      const notText = await confirm(12345);
      expect(notText.status).toBe(400);
      expect(notText.body).toMatchObject({
        code: 'bad_request',
        issues: [{ path: 'token', code: 'invalid_type (expected string)' }],
      });
      expect(await hq.snapshot()).toBe(before);
      expect(await confirmedAt(people.boris)).toBeNull();
    });

    test('a second grant replaces the first link: the first is refused, the second (sent by `mail-relay --once`) confirms', async () => {
      hq.clock.now = new Date(hq.clock.now.getTime() + 60_000);
      await hq.push(device, [grant(people.elena)]);
      const rows = await confirmations(people.elena);
      expect(rows).toHaveLength(2);
      expect(iso(rows[0]?.superseded_at)).toBe(hq.clock.now.toISOString());
      expect(rows[1]).toMatchObject({ superseded_at: null, dispatched_at: null, token_hash: null });

      const sentBefore = smtp.mails.length;
      const cli = await runCli(
        cliConnection(hq, relayToken),
        'mail-relay',
        '--once',
        '--smtp',
        `smtp://127.0.0.1:${smtp.port}`,
        '--from',
        FROM,
      );
      expect(cli.err).toEqual([]);
      expect(cli.code).toBe(0);
      // Elena's new link, and Rita's still waiting (refused again by the SMTP server).
      expect(cli.out).toEqual(['MAIL_LISTED=2', 'MAIL_SENT=1', 'MAIL_REFUSED=1', 'MAIL_MARKED=1']);
      const fresh = smtp.mails.slice(sentBefore);
      expect(fresh.map((mail) => mail.envelopeTo)).toEqual([['elena.twice@example.com']]);
      const [first, second] = mailTo(people.elena).map(linkIn);
      if (first === undefined || second === undefined) throw new Error('expected two mails to Elena');
      tokens.push(second);
      expect(second).not.toBe(first);

      const refused = await confirm(first);
      expect(refused.status).toBe(400);
      expect(refused.body).toMatchObject({ code: 'confirmation_invalid' });
      expect(await confirmedAt(people.elena)).toBeNull();
      const confirmed = await confirm(second);
      expect(confirmed.status, confirmed.text).toBe(200);
      expect(await confirmedAt(people.elena)).toBe(hq.clock.now.toISOString());
      const after = await confirmations(people.elena);
      expect(after.map((row) => [row.confirmed_at === null, row.superseded_at === null])).toEqual([
        [true, false],
        [false, true],
      ]);
      expect(await mayBeMailed()).toEqual([people.anna.id, people.elena.id].sort());
    });

    test('a withdrawal pushed by the till ends the confirmation within that sync, and a waiting link with it', async () => {
      const annaBefore = await confirmations(people.anna);
      await hq.push(device, [grant(people.anna, false), grant(people.fyodor, false)]);
      expect(await confirmedAt(people.anna)).toBeNull();
      expect(await mayBeMailed()).toEqual([people.elena.id]);
      // Anna's confirmation stays on record as what it was: the proof of the consent while it lasted.
      expect(await confirmations(people.anna)).toEqual(annaBefore);
      const [fyodor] = await confirmations(people.fyodor);
      expect(iso(fyodor?.superseded_at)).toBe(hq.clock.now.toISOString());
      const refused = await confirm(linkIn(mailTo(people.fyodor)[0] as Mail));
      expect(refused.status).toBe(400);
      expect(refused.body).toMatchObject({ code: 'confirmation_invalid' });
      expect(await confirmedAt(people.fyodor)).toBeNull();
      // Nothing new is sent: only Rita's refused address still waits.
      const sentBefore = smtp.mails.length;
      const run = await runMailRelayOnce({ api: relayApi(), transport: transport(), from: FROM });
      expect(run).toEqual({ listed: 1, sent: 0, refused: 1, marked: 0 });
      expect(smtp.mails.length).toBe(sentBefore);
    });

    test('a link past the policy’s 72 hours is refused, and an expired confirmation is no longer handed out', async () => {
      const token = linkIn(mailTo(people.boris)[0] as Mail);
      const [row] = await confirmations(people.boris);
      const start = hq.clock.now;
      hq.clock.now = new Date(new Date(iso(row?.expires_at) ?? '').getTime() + 1000);
      try {
        const refused = await confirm(token);
        expect(refused.status).toBe(400);
        expect(refused.body).toMatchObject({ code: 'confirmation_invalid' });
        expect(await confirmedAt(people.boris)).toBeNull();
        const run = await runMailRelayOnce({ api: relayApi(), transport: transport(), from: FROM });
        expect(run).toEqual({ listed: 0, sent: 0, refused: 0, marked: 0 });
      } finally {
        hq.clock.now = start;
      }
    });

    test('the SMTP server saw mail only for grants waiting; no token is in any HQ table or log, no address in the log', async () => {
      expect(smtp.mails.map((mail) => mail.envelopeTo[0]).sort()).toEqual([
        'anna.confirms@example.com',
        'boris.waits@example.com',
        'elena.twice@example.com',
        'elena.twice@example.com',
        'fyodor.withdraws@example.com',
      ]);
      expect(tokens).toHaveLength(5);
      const snapshot = await hq.snapshot();
      const log = logLines.join('\n');
      // Positive control: the log holds the console's lines for the relay's requests.
      expect(log).toContain('"endpoint":"listPendingConfirmations"');
      expect(log).toContain('/console/api/consent/confirm');
      for (const token of tokens) {
        const [body = '', mac = ''] = token.split('.');
        expect(snapshot).toContain(sha256(token));
        for (const piece of [token, body, mac]) {
          expect(snapshot).not.toContain(piece);
          expect(log).not.toContain(piece);
        }
      }
      for (const person of Object.values(people)) {
        if (person.email !== null) expect(log).not.toContain(person.email);
      }
      const audit = JSON.stringify((await hq.db.query('SELECT * FROM operator_audit')).rows);
      expect(audit).not.toContain('@');
    });
  });
});

describe.each(BACKENDS)('the public confirmation endpoint on %s', (backend) => {
  describe.skipIf(skipBackend(backend))(backend, () => {
    let hq: TestHq;
    beforeAll(async () => {
      hq = await startTestHq(backend, { console: { publicRateLimit: { max: 2, windowMs: 60_000 } } });
    }, 60_000);
    afterAll(async () => {
      await hq?.close();
    });

    test('is limited per client address like login: the 3rd try in the window is 429 with Retry-After', async () => {
      const tryOnce = () =>
        consoleRequest(hq, 'POST', `${CONSOLE_API_PREFIX}/consent/confirm`, {
          body: { token: `${randomUUID()}` },
          headers: { origin: hq.url },
        });
      expect((await tryOnce()).status).toBe(400);
      expect((await tryOnce()).status).toBe(400);
      const limited = await tryOnce();
      expect(limited.status).toBe(429);
      expect(limited.body).toMatchObject({ code: 'too_many_requests' });
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    });
  });
});
