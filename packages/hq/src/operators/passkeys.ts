import { createHash, randomUUID } from 'node:crypto';
import { isIP } from 'node:net';
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type AuthenticatorTransport,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { isoBase64URL } from '@simplewebauthn/server/helpers';
import { toInt, type Queryable } from '../db/database';
import { CodedError } from '../errors';

/**
 * WebAuthn passkeys as an operator's second factor beside TOTP (migration 11). A passkey stands in
 * for the TOTP code at login, never for the password. Passkeys are discoverable credentials and the
 * login options never list any (allowCredentials is empty for everyone), so the options for a known
 * e-mail, an unknown one and an account without passkeys are the same. Challenges are random, kept
 * only as their SHA-256, live 5 minutes and are spent once.
 */
export const PASSKEY_CHALLENGE_TTL_MS = 5 * 60 * 1000;
export const PASSKEY_RP_NAME = 'Loyalty Desk HQ';
/** ES256 and RS256: what platform authenticators and security keys make. */
const ALGORITHMS = [-7, -257];
const TRANSPORTS: readonly AuthenticatorTransport[] = ['ble', 'hybrid', 'internal', 'nfc', 'usb'];

export type PasskeyErrorCode = 'passkey_unavailable' | 'passkey_invalid' | 'passkey_not_found';

export class PasskeyError extends CodedError<PasskeyErrorCode> {}

/** The relying party: the console's public origin and its host name as RP ID. */
export interface RelyingParty {
  id: string;
  origin: string;
}

/** The relying party of `publicOrigin`, or null when its host is an IP address (WebAuthn refuses those). */
export function relyingPartyOf(publicOrigin: string): RelyingParty | null {
  const url = new URL(publicOrigin);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (isIP(host) !== 0 || host === '') return null;
  return { id: host, origin: url.origin };
}

export function requireRelyingParty(publicOrigin: string): RelyingParty {
  const rp = relyingPartyOf(publicOrigin);
  if (!rp) throw new PasskeyError('passkey_unavailable', 'Passkeys need the console opened by a host name.');
  return rp;
}

const challengeHash = (challenge: string): string => createHash('sha256').update(challenge, 'utf8').digest('hex');

type Purpose = 'register' | 'login';

async function storeChallenge(
  q: Queryable,
  challenge: string,
  operatorId: string | null,
  purpose: Purpose,
  now: Date,
): Promise<void> {
  await q.query('DELETE FROM operator_passkey_challenges WHERE expires_at <= $1', [now]);
  await q.query(
    `INSERT INTO operator_passkey_challenges (challenge_hash, operator_id, purpose, expires_at)
     VALUES ($1, $2, $3, $4)`,
    [challengeHash(challenge), operatorId, purpose, new Date(now.getTime() + PASSKEY_CHALLENGE_TTL_MS)],
  );
}

/** Spends a challenge HQ handed out for `purpose` (and `operatorId`): true once, within its 5 minutes. */
async function spendChallenge(
  q: Queryable,
  challenge: string,
  purpose: Purpose,
  operatorId: string | null,
  now: Date,
): Promise<boolean> {
  const spent = await q.query(
    `UPDATE operator_passkey_challenges SET used_at = $4
      WHERE challenge_hash = $1 AND purpose = $2 AND coalesce(operator_id, '') = $3
        AND used_at IS NULL AND expires_at > $4
      RETURNING 1 AS spent`,
    [challengeHash(challenge), purpose, operatorId ?? '', now],
  );
  return spent.rows.length === 1;
}

/** The challenge a client data JSON (base64url) answers, or null when it is not client data. */
export function challengeOf(clientDataJSON: string): string | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(clientDataJSON, 'base64url').toString('utf8'));
  } catch (error) {
    if (error instanceof SyntaxError) return null;
    throw error;
  }
  if (typeof parsed !== 'object' || parsed === null) return null;
  const challenge = (parsed as { challenge?: unknown }).challenge;
  return typeof challenge === 'string' && /^[A-Za-z0-9_-]{16,200}$/.test(challenge) ? challenge : null;
}

function transportsOf(text: string): AuthenticatorTransport[] {
  return text.split(',').filter((t): t is AuthenticatorTransport => (TRANSPORTS as readonly string[]).includes(t));
}

export interface PasskeySummary {
  passkeyId: string;
  label: string;
  createdAt: string;
  lastUsedAt: string | null;
}

export async function listPasskeys(q: Queryable, operatorId: string): Promise<PasskeySummary[]> {
  const rows = await q.query<{ id: string; label: string; created_at: Date; last_used_at: Date | null }>(
    `SELECT id, label, created_at, last_used_at FROM operator_passkeys WHERE operator_id = $1
      ORDER BY created_at, id`,
    [operatorId],
  );
  return rows.rows.map((row) => ({
    passkeyId: row.id,
    label: row.label,
    createdAt: new Date(row.created_at).toISOString(),
    lastUsedAt: row.last_used_at === null ? null : new Date(row.last_used_at).toISOString(),
  }));
}

/** Options for the operator's browser to make a new passkey (attestation 'none', discoverable). */
export async function passkeyRegistrationOptions(
  q: Queryable,
  rp: RelyingParty,
  operatorId: string,
  now: Date,
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const found = await q.query<{ email: string; display_name: string }>(
    'SELECT email, display_name FROM operators WHERE id = $1',
    [operatorId],
  );
  const operator = found.rows[0];
  if (!operator) throw new PasskeyError('passkey_not_found', `no operator ${operatorId}`);
  const existing = await q.query<{ credential_id: string; transports: string }>(
    'SELECT credential_id, transports FROM operator_passkeys WHERE operator_id = $1',
    [operatorId],
  );
  const options = await generateRegistrationOptions({
    rpName: PASSKEY_RP_NAME,
    rpID: rp.id,
    userName: operator.email,
    userDisplayName: operator.display_name,
    userID: new Uint8Array(Buffer.from(operatorId, 'utf8')),
    attestationType: 'none',
    excludeCredentials: existing.rows.map((row) => ({
      id: row.credential_id,
      transports: transportsOf(row.transports),
    })),
    authenticatorSelection: { residentKey: 'required', userVerification: 'preferred' },
    supportedAlgorithmIDs: ALGORITHMS,
    timeout: PASSKEY_CHALLENGE_TTL_MS,
  });
  await storeChallenge(q, options.challenge, operatorId, 'register', now);
  return options;
}

/**
 * Verifies a new passkey against a registration challenge HQ gave this operator, and stores it.
 * Any mismatch (challenge, origin, RP ID, signature, a credential already registered) is
 * passkey_invalid.
 */
export async function registerPasskey(
  q: Queryable,
  rp: RelyingParty,
  operatorId: string,
  input: { label: string; registration: RegistrationResponseJSON },
  now: Date,
): Promise<{ passkeyId: string; credentialId: string }> {
  const invalid = () => new PasskeyError('passkey_invalid', 'The passkey could not be verified.');
  const challenge = challengeOf(input.registration.response.clientDataJSON);
  if (challenge === null || !(await spendChallenge(q, challenge, 'register', operatorId, now))) throw invalid();
  const verification = await verifyRegistrationResponse({
    response: input.registration,
    expectedChallenge: challenge,
    expectedOrigin: rp.origin,
    expectedRPID: rp.id,
    requireUserVerification: false,
    supportedAlgorithmIDs: ALGORITHMS,
  }).catch((error: unknown) => {
    // The library throws an Error for every mismatch it finds; a TypeError would be a bug here.
    if (error instanceof Error && !(error instanceof TypeError)) return { verified: false as const };
    throw error;
  });
  if (!verification.verified) throw invalid();
  const { credential } = verification.registrationInfo;
  const taken = await q.query('SELECT 1 FROM operator_passkeys WHERE credential_id = $1', [credential.id]);
  if (taken.rows.length > 0) throw invalid();
  const passkeyId = randomUUID();
  await q.query(
    `INSERT INTO operator_passkeys
       (id, credential_id, operator_id, public_key, sign_count, transports, label, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [
      passkeyId,
      credential.id,
      operatorId,
      isoBase64URL.fromBuffer(credential.publicKey),
      credential.counter,
      transportsOf((credential.transports ?? []).join(',')).join(','),
      input.label,
      now,
    ],
  );
  return { passkeyId, credentialId: credential.id };
}

/** Removes one of the operator's passkeys (their TOTP stays: it is never removed here). */
export async function removePasskey(q: Queryable, operatorId: string, passkeyId: string): Promise<{ label: string }> {
  const removed = await q.query<{ label: string }>(
    'DELETE FROM operator_passkeys WHERE id = $1 AND operator_id = $2 RETURNING label',
    [passkeyId, operatorId],
  );
  const row = removed.rows[0];
  if (!row) throw new PasskeyError('passkey_not_found', `no passkey ${passkeyId}`);
  return row;
}

/**
 * Options for a passkey login. They do not depend on the e-mail at all (no allowCredentials: the
 * passkeys are discoverable), so they cannot tell whether the account exists or has a passkey.
 */
export async function passkeyLoginOptions(
  q: Queryable,
  rp: RelyingParty,
  now: Date,
): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const options = await generateAuthenticationOptions({
    rpID: rp.id,
    allowCredentials: [],
    userVerification: 'preferred',
    timeout: PASSKEY_CHALLENGE_TTL_MS,
  });
  await storeChallenge(q, options.challenge, null, 'login', now);
  return options;
}

/**
 * Checks a login's passkey signature: the challenge is one HQ handed out for a login and is spent
 * now whatever else happens (a replayed assertion finds it used); the credential must be one of
 * `operatorId`'s; the signature, origin and RP ID must verify; the counter must have gone up (a
 * clone's lower or equal counter is refused). Only when `consume` (the password and account were
 * good) is the new counter stored, and only if no other login stored a higher one first.
 */
export async function checkPasskeyAssertion(
  q: Queryable,
  rp: RelyingParty,
  operatorId: string | null,
  assertion: AuthenticationResponseJSON,
  options: { now: Date; consume: boolean },
): Promise<boolean> {
  const challenge = challengeOf(assertion.response.clientDataJSON);
  if (challenge === null) return false;
  const spent = await spendChallenge(q, challenge, 'login', null, options.now);
  if (!spent || operatorId === null) return false;
  const found = await q.query<{ id: string; public_key: string; sign_count: unknown; transports: string }>(
    `SELECT id, public_key, sign_count, transports FROM operator_passkeys
      WHERE credential_id = $1 AND operator_id = $2`,
    [assertion.id, operatorId],
  );
  const row = found.rows[0];
  if (!row) return false;
  const counter = toInt(row.sign_count);
  const verification = await verifyAuthenticationResponse({
    response: assertion,
    expectedChallenge: challenge,
    expectedOrigin: rp.origin,
    expectedRPID: rp.id,
    credential: {
      id: assertion.id,
      publicKey: isoBase64URL.toBuffer(row.public_key),
      counter,
      transports: transportsOf(row.transports),
    },
    requireUserVerification: false,
  }).catch((error: unknown) => {
    // The library throws an Error for every mismatch it finds (counter included); a TypeError is a bug.
    if (error instanceof Error && !(error instanceof TypeError)) return null;
    throw error;
  });
  if (verification === null || !verification.verified || !options.consume) return false;
  const newCounter = verification.authenticationInfo.newCounter;
  const stored = await q.query(
    `UPDATE operator_passkeys SET sign_count = $2, last_used_at = $3
      WHERE id = $1 AND (sign_count < $2 OR (sign_count = 0 AND $2 = 0)) RETURNING 1 AS stored`,
    [row.id, newCounter, options.now],
  );
  return stored.rows.length === 1;
}
