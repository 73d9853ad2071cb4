import nodemailer, { type SendMailOptions, type Transporter } from 'nodemailer';
import { AdminClientError, ConsoleApiError, type ConsoleApi } from '../admin/api-client';
import type { ConsoleOutput } from '../console/contract';
import { CodedError } from '../errors';

/**
 * The reference mail service for double opt-in (docs/MAIL.md). HQ sends no mail: this relay, with
 * a mail_relay operator's API token, takes the confirmations waiting through the console API, writes
 * each e-mail in the member's language, hands it to an SMTP server and tells HQ which ones the
 * server accepted. A message the server did not accept stays waiting and is tried at the next run.
 * Nothing here logs or prints an address, a link or an SMTP server's reply text (which may echo the
 * address): only counts and codes.
 */

export const MAIL_RELAY_ERROR_CODES = [
  /** The SMTP server could not be reached or refused the session (not one recipient): nothing more was sent. */
  'smtp_unavailable',
  /** --smtp or --from is missing or not usable. */
  'invalid_argument',
] as const;
export class MailRelayError extends CodedError<(typeof MAIL_RELAY_ERROR_CODES)[number]> {}

type Pending = ConsoleOutput<'listPendingConfirmations'>['confirmations'][number];

/** The most one run takes from HQ (the contract's bound). */
export const MAIL_RELAY_BATCH = 100;

export interface MailRelayDeps {
  api: ConsoleApi;
  /** A nodemailer transport (smtpTransport below, or any other the operator builds). */
  transport: Pick<Transporter, 'sendMail'>;
  /** The From address, e.g. `"Loyalty programme" <loyalty@chain.example>`. */
  from: string;
  now?: () => Date;
}

export interface MailRelayRun {
  /** Confirmations HQ handed out. */
  listed: number;
  /** Accepted by the SMTP server. */
  sent: number;
  /** Refused by the SMTP server for their recipient; tried again next run while they wait. */
  refused: number;
  /** Recorded at HQ as sent. */
  marked: number;
}

const MESSAGES = {
  en: {
    subject: 'Please confirm: marketing e-mails from our loyalty programme',
    lines: (url: string, until: string) => [
      'Hello,',
      '',
      'At one of our stores you agreed to receive marketing e-mails from our loyalty programme at this address.',
      'Before we send any, please confirm that the address is yours and that you want them:',
      '',
      url,
      '',
      `The link works until ${until}.`,
      'If you did not ask for this, ignore this message: without your confirmation we send you no marketing e-mails.',
      'You can withdraw your consent at any time at the counter.',
    ],
    button: 'Confirm my subscription',
  },
  ru: {
    subject: 'Подтвердите подписку на рекламные письма программы лояльности',
    lines: (url: string, until: string) => [
      'Здравствуйте!',
      '',
      'В одном из наших магазинов вы согласились получать рекламные письма программы лояльности на этот адрес.',
      'Прежде чем мы что-либо отправим, подтвердите, что это ваш адрес и что вы хотите их получать:',
      '',
      url,
      '',
      `Ссылка действует до ${until}.`,
      'Если вы ничего такого не просили, просто не отвечайте на это письмо: без вашего подтверждения рекламных писем не будет.',
      'Отозвать согласие можно в любое время на кассе.',
    ],
    button: 'Подтвердить подписку',
  },
} as const;

const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

/** "2026-03-05 09:00 UTC": one unambiguous form in both languages. */
const untilText = (iso: string): string => `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;

/**
 * The e-mail for one confirmation: plain text and a simple HTML part with the same words, no images,
 * no tracking pixel, no redirect: the link is HQ's own page, as it is.
 */
export function composeConfirmationMail(pending: Pending, from: string, now: Date): SendMailOptions {
  const words = MESSAGES[pending.language];
  const lines = words.lines(pending.confirmUrl, untilText(pending.expiresAt));
  const html = [
    `<!doctype html><html lang="${pending.language}"><head><meta charset="utf-8"><title>${escapeHtml(words.subject)}</title></head><body>`,
    ...lines
      .filter((line) => line !== '')
      .map((line) =>
        line === pending.confirmUrl
          ? `<p><a href="${escapeHtml(line)}">${escapeHtml(words.button)}</a></p><p>${escapeHtml(line)}</p>`
          : `<p>${escapeHtml(line)}</p>`,
      ),
    '</body></html>',
  ].join('\n');
  return {
    from,
    to: pending.to,
    subject: words.subject,
    text: `${lines.join('\n')}\n`,
    html,
    date: now,
    // RFC 3834: auto-replies (vacation notices) are not sent back to a generated message.
    headers: { 'Auto-Submitted': 'auto-generated' },
  };
}

/** A refusal of this one message's recipient (5xx/4xx to RCPT or DATA), as opposed to the server being unusable. */
function recipientRefused(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, responseCode } = error as { code?: unknown; responseCode?: unknown };
  return (code === 'EENVELOPE' || code === 'EMESSAGE') && typeof responseCode === 'number' && responseCode >= 400;
}

const accepted = (info: unknown, to: string): boolean => {
  const list = (info as { accepted?: unknown }).accepted;
  return (
    Array.isArray(list) &&
    list.some((entry) => (typeof entry === 'string' ? entry : (entry as { address?: unknown }).address) === to)
  );
};

/**
 * One run: lists up to MAIL_RELAY_BATCH waiting confirmations, sends each, then marks at HQ those
 * the SMTP server accepted. If the server becomes unusable midway, what it accepted so far is still
 * marked, then MailRelayError('smtp_unavailable') is thrown: nothing accepted is ever sent twice
 * because of a later failure.
 */
export async function runMailRelayOnce(deps: MailRelayDeps): Promise<MailRelayRun> {
  const now = deps.now ?? (() => new Date());
  const { confirmations } = await deps.api.call('listPendingConfirmations', { limit: MAIL_RELAY_BATCH });
  const sentIds: string[] = [];
  let refused = 0;
  let failure: MailRelayError | null = null;
  for (const pending of confirmations) {
    try {
      const info: unknown = await deps.transport.sendMail(composeConfirmationMail(pending, deps.from, now()));
      if (accepted(info, pending.to)) sentIds.push(pending.confirmationId);
      else refused += 1;
    } catch (error) {
      if (recipientRefused(error)) {
        refused += 1;
        continue;
      }
      const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
      if (typeof code !== 'string') throw error;
      // The code only: nodemailer's message may quote the server's reply, which may quote the address.
      failure = new MailRelayError('smtp_unavailable', `The SMTP server could not take the mail (${code}).`);
      break;
    }
  }
  const marked = sentIds.length > 0 ? (await deps.api.call('markConfirmationsDispatched', { ids: sentIds })).marked : 0;
  if (failure) throw failure;
  return { listed: confirmations.length, sent: sentIds.length, refused, marked };
}

/** What a run can meet that the next run may not: HQ or the SMTP server unreachable, a refusal by HQ. */
export type MailRelayRunError = MailRelayError | AdminClientError | ConsoleApiError;

const isRunError = (error: unknown): error is MailRelayRunError =>
  error instanceof MailRelayError || error instanceof AdminClientError || error instanceof ConsoleApiError;

/**
 * Runs the relay now and then every `intervalMs` until `signal` aborts. A run that fails for a
 * reason that may pass is reported through `onError` and the next run comes as planned; anything
 * else (a bug) ends the loop.
 */
export async function runMailRelay(
  deps: MailRelayDeps & {
    intervalMs: number;
    signal: AbortSignal;
    onRun: (run: MailRelayRun) => void;
    onError: (error: MailRelayRunError) => void;
  },
): Promise<void> {
  while (!deps.signal.aborted) {
    try {
      deps.onRun(await runMailRelayOnce(deps));
    } catch (error) {
      if (!isRunError(error)) throw error;
      deps.onError(error);
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, deps.intervalMs);
      function done() {
        clearTimeout(timer);
        deps.signal.removeEventListener('abort', done);
        resolve();
      }
      deps.signal.addEventListener('abort', done, { once: true });
    });
  }
}

/**
 * A nodemailer SMTP transport from `smtp://host:port` (STARTTLS when the server offers it) or
 * `smtps://host:port` (TLS from the first byte). Credentials never travel in the URL (it shows in
 * process lists): they come from `credentials`, and with them TLS is required.
 */
/** The From address as given: an address (optionally with a display name), on one line. */
export function checkFromAddress(from: string | undefined): string {
  if (from === undefined || !/^[^\r\n]*@[^\r\n]*$/.test(from) || from.length > 320)
    throw new MailRelayError('invalid_argument', 'Give --from ADDRESS (e.g. loyalty@chain.example).');
  return from;
}

export function smtpTransport(
  url: string | undefined,
  credentials: { user?: string | undefined; pass?: string | undefined } = {},
): Transporter {
  let parsed: URL;
  try {
    parsed = new URL(url ?? '');
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    throw new MailRelayError('invalid_argument', 'Give --smtp smtp://HOST:PORT (or smtps://HOST:PORT).');
  }
  if (parsed.protocol !== 'smtp:' && parsed.protocol !== 'smtps:')
    throw new MailRelayError('invalid_argument', 'Give --smtp smtp://HOST:PORT (or smtps://HOST:PORT).');
  if (parsed.username !== '' || parsed.password !== '')
    throw new MailRelayError(
      'invalid_argument',
      'Credentials do not go in --smtp: set LOYALTY_SMTP_USER and LOYALTY_SMTP_PASSWORD instead.',
    );
  if (parsed.pathname !== '' && parsed.pathname !== '/')
    throw new MailRelayError('invalid_argument', '--smtp takes a host and a port, nothing after them.');
  const secure = parsed.protocol === 'smtps:';
  const port = parsed.port === '' ? (secure ? 465 : 587) : Number(parsed.port);
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  const auth =
    credentials.user !== undefined && credentials.user !== ''
      ? { auth: { user: credentials.user, pass: credentials.pass ?? '' }, requireTLS: !secure }
      : {};
  return nodemailer.createTransport({ host, port, secure, ...auth });
}
