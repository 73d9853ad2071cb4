import { createHash, createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { CONSENT_PURPOSES, type ConsentPurpose } from '../../../../src/shared/consents/purposes';
import { LANGUAGES, type Language } from '../../../../src/shared/i18n/languages';
import { CONFIRMATION_TOKEN_PATTERN } from '../console/contract';
import type { Queryable } from '../db/database';
import { CodedError } from '../errors';
import { lockMember } from '../members/member-state';
import { readPrivacyPolicy } from './policy';
import type { DataKeys } from '../keys/data-keys';
import { MEMBER_EMAIL, sealedAt } from '../keys/sealed-columns';

/**
 * Double opt-in for marketing e-mail (GDPR Art. 7(1), CASL: the sender must be able to prove the
 * consent). A grant pushed by a till starts a confirmation; marketing e-mail counts only once the
 * member opened the link sent to their address and confirmed. The proof is then the grant record
 * (purpose, channel, store, device, staff, notice version and language, time: the consents row the
 * confirmation names) plus the time of the confirmation.
 *
 * The link's token is base64url(confirmation id ‖ expiry in seconds) '.' base64url(HMAC-SHA256 of
 * those 24 bytes) under the derived key 'consent-confirmation'. HQ keeps only its SHA-256 and can
 * make it again from the row whenever the mail service asks, so the token itself is stored nowhere.
 */

/** Marketing e-mail that may be sent: granted and confirmed. The one copy of the rule (see marketingEmailConfirmedSql). */
export function marketingEmailConfirmedSql(alias: string): string {
  if (!/^[a-z_][a-z0-9_]{0,30}$/.test(alias))
    throw new TypeError('marketingEmailConfirmedSql: alias must be an SQL name');
  return `(${alias}.marketing_email AND ${alias}.marketing_email_confirmed_at IS NOT NULL)`;
}

/** The rule for a query over `members` without an alias, e.g. `SELECT … FROM members WHERE ${…}`. */
export const MARKETING_EMAIL_CONFIRMED_SQL = marketingEmailConfirmedSql('members');

const ID_BYTES = 16;
const EXPIRY_BYTES = 8;
const BODY_BYTES = ID_BYTES + EXPIRY_BYTES;
const MAC_BYTES = 32;
/** The largest time a JavaScript Date holds, in seconds: a larger expiry cannot come from HQ. */
const MAX_DATE_SECONDS = 8_640_000_000_000n;

export const CONFIRMATION_ERROR_CODES = ['confirmation_invalid'] as const;
/** A link that confirms nothing. Deliberately one code and one message whatever the cause. */
export class ConsentConfirmationError extends CodedError<(typeof CONFIRMATION_ERROR_CODES)[number]> {
  constructor() {
    super('confirmation_invalid', 'This link cannot confirm anything: it is not valid, or no longer.');
  }
}

const wholeSeconds = (at: Date): number => Math.floor(at.getTime() / 1000);

function tokenBody(id: string, expiresAt: Date): Buffer {
  const hex = id.replaceAll('-', '').toLowerCase();
  if (!/^[0-9a-f]{32}$/.test(hex)) throw new TypeError('a confirmation id is a UUID');
  const body = Buffer.alloc(BODY_BYTES);
  Buffer.from(hex, 'hex').copy(body, 0);
  body.writeBigUInt64BE(BigInt(wholeSeconds(expiresAt)), ID_BYTES);
  return body;
}

const mac = (key: Buffer, body: Buffer): Buffer => createHmac('sha256', key).update(body).digest();

/** The link token of confirmation `id` expiring at `expiresAt` (whole seconds count). */
export function confirmationToken(key: Buffer, id: string, expiresAt: Date): string {
  const body = tokenBody(id, expiresAt);
  return `${body.toString('base64url')}.${mac(key, body).toString('base64url')}`;
}

/** What HQ stores of a token. */
export function confirmationTokenHash(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Text of base64url that decodes to `bytes` bytes and has no other spelling; null otherwise. */
function canonicalBase64url(text: string, bytes: number): Buffer | null {
  const decoded = Buffer.from(text, 'base64url');
  // Node ignores the unused low bits of the last character: re-encoding catches a token spelled
  // two ways, so each token has exactly one hash.
  return decoded.length === bytes && decoded.toString('base64url') === text ? decoded : null;
}

/**
 * The confirmation id and expiry a token names, if HQ signed it with `key`; null for anything else
 * (malformed, cut short, altered, another key). Whether it is still valid is the database's to say.
 */
export function verifyConfirmationToken(key: Buffer, token: string): { id: string; expiresAt: Date } | null {
  if (!CONFIRMATION_TOKEN_PATTERN.test(token)) return null;
  const [bodyText = '', macText = ''] = token.split('.');
  const body = canonicalBase64url(bodyText, BODY_BYTES);
  const given = canonicalBase64url(macText, MAC_BYTES);
  if (body === null || given === null) return null;
  if (!timingSafeEqual(mac(key, body), given)) return null;
  const seconds = body.readBigUInt64BE(ID_BYTES);
  if (seconds > MAX_DATE_SECONDS) return null;
  const hex = body.subarray(0, ID_BYTES).toString('hex');
  const id = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  return { id, expiresAt: new Date(Number(seconds) * 1000) };
}

export interface ConsentChange {
  /** The consents row (the till's op id) the confirmation proves. */
  opId: string;
  memberId: string;
  purpose: ConsentPurpose;
  granted: boolean;
  /** The language of the notice the member was shown: the e-mail is written in it. */
  language: Language;
}

/** Ends every confirmation of the member still waiting: its link stops working. */
async function supersedeWaiting(tx: Queryable, memberId: string, now: Date): Promise<void> {
  await tx.query(
    `UPDATE consent_confirmations SET superseded_at = $2
      WHERE member_id = $1 AND confirmed_at IS NULL AND superseded_at IS NULL`,
    [memberId, now],
  );
}

/**
 * What a consent change does to double opt-in, in the transaction that records it, with the member
 * locked and before the member's marketing flag is changed. A grant of marketing e-mail starts a
 * confirmation (replacing any still waiting), unless the member already grants and stands confirmed:
 * a repeated grant has nothing new to confirm. A withdrawal ends the confirmation and every link
 * still waiting, so no audience counts the member from this sync on.
 */
export async function applyConsentToConfirmations(tx: Queryable, change: ConsentChange, now: Date): Promise<void> {
  if (change.purpose !== 'marketing_email') return;
  if (!change.granted) {
    await supersedeWaiting(tx, change.memberId, now);
    await tx.query('UPDATE members SET marketing_email_confirmed_at = NULL WHERE id = $1', [change.memberId]);
    return;
  }
  const member = (
    await tx.query<{ marketing_email: boolean; marketing_email_confirmed_at: Date | null }>(
      'SELECT marketing_email, marketing_email_confirmed_at FROM members WHERE id = $1',
      [change.memberId],
    )
  ).rows[0];
  if (member?.marketing_email === true && member.marketing_email_confirmed_at !== null) return;
  await supersedeWaiting(tx, change.memberId, now);
  const policy = await readPrivacyPolicy(tx);
  // Whole seconds: the token carries the expiry in seconds and must name exactly the row's.
  const expiresAt = new Date((wholeSeconds(now) + policy.confirmationTtlHours * 3600) * 1000);
  await tx.query(
    `INSERT INTO consent_confirmations (id, member_id, consent_op_id, purpose, language, token_hash, created_at, expires_at)
     VALUES ($1, $2, $3, $4, $5, NULL, $6, $7)`,
    [randomUUID(), change.memberId, change.opId, change.purpose, change.language, now, expiresAt],
  );
}

/**
 * A member's e-mail address changed: the confirmation was of the old address, so it ends, and if
 * marketing e-mail is still granted a new confirmation starts for the new address (tied to the
 * latest grant). Called in the transaction of the change, with the member locked.
 */
export async function restartConfirmationForNewEmail(tx: Queryable, memberId: string, now: Date): Promise<void> {
  await supersedeWaiting(tx, memberId, now);
  await tx.query('UPDATE members SET marketing_email_confirmed_at = NULL WHERE id = $1', [memberId]);
  const grant = (
    await tx.query<{ op_id: string; notice_language: string; marketing_email: boolean; email: string | null }>(
      `SELECT c.op_id::text AS op_id, c.notice_language, m.marketing_email, m.email
         FROM members m JOIN consents c ON c.member_id = m.id AND c.purpose = 'marketing_email' AND c.granted
        WHERE m.id = $1 ORDER BY c.at DESC, c.op_id DESC LIMIT 1`,
      [memberId],
    )
  ).rows[0];
  if (!grant || !grant.marketing_email || grant.email === null) return;
  await applyConsentToConfirmations(
    tx,
    {
      opId: grant.op_id,
      memberId,
      purpose: 'marketing_email',
      granted: true,
      language: z.enum(LANGUAGES).catch('en').parse(grant.notice_language),
    },
    now,
  );
}

/** Ends the links still waiting for a member (an erasure was asked for: nothing more is confirmed). */
export async function endWaitingConfirmations(tx: Queryable, memberId: string, now: Date): Promise<void> {
  await supersedeWaiting(tx, memberId, now);
}

export interface PendingConfirmation {
  id: string;
  email: string;
  language: Language;
  token: string;
  expiresAt: Date;
}

const StoredLanguage = z.enum(LANGUAGES);

/**
 * Confirmations whose e-mail is still to be sent, oldest first: not sent, confirmed, replaced or
 * expired, for members not erased who still grant marketing e-mail and have an address. Each
 * token's hash is stored the first time it is handed out (the push path has no key to make it).
 */
export async function pendingConfirmations(
  tx: Queryable,
  key: Buffer,
  now: Date,
  limit: number,
  keys: DataKeys,
): Promise<PendingConfirmation[]> {
  const found = await tx.query<{
    id: string;
    member_id: string;
    language: string;
    expires_at: Date;
    token_hash: string | null;
    email: string;
  }>(
    `SELECT c.id, c.member_id, c.language, c.expires_at, c.token_hash, m.email
       FROM consent_confirmations c JOIN members m ON m.id = c.member_id
      WHERE c.dispatched_at IS NULL AND c.confirmed_at IS NULL AND c.superseded_at IS NULL AND c.expires_at > $1
        AND m.erased_at IS NULL AND m.marketing_email AND m.email IS NOT NULL
      ORDER BY c.created_at, c.id LIMIT $2`,
    [now, limit],
  );
  const pending: PendingConfirmation[] = [];
  for (const row of found.rows) {
    const expiresAt = new Date(row.expires_at);
    const token = confirmationToken(key, row.id, expiresAt);
    const hash = confirmationTokenHash(token);
    // A different stored hash means the master key changed: the link made now is the one that works.
    if (row.token_hash !== hash) {
      await tx.query('UPDATE consent_confirmations SET token_hash = $2 WHERE id = $1', [row.id, hash]);
    }
    const email = keys.open('member-contacts', row.email, sealedAt(MEMBER_EMAIL, row.member_id));
    pending.push({ id: row.id, email, language: StoredLanguage.parse(row.language), token, expiresAt });
  }
  return pending;
}

/**
 * Records that the mail service's SMTP server accepted these confirmations' e-mails. Only links
 * that were handed out and not yet marked: a retry marks nothing twice. Returns how many it marked.
 */
export async function markConfirmationsDispatched(tx: Queryable, ids: readonly string[], now: Date): Promise<number> {
  const marked = await tx.query(
    `UPDATE consent_confirmations SET dispatched_at = $2
      WHERE id = ANY($1::uuid[]) AND dispatched_at IS NULL AND token_hash IS NOT NULL RETURNING id`,
    [ids, now],
  );
  return marked.rows.length;
}

const sameHex = (a: string, b: string): boolean =>
  a.length === b.length && timingSafeEqual(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

const StoredPurpose = z.enum(CONSENT_PURPOSES);

/**
 * The member's click: confirms the confirmation `token` names, once, while it waits and has not
 * expired, for a member who is not erased and still grants marketing e-mail. Sets the member's
 * marketing_email_confirmed_at. Anything else throws ConsentConfirmationError (one code, whatever
 * the cause) and changes nothing.
 */
export async function confirmMarketingEmail(
  tx: Queryable,
  key: Buffer,
  token: string,
  now: Date,
): Promise<{ confirmationId: string; memberId: string; purpose: ConsentPurpose }> {
  const claims = verifyConfirmationToken(key, token);
  if (claims === null || claims.expiresAt.getTime() <= now.getTime()) throw new ConsentConfirmationError();
  const row = (
    await tx.query<{ member_id: string | null; token_hash: string | null; expires_at: Date }>(
      'SELECT member_id, token_hash, expires_at FROM consent_confirmations WHERE id = $1',
      [claims.id],
    )
  ).rows[0];
  // Never handed out (no hash) or handed out under another key: not a link HQ gave anyone.
  if (
    !row ||
    row.member_id === null ||
    row.token_hash === null ||
    !sameHex(row.token_hash, confirmationTokenHash(token))
  )
    throw new ConsentConfirmationError();
  if (wholeSeconds(new Date(row.expires_at)) !== wholeSeconds(claims.expiresAt)) throw new ConsentConfirmationError();
  // The member row lock every change to a member takes first; an erased member is not found.
  if (!(await lockMember(tx, row.member_id))) throw new ConsentConfirmationError();
  const granted = await tx.query('SELECT 1 FROM members WHERE id = $1 AND marketing_email', [row.member_id]);
  if (granted.rows.length === 0) throw new ConsentConfirmationError();
  // One use, decided under the row's own lock: of two clicks at once, one confirms.
  const used = await tx.query<{ purpose: string }>(
    `UPDATE consent_confirmations SET confirmed_at = $2
      WHERE id = $1 AND confirmed_at IS NULL AND superseded_at IS NULL AND expires_at > $2 RETURNING purpose`,
    [claims.id, now],
  );
  const confirmed = used.rows[0];
  if (!confirmed) throw new ConsentConfirmationError();
  await tx.query('UPDATE members SET marketing_email_confirmed_at = $2 WHERE id = $1', [row.member_id, now]);
  return { confirmationId: claims.id, memberId: row.member_id, purpose: StoredPurpose.parse(confirmed.purpose) };
}
