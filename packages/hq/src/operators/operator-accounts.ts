import { z } from 'zod';
import type { FieldIssue } from '../../../../src/shared/errors';
import { toFieldIssues } from '../../../../src/shared/ipc/validation';
import type { Queryable } from '../db/database';
import { CodedError } from '../errors';
import { issueEnrolment, operatorSecretAt, type OperatorDeps, type TotpDeps } from './enrolment';
import {
  accountKey,
  admitLoginAttempt,
  clearAccountFailures,
  clientKey,
  loginFailed,
  normalizeEmail,
  secondsToWait,
} from './login-throttle';
import { hashOperatorPassword, passwordNeedsRehash, verifyOperatorPassword } from './passwords';
import { looksLikeRecoveryCode, redeemRecoveryCode } from './recovery-codes';
import { matchTotp } from './totp';

export type { OperatorDeps, TotpDeps } from './enrolment';

/** operators_exist: the first admin is made once; invalid_argument: `issues` name the fields. */
export type OperatorAccountErrorCode = 'operators_exist' | 'invalid_argument' | 'operator_not_found';

export class OperatorAccountError extends CodedError<OperatorAccountErrorCode> {
  readonly issues: readonly FieldIssue[];

  constructor(code: OperatorAccountErrorCode, message: string, issues: readonly FieldIssue[] = []) {
    super(code, message);
    this.issues = issues;
  }
}

export const NewOperatorInput = z.object({
  email: z.string().max(254).transform(normalizeEmail).pipe(z.email()),
  displayName: z
    .string()
    .transform((name) => name.normalize('NFKC').trim())
    .pipe(z.string().min(1).max(100)),
});
export type NewOperatorInput = z.input<typeof NewOperatorInput>;

/** A version 4 UUID from `random`, so tests decide ids as they decide everything else. */
function uuidFrom(random: (size: number) => Buffer): string {
  const bytes = random(16);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Advisory lock key (one-key form) serializing the "is there any operator yet" check. */
const FIRST_ADMIN_LOCK = 7283;

/**
 * The first chain admin, from the command line, and only while HQ has no operator at all: returns
 * the one-time enrolment token (the caller prints the link; valid 24 h). Role assignment is the
 * caller's (migration 9's operator_roles), in the transaction `inTransaction` runs in.
 */
export async function createFirstAdmin(
  deps: OperatorDeps,
  input: NewOperatorInput,
  inTransaction?: (tx: Queryable, operatorId: string) => Promise<void>,
): Promise<{ operatorId: string; enrolmentToken: string; expiresAt: Date }> {
  const parsed = NewOperatorInput.safeParse(input);
  if (!parsed.success) {
    throw new OperatorAccountError(
      'invalid_argument',
      'the operator is not valid',
      toFieldIssues(parsed.error, 'detailed'),
    );
  }
  const now = deps.now();
  return deps.db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [FIRST_ADMIN_LOCK]);
    const any = await tx.query('SELECT 1 FROM operators LIMIT 1');
    if (any.rows.length > 0) throw new OperatorAccountError('operators_exist', 'HQ already has operators');
    const operatorId = uuidFrom(deps.random);
    await tx.query(
      `INSERT INTO operators (id, email, display_name, status, created_at, created_by)
       VALUES ($1, $2, $3, 'active', $4, NULL)`,
      [operatorId, parsed.data.email, parsed.data.displayName, now],
    );
    await inTransaction?.(tx, operatorId);
    const { token, expiresAt } = await issueEnrolment(tx, operatorId, { now, random: deps.random });
    return { operatorId, enrolmentToken: token, expiresAt };
  });
}

export interface LoginAttempt {
  email: string;
  password: string;
  /** A 6-digit TOTP code or a recovery code. */
  secondFactor: string;
  /** The socket's address (never X-Forwarded-For). */
  clientAddress: string;
}

/**
 * One answer for every failure (unknown e-mail, wrong password, wrong or reused code, disabled or
 * locked account, throttled): the caller cannot tell which. retryAfterSeconds, when set, is how long
 * the next try must wait; it depends only on failure counts, never on whether the account exists.
 */
export type LoginResult =
  | { ok: true; operatorId: string; usedRecoveryCode: boolean }
  | { ok: false; code: 'login_failed'; retryAfterSeconds?: number };

export type SecondFactorKind = 'totp' | 'recovery_code' | 'passkey';

interface OperatorRow {
  id: string;
  status: string;
  password_hash: string | null;
  totp_secret: string | null;
  totp_last_step: unknown;
  locked_at: unknown;
}

/** TOTP checked against this when the account has none, so every login does the same work. */
const DUMMY_TOTP_SECRET = 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';

function failed(retryAfterSeconds: number): LoginResult {
  return retryAfterSeconds > 0
    ? { ok: false, code: 'login_failed', retryAfterSeconds }
    : { ok: false, code: 'login_failed' };
}

/**
 * Checks a login's second factor, after the password. `operator` is undefined for an unknown e-mail;
 * `usable` says the account is active, unlocked and the password was right: only then may the check
 * spend anything (a TOTP step, a recovery code, a passkey's counter). Returns the factor that passed,
 * or null.
 */
export type SecondFactorCheck = (
  operator: { id: string; totpSecret: string | null; totpLastStep: number | null } | undefined,
  usable: boolean,
  now: Date,
) => Promise<SecondFactorKind | null>;

/**
 * Password, then second factor, under the login throttle (login-throttle.ts). An unknown e-mail
 * still costs one argon2 verification (against a dummy hash) and one TOTP check. A second factor is
 * spent (its TOTP step recorded, or the recovery code marked used) only when everything else passed.
 */
export async function verifyLogin(deps: TotpDeps, attempt: LoginAttempt): Promise<LoginResult> {
  return verifyPasswordAndSecondFactor(deps, attempt, (operator, usable, now) =>
    checkCodeFactor(deps, attempt.secondFactor, operator, usable, now),
  );
}

/** A 6-digit TOTP code or a recovery code as the second factor. */
async function checkCodeFactor(
  deps: OperatorDeps,
  secondFactor: string,
  operator: Parameters<SecondFactorCheck>[0],
  usable: boolean,
  now: Date,
): Promise<SecondFactorKind | null> {
  if (/^\d{6}$/.test(secondFactor)) {
    const step = matchTotp(
      operator?.totpSecret ?? DUMMY_TOTP_SECRET,
      secondFactor,
      now,
      operator?.totpLastStep ?? null,
    );
    if (!usable || operator === undefined || operator.totpSecret === null || step === null) return null;
    // Only one login spends a step: a replay racing this one finds the step already taken.
    const spent = await deps.db.query(
      `UPDATE operators SET totp_last_step = $2
        WHERE id = $1 AND (totp_last_step IS NULL OR totp_last_step < $2) RETURNING 1 AS spent`,
      [operator.id, step],
    );
    return spent.rows.length === 1 ? 'totp' : null;
  }
  if (looksLikeRecoveryCode(secondFactor)) {
    const matched = await redeemRecoveryCode(deps.db, operator?.id ?? '', secondFactor, { now, consume: usable });
    return usable && matched ? 'recovery_code' : null;
  }
  return null;
}

/**
 * The one login procedure every second factor goes through: the throttle's admission, the password
 * (argon2 even for an unknown e-mail), `checkSecondFactor`, then the failure count or its clearing.
 * Every failure is the same LoginResult.
 */
export async function verifyPasswordAndSecondFactor(
  deps: TotpDeps,
  attempt: Omit<LoginAttempt, 'secondFactor'>,
  checkSecondFactor: SecondFactorCheck,
): Promise<LoginResult> {
  const now = deps.now();
  const keys = { accountKey: accountKey(attempt.email), clientKey: clientKey(attempt.clientAddress) };
  const admission = await admitLoginAttempt(deps.db, keys, now);
  if (!admission.admitted) return failed(admission.retryAfterSeconds);

  const found = await deps.db.query<OperatorRow>(
    'SELECT id, status, password_hash, totp_secret, totp_last_step, locked_at FROM operators WHERE email = $1',
    [normalizeEmail(attempt.email)],
  );
  const operator = found.rows[0];
  const passwordOk = await verifyOperatorPassword(operator?.password_hash ?? null, attempt.password);
  const usable = operator !== undefined && operator.status === 'active' && operator.locked_at === null && passwordOk;

  const passed = await checkSecondFactor(
    operator === undefined
      ? undefined
      : {
          id: operator.id,
          // Sealed at rest: opened only for this check.
          totpSecret: deps.keys.openOrNull('operator-totp', operator.totp_secret, operatorSecretAt(operator.id)),
          totpLastStep: operator.totp_last_step === null ? null : Number(operator.totp_last_step),
        },
    usable,
    now,
  );

  if (passed === null || !usable || operator === undefined) {
    await loginFailed(deps.db, { accountKey: keys.accountKey, operatorId: operator?.id ?? null, now });
    return failed(await secondsToWait(deps.db, keys, now));
  }
  await clearAccountFailures(deps.db, keys.accountKey);
  if (operator.password_hash !== null && passwordNeedsRehash(operator.password_hash)) {
    await deps.db.query('UPDATE operators SET password_hash = $2 WHERE id = $1', [
      operator.id,
      await hashOperatorPassword(attempt.password),
    ]);
  }
  return { ok: true, operatorId: operator.id, usedRecoveryCode: passed === 'recovery_code' };
}

/** An admin lifts a lockout: the account starts again from no failures. (Who may: a later session's roles.) */
export async function unlockOperator(deps: OperatorDeps, operatorId: string): Promise<void> {
  await deps.db.transaction(async (tx) => {
    const rows = await tx.query<{ email: string }>(
      'UPDATE operators SET locked_at = NULL WHERE id = $1 RETURNING email',
      [operatorId],
    );
    const row = rows.rows[0];
    if (!row) throw new OperatorAccountError('operator_not_found', `no operator ${operatorId}`);
    await clearAccountFailures(tx, accountKey(row.email));
  });
}
