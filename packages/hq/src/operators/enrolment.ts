import { createHash } from 'node:crypto';
import type { HqDatabase, Queryable } from '../db/database';
import { CodedError } from '../errors';
import { checkOperatorPassword, type PasswordRefusal } from './password-policy';
import { hashOperatorPassword } from './passwords';
import { issueRecoveryCodes } from './recovery-codes';
import { matchTotp, newTotpSecret, totpUri } from './totp';
import type { DataKeys } from '../keys/data-keys';

/**
 * One-time enrolment links: an operator made by an admin (or the first admin, from the command
 * line) gets a token, 32 random bytes, valid 24 h; only its SHA-256 is stored. Opening it offers a
 * TOTP secret; completing it sets the password (after the policy), confirms the authenticator with
 * a code, and hands back the recovery codes, once. A token is used once, and completing one spends
 * every other open link of that operator.
 */
export const ENROLMENT_TTL_MS = 24 * 60 * 60 * 1000;
const TOKEN_BYTES = 32;

/** What HQ's operator functions need, passed in so tests control the database, time and randomness. */
export interface OperatorDeps {
  db: HqDatabase;
  now: () => Date;
  random: (size: number) => Buffer;
}

/** What reads or writes a TOTP secret needs besides: the secrets are sealed at rest (keys/sealed-columns.ts). */
export interface TotpDeps extends OperatorDeps {
  keys: DataKeys;
}

/** Where an enrolment link's offered secret lives (its row's key is the token hash). */
const enrolmentSecretAt = (tokenHashHex: string) =>
  ({ table: 'operator_enrolments', column: 'totp_secret', rowId: tokenHashHex }) as const;
/** Where an enrolled operator's secret lives. */
export const operatorSecretAt = (operatorId: string) =>
  ({ table: 'operators', column: 'totp_secret', rowId: operatorId }) as const;

/**
 * enrolment_invalid: unknown, expired or used (one code: the answer does not tell which);
 * password_refused: `reasons` say why; totp_invalid: the code does not match the offered secret.
 */
export type EnrolmentErrorCode = 'enrolment_invalid' | 'password_refused' | 'totp_invalid';

export class EnrolmentError extends CodedError<EnrolmentErrorCode> {
  readonly reasons: readonly PasswordRefusal[];

  constructor(code: EnrolmentErrorCode, message: string, reasons: readonly PasswordRefusal[] = []) {
    super(code, message);
    this.reasons = reasons;
  }
}

function tokenHash(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** A new link for `operatorId`, inside the caller's transaction: the token to put in the link. */
export async function issueEnrolment(
  tx: Queryable,
  operatorId: string,
  deps: { now: Date; random: (size: number) => Buffer },
): Promise<{ token: string; expiresAt: Date }> {
  const token = deps.random(TOKEN_BYTES).toString('base64url');
  const expiresAt = new Date(deps.now.getTime() + ENROLMENT_TTL_MS);
  await tx.query(
    'INSERT INTO operator_enrolments (token_hash, operator_id, created_at, expires_at) VALUES ($1, $2, $3, $4)',
    [tokenHash(token), operatorId, deps.now, expiresAt],
  );
  return { token, expiresAt };
}

interface OpenRow {
  operator_id: string;
  email: string;
  display_name: string;
  totp_secret: string | null;
  expires_at: Date | string;
}

async function openRow(q: Queryable, token: string, now: Date, lock: boolean): Promise<OpenRow> {
  const rows = await q.query<OpenRow>(
    `SELECT e.operator_id, o.email, o.display_name, e.totp_secret, e.expires_at
       FROM operator_enrolments e JOIN operators o ON o.id = e.operator_id
      WHERE e.token_hash = $1 AND e.used_at IS NULL AND e.expires_at > $2 AND o.status = 'active'
      ${lock ? 'FOR UPDATE OF e' : ''}`,
    [tokenHash(token), now],
  );
  const row = rows.rows[0];
  if (!row) throw new EnrolmentError('enrolment_invalid', 'this enrolment link is unknown, expired or used');
  return row;
}

export interface OpenedEnrolment {
  operatorId: string;
  email: string;
  displayName: string;
  /** Base32, for typing in by hand; the same one each time the link is opened until it is used. */
  totpSecret: string;
  totpUri: string;
  expiresAt: Date;
}

/** What the enrolment page shows: who is enrolling and the TOTP secret to scan (made at first open). */
export async function openEnrolment(deps: TotpDeps, token: string): Promise<OpenedEnrolment> {
  return deps.db.transaction(async (tx) => {
    const row = await openRow(tx, token, deps.now(), true);
    const at = enrolmentSecretAt(tokenHash(token));
    let secret = deps.keys.openOrNull('operator-totp', row.totp_secret, at);
    if (secret === null) {
      secret = newTotpSecret(deps.random);
      await tx.query('UPDATE operator_enrolments SET totp_secret = $2 WHERE token_hash = $1', [
        tokenHash(token),
        deps.keys.seal('operator-totp', secret, at),
      ]);
    }
    return {
      operatorId: row.operator_id,
      email: row.email,
      displayName: row.display_name,
      totpSecret: secret,
      totpUri: totpUri(secret, row.email),
      expiresAt: new Date(row.expires_at),
    };
  });
}

/**
 * Finishes enrolment: the password must pass the policy (with the operator's e-mail and name as
 * context) and `totpCode` must match the secret the link offered. Returns the recovery codes, the
 * only time they are ever shown. The TOTP step of `totpCode` counts as used, so it cannot log in.
 */
export async function completeEnrolment(
  deps: TotpDeps,
  token: string,
  password: string,
  totpCode: string,
): Promise<{ operatorId: string; recoveryCodes: string[] }> {
  const now = deps.now();
  const row = await openRow(deps.db, token, now, false);
  const check = checkOperatorPassword(password, { email: row.email, displayName: row.display_name });
  if (!check.ok) throw new EnrolmentError('password_refused', 'the password does not meet the policy', check.reasons);
  if (row.totp_secret === null) {
    throw new EnrolmentError('totp_invalid', 'open the enrolment link first to get the authenticator secret');
  }
  const secret = deps.keys.open('operator-totp', row.totp_secret, enrolmentSecretAt(tokenHash(token)));
  const step = matchTotp(secret, totpCode, now, null);
  if (step === null) throw new EnrolmentError('totp_invalid', 'the authenticator code does not match');
  // argon2 (~100 ms) before the transaction, so it holds no lock meanwhile.
  const passwordHash = await hashOperatorPassword(check.password);
  return deps.db.transaction(async (tx) => {
    const locked = await openRow(tx, token, now, true);
    if (locked.totp_secret !== row.totp_secret) {
      throw new EnrolmentError('enrolment_invalid', 'this enrolment link is unknown, expired or used');
    }
    await tx.query(
      'UPDATE operators SET password_hash = $2, totp_secret = $3, totp_last_step = $4, locked_at = NULL WHERE id = $1',
      [row.operator_id, passwordHash, deps.keys.seal('operator-totp', secret, operatorSecretAt(row.operator_id)), step],
    );
    await tx.query('UPDATE operator_enrolments SET used_at = $2 WHERE operator_id = $1 AND used_at IS NULL', [
      row.operator_id,
      now,
    ]);
    const recoveryCodes = await issueRecoveryCodes(tx, row.operator_id, { now, random: deps.random });
    return { operatorId: row.operator_id, recoveryCodes };
  });
}
